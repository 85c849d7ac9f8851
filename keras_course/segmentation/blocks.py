"""The encoder and decoder that ``unet`` and ``fcn`` share (Q27).

The encoder is ``depth`` levels of [two 3x3 conv + batch norm + ReLU, then 2x2 max-pooling],
doubling the channels at each level (``base_filters``, ``2 base_filters``, ...), then a
bottleneck block. The decoder undoes each pooling with a learned 2x2 transposed convolution
and a conv block, halving the channels. Given ``skips`` (U-Net) it concatenates the encoder
features of the same resolution before each block; without them (FCN) the fine detail lost
by pooling must be recovered from the coarse bottleneck alone.
"""

import keras
from keras import layers

from keras_course.checks import check_int, describe


def check_architecture(input_shape, num_classes, base_filters, depth):
    """Validate the builder arguments; returns ``input_shape`` as a tuple."""
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, (tuple, list)):
        raise TypeError(f"input_shape must be (height, width, channels), got {describe(input_shape)}")
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            f"input_shape must be (height, width, channels) with a known channel count, got {input_shape!r}"
        )
    check_int("input_shape channels", input_shape[2], minimum=1)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    check_int("base_filters", base_filters, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    for side in input_shape[:2]:
        if side is not None and (check_int("input_shape height and width", side, minimum=1) % 2**depth):
            raise ValueError(
                f"input height and width must be multiples of 2**depth={2**depth} "
                f"(None for any), got input_shape {input_shape!r}"
            )
    return input_shape


# Batch-norm moving statistics follow the last ~10 batches (Keras's default 0.99 follows ~100),
# so that even a run of a few hundred steps is evaluated with statistics that have settled.
BN_MOMENTUM = 0.9


def conv_block(x, filters, name):
    """Two [3x3 conv ('same' padding, no bias) -> batch norm -> ReLU]: (B, H, W, C) -> (B, H, W, filters)."""
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn{i}")(x)
        x = layers.ReLU(name=f"{name}_relu{i}")(x)
    return x


def encoder(inputs, base_filters, depth):
    """(B, H, W, C) -> bottleneck (B, H / 2**depth, W / 2**depth, base 2**depth) and the
    ``depth`` pre-pooling feature maps, finest first."""
    skips, x = [], inputs
    for level in range(depth):
        x = conv_block(x, base_filters * 2**level, name=f"enc{level}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    return conv_block(x, base_filters * 2**depth, name="bottleneck"), skips


def decoder(x, base_filters, depth, skips=None):
    """Bottleneck -> (B, H, W, base_filters): ``depth`` x [2x upsampling (+ skip) + conv block]."""
    for level in reversed(range(depth)):
        filters = base_filters * 2**level
        x = layers.Conv2DTranspose(filters, 2, strides=2, name=f"up{level}")(x)
        if skips is not None:
            x = layers.Concatenate(name=f"skip{level}")([x, skips[level]])
        x = conv_block(x, filters, name=f"dec{level}")
    return x


def build_segmenter(input_shape, num_classes, base_filters, depth, skips, activation, name):
    """The shared builder: encoder, decoder (with or without skips), 1x1 conv to K class maps."""
    input_shape = check_architecture(input_shape, num_classes, base_filters, depth)
    if activation is not None and not isinstance(activation, str) and not callable(activation):
        raise TypeError(f"activation must be None, a str such as 'softmax' or a callable, got {describe(activation)}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {describe(name)}")
    inputs = keras.Input(input_shape, name="image")
    x, features = encoder(inputs, base_filters, depth)
    x = decoder(x, base_filters, depth, features if skips else None)
    outputs = layers.Conv2D(num_classes, 1, activation=activation, dtype="float32", name="classes")(x)
    return keras.Model(inputs, outputs, name=name)
