"""Q18: batch normalization, written from scratch."""

import keras
from keras import ops

from keras_course.checks import check_real


@keras.saving.register_keras_serializable(package="keras_course")
class BatchNormalization(keras.layers.Layer):
    """Normalize each feature over the batch, then scale and shift it by learned gamma, beta.

    Training, for a batch ``x`` with features on the last axis::

        mu    = mean of x over the batch (and over H, W for images)     shape (F,)
        var   = mean of (x - mu)^2 over the same axes                   (biased)
        x_hat = (x - mu) / sqrt(var + eps)
        z     = gamma * x_hat + beta

    and the running estimates used at inference move towards the batch ones::

        moving_mean <- momentum * moving_mean + (1 - momentum) * mu
        moving_var  <- momentum * moving_var  + (1 - momentum) * var

    Inference (``training`` False or None, or a frozen layer, ``trainable=False``, as in
    Keras): the same formula with ``moving_mean`` and ``moving_var`` in place of ``mu`` and
    ``var``, so an example's output does not depend on the rest of its batch. A training
    call on an empty batch leaves the moving statistics as they are.

    ``gamma`` and ``beta`` (2 per feature) are trained by gradient descent: they let the
    layer undo the normalization where that helps. The moving statistics are not trained.
    The weights are in Keras's order (gamma, beta, moving_mean, moving_variance), so
    ``set_weights`` carries over from ``keras.layers.BatchNormalization``, whose results
    match ours.

    Args:
        momentum: float in [0, 1), the decay of the moving statistics.
        epsilon: float > 0, keeps the division finite for a constant feature.
        gamma_initializer, beta_initializer: initializers of gamma (ones) and beta (zeros).

    Shapes: (N, F) or (N, H, W, C) -> the same; statistics have shape (F,) or (C,).
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, gamma_initializer="ones", beta_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.momentum = check_real("momentum", momentum, minimum=0.0, maximum=1.0, high_open=True)
        self.epsilon = check_real("epsilon", epsilon, minimum=0.0, low_open=True)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) not in (2, 4):
            raise ValueError(f"inputs must be (N, F) or (N, H, W, C), got input shape {input_shape}")
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"the last input dimension must be known, got input shape {input_shape}")
        self._axes = tuple(range(len(input_shape) - 1))  # every axis but the features
        self.gamma = self.add_weight(shape=(features,), initializer=self.gamma_initializer, name="gamma")
        self.beta = self.add_weight(shape=(features,), initializer=self.beta_initializer, name="beta")
        self.moving_mean = self.add_weight(shape=(features,), initializer="zeros", name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(
            shape=(features,), initializer="ones", name="moving_variance", trainable=False
        )

    def call(self, inputs, training=None):
        # A frozen layer (trainable=False) runs in inference mode, as Keras's does: fine-tuning
        # relies on it to keep the pretrained statistics.
        if training and self.trainable:
            mean, variance = ops.moments(inputs, axes=self._axes)
            # An empty batch has NaN moments: leave the moving statistics as they are then.
            count = 1
            for axis in self._axes:
                count = count * ops.shape(inputs)[axis]
            nonempty = count > 0
            # Tensors, not the variables: JAX's where refuses a Keras variable as an operand.
            moving_mean, moving_variance = (
                ops.convert_to_tensor(self.moving_mean),
                ops.convert_to_tensor(self.moving_variance),
            )
            self.moving_mean.assign(
                ops.where(nonempty, moving_mean * self.momentum + mean * (1.0 - self.momentum), moving_mean)
            )
            self.moving_variance.assign(
                ops.where(nonempty, moving_variance * self.momentum + variance * (1.0 - self.momentum), moving_variance)
            )
        else:
            mean, variance = self.moving_mean, self.moving_variance
        # gamma / sqrt(var + eps) is per feature: fold it into one scale, one multiply per element.
        scale = self.gamma * ops.rsqrt(variance + self.epsilon)
        return (inputs - mean) * scale + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
        }
