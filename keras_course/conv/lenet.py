"""Q13: LeNet, the classic CNN classifier: (conv -> nonlinearity -> pool) x 2, flatten, FC layers."""

import keras

from keras_course.checks import check_choice, check_int, describe
from keras_course.conv.convolution import Conv2D
from keras_course.conv.pooling import MaxPool2D
from keras_course.nn import Dense

LENET_ACTIVATIONS = ("relu", "sigmoid", "tanh")
LENET_POOLING = ("max", "avg")


def lenet(input_shape=(28, 28, 1), num_classes=10, activation="relu", pooling="max", name="lenet"):
    """LeNet-5 (LeCun et al., 1998) for small images, built from this package's layers.

    conv 6@5x5 ("same") -> act -> pool 2 -> conv 16@5x5 -> act -> pool 2 -> flatten ->
    dense 120 -> act -> dense 84 -> act -> dense ``num_classes`` (softmax).

    Args:
        input_shape: (H, W, C) with H, W >= 16 (the second conv needs a 5x5 map after pooling).
        num_classes: int >= 2.
        activation: "relu" (modern) or "sigmoid"/"tanh" (as in 1998 and in d2l).
        pooling: "max" (our ``MaxPool2D``) or "avg" (``keras.layers.AveragePooling2D``, as in 1998).

    On 28x28x1 inputs and 10 classes it has 61,706 parameters.
    """
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 3):
        raise ValueError(f"input_shape must be (H, W, C) of positive ints, got {describe(input_shape)}")
    for axis, size in zip(("height", "width", "channels"), input_shape, strict=True):
        check_int(f"input_shape {axis}", size, minimum=16 if axis != "channels" else 1)  # two conv+pool blocks
    check_int("num_classes", num_classes, minimum=2)
    check_choice("activation", activation, LENET_ACTIVATIONS)
    check_choice("pooling", pooling, LENET_POOLING)

    def pool(name):
        return MaxPool2D(2, name=name) if pooling == "max" else keras.layers.AveragePooling2D(2, name=name)

    return keras.Sequential(
        [
            keras.Input(tuple(input_shape)),
            Conv2D(6, 5, padding="same", activation=activation, name="conv1"),
            pool("pool1"),
            Conv2D(16, 5, activation=activation, name="conv2"),
            pool("pool2"),
            keras.layers.Flatten(name="flatten"),
            Dense(120, activation=activation, name="fc1"),
            Dense(84, activation=activation, name="fc2"),
            Dense(num_classes, activation="softmax", dtype="float32", name="output"),
        ],
        name=name,
    )
