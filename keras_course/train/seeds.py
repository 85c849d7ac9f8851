"""``set_seed``: the same seed gives the same figures on a CPU, on every backend."""

import os
import random

import keras
import numpy as np

from keras_course import backend
from keras_course.checks import check_int


def set_seed(seed):
    """Seed Python, NumPy, Keras and the backend; on TensorFlow make its ops deterministic too.

    With the same ``seed`` a CPU run gives the same figures. TensorFlow's op determinism makes
    some GPU kernels slower; that is the price of repeatable results. JAX and PyTorch compute
    deterministically on a CPU as they are (on a GPU, JAX wants
    ``XLA_FLAGS=--xla_gpu_deterministic_ops=true`` before it starts).

    Beware: once the seed is set, ``model.fit(x_array, y_array, shuffle=True)`` visits the
    examples in the same order every epoch (Keras's array adapter re-runs one seeded
    shuffle). Feed ``keras_course.data.make_dataset(x, y, batch_size, seed=seed)`` instead: it
    draws a new, repeatable order each epoch.
    """
    check_int("seed", seed, minimum=0, maximum=2**32 - 1)  # NumPy's seed limit
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))  # seeds Python, NumPy and the backend too
    if backend.name() == "tensorflow":  # the switch exists only there
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
