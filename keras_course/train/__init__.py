"""Training helpers shared by every recipe, on every Keras backend: seeds, callbacks,
distribution, resumable fits.

- ``set_seed`` (``seeds``): same seed, same figures on CPU.
- ``standard_callbacks``, ``StopOnNaN``, ``EpochTimer`` (``callbacks``): early stopping,
  best-model checkpoint and CSV log; the NaN guard; each epoch's wall time in its logs, where
  a resumed ``fit`` keeps it.
- ``get_strategy`` / ``training_context`` (``distribute``): build and train "default",
  "mirrored" or "multi-worker", optionally in mixed precision: ``tf.distribute`` on
  TensorFlow (``tf_distribute``), ``keras.distribution`` on JAX (``jax_distribute``), one
  device on PyTorch. ``cluster.check_cluster`` checks a multi-worker run's environment.
- ``fit`` (``fitting``): the ``model.fit`` every recipe trains with. It checkpoints atomically
  after every epoch (``checkpoints``), resumes from the last checkpoint after a crash or kill
  with the same result as an uninterrupted run, stops with a clear error naming the step when
  the loss becomes NaN, and trains under every strategy.

Importing this package imports TensorFlow only where it is the backend.
"""

from keras_course.train.callbacks import EpochTimer, StopOnNaN, TrainingDiverged, standard_callbacks
from keras_course.train.checkpoints import (
    EpochCheckpoint,
    read_history,
    remove_checkpoints,
    restore_checkpoint,
    save_checkpoint,
)
from keras_course.train.cluster import TF_CONFIG_EXAMPLE, check_tf_config
from keras_course.train.distribute import STRATEGIES, fit_distributed, get_strategy, training_context
from keras_course.train.fitting import fit, replay_epochs
from keras_course.train.seeds import set_seed

__all__ = [
    "STRATEGIES",
    "TF_CONFIG_EXAMPLE",
    "EpochCheckpoint",
    "EpochTimer",
    "StopOnNaN",
    "TrainingDiverged",
    "check_tf_config",
    "fit",
    "fit_distributed",
    "get_strategy",
    "read_history",
    "remove_checkpoints",
    "replay_epochs",
    "restore_checkpoint",
    "save_checkpoint",
    "set_seed",
    "standard_callbacks",
    "training_context",
]
