"""Augmentation layers Keras does not have, written as small serializable layers."""

import numbers

import keras
from keras import ops


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
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor <= 1:
            raise ValueError(f"factor must be a float in (0, 1], got {factor!r}")
        if len(value_range) != 2 or not value_range[0] < value_range[1]:
            raise ValueError(f"value_range must be (lo, hi) with lo < hi, got {value_range!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"seed must be None or an int, got {seed!r}")
        self.factor = float(factor)
        self.value_range = tuple(float(v) for v in value_range)
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
