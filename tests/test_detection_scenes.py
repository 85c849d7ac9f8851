"""Detection scenes (tight boxes, determinism) and the VOC / COCO readers and writers."""

import json

import numpy as np
import pytest

from keras_course.data.detection_io import load_coco, load_voc, save_coco, save_voc, to_coco
from keras_course.data.detection_scenes import DETECTION_CLASSES, detection_scenes
from keras_course.data.scenes import SILHOUETTE_THRESHOLD


@pytest.fixture(scope="module")
def scenes():
    return detection_scenes(12, size=64, max_objects=3, seed=4)


def test_shapes_and_determinism(scenes):
    images, targets = scenes
    assert images.shape == (12, 64, 64, 1) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    again_images, again_targets = detection_scenes(12, size=64, max_objects=3, seed=4)
    np.testing.assert_array_equal(images, again_images)
    for t, u in zip(targets, again_targets, strict=True):
        np.testing.assert_array_equal(t["boxes"], u["boxes"])
        np.testing.assert_array_equal(t["labels"], u["labels"])
        assert t["boxes"].dtype == np.float32 and t["boxes"].shape == (len(t["labels"]), 4)
        assert 1 <= len(t["labels"]) <= 3 and set(t["labels"]) <= set(range(10))
        assert np.all(t["boxes"][:, :2] >= 0) and np.all(t["boxes"][:, 2:] <= 64)
    different, _ = detection_scenes(12, size=64, max_objects=3, seed=5)
    assert not np.array_equal(images, different)


def test_single_item_boxes_are_tight():
    images, targets = detection_scenes(8, size=48, max_objects=1, seed=1)
    for image, target in zip(images, targets, strict=True):
        rows, cols = np.nonzero(image[..., 0] > SILHOUETTE_THRESHOLD)
        np.testing.assert_array_equal(target["boxes"][0], [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])


def test_items_stay_visible():
    from keras_course.detection import iou

    _, targets = detection_scenes(30, size=48, max_objects=4, seed=2, min_visible=0.9)
    for t in targets:  # 90 % visible: two boxes can hardly coincide
        overlaps = iou(t["boxes"], t["boxes"]) - np.eye(len(t["boxes"]))
        assert overlaps.max(initial=0) < 0.9


def test_voc_round_trip(scenes, tmp_path):
    images, targets = scenes
    save_voc(tmp_path, images, targets, DETECTION_CLASSES)
    assert (tmp_path / "Annotations" / "scene00000.xml").read_text().count("<object>") == len(targets[0]["labels"])
    loaded, loaded_targets, names = load_voc(tmp_path, class_names=DETECTION_CLASSES)
    np.testing.assert_allclose(loaded, images, atol=0.5 / 255 + 1e-6)
    assert names == DETECTION_CLASSES
    for t, u in zip(targets, loaded_targets, strict=True):
        np.testing.assert_array_equal(t["boxes"], u["boxes"])
        np.testing.assert_array_equal(t["labels"], u["labels"])
    # the VOC convention: 1-based, inclusive
    box = targets[0]["boxes"][0]
    assert f"<xmin>{box[0] + 1:g}</xmin>" in (tmp_path / "Annotations" / "scene00000.xml").read_text()


def test_coco_round_trip(scenes, tmp_path):
    images, targets = scenes
    save_coco(tmp_path / "ann.json", targets, DETECTION_CLASSES, (64, 64), images, tmp_path / "images")
    data = json.loads((tmp_path / "ann.json").read_text())
    assert len(data["annotations"]) == sum(len(t["labels"]) for t in targets)
    assert data["categories"][0] == {"id": 1, "name": DETECTION_CLASSES[0]}
    loaded, loaded_targets, names, files = load_coco(tmp_path / "ann.json", tmp_path / "images")
    np.testing.assert_allclose(loaded, images, atol=0.5 / 255 + 1e-6)
    assert names == DETECTION_CLASSES and files[0] == "scene00000.png"
    for t, u in zip(targets, loaded_targets, strict=True):
        np.testing.assert_array_equal(t["boxes"], u["boxes"])
        np.testing.assert_array_equal(t["labels"], u["labels"])
    results = to_coco(
        [dict(t, scores=np.ones(len(t["labels"]))) for t in targets], DETECTION_CLASSES, (64, 64), scores=True
    )
    assert set(results[0]) == {"image_id", "category_id", "bbox", "score"}


def test_pycocotools_reads_our_json(scenes, tmp_path):
    from pycocotools.coco import COCO

    _, targets = scenes
    save_coco(tmp_path / "ann.json", targets, DETECTION_CLASSES, (64, 64))
    coco = COCO(str(tmp_path / "ann.json"))
    assert len(coco.getImgIds()) == 12 and len(coco.getAnnIds()) == sum(len(t["labels"]) for t in targets)


