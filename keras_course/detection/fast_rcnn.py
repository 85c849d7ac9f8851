"""Q30: Fast R-CNN (Girshick, 2015): one CNN pass per image, RoI pooling, two heads.

The image goes through the backbone once; each external proposal (region of interest, RoI)
is cut out of the feature map and max-pooled to a fixed P x P grid (``RoIPooling``); shared
fully-connected layers then feed a class head (K + 1 softmax, background = 0) and a box head
(4 deltas per class, ``boxes.encode_deltas``). The multi-task loss trains it end to end:
cross-entropy on every RoI plus smooth L1 on the deltas of the true class for positive RoIs.

Shapes: images (N, H, W, C), rois (N, R, 4) xyxy in image pixels; the model outputs
(N, R, (K + 1) + 4K): the class probabilities, then the deltas of class 1..K.
"""

import keras
import numpy as np
from keras import layers, ops

from keras_course.checks import check_array, check_image, check_int, check_real, check_rng, check_same_length, describe
from keras_course.detection.backbone import conv_bn_act, small_backbone
from keras_course.detection.boxes import _check_weights, as_boxes, clip_boxes, decode_deltas, encode_deltas, iou
from keras_course.detection.nms import batched_nms
from keras_course.detection.rcnn import check_input_shape

# Fast R-CNN normalises the regression targets (1 / (0.1, 0.1, 0.2, 0.2) in py-faster-rcnn).
DELTA_WEIGHTS = (10.0, 10.0, 5.0, 5.0)
ROIS_PER_IMAGE = 32  # RoIs sampled per training image by ``RoIStream`` (1 : 3 positive : background)


def _check_int(name, value, low=1):
    return check_int(name, value, minimum=low)


def roi_cells(rois, spatial_scale, pool_size, length):
    """Cell windows of RoI pooling along one axis (x or y).

    An RoI ``[lo, hi)`` in image pixels maps to feature columns ``[floor(lo * s), ceil(hi * s))``
    (at least one column, inside the map), which is split into P cells
    ``[start + floor(p * bin), start + ceil((p + 1) * bin))`` with ``bin = width / P``: cells may
    share a column, none is empty. Returns int (start, end) tensors, each (..., P).
    """
    length = ops.cast(length, rois.dtype)
    lo = ops.minimum(ops.maximum(ops.floor(rois[..., 0] * spatial_scale), 0.0), length - 1)
    hi = ops.minimum(ops.maximum(ops.ceil(rois[..., 1] * spatial_scale), lo + 1), length)
    width = (hi - lo)[..., None]
    p = ops.arange(pool_size, dtype=rois.dtype)
    # integer numerator first: p * (width / P) in float32 can land just above an integer
    start = lo[..., None] + ops.floor(p * width / pool_size)
    end = lo[..., None] + ops.ceil((p + 1) * width / pool_size)
    return start, end


