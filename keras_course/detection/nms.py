"""Q28: non-maximum suppression, greedy, as in the R-CNN papers and ``tf.image.non_max_suppression``.

Sort the boxes by score; keep the best; drop every remaining box that overlaps it by IoU
*more than* ``iou_threshold``; repeat with the best of what is left.
"""

import numpy as np

from keras_course.checks import check_array, check_int, check_real, describe
from keras_course.detection.boxes import as_boxes, iou


def _check_scores(scores, n):
    scores = check_array("scores", scores, ndim=1, kind="real", allow_empty=True).astype(np.float64)
    if scores.shape != (n,):
        raise ValueError(f"scores must have shape ({n},) to match boxes, got {describe(scores)}")
    return scores


def _check_threshold(iou_threshold):
    return check_real("iou_threshold", iou_threshold, minimum=0, maximum=1)


def _check_options(iou_threshold, score_threshold, max_output):
    """NaN thresholds compare False with everything, and max_output <= 0 (or -1, which
    slicing reads as "all but the last") would keep a wrong set silently."""
    _check_threshold(iou_threshold)
    if not (isinstance(score_threshold, (int, float, np.number)) and score_threshold == -np.inf):
        check_real("score_threshold", score_threshold)  # -inf (the default: every box) is fine
    if max_output is not None:
        check_int("max_output", max_output, minimum=1)


def nms(boxes, scores, iou_threshold=0.5, score_threshold=-np.inf, max_output=None):
    """Greedy NMS. Returns int64 indices into ``boxes`` of the kept boxes, highest score first.

    Args:
        boxes: (N, 4) xyxy.
        scores: (N,).
        iou_threshold: a box overlapping a kept one by IoU > this is dropped.
        score_threshold: only boxes with score > this take part.
        max_output: keep at most this many, an int >= 1 (None: no limit).
    """
    boxes = as_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    _check_options(iou_threshold, score_threshold, max_output)
    limit = len(boxes) if max_output is None else int(max_output)
    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] > score_threshold]
    if len(order) == 0 or limit == 0:
        return np.zeros(0, np.int64)
    overlaps = iou(boxes[order], boxes[order])  # one matrix, then the loop is cheap lookups
    alive = np.ones(len(order), bool)
    keep = []
    for i in range(len(order)):
        if not alive[i]:
            continue
        keep.append(order[i])
        if len(keep) == limit:
            break
        alive[i + 1 :] &= overlaps[i, i + 1 :] <= iou_threshold
    return np.asarray(keep, np.int64)


def batched_nms(boxes, scores, classes, iou_threshold=0.5, score_threshold=-np.inf, max_output=None):
    """NMS run separately per class (boxes of different classes never suppress each other).

    Returns the kept indices over all classes, highest score first, at most ``max_output``.
    """
    boxes = as_boxes(boxes)
    scores = _check_scores(scores, len(boxes))
    _check_options(iou_threshold, score_threshold, max_output)
    classes = check_array("classes", classes, ndim=1, kind="real", allow_empty=True)
    if classes.shape != (len(boxes),):
        raise ValueError(f"classes must have shape ({len(boxes)},) to match boxes, got {describe(classes)}")
    kept = [
        np.flatnonzero(classes == c)[nms(boxes[classes == c], scores[classes == c], iou_threshold, score_threshold)]
        for c in np.unique(classes)
    ]
    kept = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    kept = kept[np.argsort(-scores[kept], kind="stable")]
    return kept if max_output is None else kept[:max_output]
