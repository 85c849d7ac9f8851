"""Argument checks and small pieces shared by the architecture builders."""

import keras

# Batch-norm momentum of the builders: 0.9 (PyTorch's 0.1) rather than Keras's 0.99, so the
# moving statistics used at test time settle within ~50 steps: short and small-data runs
# (a few hundred steps) would otherwise be evaluated with half-initial statistics.
BN_MOMENTUM = 0.9


def check_positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return value


def check_input_shape(input_shape, min_size=1):
    """``input_shape`` as a tuple (H, W, C) of positive ints (H and W may be None)."""
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be a tuple (height, width, channels), got {input_shape!r}")
    *spatial, channels = input_shape
    check_positive_int("input_shape channels", channels)
    for size in spatial:
        if size is not None and (not isinstance(size, int) or size < min_size):
            raise ValueError(f"input_shape height and width must be ints >= {min_size} (or None), got {input_shape!r}")
    return tuple(input_shape)


def check_width(width):
    """``width``: a positive float that multiplies every channel count (1.0 = the paper's)."""
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 4:
        raise ValueError(f"width must be a float in (0, 4], got {width!r}")
    return float(width)


def scaled(channels, width):
    """``channels * width`` rounded, at least 1."""
    return max(1, int(round(channels * width)))


def classifier(x, num_classes, name="predictions"):
    """The softmax output layer (float32, so mixed-precision training stays stable)."""
    return keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name=name)(x)


def conv_unit(filters, kernel, strides=1, batch_norm=False, name=None, padding="same"):
    """Layers of one conv "unit": Conv2D + ReLU, or Conv2D (no bias) + BatchNorm + ReLU."""
    conv = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=not batch_norm,
                               activation=None if batch_norm else "relu", name=name)
    if not batch_norm:
        return [conv]
    suffix = (lambda s: f"{name}_{s}") if name else (lambda s: None)
    return [conv, keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=suffix("bn")), keras.layers.ReLU(name=suffix("relu"))]


def apply_layers(unit, x, training=None):
    """Apply a list of layers in turn, passing ``training`` to batch norm and dropout."""
    for layer in unit:
        if isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Dropout)):
            x = layer(x, training=training)
        else:
            x = layer(x)
    return x
