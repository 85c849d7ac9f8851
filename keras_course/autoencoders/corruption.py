"""The corruption process of a denoising autoencoder (Vincent et al., 2008), as a Keras layer."""

import keras
from keras import ops

from keras_course.augment.layers import check_value_range
from keras_course.checks import check_choice, check_int, check_real

NOISE_KINDS = ("gaussian", "salt_and_pepper", "masking")


@keras.saving.register_keras_serializable(package="keras_course")
class Corruption(keras.layers.Layer):
    """Corrupts its input when ``training=True``; the identity otherwise. Shape (B, ...) -> same.

    kinds (``amount`` is the strength):

    - ``"gaussian"``: ``x + amount * N(0, 1)`` per value, clipped to ``value_range``;
    - ``"salt_and_pepper"``: each value, with probability ``amount``, becomes the low or the
      high end of ``value_range`` (one or the other with probability 1/2);
    - ``"masking"``: each value, with probability ``amount``, becomes the low end (0):
      the "masking noise" of Vincent et al.

    Because it is off at inference, a denoiser trained with it is used on clean *or* noisy
    images as they come: the model itself never adds noise then.

    Args:
        kind: one of ``NOISE_KINDS``.
        amount: standard deviation (gaussian) or probability in [0, 1] (the others).
        value_range: (low, high) of the pixel values.
        seed: int or None, for repeatable noise.
    """

    def __init__(self, kind="gaussian", amount=0.3, value_range=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.kind = check_choice("kind", kind, NOISE_KINDS)
        # NaN passed the old "amount < 0" test and corrupted nothing, or everything, silently.
        if kind == "gaussian":
            self.amount = check_real("amount", amount, minimum=0.0)
        elif isinstance(amount, (int, float)) and not isinstance(amount, bool) and amount > 1:
            raise ValueError(f"amount is a probability for kind={kind!r} and must be in [0, 1], got {amount!r}")
        else:
            self.amount = check_real("amount", amount, minimum=0.0, maximum=1.0)
        self.value_range = check_value_range(value_range)
        if seed is not None:
            check_int("seed", seed)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.amount == 0:
            return inputs
        low, high = self.value_range
        if self.kind == "gaussian":
            noise = keras.random.normal(
                ops.shape(inputs), stddev=self.amount, dtype=inputs.dtype, seed=self.seed_generator
            )
            return ops.clip(inputs + noise, low, high)
        hit = keras.random.uniform(ops.shape(inputs), dtype=inputs.dtype, seed=self.seed_generator) < self.amount
        if self.kind == "masking":
            return ops.where(hit, ops.cast(low, inputs.dtype), inputs)
        salt = keras.random.uniform(ops.shape(inputs), dtype=inputs.dtype, seed=self.seed_generator) < 0.5
        extreme = ops.where(salt, ops.cast(high, inputs.dtype), ops.cast(low, inputs.dtype))
        return ops.where(hit, extreme, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "kind": self.kind,
            "amount": self.amount,
            "value_range": list(self.value_range),
            "seed": self.seed,
        }
