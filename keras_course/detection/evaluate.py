"""Q28: how good is a detector? TP / FP / FN, precision-recall, AP and mAP (VOC and COCO).

A detection is a true positive (TP) when it overlaps a ground-truth box *of its class* that
no higher-scored detection has already claimed, by IoU above the threshold; every other
detection is a false positive (FP), duplicates included; every ground-truth box left
unclaimed is a false negative (FN). Sorting all detections of a class by score and counting
gives one precision-recall point per detection; AP summarises that curve and mAP averages AP
over the classes.

Inputs: ``detections`` is a list (one per image) of dicts ``{"boxes": (D, 4) xyxy,
"scores": (D,), "labels": (D,) int}``; ``ground_truths`` a list of ``{"boxes": (G, 4),
"labels": (G,)}``. ``coco_map`` reproduces pycocotools' ``COCOeval`` (bbox, area "all",
100 detections per image and class).
"""

import numpy as np

from keras_course.checks import check_array, check_choice, check_int, check_real, describe
from keras_course.detection.boxes import as_boxes, iou

AP_METHODS = ("all-point", "11-point", "101-point")
MATCH_RULES = ("voc", "coco")
# The exact arrays COCOeval uses (same expressions, so the floats compare bit for bit).
COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
COCO_RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


def _check_rule(rule):
    check_choice("rule", rule, MATCH_RULES)


def _check_scores(name, scores, n=None):
    """Finite scores (N,): a NaN score sorts first and would rank as the best detection."""
    scores = check_array(name, scores, kind="real", allow_empty=True).astype(np.float64)
    if scores.ndim != 1 or (n is not None and len(scores) != n):
        wanted = f"({n},)" if n is not None else "(N,)"
        raise ValueError(f"{name} must have shape {wanted} to match the boxes, got {describe(scores)}")
    return scores


def _check_class_ids(name, labels):
    """Integer class labels (N,) (integral floats are read as ints)."""
    labels = check_array(name, labels, kind="real", allow_empty=True).reshape(-1)
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise TypeError(f"{name} must hold integer class labels, got non-integral values in {describe(labels)}")
    return labels.astype(np.int64)


def _check_iou_thresholds(iou_thresholds):
    thresholds = np.atleast_1d(check_array("iou_thresholds", iou_thresholds, kind="real")).astype(np.float64)
    if thresholds.ndim != 1 or np.any((thresholds < 0) | (thresholds > 1)):
        raise ValueError(f"iou_thresholds must be numbers in [0, 1], got {iou_thresholds!r}")
    return thresholds


def _match_sorted(overlaps, thresholds, rule):
    """Greedy matching of detections (rows, already sorted by score) to ground truths (columns)
    at every threshold at once. Returns the matched ground-truth index, int (T, D), -1 for none.

    "voc": each detection looks only at its best-overlapping box; if that one is taken (or the
    IoU is not > t) it is a FP. "coco": it takes the best box still free with IoU >= t (the last
    one on ties, as COCOeval does).
    """
    num_t, (num_d, num_g) = len(thresholds), overlaps.shape
    matched = np.full((num_t, num_d), -1, np.int64)
    if num_d == 0 or num_g == 0:
        return matched
    taken = np.zeros((num_t, num_g), bool)
    rows = np.arange(num_t)
    if rule == "voc":
        best = np.argmax(overlaps, axis=1)
        for d in range(num_d):
            g = best[d]
            ok = (overlaps[d, g] > thresholds) & ~taken[:, g]
            taken[ok, g] = True
            matched[ok, d] = g
        return matched
    limit = np.minimum(thresholds, 1 - 1e-10)
    reversed_columns = num_g - 1 - np.arange(num_g)
    for d in range(num_d):
        candidates = np.where(taken, -1.0, overlaps[d][None, :])  # (T, G)
        # the last column holding the maximum: argmax over the reversed columns
        g = reversed_columns[np.argmax(candidates[:, ::-1], axis=1)]
        ok = candidates[rows, g] >= limit
        taken[rows[ok], g[ok]] = True
        matched[ok, d] = g[ok]
    return matched


