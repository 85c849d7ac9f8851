"""Q1: the fully-connected (dense) layer, z = x W + b, written from scratch."""

import keras
from keras import ops

from keras_course.checks import check_bool, check_int


@keras.saving.register_keras_serializable(package="keras_course")
class Dense(keras.layers.Layer):
    """A fully-connected layer: every output is a linear model of every input.

    For an input with ``n`` features and ``m = units`` outputs,
    ``z_j = sum_i x_i W_ij + b_j``: ``m`` linear models with ``n + 1`` parameters each,
    ``m (n + 1)`` in all. (The bias is added once per output, not once per input.)

    Args:
        units: positive int, ``m``, the number of outputs.
        activation: None or anything ``keras.activations.get`` accepts, applied to ``z``.
        use_bias: whether to add ``b``.
        kernel_initializer, bias_initializer: initializers for ``W`` (n, m) and ``b`` (m,).

    Shapes: input (..., n) -> output (..., m).
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_int("units", units, minimum=1)
        check_bool("use_bias", use_bias)
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"the last input dimension must be known, got input shape {input_shape}")
        self.kernel = self.add_weight(
            shape=(in_features, self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = (
            self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias")
            if self.use_bias
            else None
        )

    def call(self, inputs):
        z = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            z = z + self.bias
        return self.activation(z)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


def dense_params(in_features, units, use_bias=True):
    """Parameter count of a dense layer: ``units * (in_features + 1)`` (without bias ``units * in_features``)."""
    in_features = check_int("in_features", in_features, minimum=1)
    units = check_int("units", units, minimum=1)
    return units * (in_features + int(check_bool("use_bias", use_bias)))
