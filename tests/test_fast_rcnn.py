"""Fast R-CNN: RoI pooling against a numpy loop, the multi-task loss, RoI sampling, the model."""

import math

import keras
import numpy as np
import pytest

from keras_course.detection import decode_deltas, iou
from keras_course.detection.fast_rcnn import (
    DELTA_WEIGHTS,
    FastRCNNLoss,
    RoIPooling,
    fast_rcnn,
    pad_proposals,
    postprocess,
    sample_rois,
)


def numpy_roi_pool(features, rois, pool_size, scale):
    """RoI max pooling, one RoI, one cell at a time (quantisation as documented in roi_cells)."""
    n, h, w, c = features.shape
    out = np.zeros((n, rois.shape[1], pool_size, pool_size, c), features.dtype)
    for b in range(n):
        for r, (x1, y1, x2, y2) in enumerate(rois[b]):
            xs = min(max(math.floor(x1 * scale), 0), w - 1)
            xe = min(max(math.ceil(x2 * scale), xs + 1), w)
            ys = min(max(math.floor(y1 * scale), 0), h - 1)
            ye = min(max(math.ceil(y2 * scale), ys + 1), h)
            bw, bh = xe - xs, ye - ys
            for i in range(pool_size):
                for j in range(pool_size):  # exact integer floor / ceil of i * bh / P
                    r0, r1 = ys + (i * bh) // pool_size, ys - (-(i + 1) * bh // pool_size)
                    c0, c1 = xs + (j * bw) // pool_size, xs - (-(j + 1) * bw // pool_size)
                    out[b, r, i, j] = features[b, r0:r1, c0:c1].max(axis=(0, 1))
    return out


@pytest.mark.parametrize("pool_size, scale", [(2, 1.0), (4, 0.25), (3, 0.5)])
def test_roi_pooling_equals_numpy_loop(pool_size, scale):
    rng = np.random.default_rng(pool_size)
    features = rng.normal(size=(2, 12, 10, 3)).astype("float32")
    xy = rng.uniform(-4, 30, (2, 7, 2))
    rois = np.concatenate([xy, xy + rng.uniform(0.5, 30, (2, 7, 2))], -1).astype("float32")
    ours = np.asarray(RoIPooling(pool_size, scale)([features, rois]))
    np.testing.assert_allclose(ours, numpy_roi_pool(features, rois, pool_size, scale), atol=0)


def test_roi_pooling_with_unknown_map_size():
    # inside a model with Input((None, None, C)) the layer takes its broadcasting path
    rng = np.random.default_rng(5)
    features = rng.normal(size=(2, 9, 11, 3)).astype("float32")
    xy = rng.uniform(0, 15, (2, 5, 2))
    rois = np.concatenate([xy, xy + rng.uniform(1, 12, (2, 5, 2))], -1).astype("float32")
    f, r = keras.Input((None, None, 3)), keras.Input((None, 4))
    model = keras.Model([f, r], RoIPooling(3, 0.5)([f, r]))
    np.testing.assert_allclose(model.predict([features, rois], verbose=0), numpy_roi_pool(features, rois, 3, 0.5))


def test_roi_pooling_whole_map_is_max_pooling():
    features = np.random.default_rng(0).normal(size=(1, 8, 8, 2)).astype("float32")
    pooled = np.asarray(RoIPooling(4)([features, np.array([[[0, 0, 8, 8]]], "float32")]))[:, 0]
    np.testing.assert_allclose(pooled, np.asarray(keras.layers.MaxPooling2D(2)(features)))


def numpy_fast_rcnn_loss(y_true, y_pred, k, box_weight):
    out = []
    for t_img, p_img in zip(y_true, y_pred, strict=True):
        total, count = 0.0, 0
        for t, p in zip(t_img, p_img, strict=True):
            u = int(t[0])
            if u < 0:
                continue
            count += 1
            total += -np.log(p[u])
            if u >= 1:
                d = np.abs(p[k + 1 + 4 * (u - 1) : k + 1 + 4 * u] - t[1:])
                total += box_weight * np.sum(np.where(d < 1, 0.5 * d**2, d - 0.5))
        out.append(total / max(count, 1))
    return np.array(out)


