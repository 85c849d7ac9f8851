"""Q20: AlexNet (Krizhevsky, Sutskever and Hinton, 2012)."""

import keras
from keras import layers

from keras_course.arch._common import (
    check_bool,
    check_dropout,
    check_input_shape,
    check_positive_int,
    check_width,
    classifier,
    default,
    scaled,
)
from keras_course.checks import check_choice

# (filters, kernel, stride, groups, max-pool after it) of the five conv layers in the paper.
ALEXNET_CONVS = (
    (96, 11, 4, 1, True),
    (256, 5, 1, 2, True),
    (384, 3, 1, 1, False),
    (384, 3, 1, 2, False),
    (256, 3, 1, 2, True),
)
# Parameters of the paper's network at 227x227x3 with 1000 classes, derived layer by layer
# (see ``alexnet``); the test checks the built model against it.
ALEXNET_PARAMS = 60_965_224


def alexnet(input_shape=None, num_classes=None, small=False, groups=None, dropout=0.5, width=1.0, name="alexnet"):
    """AlexNet: 5 conv layers (11x11 stride 4 first) and 3 dense layers, ReLU, dropout.

    The paper's network, split over two GPUs: conv2, conv4 and conv5 only see the 48/192/192
    channels of "their" GPU, which ``groups=2`` reproduces. Local response normalisation is
    left out (it has no parameters and later work found it adds nothing).

    Parameter count at 227x227x3, 1000 classes (k*k*c_in/groups*c_out + c_out per conv)::

        conv1  11*11*3*96     + 96   =     34,944
        conv2  5*5*48*256     + 256  =    307,456   (2 groups of 48 input channels)
        conv3  3*3*256*384    + 384  =    885,120   (full: the two GPUs talk here)
        conv4  3*3*192*384    + 384  =    663,936   (2 groups)
        conv5  3*3*192*256    + 256  =    442,624   (2 groups)
        fc6    6*6*256*4096   + 4096 = 37,752,832   (227 -> 55 -> 27 -> 13 -> 6 after 3 max-pools)
        fc7    4096*4096      + 4096 = 16,781,312
        fc8    4096*1000      + 1000 =  4,097,000
        total                          60,965,224   (2.3 M in convs, 58.6 M in dense layers)

    Args:
        input_shape: (H, W, C); default (227, 227, 3), or (28, 28, 1) when ``small``.
        num_classes: outputs of the softmax layer; default 1000, or 10 when ``small``.
        small: the 28x28 / 32x32 variant: 3x3 stride-1 first conv, no groups, 1024-unit
            dense layers; the same 5 convs + 3 dense layers with overlapping 3x3/2 pooling.
        groups: 2 (the paper's two-GPU split, default at full size) or 1 (default when small).
        dropout: rate before fc7 and fc8, as in the paper.
        width: multiplies every channel count (1.0 = the paper's).

    Shapes: (batch, H, W, C) in, (batch, num_classes) softmax probabilities out.
    """
    check_bool("small", small)
    input_shape = check_input_shape(default(input_shape, small, (28, 28, 1), (227, 227, 3)))
    num_classes = check_positive_int("num_classes", default(num_classes, small, 10, 1000))
    width = check_width(width)
    groups = check_choice("groups", default(groups, small, 1, 2), (1, 2))
    check_dropout(dropout)

    inputs = keras.Input(input_shape)
    x = inputs
    for i, (filters, kernel, stride, conv_groups, pool) in enumerate(ALEXNET_CONVS, 1):
        if small and i == 1:
            kernel, stride = 3, 1
        x = layers.Conv2D(
            scaled(filters, width),
            kernel,
            strides=stride,
            padding="valid" if i == 1 and not small else "same",
            activation="relu",
            groups=conv_groups if groups == 2 else 1,
            name=f"conv{i}",
        )(x)
        if pool:
            # Overlapping pooling (3x3 windows, stride 2): the paper's choice over 2x2/2.
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    units = 1024 if small else 4096
    for i in (6, 7):
        x = layers.Dense(scaled(units, width), activation="relu", name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, classifier(x, num_classes, name="fc8"), name=name)
