"""Offline data: real data sets carried by installed packages, and tf.data pipelines."""

from keras_course.data.images import (
    FASHION_MNIST_CLASSES,
    PHOTO_NAMES,
    load_digits,
    load_fashion_mnist,
    load_mnist_5k,
    load_photo,
)
from keras_course.data.pipeline import make_dataset

__all__ = [
    "FASHION_MNIST_CLASSES",
    "PHOTO_NAMES",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist_5k",
    "load_photo",
    "make_dataset",
]
