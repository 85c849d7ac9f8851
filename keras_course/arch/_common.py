"""Argument checks and small pieces shared by the architecture builders."""

import keras

from keras_course.checks import check_bool, check_int, check_real, describe  # noqa: F401 - check_bool re-exported

# Batch-norm momentum of the builders: 0.9 (PyTorch's 0.1) rather than Keras's 0.99, so the
# moving statistics used at test time settle within ~50 steps: short and small-data runs
# (a few hundred steps) would otherwise be evaluated with half-initial statistics.
BN_MOMENTUM = 0.9


def check_positive_int(name, value):
    return check_int(name, value, minimum=1)


def check_input_shape(input_shape, min_size=1):
    """``input_shape`` as a tuple (H, W, C) of positive ints (H and W may be None)."""
    if isinstance(input_shape, str) or not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be a tuple (height, width, channels), got {describe(input_shape)}")
    *spatial, channels = input_shape
    check_int("input_shape channels", channels, minimum=1)
    for size in spatial:
        if size is not None:
            check_int("input_shape height and width", size, minimum=min_size)
    return tuple(input_shape)


def check_width(width):
    """``width``: a positive float that multiplies every channel count (1.0 = the paper's)."""
    return check_real("width", width, minimum=0.0, maximum=4.0, low_open=True)


def check_dropout(value, name="dropout"):
    """A dropout rate in [0, 1) (NaN refused)."""
    return check_real(name, value, minimum=0.0, maximum=1.0, high_open=True)


def default(value, small, small_value, full_value):
    """``value``, or the builder's default when it is None (an explicit 0 stays 0 and is refused)."""
    if value is not None:
        return value
    return small_value if small else full_value


def scaled(channels, width):
    """``channels * width`` rounded, at least 1."""
    return max(1, round(channels * width))


def classifier(x, num_classes, name="predictions"):
    """The softmax output layer (float32, so mixed-precision training stays stable)."""
    return keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name=name)(x)


def conv_unit(filters, kernel, strides=1, batch_norm=False, name=None, padding="same"):
    """Layers of one conv "unit": Conv2D + ReLU, or Conv2D (no bias) + BatchNorm + ReLU."""
    conv = keras.layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding=padding,
        use_bias=not batch_norm,
        activation=None if batch_norm else "relu",
        name=name,
    )
    if not batch_norm:
        return [conv]
    suffix = (lambda s: f"{name}_{s}") if name else (lambda s: None)
    return [
        conv,
        keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=suffix("bn")),
        keras.layers.ReLU(name=suffix("relu")),
    ]


def apply_layers(unit, x, training=None):
    """Apply a list of layers in turn, passing ``training`` to batch norm and dropout."""
    for layer in unit:
        if isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Dropout)):
            x = layer(x, training=training)
        else:
            x = layer(x)
    return x