@keras.saving.register_keras_serializable(package="keras_course")
class RoIPooling(layers.Layer):
    """Max over each cell of the RoI's window on the feature map (Fast R-CNN's RoI pooling).

    Call on ``[features (N, H, W, C), rois (N, R, 4) xyxy image pixels]`` -> (N, R, P, P, C).
    ``spatial_scale`` maps image pixels to feature-map cells (1 / the backbone's stride).
    The max is separable: first over the rows of each cell-row, then over the columns.
    """

    def __init__(self, pool_size, spatial_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _check_int("pool_size", pool_size)
        self.spatial_scale = check_real("spatial_scale", spatial_scale, minimum=0, low_open=True)

    def call(self, inputs):
        features, rois = inputs
        rois = ops.cast(rois, features.dtype)
        height, width = ops.shape(features)[1], ops.shape(features)[2]
        y0, y1 = roi_cells(ops.stack([rois[..., 1], rois[..., 3]], -1), self.spatial_scale, self.pool_size, height)
        x0, x1 = roi_cells(ops.stack([rois[..., 0], rois[..., 2]], -1), self.spatial_scale, self.pool_size, width)
        rows = ops.cast(ops.arange(height), features.dtype)
        cols = ops.cast(ops.arange(width), features.dtype)
        row_mask = (rows >= y0[..., None]) & (rows < y1[..., None])  # (N, R, P, H)
        col_mask = (cols >= x0[..., None]) & (cols < x1[..., None])  # (N, R, P, W)
        lowest = ops.cast(-np.inf, features.dtype)
        static_h, static_w = features.shape[1], features.shape[2]
        if static_h is None or static_w is None:
            # (N, 1, 1, H, W, C) masked by (N, R, P, H, 1, 1), max over H -> (N, R, P, W, C)
            by_rows = ops.max(ops.where(row_mask[..., None, None], features[:, None, None], lowest), axis=3)
            # (N, R, P, 1, W, C) masked by (N, R, 1, P, W, 1), max over W -> (N, R, P, P, C)
            return ops.max(ops.where(col_mask[:, :, None, :, :, None], by_rows[:, :, :, None], lowest), axis=4)
        # Known map size: a running max row by row, then column by column, never holds the
        # (N, R, P, H, W, C) tensor (gigabytes for hundreds of RoIs).
        by_rows = None
        for h in range(static_h):
            row = ops.where(row_mask[..., h, None, None], features[:, None, None, h], lowest)  # (N, R, P, W, C)
            by_rows = row if by_rows is None else ops.maximum(by_rows, row)
        pooled = None
        for w in range(static_w):
            column = ops.where(col_mask[:, :, None, :, w, None], by_rows[:, :, :, None, w], lowest)  # (N, R, P, P, C)
            pooled = column if pooled is None else ops.maximum(pooled, column)
        return pooled

    def compute_output_shape(self, input_shape):
        features, rois = input_shape
        return (features[0], rois[1], self.pool_size, self.pool_size, features[3])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "spatial_scale": self.spatial_scale}


@keras.saving.register_keras_serializable(package="keras_course")
class FastRCNNLoss(keras.losses.Loss):
    """Fast R-CNN's multi-task loss, per image the mean over its valid RoIs of

        L(p, u, t, v) = -log p_u + box_weight * [u >= 1] * sum_i smoothL1(t^u_i - v_i)

    with smoothL1(d) = 0.5 d^2 if |d| < 1 else |d| - 0.5. ``y_true`` (N, R, 5): the class u
    (0 background, -1 padding RoI, ignored) and the 4 target deltas v; ``y_pred`` the model's
    (N, R, (K + 1) + 4K). Returns (N,).
    """

    def __init__(self, num_classes, box_weight=1.0, name="fast_rcnn_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = _check_int("num_classes", num_classes)
        self.box_weight = check_real("box_weight", box_weight, minimum=0)

    def call(self, y_true, y_pred):
        k = self.num_classes
        y_true = ops.cast(y_true, y_pred.dtype)
        labels = y_true[..., 0]
        valid = ops.cast(labels >= 0, y_pred.dtype)
        label_index = ops.cast(ops.maximum(labels, 0), "int32")
        probs = ops.clip(y_pred[..., : k + 1], 1e-7, 1.0)
        cross_entropy = -ops.log(ops.sum(probs * ops.one_hot(label_index, k + 1, dtype=y_pred.dtype), -1))
        deltas = ops.reshape(y_pred[..., k + 1 :], (ops.shape(y_pred)[0], ops.shape(y_pred)[1], k, 4))
        # the deltas of the true class u (class c >= 1 sits at index c - 1); background picks none
        chosen = ops.sum(deltas * ops.one_hot(label_index - 1, k, dtype=y_pred.dtype)[..., None], axis=2)
        diff = ops.abs(chosen - y_true[..., 1:5])
        smooth_l1 = ops.sum(ops.where(diff < 1.0, 0.5 * diff**2, diff - 0.5), -1)
        positive = ops.cast(labels >= 1, y_pred.dtype)
        per_roi = valid * cross_entropy + self.box_weight * positive * smooth_l1
        return ops.sum(per_roi, -1) / ops.maximum(ops.sum(valid, -1), 1.0)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "box_weight": self.box_weight}