def test_errors():
    with pytest.raises(ValueError, match="max_objects"):
        detection_scenes(2, size=64, max_objects=0)
    with pytest.raises(ValueError, match="min_visible"):
        detection_scenes(2, size=64, min_visible=1.5)
    with pytest.raises(ValueError, match=r"labels.*class ids in \[0, 1\)"):
        save_voc("/tmp/never", np.zeros((1, 8, 8, 1)), [{"boxes": np.zeros((1, 4)), "labels": [12]}], ("a",))


def test_detection_stream_draws_new_deterministic_scenes_each_epoch():
    from keras_course.data.scenes import stream_seed
    from keras_course.detection.experiment import SCENE_KWARGS, DetectionStream, flip_boxes

    def encode(images, targets):  # what the stream hands to fit: here the boxes of each scene, padded
        boxes = np.full((len(targets), 8, 4), -1.0, np.float32)
        for row, t in zip(boxes, targets, strict=True):
            row[: len(t["boxes"])] = t["boxes"]
        return images, boxes

    stream = DetectionStream(10, 4, encode, seed=5)
    assert len(stream) == 3
    images, boxes = stream[2]  # the last batch holds the 2 remaining scenes
    assert images.shape == (2, 64, 64, 1) and images.dtype == np.float32 and boxes.shape == (2, 8, 4)
    # Batch 1 of epoch 0 is detection_scenes with the batch's own seed, a random part of it mirrored.
    reference, targets = detection_scenes(4, seed=stream_seed(5, 0, 1), **SCENE_KWARGS)
    images, boxes = stream[1]
    mirrored = [not np.array_equal(image, ref) for image, ref in zip(images, reference, strict=True)]
    for image, ref, target, row, flipped in zip(images, reference, targets, boxes, mirrored, strict=True):
        np.testing.assert_array_equal(image, ref[:, ::-1] if flipped else ref)
        expected = flip_boxes(target["boxes"], 64) if flipped else target["boxes"]
        np.testing.assert_array_equal(row[: len(expected)], expected)
    counts = [
        sum(
            not np.array_equal(a, b)
            for a, b in zip(
                stream[i][0],
                detection_scenes(len(stream[i][0]), seed=stream_seed(5, 0, i), **SCENE_KWARGS)[0],
                strict=True,
            )
        )
        for i in range(3)
    ]
    assert 0 < sum(counts) < 10  # some mirrored, not all
    np.testing.assert_array_equal(stream[1][0], DetectionStream(10, 4, encode, seed=5)[1][0])  # deterministic
    first = stream[0][0]
    stream.on_epoch_end()  # Keras calls this after each epoch: the next epoch gets new scenes
    assert stream.epoch == 1 and not np.array_equal(stream[0][0], first)
    unflipped = DetectionStream(4, 4, encode, seed=5, flip=False, split="test")[0][0]
    np.testing.assert_array_equal(
        unflipped, detection_scenes(4, seed=stream_seed(5, 0, 0), split="test", **SCENE_KWARGS)[0]
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(n=0, batch_size=2), ValueError, "n must be"),
        (dict(n=4, batch_size=0), ValueError, "batch_size"),
        (dict(n=4, batch_size=2, seed=-1), ValueError, "seed"),
        (dict(n=4, batch_size=2, encode="yolo"), TypeError, "encode must be a callable"),
        (dict(n=4, batch_size=2, flip=1), TypeError, "flip must be a bool"),
        (dict(n=4, batch_size=2, split="validation"), ValueError, "split"),
        (dict(n=4, batch_size=2, scale_range=(2.0, 1.0)), ValueError, "scale_range"),
    ],
)
def test_detection_stream_bad_arguments(kwargs, error, match):
    from keras_course.detection.experiment import DetectionStream

    kwargs = {"encode": lambda images, targets: images, **kwargs}
    with pytest.raises(error, match=match):
        DetectionStream(**kwargs)


def test_held_out_scenes_are_the_test_part_of_scene_splits():
    from keras_course.detection.experiment import SCENE_KWARGS, held_out_scenes, scene_splits

    (_, _), (x_test, t_test) = scene_splits(2, 3, seed=4)
    x_held, t_held = held_out_scenes(3, seed=4)
    np.testing.assert_array_equal(x_held, x_test)
    for t, u in zip(t_held, t_test, strict=True):
        np.testing.assert_array_equal(t["boxes"], u["boxes"])
    # drawn from Fashion-MNIST's test split: not the train-split scenes of the same seed
    train_split, _ = detection_scenes(3, seed=5, split="train", **SCENE_KWARGS)
    assert not np.array_equal(x_held, train_split)
