"""Q2: nonlinearities and their derivatives, written with ``keras.ops``.

Each function takes a tensor or array ``x`` of any shape and returns one of the same shape.
"""

from keras import ops

from keras_course.checks import check_real, describe


def _tensor(x):
    # A str or None would fail deep inside the backend, far from the call.
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"x must be a tensor or an array of numbers, got {describe(x)}")
    return ops.convert_to_tensor(x)


def sigmoid(x):
    """sigma(x) = 1 / (1 + exp(-x)), squashes to (0, 1)."""
    return 1.0 / (1.0 + ops.exp(-_tensor(x)))


def sigmoid_derivative(x):
    """sigma'(x) = sigma(x) (1 - sigma(x)); at most 1/4, which is why deep sigmoid nets vanish."""
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    """max(0, x)."""
    return ops.maximum(_tensor(x), 0.0)


def relu_derivative(x):
    """1 for x > 0, else 0 (the subgradient 0 is used at x = 0, as frameworks do)."""
    x = _tensor(x)
    return ops.cast(x > 0, x.dtype)


def _check_alpha(alpha):
    return check_real("alpha", alpha, minimum=0.0, maximum=1.0, high_open=True)


def leaky_relu(x, alpha=0.01):
    """max(0, x) + alpha * min(0, x): a small slope ``alpha`` for negative inputs."""
    _check_alpha(alpha)
    x = _tensor(x)
    return ops.maximum(x, 0.0) + alpha * ops.minimum(x, 0.0)


def leaky_relu_derivative(x, alpha=0.01):
    """1 for x > 0, else ``alpha``."""
    _check_alpha(alpha)
    x = _tensor(x)
    return ops.where(x > 0, ops.ones_like(x), alpha * ops.ones_like(x))


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
}
