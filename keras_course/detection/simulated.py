"""Q28: a simulated detector, to show IoU, NMS, TP / FP / FN and AP step by step.

Its mistakes are the ones a real detector makes, in amounts you choose: several jittered
boxes per object (duplicates that NMS removes), badly placed boxes, wrong classes, missed
objects and boxes on the background.
"""

import numpy as np

from keras_course.checks import check_boxes, check_int, check_labels, check_real, check_rng, describe


def _check_targets(targets, num_classes):
    if not isinstance(targets, (list, tuple)):
        raise TypeError(f"targets must be a list of dicts with 'boxes' and 'labels', got {describe(targets)}")
    checked = []
    for k, t in enumerate(targets):
        if not (isinstance(t, dict) and "boxes" in t and "labels" in t):
            raise TypeError(f"targets[{k}] must be a dict with 'boxes' and 'labels', got {describe(t)}")
        boxes = check_boxes(f"targets[{k}]['boxes']", t["boxes"])
        boxes = boxes if len(boxes) == 0 else np.asarray(t["boxes"])  # its own dtype: the jitter adds to it
        labels = check_labels(f"targets[{k}]['labels']", t["labels"], num_classes, ndim=1)
        if len(labels) != len(boxes):
            raise ValueError(f"targets[{k}] must have one label per box, got {len(boxes)} boxes, {len(labels)} labels")
        checked.append((boxes, labels))
    return checked


def simulated_detections(
    targets, rng, num_classes, noise=0.08, wrong_class=0.1, miss=0.1, copies=3, extra=2.0, image_size=64
):
    """Noisy detections of the true boxes ``targets``, one dict per image.

    Args:
        targets: a list of ``{"boxes": (M, 4) xyxy, "labels": (M,) class ids}``, one per image.
        rng: a ``numpy.random.Generator``, which every draw comes from.
        num_classes: the number of classes K (labels in [0, K)).
        noise: the jitter of each box corner, as a fraction of the box's size (scaled per copy
            by a factor uniform in [0.5, 2.5]).
        wrong_class: the probability that a copy gets a class uniform over the K classes
            (which may, by chance, be the right one) instead of the true class.
        miss: the probability that a true box gets no detection at all.
        copies: jittered boxes per detected true box (the duplicates NMS should remove).
        extra: the mean of the Poisson number of random boxes per image (false positives on
            the background), each with a score uniform in [0.01, 0.6].
        image_size: the side of the (square) images in pixels; the random boxes have their
            corner in the first three quarters of the image and sides of 1/8 to ~0.47 of it.

    Returns:
        one ``{"boxes": (D, 4) float64 xyxy, "scores": (D,), "labels": (D,) int}`` per image.
        A copy's score falls with its jitter, ``clip(1 - 4 mean|jitter| + N(0, 0.1), 0.01, 1)``,
        so the better-placed copies tend to score higher; every box is at least 1 pixel wide
        and tall.
    """
    rng = check_rng("rng", rng)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    checked = _check_targets(targets, num_classes)
    noise = check_real("noise", noise, minimum=0)
    wrong_class = check_real("wrong_class", wrong_class, minimum=0, maximum=1)
    miss = check_real("miss", miss, minimum=0, maximum=1)
    copies = check_int("copies", copies, minimum=1)
    extra = check_real("extra", extra, minimum=0)
    scale = check_int("image_size", image_size, minimum=8) / 64  # exactly 1.0 for 64 x 64 scenes
    detections = []
    for true_boxes, true_labels in checked:
        boxes, scores, labels = [], [], []
        for box, label in zip(true_boxes, true_labels, strict=True):
            if rng.uniform() < miss:
                continue
            size = np.r_[box[2:] - box[:2], box[2:] - box[:2]]
            for _ in range(copies):
                jitter = rng.normal(0, noise * rng.uniform(0.5, 2.5), 4)
                boxes.append(box + jitter * size)
                scores.append(np.clip(1 - 4 * np.abs(jitter).mean() + rng.normal(0, 0.1), 0.01, 1))
                labels.append(label if rng.uniform() > wrong_class else rng.integers(num_classes))
        for _ in range(rng.poisson(extra)):
            xy = rng.uniform(0, 48, 2) * scale
            boxes.append(np.r_[xy, xy + rng.uniform(8, 30, 2) * scale])
            scores.append(rng.uniform(0.01, 0.6))
            labels.append(rng.integers(num_classes))
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
        detections.append({"boxes": boxes, "scores": np.asarray(scores), "labels": np.asarray(labels, int)})
    return detections
