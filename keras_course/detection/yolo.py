"""Q31: YOLO v1 (Redmon et al., 2016): detection as one regression over an S x S grid.

The cell that holds an object's centre is responsible for it. Each cell predicts B boxes
``[x, y, w, h, confidence]`` (x, y: the centre's offset inside the cell in [0, 1); w, h:
relative to the image; confidence: Pr(object) * IoU(predicted, true)) and one set of C class
probabilities Pr(class | object). A detection's score is confidence * Pr(class | object).

Tensor layout, per image: (S, S, 5B + C); ``[i, j]`` is the cell in row i (y), column j (x),
``[i, j, 5b:5b + 5]`` predictor b, ``[i, j, 5B:]`` the classes.
"""

import keras
import numpy as np
from keras import layers, ops

from keras_course.checks import check_array, check_int, check_labels, check_real, describe
from keras_course.detection.backbone import conv_bn_act, small_backbone
from keras_course.detection.boxes import as_boxes
from keras_course.detection.nms import batched_nms


def _check_int(name, value, low=1):
    return check_int(name, value, minimum=low)


def _image_hw(image_size):
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if isinstance(image_size, (str, bytes)) or not isinstance(image_size, (tuple, list)) or len(image_size) != 2:
        raise ValueError(f"image_size must be a positive int or (height, width), got {describe(image_size)}")
    return (
        check_real("image_size height", image_size[0], minimum=0, low_open=True),
        check_real("image_size width", image_size[1], minimum=0, low_open=True),
    )


def encode_targets(boxes, labels, image_size, grid_size, num_boxes, num_classes):
    """The YOLO v1 target of one image: float32 (S, S, 5B + C).

    Every one of the B predictors of the responsible cell gets ``[x, y, w, h, 1]`` (the loss
    picks which one answers); the class part is one-hot. A cell holds one object: a later
    object whose centre falls in an occupied cell is dropped (YOLO v1's known limit).

    Args:
        boxes: (k, 4) xyxy pixels, inside the image (a box outside it is refused, not
            clipped: its centre would land in a wrong cell, or a negative one);
        labels: (k,) ints in [0, num_classes).
        image_size: int or (height, width) in pixels.
    """
    s = _check_int("grid_size", grid_size)
    b = _check_int("num_boxes", num_boxes)
    c = _check_int("num_classes", num_classes)
    height, width = _image_hw(image_size)
    boxes = as_boxes(boxes)
    labels = check_labels("labels", labels, c).reshape(-1)
    if len(labels) != len(boxes):
        raise ValueError(f"labels must have one entry per box ({len(boxes)}), got {len(labels)}")
    outside = (boxes[:, 0] < 0) | (boxes[:, 1] < 0) | (boxes[:, 2] > width) | (boxes[:, 3] > height)
    if outside.any():
        k = int(np.flatnonzero(outside)[0])
        raise ValueError(
            f"boxes must lie inside the image [0, {width:g}] x [0, {height:g}] (clip_boxes them first), "
            f"got box {k} = {boxes[k].tolist()}"
        )
    target = np.zeros((s, s, 5 * b + c), np.float32)
    for (x1, y1, x2, y2), label in zip(boxes, labels, strict=True):
        gx, gy = (x1 + x2) / 2 / width * s, (y1 + y2) / 2 / height * s  # the centre in cell units
        j, i = min(int(gx), s - 1), min(int(gy), s - 1)
        if target[i, j, 4] == 1:
            continue
        box = [gx - j, gy - i, (x2 - x1) / width, (y2 - y1) / height, 1.0]
        target[i, j, : 5 * b] = np.tile(box, b)
        target[i, j, 5 * b + label] = 1.0
    return target


