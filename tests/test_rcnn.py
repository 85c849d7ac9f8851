"""R-CNN pieces: selective search proposals, warping, region labels, the SVM pipeline."""

import keras
import numpy as np
import pytest

from keras_course.detection.experiment import scene_splits
from keras_course.detection.proposals import proposal_recall, propose, selective_search
from keras_course.detection.rcnn import RCNN, label_regions, region_cnn, warp_regions


@pytest.fixture(scope="module")
def scenes():
    return scene_splits(12, 6, seed=3)


def test_selective_search_finds_the_items(scenes):
    (x, t), _ = scenes
    boxes = selective_search(x[0])
    assert boxes.ndim == 2 and boxes.shape[1] == 4 and len(boxes) > 3
    assert np.all(boxes[:, :2] >= 0) and np.all(boxes[:, 2:] <= 64) and np.all(boxes[:, 2:] > boxes[:, :2])
    proposals, seconds = propose(x)
    assert proposal_recall(proposals, t) > 0.8 and seconds > 0


def test_proposal_cache_round_trip(scenes, tmp_path):
    (x, _), _ = scenes
    first, seconds = propose(x[:3], cache_dir=tmp_path)
    assert len(list(tmp_path.glob("proposals_*.npz"))) == 1
    again, cached_seconds = propose(x[:3], cache_dir=tmp_path)
    assert cached_seconds == seconds
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_warp_is_a_crop_and_resize():
    image = np.random.default_rng(0).uniform(size=(20, 20, 1)).astype("float32")
    # an integer box of the warp's own size, no context: exactly the crop
    np.testing.assert_allclose(warp_regions(image, [[2, 3, 10, 11]], size=8, context=0)[0], image[3:11, 2:10])
    # a 4 x 8 box warped to 8 x 8 stretches columns 2x: every column appears twice
    ramp = np.repeat(np.arange(8, dtype="float32")[None, :, None], 8, 0)
    warped = warp_regions(ramp, [[0, 0, 4, 8]], 8, 0)[0, 0, :, 0]
    assert warped.shape == (8,) and np.all(np.diff(warped) >= 0) and warped.max() <= 3


def test_label_regions_by_hand():
    gt = np.array([[0, 0, 10, 10], [20, 20, 30, 30]])
    labels, best_iou, _best = label_regions(np.array([[0, 0, 10, 9], [20, 20, 40, 40], [50, 50, 60, 60]]), gt, [4, 2])
    assert labels.tolist() == [5, 0, 0]
    np.testing.assert_allclose(best_iou, [0.9, 0.25, 0.0])


def test_rcnn_pipeline_runs(scenes):
    (x, t), (x_test, _) = scenes
    keras.utils.set_random_seed(0)
    cnn = region_cnn((32, 32, 1), 10, base_filters=4, feature_size=16)
    detector = RCNN(cnn, 10).fit(x, t, propose(x)[0])
    assert set(detector.svms) == set(np.concatenate([target["labels"] for target in t]).tolist())
    detections = detector.detect(x_test, propose(x_test)[0])
    assert len(detections) == len(x_test)
    for d in detections:
        assert np.all(np.diff(d["scores"]) <= 0) and d["boxes"].shape[1] == 4
        assert np.all(d["boxes"] >= 0) and np.all(d["boxes"] <= 64) and set(d["labels"]) <= set(detector.svms)


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        selective_search(np.zeros((8, 8)), mode="quality")
    with pytest.raises(TypeError, match="cnn"):
        RCNN("not a model", 10)
    with pytest.raises(ValueError, match="fit"):
        untrained = RCNN(region_cnn((32, 32, 1), 3, base_filters=2, feature_size=4), 3)
        untrained.detect(np.zeros((1, 64, 64, 1)), [np.zeros((1, 4))])
