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
from keras_course.data.scenes import (
    SEGMENTATION_CLASSES,
    compose_scene,
    load_segmentation_folder,
    save_segmentation_folder,
    segmentation_scenes,
)

__all__ = [
    "FASHION_MNIST_CLASSES",
    "PHOTO_NAMES",
    "SEGMENTATION_CLASSES",
    "compose_scene",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist_5k",
    "load_photo",
    "load_segmentation_folder",
    "make_dataset",
    "save_segmentation_folder",
    "segmentation_scenes",
]
