"""The one place for backend-specific code: which Keras backend runs, and what only one has.

Layers, losses, metrics and optimizers are written with ``keras.ops`` and run on every Keras
backend (TensorFlow, JAX, PyTorch). What needs a backend's own machinery (tf.distribute,
``tf.data``, a gradient of an arbitrary function) asks here: ``name()`` says which backend runs,
``require_tensorflow(what)`` stops with a message that says what to use instead.
"""

import importlib.util

import keras

BACKENDS = ("tensorflow", "jax", "torch")


class BackendError(RuntimeError):
    """A feature that the running Keras backend does not have; the message says what to do."""


def name():
    """The running Keras backend: "tensorflow", "jax" or "torch" (``KERAS_BACKEND``)."""
    return keras.backend.backend()


def tensorflow_installed():
    """Whether TensorFlow can be imported (``tf.data`` works with any backend when it can)."""
    return importlib.util.find_spec("tensorflow") is not None


def require_tensorflow(what, instead=None):
    """Raise ``BackendError`` unless the backend is TensorFlow: ``what`` needs it."""
    if name() != "tensorflow":
        hint = f"; {instead}" if instead else "; run with KERAS_BACKEND=tensorflow"
        raise BackendError(f"{what} needs the TensorFlow backend, and Keras runs on {name()}{hint}")
