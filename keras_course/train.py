"""Training helpers shared by every recipe: seeds, standard callbacks, distribution strategy."""

import os
import random
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

STRATEGIES = ("default", "mirrored")


def set_seed(seed):
    """Seed Python, NumPy, TensorFlow and Keras, and make TF ops deterministic.

    With the same ``seed`` a CPU run gives the same figures. (Op determinism makes some GPU
    kernels slower; that is the price of repeatable results.)
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))  # seeds Python, NumPy and the backend too
    tf.config.experimental.enable_op_determinism()


def standard_callbacks(run_dir, monitor="val_loss", patience=5):
    """Callbacks for a full run, all writing under ``run_dir``.

    - EarlyStopping on ``monitor`` with the best weights restored;
    - ModelCheckpoint of the best model to ``run_dir/best.keras``;
    - BackupAndRestore to ``run_dir/backup`` so an interrupted ``fit`` resumes where it
      stopped (same epoch, same optimizer state) when started again;
    - CSVLogger of every epoch's logs to ``run_dir/history.csv`` (appending on resume).
    """
    if not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience must be a positive int, got {patience!r}")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(run_dir / "best.keras"), monitor=monitor, save_best_only=True),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]


def get_strategy(name="default"):
    """A ``tf.distribute`` strategy to build models under: ``with get_strategy(n).scope(): ...``.

    ``"default"``: the current device (no distribution). ``"mirrored"``: data parallel over
    all local GPUs, or over the CPU when there is none.
    """
    if name not in STRATEGIES:
        raise ValueError(f"name must be one of {STRATEGIES}, got {name!r}")
    if name == "default":
        return tf.distribute.get_strategy()
    return tf.distribute.MirroredStrategy()
