"""Q24-Q27: semantic segmentation: pixel metrics, pixelwise cross-entropy, U-Net and FCN."""

from keras_course.segmentation.evaluate import evaluate_segmentation
from keras_course.segmentation.fcn import fcn
from keras_course.segmentation.figures import PALETTE, colorize, plot_jaccard, plot_overlays
from keras_course.segmentation.losses import (
    PixelCrossEntropy,
    SoftDiceLoss,
    SoftJaccardLoss,
    balanced_class_weights,
    pixel_categorical_crossentropy,
    soft_dice_loss,
    soft_jaccard_loss,
)
from keras_course.segmentation.metrics import (
    JaccardPerClass,
    MeanIoU,
    PixelAccuracy,
    boundary_iou,
    boundary_jaccard_per_class,
    confusion_matrix,
    jaccard_per_class,
    mean_iou,
    pixel_accuracy,
)
from keras_course.segmentation.unet import unet

__all__ = [
    "PALETTE",
    "JaccardPerClass",
    "MeanIoU",
    "PixelAccuracy",
    "PixelCrossEntropy",
    "SoftDiceLoss",
    "SoftJaccardLoss",
    "balanced_class_weights",
    "boundary_iou",
    "boundary_jaccard_per_class",
    "colorize",
    "confusion_matrix",
    "evaluate_segmentation",
    "fcn",
    "jaccard_per_class",
    "mean_iou",
    "pixel_accuracy",
    "pixel_categorical_crossentropy",
    "plot_jaccard",
    "plot_overlays",
    "soft_dice_loss",
    "soft_jaccard_loss",
    "unet",
]