def match(boxes, scores, gt_boxes, iou_threshold=0.5, rule="voc"):
    """TP / FP / FN of one image's detections of one class.

    Args:
        boxes: (D, 4) xyxy detections; scores: (D,).
        gt_boxes: (G, 4) xyxy ground truth of the same class.
        iou_threshold: the IoU a TP needs (``> t`` for "voc", ``>= t`` for "coco").
        rule: "voc" or "coco" (see ``_match_sorted``).

    Returns:
        A dict: ``tp`` bool (D,) in the input order, ``gt_index`` int (D,) the claimed ground
        truth (-1 for a FP), and the counts ``num_tp``, ``num_fp``, ``num_fn``.
    """
    _check_rule(rule)
    iou_threshold = check_real("iou_threshold", iou_threshold, minimum=0, maximum=1)
    boxes, gt_boxes = as_boxes(boxes, "boxes"), as_boxes(gt_boxes, "gt_boxes")
    scores = _check_scores("scores", scores, len(boxes))
    order = np.argsort(-scores, kind="mergesort")
    matched_sorted = _match_sorted(iou(boxes[order], gt_boxes), np.array([float(iou_threshold)]), rule)[0]
    gt_index = np.empty(len(boxes), np.int64)
    gt_index[order] = matched_sorted
    tp = gt_index >= 0
    return {
        "tp": tp,
        "gt_index": gt_index,
        "num_tp": int(tp.sum()),
        "num_fp": int((~tp).sum()),
        "num_fn": int(len(gt_boxes) - tp.sum()),
    }


def precision_recall(scores, tp, num_gt):
    """The precision-recall curve of detections pooled over images.

    Args:
        scores: (D,) detection scores; tp: (D,) bool TP flags (from ``match``);
        num_gt: the number of ground-truth boxes (TP + FN).

    Returns:
        ``(recall, precision)``, each (D,), after sorting by descending score: point k uses the
        k + 1 best detections.
    """
    scores = _check_scores("scores", scores)
    tp = check_array("tp", tp, ndim=1, kind="bool" if np.asarray(tp).dtype == bool else "int", allow_empty=True)
    if tp.dtype != bool and np.any((tp != 0) & (tp != 1)):
        raise ValueError(f"tp must hold bool (or 0 / 1) TP flags, got values from {tp.min()} to {tp.max()}")
    tp = tp.astype(bool)
    if scores.shape != tp.shape:
        raise ValueError(f"scores and tp must be 1-D of the same length, got {describe(scores)} and {describe(tp)}")
    num_gt = check_int("num_gt", num_gt, minimum=0)
    if tp.sum() > num_gt:  # each TP claims its own ground-truth box: recall would exceed 1
        raise ValueError(f"num_gt must be at least the number of TPs ({int(tp.sum())}), got {num_gt}")
    order = np.argsort(-scores, kind="mergesort")
    tps = np.cumsum(tp[order], dtype=np.float64)
    fps = np.cumsum(~tp[order], dtype=np.float64)
    recall = tps / num_gt if num_gt else np.zeros_like(tps)
    precision = tps / np.maximum(tps + fps, np.spacing(1))
    return recall, precision


def average_precision(recall, precision, method="all-point"):
    """Area under a precision-recall curve (recall non-decreasing, as ``precision_recall`` gives).

    "all-point" (VOC 2010+): the exact area under the precision envelope (precision made
    non-increasing from the right). "11-point" (VOC 2007): the mean of the envelope at recall
    0, 0.1, ..., 1. "101-point" (COCO): the same at 0, 0.01, ..., 1. Beyond the largest recall
    reached the precision is 0.
    """
    check_choice("method", method, AP_METHODS)
    recall = check_array("recall", recall, kind="real", allow_empty=True).astype(np.float64)
    precision = check_array("precision", precision, kind="real", allow_empty=True).astype(np.float64)
    if recall.shape != precision.shape or recall.ndim != 1:
        raise ValueError(
            f"recall and precision must be 1-D of the same length, got {recall.shape} and {precision.shape}"
        )
    if len(recall) and np.any(np.diff(recall) < 0):
        raise ValueError("recall must be non-decreasing (sort the detections by score first)")
    if not (np.all((recall >= 0) & (recall <= 1)) and np.all((precision >= 0) & (precision <= 1))):
        raise ValueError("recall and precision must lie in [0, 1] (NaN is not allowed)")
    envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    if method == "all-point":
        # each recall step is weighted by the envelope where it is reached (VOC devkit's sum)
        return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * envelope))
    points = np.linspace(0, 1, 11) if method == "11-point" else COCO_RECALL_THRESHOLDS
    index = np.searchsorted(recall, points, side="left")
    padded = np.concatenate([envelope, [0.0]])
    return float(np.mean(padded[np.minimum(index, len(envelope))]))