def fast_rcnn(input_shape, num_classes, pool_size=4, pools=2, base_filters=32, hidden=256, name="fast_rcnn"):
    """Backbone (stride ``2**pools``, two extra 3x3 units) -> RoIPooling(P) -> 2 shared FC layers ->
    class and box heads.

    Inputs ``[images (N, H, W, C), rois (N, R, 4)]``; output (N, R, (K + 1) + 4K).
    """
    input_shape = check_input_shape(input_shape)
    k = _check_int("num_classes", num_classes)
    pools = _check_int("pools", pools)
    pool_size, base_filters = _check_int("pool_size", pool_size), _check_int("base_filters", base_filters)
    hidden = _check_int("hidden", hidden)
    images = keras.Input(input_shape, name="images")
    rois = keras.Input((None, 4), name="rois")
    features = small_backbone(images, pools, base_filters, max_filters=2 * base_filters)
    for _ in range(2):  # two more 3x3 units at the RoI map's stride: each cell then sees a whole item
        features = conv_bn_act(features, 2 * base_filters)
    pooled = RoIPooling(pool_size, 1.0 / 2**pools)([features, rois])
    x = layers.Reshape((-1, pool_size * pool_size * features.shape[-1]))(pooled)
    for _ in range(2):
        x = layers.Dense(hidden, activation="relu")(x)
        x = layers.Dropout(0.2)(x)
    class_probs = layers.Dense(k + 1, activation="softmax", dtype="float32", name="class_head")(x)
    deltas = layers.Dense(4 * k, dtype="float32", name="box_head")(x)
    return keras.Model([images, rois], layers.Concatenate(dtype="float32")([class_probs, deltas]), name=name)


def sample_rois(
    proposals, gt_boxes, gt_labels, num_rois, rng, positive_fraction=0.25, positive_iou=0.5, weights=DELTA_WEIGHTS
):
    """The RoIs of one training image, as in Fast R-CNN: up to ``positive_fraction`` of
    ``num_rois`` proposals with IoU >= ``positive_iou`` to a true box (labelled with its class
    + 1 and regression targets), the rest background (IoU below), padded with label -1.

    The true boxes themselves join the proposals, so every object has a positive.
    Returns ``(rois float32 (num_rois, 4), targets float32 (num_rois, 5))``.
    """
    gt_boxes = as_boxes(gt_boxes, "gt_boxes")
    gt_labels = check_array("gt_labels", gt_labels, ndim=1, kind="real", allow_empty=True)
    check_same_length(gt_boxes=gt_boxes, gt_labels=gt_labels)
    num_rois = _check_int("num_rois", num_rois)
    check_rng("rng", rng)
    positive_fraction = check_real("positive_fraction", positive_fraction, minimum=0, maximum=1)
    positive_iou = check_real("positive_iou", positive_iou, minimum=0, maximum=1)
    _check_weights(weights)
    candidates = np.concatenate([as_boxes(proposals, "proposals"), gt_boxes])
    rois = np.zeros((num_rois, 4), np.float32)
    targets = np.zeros((num_rois, 5), np.float32)
    targets[:, 0] = -1
    if len(gt_boxes):
        overlaps = iou(candidates, gt_boxes)
        best, best_iou = overlaps.argmax(1), overlaps.max(1)
    else:
        best, best_iou = np.zeros(len(candidates), int), np.zeros(len(candidates))
    positives = np.flatnonzero(best_iou >= positive_iou)
    negatives = np.flatnonzero(best_iou < positive_iou)
    positives = rng.permutation(positives)[: round(positive_fraction * num_rois)]
    negatives = rng.permutation(negatives)[: num_rois - len(positives)]
    chosen = np.concatenate([positives, negatives]).astype(int)
    rois[: len(chosen)] = candidates[chosen]
    targets[: len(positives), 0] = np.asarray(gt_labels)[best[positives]] + 1
    if len(positives):
        targets[: len(positives), 1:] = encode_deltas(candidates[positives], gt_boxes[best[positives]], weights)
    targets[len(positives) : len(chosen), 0] = 0
    return rois, targets


