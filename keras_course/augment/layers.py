"""Augmentation layers Keras does not have, written as small serializable layers."""

import keras
from keras import ops

from keras_course.checks import check_int, check_real, describe


def check_value_range(value_range, name="value_range"):
    """``(lo, hi)`` as floats, finite, with lo < hi (a NaN bound would pass a plain ``<``)."""
    if isinstance(value_range, (str, bytes)) or not hasattr(value_range, "__len__") or len(value_range) != 2:
        raise TypeError(f"{name} must be a pair (lo, hi), got {describe(value_range)}")
    lo, hi = check_real(f"{name}[0]", value_range[0]), check_real(f"{name}[1]", value_range[1])
    if not lo < hi:
        raise ValueError(f"{name} must be (lo, hi) with lo < hi, got {value_range!r}")
    return lo, hi


@keras.saving.register_keras_serializable(package="keras_course")
class RandomRGBShift(keras.layers.Layer):
    """Shift each colour channel of each image by its own random amount (albumentations' RGBShift).

    For an image with values in ``value_range = (lo, hi)``, channel ``c`` gets
    ``x[..., c] + s_c`` with ``s_c ~ U(-factor, factor) * (hi - lo)``, drawn per image,
    then is clipped back to ``value_range``. A different ``s_c`` per channel tints the
    image (a colour cast); the same label still applies.

    Active only while training (``training=True``); the identity otherwise.

    Args:
        factor: float in (0, 1], the largest shift as a fraction of the value range.
        value_range: (lo, hi), the range of the input values, e.g. (0, 1) or (0, 255).
        seed: None or int.

    Shapes: (N, H, W, C) or (H, W, C) -> the same.
    """

    def __init__(self, factor, value_range=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = check_real("factor", factor, minimum=0.0, maximum=1.0, low_open=True)
        self.value_range = check_value_range(value_range)
        if seed is not None:
            check_int("seed", seed)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        lo, hi = self.value_range
        shape = ops.shape(inputs)
        # One shift per image and channel, broadcast over height and width.
        shift_shape = (shape[0], 1, 1, shape[-1]) if len(inputs.shape) == 4 else (1, 1, shape[-1])
        limit = self.factor * (hi - lo)
        shift = keras.random.uniform(shift_shape, -limit, limit, dtype=inputs.dtype, seed=self.seed_generator)
        return ops.clip(inputs + shift, lo, hi)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
