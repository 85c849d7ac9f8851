"""Q28: independent references for our NMS and COCO evaluation, each used when installed.

``reference_nms`` runs another library's greedy NMS on the same boxes: TensorFlow's
``tf.image.non_max_suppression`` when TensorFlow can be imported (with any Keras backend),
else ``torchvision.ops.nms``. ``pycocotools_map`` asks COCO's own evaluator (``COCOeval``).
Both libraries drop a box whose IoU with a kept one is *greater than* the threshold, as
``keras_course.detection.nms`` does.
"""

import contextlib
import importlib.util
import io

import numpy as np

from keras_course.checks import check_choice, check_tokens
from keras_course.data.detection_io import to_coco
from keras_course.detection.boxes import as_boxes
from keras_course.detection.evaluate import _check_lists
from keras_course.detection.nms import _check_scores, _check_threshold

NMS_REFERENCES = ("tensorflow", "torchvision")


def nms_reference():
    """The library ``reference_nms`` uses here: "tensorflow", "torchvision", or None if neither is installed."""
    return next((name for name in NMS_REFERENCES if importlib.util.find_spec(name) is not None), None)


def reference_nms(boxes, scores, iou_threshold=0.5, library=None):
    """The indices (int64) of the boxes another library's NMS keeps, highest score first.

    Args:
        boxes: (N, 4) as (x1, y1, x2, y2); scores: (N,).
        iou_threshold: a box overlapping a kept one by IoU > this is dropped.
        library: None (``nms_reference()``), "tensorflow" (boxes and scores in float32,
            as ``tf.image.non_max_suppression`` takes them, the boxes as (y1, x1, y2, x2)) or
            "torchvision" (``torchvision.ops.nms``, in float64).

    Raises ``ModuleNotFoundError`` when the library (or, for None, both) is not installed.
    """
    boxes = as_boxes(boxes, "boxes")
    scores = _check_scores(scores, len(boxes))
    iou_threshold = _check_threshold(iou_threshold)
    if library is None:
        library = nms_reference()
        if library is None:
            raise ModuleNotFoundError("reference_nms needs TensorFlow or torchvision, and neither is installed")
    check_choice("library", library, NMS_REFERENCES)
    if library == "tensorflow":
        import tensorflow as tf

        kept = tf.image.non_max_suppression(
            boxes[:, [1, 0, 3, 2]].astype("float32"), scores.astype("float32"), len(boxes), iou_threshold
        )
        return np.asarray(kept.numpy(), np.int64)
    import torch
    import torchvision

    kept = torchvision.ops.nms(torch.as_tensor(boxes), torch.as_tensor(scores), iou_threshold)
    return np.asarray(kept.numpy(), np.int64)


def pycocotools_map(detections, ground_truths, class_names, image_size):
    """COCO's own ``(mAP@[.5:.95], AP@0.5)`` (``COCOeval.stats[:2]``), or None without pycocotools.

    Args:
        detections: a list of ``{"boxes", "scores", "labels"}`` dicts, one per image.
        ground_truths: a list of ``{"boxes", "labels"}`` dicts, the true boxes of the same images.
        class_names: one name per class (class id ``k`` is COCO category ``k + 1``).
        image_size: ``(height, width)`` of every image (or one int for square images).

    COCOeval's own printout is swallowed.
    """
    _check_lists(detections, ground_truths)  # NaN scores, inverted boxes, one entry per image
    class_names = check_tokens("class_names", class_names)
    size = (image_size, image_size) if isinstance(image_size, int) and not isinstance(image_size, bool) else image_size
    truth, results = to_coco(ground_truths, class_names, size), to_coco(detections, class_names, size, scores=True)
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = truth
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(results), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return tuple(float(v) for v in evaluator.stats[:2])