class RoIStream(keras.utils.PyDataset):
    """Batches ``({"images", "rois"}, roi_targets)`` with the RoIs sampled afresh every epoch.

    Batch ``index`` of epoch ``e`` depends only on ``(seed, e, index)`` (shuffled order and
    ``sample_rois`` draws), so a resumed ``fit`` that replays ``on_epoch_end`` sees the RoIs
    an uninterrupted run saw. Shapes: images (B, H, W, C), rois (B, R, 4), targets (B, R, 5),
    R = ``num_rois`` (``ROIS_PER_IMAGE`` unless told).
    """

    def __init__(self, images, proposals, targets, batch_size, seed, num_rois=ROIS_PER_IMAGE):
        super().__init__()  # workers=1: batches are made in order, in the training thread
        images = check_image("images", images, ndim=4)
        for name, value in (("proposals", proposals), ("targets", targets)):
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"{name} must be a list with one entry per image, got {describe(value)}")
        check_same_length(images=images, proposals=proposals, targets=targets)
        batch_size, seed = _check_int("batch_size", batch_size), _check_int("seed", seed, 0)
        self.images, self.proposals, self.targets = images, proposals, targets
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0
        self.num_rois = _check_int("num_rois", num_rois)

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))
        take = order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        rois, targets = zip(
            *(
                sample_rois(self.proposals[i], self.targets[i]["boxes"], self.targets[i]["labels"], self.num_rois, rng)
                for i in take
            ),
            strict=True,
        )
        return {"images": self.images[take], "rois": np.stack(rois)}, np.stack(targets)

    def on_epoch_end(self):
        self.epoch += 1  # the next epoch re-samples the RoIs


def pad_proposals(proposals, max_rois=None):
    """A list of (n_i, 4) proposals as one (N, R, 4) array (R = the longest list, or
    ``max_rois``); padding boxes are (0, 0, 1, 1) and are ignored by ``detect``."""
    r = max_rois or max(len(p) for p in proposals)
    out = np.tile(np.array([0, 0, 1, 1], np.float32), (len(proposals), r, 1))
    for i, p in enumerate(proposals):
        out[i, : min(len(p), r)] = p[:r]
    return out


def postprocess(
    output,
    proposals,
    num_classes,
    image_size,
    score_threshold=0.01,
    iou_threshold=0.3,
    max_output=100,
    weights=DELTA_WEIGHTS,
):
    """One image's detections from the model output (R, (K + 1) + 4K) for its (n, 4) proposals:
    every class's refined box scored by its probability, then per-class NMS (0.3, as the paper)."""
    k = num_classes
    n = len(proposals)
    probs, deltas = output[:n, 1 : k + 1], output[:n, k + 1 :].reshape(n, k, 4)
    boxes = decode_deltas(np.repeat(proposals, k, 0), deltas.reshape(-1, 4), weights)
    boxes = clip_boxes(boxes, image_size, image_size)
    scores, classes = probs.reshape(-1), np.tile(np.arange(k), n)
    keep = np.flatnonzero(scores > score_threshold)
    keep = keep[batched_nms(boxes[keep], scores[keep], classes[keep], iou_threshold, max_output=max_output)]
    return {"boxes": boxes[keep].astype(np.float32), "scores": scores[keep].astype(np.float32), "labels": classes[keep]}


def detect(model, images, proposals, num_classes, batch_size=64, **kwargs):
    """Detections (list of dicts "boxes", "scores", "labels") of a Fast R-CNN ``model`` for
    ``images`` (N, H, W, C) and their proposals (list of (n_i, 4)): one batched forward pass,
    then ``postprocess`` (``kwargs``) per image."""
    rois = pad_proposals(proposals)
    batch_size = max(1, min(batch_size, 4096 // rois.shape[1]))  # RoI pooling memory grows with N * R
    outputs = model.predict([images, rois], batch_size=batch_size, verbose=0)
    return [postprocess(o, p, num_classes, images.shape[1], **kwargs) for o, p in zip(outputs, proposals, strict=True)]
