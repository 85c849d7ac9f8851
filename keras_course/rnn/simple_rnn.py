"""Q38: the simplest recurrent network, h_t = f(x_t W_xh + h_{t-1} W_hh + b), from scratch.

``SimpleRNNCell`` is one step; ``SimpleRNN`` unrolls it over a sequence with ``keras.ops.scan``.
The weights are named and ordered as in ``keras.layers.SimpleRNN`` (kernel = W_xh (d, units),
recurrent_kernel = W_hh (units, units), bias (units,)), so ``set_weights`` moves them across
and both give the same outputs.
"""

import keras
from keras import ops

from keras_course.checks import check_bool, check_int


def _check_units(units):
    return check_int("units", units, minimum=1)


@keras.saving.register_keras_serializable(package="keras_course")
class SimpleRNNCell(keras.layers.Layer):
    """One step of an Elman RNN: ``h_t = activation(x_t W_xh + h_{t-1} W_hh + b)``.

    Call: ``h_t, [h_t] = cell(x_t, [h_{t-1}])`` with x_t (B, d) and h (B, units), the
    ``keras.layers.RNN`` cell protocol (``state_size``, ``output_size``).
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_units(units)
        check_bool("use_bias", use_bias)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"the last input dimension must be known, got input shape {input_shape}")
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer=self.recurrent_initializer, name="recurrent_kernel"
        )
        self.bias = (
            self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias")
            if self.use_bias
            else None
        )

    def call(self, inputs, states, training=None):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        z = ops.matmul(inputs, self.kernel) + ops.matmul(previous, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


@keras.saving.register_keras_serializable(package="keras_course")
class SimpleRNN(keras.layers.Layer):
    """``SimpleRNNCell`` unrolled over time, starting from h_0 = 0.

    Input (B, T, d) -> output (B, units) (the last h_T) or (B, T, units) with
    ``return_sequences=True``. A mask (B, T) (e.g. from ``Embedding(mask_zero=True)``) keeps
    h unchanged on masked steps, as Keras does. ``initial_state`` (B, units) replaces h_0.
    """

    def __init__(
        self,
        units,
        return_sequences=False,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_units(units)
        check_bool("return_sequences", return_sequences)
        self.units = units
        self.return_sequences = return_sequences
        self.supports_masking = True
        self.cell = SimpleRNNCell(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            name="cell",
        )

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"SimpleRNN expects input (batch, time, features), got shape {input_shape}")
        self.cell.build((input_shape[0], input_shape[-1]))

    def call(self, inputs, initial_state=None, mask=None, training=None):
        batch = ops.shape(inputs)[0]
        h0 = self.cell.get_initial_state(batch)[0] if initial_state is None else initial_state
        time_major = ops.transpose(inputs, (1, 0, 2))  # scan runs over the leading axis
        if mask is None:

            def step(h, x_t):
                h_new, _ = self.cell(x_t, [h], training=training)
                return h_new, h_new

            h_last, outputs = ops.scan(step, h0, time_major)
        else:
            keep = ops.transpose(ops.cast(mask, inputs.dtype), (1, 0))[..., None]  # (T, B, 1)
            # one stacked tensor to scan over (x_t and its mask bit side by side): tf's scan
            # loses static shapes of tuple inputs in some traced graphs
            features = ops.shape(inputs)[-1]

            def step(h, x_and_keep):
                x_t, keep_t = x_and_keep[:, :features], x_and_keep[:, features:]
                h_new, _ = self.cell(x_t, [h], training=training)
                h_new = keep_t * h_new + (1.0 - keep_t) * h  # masked step: carry h over
                return h_new, h_new

            h_last, outputs = ops.scan(step, h0, ops.concatenate([time_major, keep], axis=-1))
        if self.return_sequences:
            return ops.transpose(outputs, (1, 0, 2))
        return h_last

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def get_config(self):
        cell = self.cell.get_config()
        return {
            **super().get_config(),
            "units": self.units,
            "return_sequences": self.return_sequences,
            **{
                k: cell[k]
                for k in ("activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer")
            },
        }
