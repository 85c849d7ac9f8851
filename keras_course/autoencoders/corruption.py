"""The corruption process of a denoising autoencoder (Vincent et al., 2008), as a Keras layer."""

import keras
from keras import ops

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
        if kind not in NOISE_KINDS:
            raise ValueError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            raise ValueError(f"amount must be a non-negative number, got {amount!r}")
        if kind != "gaussian" and amount > 1:
            raise ValueError(f"amount is a probability for kind={kind!r} and must be in [0, 1], got {amount!r}")
        if len(value_range) != 2 or not value_range[0] < value_range[1]:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {seed!r}")
        self.kind = kind
        self.amount = float(amount)
        self.value_range = tuple(float(v) for v in value_range)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.amount == 0:
            return inputs
        low, high = self.value_range
        if self.kind == "gaussian":
            noise = keras.random.normal(ops.shape(inputs), stddev=self.amount, dtype=inputs.dtype,
                                        seed=self.seed_generator)
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
        return {**super().get_config(), "kind": self.kind, "amount": self.amount,
                "value_range": list(self.value_range), "seed": self.seed}
