"""Chapter 2, Q6-Q13: convolution, padding, pooling, receptive field, LeNet."""

from keras_course.conv.convolution import Conv2D, conv2d, conv_output_size, conv_params
from keras_course.conv.lenet import lenet
from keras_course.conv.padding import PAD_MODES, pad2d, pad_images, same_padding
from keras_course.conv.pooling import MaxPool2D, max_pool2d
from keras_course.conv.receptive_field import EmpiricalField, LayerField, empirical_receptive_field, receptive_field

__all__ = [
    "PAD_MODES",
    "Conv2D",
    "EmpiricalField",
    "LayerField",
    "MaxPool2D",
    "conv2d",
    "conv_output_size",
    "conv_params",
    "empirical_receptive_field",
    "lenet",
    "max_pool2d",
    "pad2d",
    "pad_images",
    "receptive_field",
    "same_padding",
]