def decode_predictions(
    predictions, image_size, num_boxes, num_classes, score_threshold=0.05, iou_threshold=0.5, max_output=100
):
    """Boxes from one image's YOLO output (S, S, 5B + C), after per-class NMS.

    Every predictor proposes its box with the class-specific score confidence * Pr(class).

    Returns:
        ``(boxes float32 (n, 4) xyxy pixels, scores (n,), classes int (n,))``, best first.
    """
    predictions = check_array("predictions", predictions, kind="real").astype(np.float64)
    b, c = _check_int("num_boxes", num_boxes), _check_int("num_classes", num_classes)
    score_threshold = check_real("score_threshold", score_threshold)
    check_real("iou_threshold", iou_threshold, minimum=0, maximum=1)
    if max_output is not None:
        check_int("max_output", max_output, minimum=1)
    if predictions.ndim != 3 or predictions.shape[0] != predictions.shape[1] or predictions.shape[2] != 5 * b + c:
        raise ValueError(
            f"predictions must be (S, S, 5 * num_boxes + num_classes = {5 * b + c}), got {predictions.shape}"
        )
    s = predictions.shape[0]
    height, width = _image_hw(image_size)
    rows, cols = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    per_box = predictions[..., : 5 * b].reshape(s, s, b, 5)
    cx = (cols[..., None] + per_box[..., 0]) / s * width
    cy = (rows[..., None] + per_box[..., 1]) / s * height
    w, h = per_box[..., 2] * width, per_box[..., 3] * height
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1).reshape(-1, 4)
    scores = (per_box[..., 4:5] * predictions[..., None, 5 * b :]).reshape(-1, c)  # (S*S*B, C)
    box_index, classes = np.nonzero(scores > score_threshold)
    boxes, scores = boxes[box_index], scores[box_index, classes]
    boxes = np.clip(boxes, 0, [width, height, width, height])
    keep = batched_nms(boxes, scores, classes, iou_threshold, max_output=max_output)
    return boxes[keep].astype(np.float32), scores[keep].astype(np.float32), classes[keep]


