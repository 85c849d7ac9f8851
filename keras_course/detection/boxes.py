"""Q28: boxes. Formats, areas, pairwise IoU and the R-CNN box deltas.

Boxes are ``(x1, y1, x2, y2)`` ("xyxy") in pixels unless said otherwise; the other formats are
``(x, y, w, h)`` ("xywh", COCO's top-left corner and size) and ``(cx, cy, w, h)`` ("cxcywh",
the centre and size that box regression and YOLO use). Everything here is NumPy: these are
evaluation and data-preparation tools, run outside the graph.
"""

import numpy as np

from keras_course.checks import check_array, check_boxes, check_choice, check_real, check_same_length

BOX_FORMATS = ("xyxy", "xywh", "cxcywh")
# Faster R-CNN's clip on exp(dw): a delta above log(1000 / 16) would blow a box up beyond any image.
DELTA_CLIP = float(np.log(1000.0 / 16))


def as_boxes(boxes, name="boxes"):
    """``boxes`` as float64 xyxy (N, 4), finite, ``x2 >= x1`` and ``y2 >= y1`` (``check_boxes``).

    An inverted box is refused rather than given area 0: COCOeval and NMS would score it
    differently from us, silently.
    """
    return check_boxes(name, boxes)


def _four_columns(name, value):
    """A finite float64 (N, 4) array of any four numbers per row (deltas, xywh / cxcywh boxes)."""
    array = check_array(name, value, kind="real", allow_empty=True)
    if array.size == 0 and array.ndim <= 2:
        return array.reshape(0, 4).astype(np.float64)
    return check_array(name, array, kind="real", shape=(None, 4)).astype(np.float64)


def convert_boxes(boxes, source, target):
    """Convert (N, 4) boxes between ``BOX_FORMATS``; returns float64 (N, 4)."""
    check_choice("source", source, BOX_FORMATS)
    check_choice("target", target, BOX_FORMATS)
    if source == "xyxy":
        b = as_boxes(boxes)
    else:
        b = _four_columns("boxes", boxes)
        if np.any(b[:, 2:] < 0):
            bad = int(np.flatnonzero((b[:, 2:] < 0).any(1))[0])
            raise ValueError(f"boxes must have width and height >= 0 in {source!r}, got box {bad} = {b[bad].tolist()}")
    if source == "xywh":
        b = np.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], 1)
    elif source == "cxcywh":
        b = np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], 1)
    if target == "xywh":
        return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1)
    if target == "cxcywh":
        return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1)
    return b.copy() if b is boxes else b


def box_area(boxes):
    """Areas (N,) of xyxy boxes; a box with x2 < x1 or y2 < y1 is refused."""
    b = as_boxes(boxes)
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def iou(boxes_a, boxes_b):
    """Pairwise intersection over union of xyxy boxes: (N, 4) x (M, 4) -> (N, M).

    ``IoU = area(A and B) / area(A or B)``; 0 where the union is empty (two empty boxes).
    """
    a, b = as_boxes(boxes_a, "boxes_a"), as_boxes(boxes_b, "boxes_b")
    width = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    height = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(width, 0, None) * np.clip(height, 0, None)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def clip_boxes(boxes, height, width):
    """xyxy boxes clipped to the image ``[0, width] x [0, height]``."""
    height = check_real("height", height, minimum=0)
    width = check_real("width", width, minimum=0)
    b = as_boxes(boxes).copy()
    b[:, [0, 2]] = np.clip(b[:, [0, 2]], 0, width)
    b[:, [1, 3]] = np.clip(b[:, [1, 3]], 0, height)
    return b


def encode_deltas(proposals, targets, weights=(1.0, 1.0, 1.0, 1.0)):
    """R-CNN box-regression targets that move each proposal P onto its target G (both xyxy).

    ``t = (w_x (Gx - Px) / Pw, w_y (Gy - Py) / Ph, w_w log(Gw / Pw), w_h log(Gh / Ph))`` with
    centres (x, y) and sizes (w, h): shifts relative to the proposal's size, scale changes as
    logs, so the targets do not depend on the box's size (Girshick et al., 2014, appendix C).
    ``weights`` rescale the four targets (Fast R-CNN uses (10, 10, 5, 5)). Shapes (N, 4) -> (N, 4).
    """
    p = convert_boxes(as_boxes(proposals, "proposals"), "xyxy", "cxcywh")
    g = convert_boxes(as_boxes(targets, "targets"), "xyxy", "cxcywh")
    check_same_length(proposals=p, targets=g)
    if np.any(p[:, 2:] <= 0) or np.any(g[:, 2:] <= 0):
        raise ValueError("proposals and targets must have positive width and height")
    wx, wy, ww, wh = _check_weights(weights)
    return np.stack(
        [
            wx * (g[:, 0] - p[:, 0]) / p[:, 2],
            wy * (g[:, 1] - p[:, 1]) / p[:, 3],
            ww * np.log(g[:, 2] / p[:, 2]),
            wh * np.log(g[:, 3] / p[:, 3]),
        ],
        1,
    )


def decode_deltas(proposals, deltas, weights=(1.0, 1.0, 1.0, 1.0)):
    """The inverse of ``encode_deltas``: apply (N, 4) ``deltas`` to (N, 4) xyxy ``proposals``."""
    p = convert_boxes(as_boxes(proposals, "proposals"), "xyxy", "cxcywh")
    d = _four_columns("deltas", deltas)
    check_same_length(proposals=p, deltas=d)
    wx, wy, ww, wh = _check_weights(weights)
    cx = p[:, 0] + d[:, 0] / wx * p[:, 2]
    cy = p[:, 1] + d[:, 1] / wy * p[:, 3]
    w = p[:, 2] * np.exp(np.minimum(d[:, 2] / ww, DELTA_CLIP))
    h = p[:, 3] * np.exp(np.minimum(d[:, 3] / wh, DELTA_CLIP))
    return convert_boxes(np.stack([cx, cy, w, h], 1), "cxcywh", "xyxy")


def _check_weights(weights):
    values = check_array("weights", weights, kind="real", shape=(4,))
    for w in values:
        check_real("weights", float(w), minimum=0, low_open=True)
    return tuple(float(w) for w in values)
