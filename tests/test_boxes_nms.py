"""Boxes (formats, IoU, deltas) and NMS against TensorFlow's non_max_suppression."""

import numpy as np
import pytest
import tensorflow as tf

from keras_course.detection import (
    batched_nms,
    box_area,
    clip_boxes,
    convert_boxes,
    decode_deltas,
    encode_deltas,
    iou,
    nms,
)


def random_boxes(rng, n, size=100.0):
    xy = rng.uniform(0, size * 0.8, (n, 2))
    wh = rng.uniform(2, size * 0.4, (n, 2))
    return np.concatenate([xy, xy + wh], 1)


def test_iou_by_hand_and_shapes():
    a = np.array([[0, 0, 10, 10], [5, 5, 15, 15]])
    b = np.array([[0, 0, 10, 10], [10, 10, 20, 20], [0, 0, 5, 5], [20, 20, 20, 20]])
    expected = np.array([[1, 0, 0.25, 0], [25 / 175, 25 / 175, 0, 0]])
    np.testing.assert_allclose(iou(a, b), expected)
    assert iou(np.zeros((0, 4)), b).shape == (0, 4)


def test_iou_matches_a_pixel_count():
    # Integer boxes: IoU is the ratio of pixel counts of the two rasterised boxes.
    rng = np.random.default_rng(1)
    boxes = np.round(random_boxes(rng, 12, 40))
    masks = np.zeros((12, 64, 64), bool)
    for m, (x1, y1, x2, y2) in zip(masks, boxes.astype(int), strict=True):
        m[y1:y2, x1:x2] = True
    inter = np.einsum("ahw,bhw->ab", masks.astype(int), masks.astype(int))
    union = masks.sum((1, 2))[:, None] + masks.sum((1, 2))[None, :] - inter
    np.testing.assert_allclose(iou(boxes, boxes), inter / union, atol=1e-12)


def test_format_round_trips_and_areas():
    boxes = random_boxes(np.random.default_rng(2), 20)
    for fmt in ("xywh", "cxcywh"):
        np.testing.assert_allclose(convert_boxes(convert_boxes(boxes, "xyxy", fmt), fmt, "xyxy"), boxes, atol=1e-9)
    np.testing.assert_allclose(convert_boxes([[1, 2, 4, 8]], "xyxy", "cxcywh"), [[2.5, 5, 3, 6]])
    np.testing.assert_allclose(convert_boxes([[1, 2, 3, 6]], "xywh", "xyxy"), [[1, 2, 4, 8]])
    np.testing.assert_allclose(box_area([[0, 0, 2, 3], [5, 5, 5, 9]]), [6, 0])
    with pytest.raises(ValueError, match="x2 >= x1"):  # an inverted box is refused, not given area 0
        box_area([[5, 5, 4, 9]])
    np.testing.assert_allclose(clip_boxes([[-5, 2, 50, 70]], 64, 48), [[0, 2, 48, 64]])


def test_deltas_round_trip_and_formula():
    rng = np.random.default_rng(3)
    p, g = random_boxes(rng, 50), random_boxes(rng, 50)
    for weights in ((1, 1, 1, 1), (10, 10, 5, 5)):
        np.testing.assert_allclose(decode_deltas(p, encode_deltas(p, g, weights), weights), g, atol=1e-9)
    # the paper's formula on one box: P = (cx 5, cy 5, w 10, h 10), G = (cx 7, cy 4, w 20, h 5)
    t = encode_deltas([[0, 0, 10, 10]], [[-3, 1.5, 17, 6.5]])
    np.testing.assert_allclose(t, [[0.2, -0.1, np.log(2), np.log(0.5)]])


def test_box_errors_name_the_argument():
    with pytest.raises(ValueError, match="boxes_a"):
        iou(np.zeros((3, 3)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="target"):
        convert_boxes(np.zeros((1, 4)), "xyxy", "yxyx")
    with pytest.raises(ValueError, match="positive width"):
        encode_deltas([[0, 0, 0, 5]], [[0, 0, 5, 5]])


@pytest.mark.parametrize("seed", range(6))
def test_nms_identical_to_tensorflow(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    boxes, scores = random_boxes(rng, n), rng.uniform(0, 1, n)
    for threshold, score_threshold, max_output in ((0.5, -np.inf, None), (0.3, 0.4, 20), (0.7, 0.1, 5)):
        ours = nms(boxes, scores, threshold, score_threshold, max_output)
        theirs = tf.image.non_max_suppression(
            boxes[:, [1, 0, 3, 2]].astype(np.float32),
            scores.astype(np.float32),
            max_output or n,
            threshold,
            float(score_threshold),
        ).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_batched_nms_is_nms_per_class():
    rng = np.random.default_rng(7)
    boxes, scores, classes = random_boxes(rng, 120), rng.uniform(0, 1, 120), rng.integers(0, 3, 120)
    kept = batched_nms(boxes, scores, classes, 0.4)
    assert np.all(np.diff(scores[kept]) <= 0)
    for c in range(3):
        index = np.flatnonzero(classes == c)
        assert set(kept[classes[kept] == c]) == set(index[nms(boxes[index], scores[index], 0.4)])
    # overlapping boxes of different classes both survive
    assert len(batched_nms([[0, 0, 10, 10], [0, 0, 10, 10]], [0.9, 0.8], [0, 1])) == 2
    assert len(nms([[0, 0, 10, 10], [0, 0, 10, 10]], [0.9, 0.8])) == 1


def test_nms_errors():
    with pytest.raises(ValueError, match="scores"):
        nms(np.zeros((3, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="iou_threshold"):
        nms(np.zeros((1, 4)), np.zeros(1), iou_threshold=1.5)
