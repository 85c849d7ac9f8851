"""Offline data: real data sets carried by installed packages, and training batches (tf.data or NumPy)."""

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
from keras_course.data.pipeline import ArrayBatches, make_dataset
from keras_course.data.scenes import (
    SEGMENTATION_CLASSES,
    EpochStream,
    SceneStream,
    compose_scene,
    load_segmentation_folder,
    save_segmentation_folder,
    segmentation_scenes,
)
from keras_course.data.text import (
    EVALUATION_FILES,
    ROTTEN_TOMATOES_CLASSES,
    evaluation_file,
    load_hamlet,
    load_rotten_tomatoes,
    load_rotten_tomatoes_plots,
    load_word2vec_corpus,
    tokenize,
)

__all__ = [
    "DETECTION_CLASSES",
    "EVALUATION_FILES",
    "FASHION_MNIST_CLASSES",
    "PHOTO_NAMES",
    "ROTTEN_TOMATOES_CLASSES",
    "SEGMENTATION_CLASSES",
    "ArrayBatches",
    "EpochStream",
    "SceneStream",
    "compose_scene",
    "detection_scenes",
    "evaluation_file",
    "load_coco",
    "load_digits",
    "load_fashion_mnist",
    "load_hamlet",
    "load_mnist_5k",
    "load_photo",
    "load_rotten_tomatoes",
    "load_rotten_tomatoes_plots",
    "load_segmentation_folder",
    "load_voc",
    "load_word2vec_corpus",
    "make_dataset",
    "save_coco",
    "save_segmentation_folder",
    "save_voc",
    "segmentation_scenes",
    "to_coco",
    "tokenize",
]