def test_multitask_loss_equals_numpy_and_huber():
    rng = np.random.default_rng(1)
    k, r = 3, 6
    logits = rng.normal(size=(2, r, k + 1))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y_pred = np.concatenate([probs, rng.normal(0, 2, (2, r, 4 * k))], -1).astype("float32")
    y_true = np.concatenate([rng.integers(-1, k + 1, (2, r, 1)), rng.normal(0, 2, (2, r, 4))], -1).astype("float32")
    ours = np.asarray(FastRCNNLoss(k, box_weight=2.0, reduction=None)(y_true, y_pred))
    np.testing.assert_allclose(ours, numpy_fast_rcnn_loss(y_true, y_pred, k, 2.0), rtol=1e-5)
    # smooth L1 is Keras's Huber loss with delta 1 (times 4 coordinates: Huber averages them)
    d = rng.normal(0, 2, (5, 4)).astype("float32")
    t = np.concatenate([np.ones((1, 5, 1)), d[None]], -1).astype("float32")
    p = np.concatenate([np.tile([0.0, 1, 0, 0], (1, 5, 1)), np.zeros((1, 5, 12))], -1).astype("float32")
    huber = 4 * float(keras.losses.Huber(delta=1.0)(d, np.zeros_like(d)))
    assert float(FastRCNNLoss(k, reduction=None)(t, p)[0]) == pytest.approx(huber, rel=1e-5)


def test_sample_rois_labels_and_targets():
    rng = np.random.default_rng(2)
    gt = np.array([[10, 10, 30, 30], [40, 5, 60, 40]], float)
    corners = rng.uniform(0, 30, (40, 2)) @ np.array([[1, 0, 1, 0], [0, 1, 0, 1]])  # (x, y, x, y)
    proposals = np.concatenate([gt + rng.normal(0, 2, gt.shape), corners + [0, 0, 8, 8]])
    rois, targets = sample_rois(proposals, gt, np.array([3, 7]), 16, rng)
    labels = targets[:, 0].astype(int)
    assert rois.shape == (16, 4) and targets.shape == (16, 5)
    assert 1 <= (labels > 0).sum() <= 4 and set(labels[labels > 0]) <= {4, 8}
    overlaps = iou(rois, gt).max(1)
    assert np.all(overlaps[labels > 0] >= 0.5) and np.all(overlaps[labels == 0] < 0.5)
    positives = labels > 0
    decoded = decode_deltas(rois[positives], targets[positives, 1:], DELTA_WEIGHTS)
    np.testing.assert_allclose(decoded, gt[np.argmax(iou(rois[positives], gt), 1)], atol=1e-3)


def test_model_save_load_and_postprocess(tmp_path):
    model = fast_rcnn((32, 32, 1), num_classes=3, pool_size=2, base_filters=4, hidden=8)
    images = np.random.default_rng(3).uniform(size=(2, 32, 32, 1)).astype("float32")
    proposals = [np.array([[0, 0, 16, 16], [4, 4, 30, 20]], "float32"), np.array([[2, 2, 9, 9]], "float32")]
    rois = pad_proposals(proposals)
    out = model.predict([images, rois], verbose=0)
    assert out.shape == (2, 2, 4 + 12) and np.allclose(out[..., :4].sum(-1), 1, atol=1e-5)
    model.save(tmp_path / "frcnn.keras")
    np.testing.assert_allclose(
        keras.saving.load_model(tmp_path / "frcnn.keras").predict([images, rois], verbose=0), out, atol=1e-6
    )
    detections = postprocess(out[1], proposals[1], 3, 32, score_threshold=0.0)
    assert detections["boxes"].shape[1] == 4 and len(detections["boxes"]) <= 3  # one proposal, <= 3 classes


def test_errors():
    with pytest.raises(ValueError, match="pool_size"):
        RoIPooling(0)
    with pytest.raises(ValueError, match="spatial_scale"):
        RoIPooling(2, spatial_scale=-1)
    with pytest.raises(ValueError, match="box_weight"):
        FastRCNNLoss(3, box_weight=-2)
