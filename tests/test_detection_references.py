"""The simulated detector of Q28, and the optional references our NMS and COCO figures are checked against."""

import sys
import types

import numpy as np
import pytest

from keras_course.detection import coco_map, nms
from keras_course.detection import references as refs
from keras_course.detection.simulated import simulated_detections

TARGETS = [
    {"boxes": np.array([[10.0, 10.0, 30.0, 40.0], [40.0, 5.0, 60.0, 25.0]], np.float32), "labels": np.array([0, 2])},
    {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, int)},
]


# ---------------------------------------------------------------------------- simulated detector
def test_a_noiseless_detector_returns_the_true_boxes():
    found = simulated_detections(
        TARGETS, np.random.default_rng(0), 3, noise=0.0, wrong_class=0.0, miss=0.0, copies=2, extra=0
    )
    np.testing.assert_allclose(found[0]["boxes"], np.repeat(TARGETS[0]["boxes"], 2, axis=0))
    assert found[0]["labels"].tolist() == [0, 0, 2, 2]
    assert found[1]["boxes"].shape == (0, 4) and len(found[1]["scores"]) == 0
    assert ((found[0]["scores"] >= 0.01) & (found[0]["scores"] <= 1)).all()


def test_misses_copies_and_extras_in_numbers():
    rng = np.random.default_rng(0)
    assert [len(d["boxes"]) for d in simulated_detections(TARGETS, rng, 3, miss=1.0, extra=0)] == [0, 0]
    many = simulated_detections(TARGETS * 200, np.random.default_rng(1), 3, miss=0.0, copies=3, extra=2.0)
    counts = np.array([len(d["boxes"]) for d in many])
    assert (counts[0::2] >= 6).all()  # 3 copies of the 2 true boxes, plus the random ones
    assert np.mean(counts[1::2]) == pytest.approx(2.0, abs=0.3)  # Poisson(2) random boxes on an empty image
    boxes = np.concatenate([d["boxes"] for d in many])
    assert (boxes[:, 2:] >= boxes[:, :2] + 1 - 1e-9).all()  # every box at least 1 pixel wide and tall


def test_the_same_seed_gives_the_same_detections():
    first = simulated_detections(TARGETS, np.random.default_rng(4), 3)
    second = simulated_detections(TARGETS, np.random.default_rng(4), 3)
    for a, b in zip(first, second, strict=True):
        for key in ("boxes", "scores", "labels"):
            np.testing.assert_array_equal(a[key], b[key])


def test_wrong_classes_stay_in_range():
    found = simulated_detections(TARGETS * 50, np.random.default_rng(2), 3, wrong_class=1.0, extra=0)
    labels = np.concatenate([d["labels"] for d in found])
    assert set(labels.tolist()) == {0, 1, 2}


# ---------------------------------------------------------------------------- reference NMS
def _random_boxes(rng, n=40):
    xy = rng.uniform(0, 50, (n, 2))
    return np.hstack([xy, xy + rng.uniform(5, 20, (n, 2))]), rng.uniform(size=n)


def test_reference_nms_keeps_what_our_nms_keeps():
    if refs.nms_reference() is None:
        pytest.skip("neither TensorFlow nor torchvision is installed")
    rng = np.random.default_rng(0)
    for threshold in (0.3, 0.5, 0.7):
        boxes, scores = _random_boxes(rng)
        kept = refs.reference_nms(boxes, scores, threshold)
        assert kept.dtype == np.int64
        np.testing.assert_array_equal(kept, nms(boxes, scores, threshold))


def test_without_tensorflow_and_torchvision_there_is_no_reference(monkeypatch):
    monkeypatch.setattr(refs.importlib.util, "find_spec", lambda name: None)
    assert refs.nms_reference() is None
    with pytest.raises(ModuleNotFoundError, match="TensorFlow or torchvision"):
        refs.reference_nms(*_random_boxes(np.random.default_rng(0)))


def test_torchvision_is_asked_with_xyxy_boxes(monkeypatch):
    """The torchvision branch, with stand-ins for torch and torchvision that record their call."""
    calls = []

    def fake_nms(boxes, scores, threshold):
        calls.append((boxes, scores, threshold))
        return types.SimpleNamespace(numpy=lambda: nms(boxes, scores, threshold))

    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(as_tensor=np.asarray))
    monkeypatch.setitem(sys.modules, "torchvision", types.SimpleNamespace(ops=types.SimpleNamespace(nms=fake_nms)))
    boxes, scores = _random_boxes(np.random.default_rng(1))
    kept = refs.reference_nms(boxes, scores, 0.5, library="torchvision")
    np.testing.assert_array_equal(kept, nms(boxes, scores, 0.5))
    np.testing.assert_array_equal(calls[0][0], boxes)  # (x1, y1, x2, y2), float64
    assert calls[0][2] == 0.5


# ---------------------------------------------------------------------------- pycocotools
def test_pycocotools_scores_perfect_detections_one_and_agrees_with_ours():
    pytest.importorskip("pycocotools")
    perfect = [dict(t, scores=np.ones(len(t["labels"]))) for t in TARGETS]
    assert refs.pycocotools_map(perfect, TARGETS, ["a", "b", "c"], 64) == pytest.approx((1.0, 1.0))
    noisy = simulated_detections(TARGETS * 5, np.random.default_rng(3), 3)
    ours = coco_map(noisy, TARGETS * 5), coco_map(noisy, TARGETS * 5, iou_thresholds=[0.5])
    assert refs.pycocotools_map(noisy, TARGETS * 5, ["a", "b", "c"], (64, 64)) == pytest.approx(ours, abs=1e-9)


def test_without_pycocotools_the_figure_is_none(monkeypatch):
    monkeypatch.setitem(sys.modules, "pycocotools", None)  # import pycocotools... raises ImportError
    monkeypatch.setitem(sys.modules, "pycocotools.coco", None)
    perfect = [dict(t, scores=np.ones(len(t["labels"]))) for t in TARGETS]
    assert refs.pycocotools_map(perfect, TARGETS, ["a", "b", "c"], 64) is None
