"""Chapter Q19: data augmentation pipelines built from Keras preprocessing layers.

``make_pipeline(["flip", "rotation", ...], seed=0)`` returns a ``keras.Sequential`` of
random layers; pass it to ``keras_course.data.make_dataset(augment=...)`` to augment each
training batch inside ``tf.data`` (same seed, same batches). ``show_augmentations`` draws
the original image next to random versions of it.
"""

from keras_course.augment.grid import show_augmentations
from keras_course.augment.layers import RandomRGBShift
from keras_course.augment.pipeline import AUGMENTATIONS, DEFAULT_STRENGTHS, make_pipeline

__all__ = ["AUGMENTATIONS", "DEFAULT_STRENGTHS", "RandomRGBShift", "make_pipeline", "show_augmentations"]
