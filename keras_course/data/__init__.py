"""Offline data: real data sets carried by installed packages, and tf.data pipelines."""

from keras_course.data.detection_io import load_coco, load_voc, save_coco, save_voc, to_coco
from keras_course.data.detection_scenes import DETECTION_CLASSES, detection_scenes
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
    "DETECTION_CLASSES",
    "FASHION_MNIST_CLASSES",
    "PHOTO_NAMES",
    "SEGMENTATION_CLASSES",
    "compose_scene",
    "detection_scenes",
    "load_coco",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist_5k",
    "load_photo",
    "load_segmentation_folder",
    "load_voc",
    "make_dataset",
    "save_coco",
    "save_segmentation_folder",
    "save_voc",
    "segmentation_scenes",
    "to_coco",
]