def _check_lists(detections, ground_truths):
    if not isinstance(detections, (list, tuple)) or not isinstance(ground_truths, (list, tuple)):
        raise TypeError("detections and ground_truths must be lists of dicts, one per image")
    if len(detections) != len(ground_truths):
        raise ValueError(
            f"detections and ground_truths must have one entry per image, "
            f"got {len(detections)} and {len(ground_truths)}"
        )
    dets, gts = [], []
    for i, (d, g) in enumerate(zip(detections, ground_truths, strict=True)):
        for name, entry, keys in (
            ("detections", d, ("boxes", "scores", "labels")),
            ("ground_truths", g, ("boxes", "labels")),
        ):
            if not isinstance(entry, dict) or any(k not in entry for k in keys):
                raise ValueError(f"{name}[{i}] must be a dict with keys {keys}")
        boxes = as_boxes(d["boxes"], f"detections[{i}]['boxes']")
        scores = check_array(f"detections[{i}]['scores']", d["scores"], kind="real", allow_empty=True)
        scores = scores.reshape(-1).astype(np.float64)
        labels = _check_class_ids(f"detections[{i}]['labels']", d["labels"])
        if not len(boxes) == len(scores) == len(labels):
            raise ValueError(f"detections[{i}] has {len(boxes)} boxes, {len(scores)} scores and {len(labels)} labels")
        gt_boxes = as_boxes(g["boxes"], f"ground_truths[{i}]['boxes']")
        gt_labels = _check_class_ids(f"ground_truths[{i}]['labels']", g["labels"])
        if len(gt_boxes) != len(gt_labels):
            raise ValueError(f"ground_truths[{i}] has {len(gt_boxes)} boxes and {len(gt_labels)} labels")
        dets.append((boxes, scores, labels))
        gts.append((gt_boxes, gt_labels))
    return dets, gts


def evaluate_detections(
    detections, ground_truths, iou_thresholds=(0.5,), method="all-point", rule="voc", max_detections=None
):
    """AP per class and IoU threshold, and the PR curves behind them.

    Returns a dict: ``classes`` (the labels that have ground truth), ``ap`` float (T, K),
    ``curves`` {(t, class): (recall, precision)}, ``counts`` {class: (num_gt, num_det)}, and
    ``map`` the mean AP over all of them (NaN when no ground truth at all).
    Classes that only appear in detections have no AP (as in VOC and COCO).
    """
    _check_rule(rule)
    check_choice("method", method, AP_METHODS)
    thresholds = _check_iou_thresholds(iou_thresholds)
    if max_detections is not None:  # -1 would slice off the last detection, not keep them all
        max_detections = check_int("max_detections", max_detections, minimum=1)
    dets, gts = _check_lists(detections, ground_truths)
    classes = np.unique(np.concatenate([g[1] for g in gts])) if gts else np.zeros(0, np.int64)
    ap = np.zeros((len(thresholds), len(classes)))
    curves, counts = {}, {}
    for k, c in enumerate(classes):
        all_scores, all_matches, num_gt = [], [], 0
        for (boxes, scores, labels), (gt_boxes, gt_labels) in zip(dets, gts, strict=True):
            g = gt_boxes[gt_labels == c]
            num_gt += len(g)
            mine = labels == c
            if not mine.any():
                continue
            s = scores[mine]
            order = np.argsort(-s, kind="mergesort")[:max_detections]
            all_scores.append(s[order])
            all_matches.append(_match_sorted(iou(boxes[mine][order], g), thresholds, rule) >= 0)
        scores_c = np.concatenate(all_scores) if all_scores else np.zeros(0)
        tp_c = np.concatenate(all_matches, axis=1) if all_matches else np.zeros((len(thresholds), 0), bool)
        counts[int(c)] = (num_gt, len(scores_c))
        for t in range(len(thresholds)):
            recall, precision = precision_recall(scores_c, tp_c[t], num_gt)
            curves[(float(thresholds[t]), int(c))] = (recall, precision)
            ap[t, k] = average_precision(recall, precision, method)
    return {
        "classes": classes,
        "ap": ap,
        "curves": curves,
        "counts": counts,
        "map": float(ap.mean()) if ap.size else float("nan"),
    }


def mean_average_precision(detections, ground_truths, iou_threshold=0.5, method="all-point"):
    """VOC mAP: the mean over classes of AP at one IoU threshold (VOC matching rule)."""
    iou_threshold = check_real("iou_threshold", iou_threshold, minimum=0, maximum=1)
    return evaluate_detections(detections, ground_truths, (iou_threshold,), method, "voc")["map"]


def coco_map(detections, ground_truths, iou_thresholds=COCO_IOU_THRESHOLDS, max_detections=100):
    """COCO mAP@[.5:.95]: 101-point AP averaged over the IoU thresholds 0.5, 0.55, ..., 0.95 and
    the classes, with COCO's matching rule and at most ``max_detections`` per image and class.
    Equals pycocotools' ``COCOeval(...).stats[0]`` (``iou_thresholds=[0.5]``: ``stats[1]``).
    """
    return evaluate_detections(detections, ground_truths, iou_thresholds, "101-point", "coco", max_detections)["map"]
