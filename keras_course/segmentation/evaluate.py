"""Q25 for a trained model: every quality figure of a segmentation network on a test set."""

import keras
import numpy as np

from keras_course.checks import check_image, check_int, check_labels, check_tokens, describe
from keras_course.segmentation.losses import pixel_categorical_crossentropy
from keras_course.segmentation.metrics import MeanIoU, boundary_iou, jaccard_per_class, mean_iou, pixel_accuracy


def evaluate_segmentation(model, x, y, class_names, batch_size=32, boundary_width=2):
    """Predict ``x`` with ``model`` and score the maps against ``y``.

    Args:
        model: a ``keras.Model`` mapping images (N, H, W, C) to per-pixel class
            probabilities (N, H, W, K) (a softmax output).
        x: (N, H, W, C) float images in [0, 1]; ``y``: (N, H, W) true class ids.
        class_names: the K class names, in class-id order.
        batch_size: images per prediction batch, and per update of the streaming metric.
        boundary_width: pixels on each side of a contour that boundary IoU looks at.

    Returns:
        ``(predicted, figures)``: ``predicted`` the (N, H, W) arg-max class maps; ``figures``
        a dict with ``pixel_accuracy``, ``mean_iou``, ``boundary_iou``, ``jaccard_per_class``
        (``{class name: J_k}``, NaN for a class in neither map), ``streaming_mean_iou`` (the
        ``MeanIoU`` metric that ``fit`` reports, fed batch by batch: it must equal
        ``mean_iou``), ``test_cross_entropy`` (pixelwise, averaged) and ``params`` (the
        model's parameter count).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {describe(model)}")
    x = check_image("x", x, ndim=4)
    class_names = check_tokens("class_names", class_names)
    num_classes = len(class_names)
    if num_classes < 2:
        raise ValueError(f"class_names must name at least 2 classes, got {class_names}")
    y = check_labels("y", y, num_classes, ndim=3)
    if y.shape != x.shape[:3]:
        raise ValueError(f"y must have shape {x.shape[:3]} (one class id per pixel of x), got {describe(y)}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    boundary_width = check_int("boundary_width", boundary_width, minimum=1)
    probabilities = model.predict(x, batch_size=batch_size, verbose=0)
    predicted = probabilities.argmax(-1)
    per_class = jaccard_per_class(y, predicted, num_classes)
    streaming = MeanIoU(num_classes)
    for start in range(0, len(x), batch_size):
        streaming.update_state(y[start : start + batch_size], probabilities[start : start + batch_size])
    return predicted, {
        "pixel_accuracy": pixel_accuracy(y, predicted),
        "mean_iou": mean_iou(y, predicted, num_classes),
        "boundary_iou": boundary_iou(y, predicted, num_classes, width=boundary_width),
        "jaccard_per_class": dict(zip(class_names, per_class, strict=True)),
        "streaming_mean_iou": float(streaming.result()),
        "test_cross_entropy": float(
            np.mean(keras.ops.convert_to_numpy(pixel_categorical_crossentropy(y, probabilities)))
        ),
        "params": model.count_params(),
    }