# ---------------------------------------------------------------------------- the model
@keras.saving.register_keras_serializable(package="keras_course")
class YoloOutput(layers.Layer):
    """Turns raw (B, S, S, 5B + C) head outputs into YOLO predictions: a sigmoid keeps x, y, w,
    h and the confidences in [0, 1] (so sqrt(w) exists), a softmax makes Pr(class | object)."""

    def __init__(self, num_boxes, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_boxes = _check_int("num_boxes", num_boxes)
        self.num_classes = _check_int("num_classes", num_classes)

    def call(self, inputs):
        split = 5 * self.num_boxes
        return ops.concatenate([ops.sigmoid(inputs[..., :split]), ops.softmax(inputs[..., split:], axis=-1)], -1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_boxes": self.num_boxes, "num_classes": self.num_classes}


def yolo_v1(input_shape, grid_size, num_boxes=2, num_classes=20, base_filters=32, name="yolo_v1"):
    """A small YOLO v1: conv + BN + leaky ReLU (0.1) blocks with max-pooling down to the S x S
    grid, then more 3x3 convs to widen the receptive field, then a 1x1 conv to 5B + C channels.

    The paper ends with two fully-connected layers; a 1x1 conv gives the same output tensor
    with far fewer weights, which matters on a few thousand training images.
    Shapes: (N, H, W, C) -> (N, S, S, 5B + C); H and W must be S times a power of two.
    """
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {describe(input_shape)}")
    height, width, _channels = (
        _check_int(f"input_shape {n}", v) for n, v in zip(("height", "width", "channels"), input_shape, strict=True)
    )
    base_filters = _check_int("base_filters", base_filters)
    s = _check_int("grid_size", grid_size)
    b, c = _check_int("num_boxes", num_boxes), _check_int("num_classes", num_classes)
    if height != width or height % s or (height // s) & (height // s - 1):
        raise ValueError(f"input_shape must be square with side grid_size * 2**k, got {input_shape} for S={s}")
    inputs = keras.Input(input_shape)
    x = small_backbone(inputs, int(np.log2(height // s)), base_filters)
    for _ in range(3):
        x = conv_bn_act(x, base_filters * 4)
    x = layers.Conv2D(5 * b + c, 1, dtype="float32")(x)  # float32 outputs under mixed precision
    return keras.Model(inputs, YoloOutput(b, c, dtype="float32")(x), name=name)


# ---------------------------------------------------------------------------- the loss
def _cell_iou(a, b):
    """IoU of boxes (..., 4) given as (x, y, w, h): x, y in cell units, w, h in image units;
    one grid cell is 1/S of the image, so x / S puts both in image units (the S cancels below)."""
    half_a, half_b = a[..., 2:4] / 2, b[..., 2:4] / 2
    lo = ops.maximum(a[..., 0:2] - half_a, b[..., 0:2] - half_b)
    hi = ops.minimum(a[..., 0:2] + half_a, b[..., 0:2] + half_b)
    wh = ops.maximum(hi - lo, 0.0)
    inter = wh[..., 0] * wh[..., 1]
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    return inter / ops.maximum(union, 1e-9)


@keras.saving.register_keras_serializable(package="keras_course")
class YoloV1Loss(keras.losses.Loss):
    """The YOLO v1 sum-squared loss (Redmon et al., 2016, eq. 3), per image:

    lambda_coord sum_obj [(x - x^)^2 + (y - y^)^2 + (sqrt w - sqrt w^)^2 + (sqrt h - sqrt h^)^2]
    + sum_obj (C - C^)^2 + lambda_noobj sum_noobj (C - C^)^2 + sum_cells_with_obj sum_c (p - p^)^2

    "obj" is the responsible predictor of a cell holding an object: the one of the B whose box
    has the highest IoU with the true box; its confidence target is that IoU. Every other
    predictor is "noobj" with target 0. Shapes: (N, S, S, 5B + C) both -> (N,).
    """

    def __init__(self, lambda_coord=5.0, lambda_noobj=0.5, num_boxes=2, name="yolo_v1_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_boxes = _check_int("num_boxes", num_boxes)
        self.lambda_coord = check_real("lambda_coord", lambda_coord, minimum=0)
        self.lambda_noobj = check_real("lambda_noobj", lambda_noobj, minimum=0)

    def call(self, y_true, y_pred):
        b = self.num_boxes
        y_true, y_pred = ops.cast(y_true, y_pred.dtype), y_pred
        shape = ops.shape(y_pred)
        boxes_true = ops.reshape(y_true[..., : 5 * b], (shape[0], shape[1], shape[2], b, 5))
        boxes_pred = ops.reshape(y_pred[..., : 5 * b], (shape[0], shape[1], shape[2], b, 5))
        has_object = boxes_true[..., 0, 4]  # (N, S, S)
        # the S of the grid rescales x, y only; IoU is invariant, so compare (x/S, y/S, w, h)
        s = ops.cast(shape[1], y_pred.dtype)
        scale = ops.stack([1 / s, 1 / s, ops.ones_like(s), ops.ones_like(s)])
        overlaps = _cell_iou(boxes_pred[..., :4] * scale, boxes_true[..., :4] * scale)  # (N, S, S, B)
        responsible = ops.one_hot(ops.argmax(overlaps, axis=-1), b, dtype=y_pred.dtype) * has_object[..., None]
        xy = ops.sum(ops.square(boxes_true[..., 0:2] - boxes_pred[..., 0:2]), -1)
        sqrt_pred = ops.sqrt(ops.maximum(boxes_pred[..., 2:4], 1e-12))
        wh = ops.sum(ops.square(ops.sqrt(boxes_true[..., 2:4]) - sqrt_pred), -1)
        confidence_error = ops.square(ops.stop_gradient(overlaps) - boxes_pred[..., 4])
        noobj_error = ops.square(boxes_pred[..., 4])
        classes = has_object * ops.sum(ops.square(y_true[..., 5 * b :] - y_pred[..., 5 * b :]), -1)
        per_predictor = (
            responsible * (self.lambda_coord * (xy + wh) + confidence_error)
            + (1 - responsible) * self.lambda_noobj * noobj_error
        )
        return ops.sum(per_predictor, axis=(1, 2, 3)) + ops.sum(classes, axis=(1, 2))

    def get_config(self):
        return {
            **super().get_config(),
            "num_boxes": self.num_boxes,
            "lambda_coord": self.lambda_coord,
            "lambda_noobj": self.lambda_noobj,
        }


def detect(model, images, num_boxes, num_classes, batch_size=128, score_threshold=0.01, **kwargs):
    """Detections (list of dicts "boxes", "scores", "labels") of a YOLO ``model`` for
    ``images`` (N, H, W, C): one batched forward pass, then ``decode_predictions`` per image."""
    predictions = model.predict(images, batch_size=batch_size, verbose=0)
    out = []
    for p in predictions:
        boxes, scores, classes = decode_predictions(
            p, images.shape[1], num_boxes, num_classes, score_threshold, **kwargs
        )
        out.append({"boxes": boxes, "scores": scores, "labels": classes})
    return out
