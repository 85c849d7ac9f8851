"""Q9-Q10 (and Q11's pooling): the receptive field of every layer of a conv stack.

The field of one output of layer ``k`` is the block of input pixels it can see. With
``j_{k-1}`` the distance in input pixels between neighbouring outputs of layer ``k-1`` and a
kernel spanning ``span_k = d_k (f_k - 1) + 1`` of them:

    size_k  = size_{k-1} + (span_k - 1) j_{k-1}          (the notes' l_k = l_{k-1} + (f_k - 1) prod s_i)
    jump_k  = j_{k-1} s_k
    start_k = start_{k-1} + ((span_k - 1) / 2 - pad_k) j_{k-1}

starting from ``size_0 = 1, jump_0 = 1, start_0 = 0`` (the centre of input pixel 0).
``empirical_receptive_field`` measures the same thing from the gradient of one output
position with respect to the input (the backend's autodiff, ``keras_course.backend.gradients``).
"""

import numbers
from dataclasses import dataclass

import keras
import numpy as np

from keras_course.backend import gradients
from keras_course.checks import check_int
from keras_course.conv.convolution import Conv2D
from keras_course.conv.padding import check_int_pair, same_padding
from keras_course.conv.pooling import MaxPool2D


@dataclass(frozen=True)
class LayerField:
    """The receptive field after one layer (one spatial axis; square layers give the same on both).

    Attributes:
        name: the layer's name.
        size: receptive field of one output, in input pixels.
        jump: distance in input pixels between the fields of neighbouring outputs (product of strides).
        start: input coordinate of the centre of the first output's field (input pixel i has centre i).
        output_size: outputs along the axis, when the input size is known.
    """

    name: str
    size: int
    jump: int
    start: float
    output_size: int | None = None

    def centre(self, position):
        """Input coordinate of the centre of output ``position``'s field."""
        return self.start + position * self.jump


def _square(value, what, layer):
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(set(pair)) != 1:
        raise ValueError(f"receptive_field handles square {what} only; layer {layer!r} has {what}={value!r}")
    return pair[0]


def _layer_spec(layer):
    """``(kernel, stride, dilation, padding)`` of a Keras layer, None when it keeps the geometry,
    or "stop" for a layer after which there is no spatial map (Flatten, Dense, global pooling)."""
    name = layer.name
    if isinstance(layer, (keras.layers.Conv2D, Conv2D, keras.layers.DepthwiseConv2D)):
        padding = "valid" if layer.padding == "valid" else "same"  # zeros, reflect, replicate pad like "same"
        return (
            _square(layer.kernel_size, "kernel_size", name),
            _square(layer.strides, "strides", name),
            _square(layer.dilation_rate, "dilation_rate", name),
            padding,
        )
    if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D, MaxPool2D)):
        return (_square(layer.pool_size, "pool_size", name), _square(layer.strides, "strides", name), 1, layer.padding)
    if isinstance(layer, keras.layers.ZeroPadding2D):
        (top, bottom), _ = layer.padding
        return (1, 1, 1, (top, bottom))
    if (
        isinstance(
            layer,
            (
                keras.layers.Flatten,
                keras.layers.Dense,
                keras.layers.GlobalMaxPooling2D,
                keras.layers.GlobalAveragePooling2D,
            ),
        )
        or type(layer).__name__ == "Dense"
    ):
        return "stop"
    if isinstance(
        layer,
        (
            keras.layers.InputLayer,
            keras.layers.Activation,
            keras.layers.ReLU,
            keras.layers.BatchNormalization,
            keras.layers.Dropout,
            keras.layers.Rescaling,
            keras.layers.LayerNormalization,
            keras.layers.LeakyReLU,
        ),
    ):
        return None
    raise ValueError(
        f"receptive_field does not know the geometry of layer {name!r} ({type(layer).__name__}); "
        "pass a list of (kernel_size, stride, dilation, padding) tuples instead"
    )


def _check_spec(spec, index):
    if not isinstance(spec, (tuple, list)) or not 2 <= len(spec) <= 4:
        raise ValueError(f"layers[{index}] must be (kernel_size, stride[, dilation[, padding]]), got {spec!r}")
    kernel, stride, dilation, padding = (*spec, *(1, "valid")[len(spec) - 2 :])
    for what, value in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        check_int(f"layers[{index}] {what}", value, minimum=1)
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        padding = (padding, padding)
    if padding not in ("valid", "same") and not (
        isinstance(padding, tuple)
        and len(padding) == 2
        and all(isinstance(p, numbers.Integral) and not isinstance(p, bool) and p >= 0 for p in padding)
    ):
        raise ValueError(
            f"layers[{index}]: padding must be 'valid', 'same', an int or (before, after), got {padding!r}"
        )
    return int(kernel), int(stride), int(dilation), padding


def _input_shape(model):
    try:
        return tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError) as err:
        raise ValueError("the model has no defined input; build it on keras.Input(shape) first") from err


