"""Q11: max-pooling, the maximum over each window; no parameters, a larger receptive field."""

import keras
import numpy as np
from keras import ops

from keras_course.checks import check_array, check_choice
from keras_course.conv.padding import check_int_pair, same_padding

POOL_PADDINGS = ("valid", "same")


def _check_pool_args(pool_size, stride, padding, stride_name="stride"):
    pool = check_int_pair(pool_size, "pool_size")
    strides = pool if stride is None else check_int_pair(stride, stride_name)
    check_choice("padding", padding, POOL_PADDINGS)
    return pool, strides


def max_pool2d(x, pool_size, stride=None, padding="valid"):
    """Max-pooling (NumPy reference): ``out(y, x, c) = max over the window of in(s y + i, s x + j, c)``.

    Args:
        x: (H, W), (H, W, C) or (N, H, W, C).
        pool_size: window, int or (h, w).
        stride: int or (h, w); None means ``pool_size`` (non-overlapping windows).
        padding: "valid" (drop windows that stick out) or "same" (``ceil(H / stride)``
            outputs; the padding is -inf, so it never wins the max).
    """
    x = check_array("x", x, ndim=(2, 3, 4), kind="real", finite=False)  # -inf is a fine value to pool
    _check_pool_args(pool_size, stride, padding)
    if x.ndim == 2:
        return max_pool2d(x[None, :, :, None], pool_size, stride, padding)[0, :, :, 0]
    if x.ndim == 3:
        return max_pool2d(x[None], pool_size, stride, padding)[0]
    (ph, pw), (sh, sw) = _check_pool_args(pool_size, stride, padding)
    x = x.astype(np.float64)
    if padding == "same":
        (top, bottom), (left, right) = same_padding(x.shape[1], ph, sh), same_padding(x.shape[2], pw, sw)
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
    ho, wo = (x.shape[1] - ph) // sh + 1, (x.shape[2] - pw) // sw + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"pool_size {(ph, pw)} is larger than the image {x.shape[1:3]}")
    out = np.full((x.shape[0], ho, wo, x.shape[3]), -np.inf)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, x[:, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw, :])
    return out


@keras.saving.register_keras_serializable(package="keras_course")
class MaxPool2D(keras.layers.Layer):
    """Max-pooling layer, the same as ``keras.layers.MaxPooling2D``.

    Args:
        pool_size: int or (h, w) window.
        strides: int or (h, w); None means ``pool_size``.
        padding: "valid" or "same".

    Shapes: (N, H, W, C) -> (N, Ho, Wo, C); no weights. The gradient flows only to the
    maximum of each window.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size, self.strides = _check_pool_args(pool_size, strides, padding, "strides")
        self.padding = padding
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        return ops.max_pool(inputs, self.pool_size, strides=self.strides, padding=self.padding)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        sizes = []
        for size, k, s in zip((h, w), self.pool_size, self.strides, strict=True):
            if size is None:
                sizes.append(None)
            else:
                sizes.append(-(-size // s) if self.padding == "same" else (size - k) // s + 1)
        return (n, *sizes, c)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides, "padding": self.padding}
