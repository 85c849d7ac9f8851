"""Q17: inverted dropout, written from scratch."""

import keras
from keras import ops

from keras_course.checks import check_int, check_real


@keras.saving.register_keras_serializable(package="keras_course")
class Dropout(keras.layers.Layer):
    """Inverted dropout: zero each input with probability ``p = rate`` while training.

    Training: draw a mask ``m`` of independent Bernoulli variables, ``m_i = 0`` with
    probability ``p`` and 1 otherwise, and return ``m * x / (1 - p)``. Each unit is kept
    with probability ``1 - p``, so ``E[m_i x_i / (1 - p)] = x_i``: the expected output
    equals the input and the next layer sees the same scale in training and inference.

    Inference (``training`` False or None): the identity, nothing to rescale.

    (The course notes write ``d(x) = m x / p`` with ``p`` the probability of zeroing; the
    scale is ``1 / (1 - p)``, one over the probability of *keeping* a unit.)

    Same semantics as ``keras.layers.Dropout(rate)``; the random masks differ.

    Args:
        rate: float in [0, 1), ``p``, the probability of zeroing a unit.
        seed: None or int, seeds the masks (a layer with a seed gives the same masks).

    Shapes: input (..., F) -> output of the same shape.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_real("rate", rate, minimum=0.0, maximum=1.0, high_open=True)
        if seed is not None:
            check_int("seed", seed)
        self.seed = seed
        # The generator's state is a variable, so successive calls draw fresh masks.
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        keep = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator, dtype=inputs.dtype) >= self.rate
        return ops.where(keep, inputs / (1.0 - self.rate), ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