def receptive_field(layers, input_size=None):
    """Receptive field, jump and start after each layer of a conv stack.

    Args:
        layers: a Keras model (its Conv2D / pooling / ZeroPadding2D layers count; activations,
            batch norm and dropout are skipped; it stops at Flatten, Dense or global pooling),
            or a list of ``(kernel_size, stride[, dilation[, padding]])`` tuples, padding being
            "valid" (default), "same", an int or ``(before, after)``. A pooling layer counts
            with its window as kernel and its stride.
        input_size: input height in pixels; taken from the model when it is None. Only
            ``start`` of "same" layers with stride > 1 needs it.

    Returns a list of ``LayerField``, one per layer that changes the geometry.
    """
    if isinstance(layers, keras.Model):
        if input_size is None:
            input_size = _input_shape(layers)[1]
        specs = []
        for layer in layers.layers:
            spec = _layer_spec(layer)
            if spec == "stop":
                break
            if spec is not None:
                specs.append((layer.name, spec))
    elif isinstance(layers, (list, tuple)):
        specs = [(f"layer_{i}", _check_spec(spec, i)) for i, spec in enumerate(layers)]
    else:
        raise TypeError(
            f"layers must be a keras.Model or a list of (kernel_size, stride, dilation) tuples, "
            f"got {type(layers).__name__}"
        )
    if input_size is not None:
        input_size = check_int("input_size", input_size, minimum=1)

    size, jump, start, n = 1, 1, 0.0, input_size
    fields = []
    for name, (kernel, stride, dilation, padding) in specs:
        span = dilation * (kernel - 1) + 1
        if padding == "valid":
            pads = (0, 0)
        elif padding == "same":
            if n is None and stride > 1:
                raise ValueError(
                    f"layer {name!r} pads 'same' with stride {stride}: its padding depends on the "
                    "input size, so pass input_size"
                )
            pads = same_padding(1 if n is None else n, kernel, stride, dilation)
        else:
            pads = padding
        start += ((span - 1) / 2 - pads[0]) * jump
        size += (span - 1) * jump
        jump *= stride
        if n is not None:
            n = (n + sum(pads) - span) // stride + 1
            if n < 1:
                raise ValueError(f"layer {name!r} has no outputs left: its kernel does not fit its input")
        fields.append(LayerField(name, size, jump, start, n))
    return fields


@dataclass(frozen=True)
class EmpiricalField:
    """The receptive field of one output position, measured on the input.

    ``size`` and ``centre`` are (rows, columns); ``mask`` (H, W) marks the input pixels whose
    gradient is non-zero; ``gradient`` (H, W) is the mean absolute gradient.
    """

    size: tuple
    centre: tuple
    position: tuple
    mask: np.ndarray
    gradient: np.ndarray


def empirical_receptive_field(model, input_size=None, position=None, samples=32, seed=0):
    """Measure the receptive field of output ``position`` from ``d output / d input``.

    Args:
        model: a Keras model mapping (N, H, W, C) to a spatial map (N, Ho, Wo, T).
        input_size: (H, W) or int, when the model's input shape leaves them open.
        position: (row, column) of the output; default the centre of the output map.
        samples: random normal inputs whose non-zero gradients are pooled, since max
            pooling and ReLU pass the gradient to only some pixels of each input.
        seed: seed of those inputs.

    The input must be large enough for the field to fit, or its size is clipped.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    samples = check_int("samples", samples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if input_size is not None:
        input_size = check_int_pair(input_size, "input_size")
    if position is not None:
        position = check_int_pair(position, "position", minimum=0)
    shape = _input_shape(model)
    if len(shape) != 4:
        raise ValueError(f"model must take images (N, H, W, C), its input shape is {shape}")
    _, height, width, channels = shape
    if input_size is not None:
        height, width = input_size
    if height is None or width is None or channels is None:
        raise ValueError(f"the input size is not known from the model ({shape}); pass input_size")
    x = np.random.default_rng(seed).normal(size=(samples, height, width, channels)).astype(np.float32)
    # one example is enough to learn the output map's shape, and so the default position
    out_shape = tuple(model(x[:1], training=False).shape)
    if len(out_shape) != 4:
        raise ValueError(f"model must output a spatial map (N, Ho, Wo, T), got shape {out_shape}")
    row, col = (out_shape[1] // 2, out_shape[2] // 2) if position is None else position
    if not (0 <= row < out_shape[1] and 0 <= col < out_shape[2]):
        raise ValueError(f"position must lie in the output map {out_shape[1:3]}, got {position!r}")

    def target(inputs):
        # Samples are independent, so d(sum over samples)/dx holds each sample's own gradient.
        return keras.ops.sum(model(inputs, training=False)[:, row, col, :])

    _, (gradient,) = gradients(target, [x])
    gradient = np.abs(gradient).sum(axis=-1)  # (samples, H, W)
    mask = (gradient > 0).any(axis=0)
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if len(rows) == 0:
        raise ValueError("the output does not depend on the input: every gradient is zero")
    return EmpiricalField(
        size=(int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)),
        centre=((rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2),
        position=(int(row), int(col)),
        mask=mask,
        gradient=gradient.mean(axis=0),
    )
