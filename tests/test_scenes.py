"""Scenes of real Fashion-MNIST items, and the PNG image/mask folder loader."""

import numpy as np
import pytest

from keras_course.data.scenes import (
    SEGMENTATION_CLASSES,
    SceneStream,
    compose_scene,
    item_silhouette,
    load_segmentation_folder,
    save_segmentation_folder,
    scene_items,
    segmentation_scenes,
    stream_seed,
)


@pytest.fixture(scope="module")
def items():
    x, y = scene_items("test")
    return x[:200], y[:200]


def test_scenes_shapes_values_and_determinism():
    images, masks = segmentation_scenes(12, size=48, max_objects=3, seed=3, scale_range=(0.8, 1.2))
    assert images.shape == (12, 48, 48, 1) and images.dtype == np.float32
    assert masks.shape == (12, 48, 48) and np.issubdtype(masks.dtype, np.integer)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert set(np.unique(masks)) <= set(range(len(SEGMENTATION_CLASSES))) and len(SEGMENTATION_CLASSES) == 11
    assert (masks == 0).mean() > 0.3 and (masks > 0).any(axis=(1, 2)).all()  # every scene has an item
    # Ink only inside the silhouettes: the mask covers every bright pixel.
    assert np.all(masks[images[..., 0] > 0] > 0)
    again = segmentation_scenes(12, size=48, max_objects=3, seed=3, scale_range=(0.8, 1.2))
    np.testing.assert_array_equal(images, again[0])
    np.testing.assert_array_equal(masks, again[1])
    other = segmentation_scenes(12, size=48, max_objects=3, seed=4, scale_range=(0.8, 1.2))
    assert not np.array_equal(masks, other[1])


def test_single_item_box_is_tight_and_class_matches(items):
    rng = np.random.default_rng(0)
    for _ in range(5):
        scene = compose_scene(*items, size=40, rng=rng, max_objects=1, min_objects=1, scale_range=(0.7, 1.3))
        rows, cols = np.nonzero(scene["mask"])
        np.testing.assert_array_equal(scene["boxes"][0], [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
        assert set(np.unique(scene["mask"][rows, cols])) == {scene["classes"][0] + 1}
        assert scene["visible"][0] == 1.0


def test_later_items_occlude_earlier_ones(items):
    rng = np.random.default_rng(1)
    for _ in range(10):
        scene = compose_scene(*items, size=32, rng=rng, max_objects=4, min_objects=4, scale_range=(0.9, 1.1))
        boxes, visible = scene["boxes"], scene["visible"]
        assert len(boxes) == 4 and visible[-1] == 1.0  # nothing lies on the last item
        x0, y0, x1, y1 = boxes[-1].astype(int)
        assert np.all(boxes[:, 0] >= 0) and np.all(boxes[:, 2] <= 32)
        # Inside the last item's box its class wins wherever its silhouette is.
        assert (scene["mask"][y0:y1, x0:x1] == scene["classes"][-1] + 1).any()
    assert visible[:-1].min() < 1.0  # four near-full-size items on 32x32 always overlap


def test_silhouette_fills_dark_prints():
    item = np.zeros((10, 10), np.float32)
    item[2:8, 2:8] = 0.8
    item[4:6, 4:6] = 0.0  # a dark print inside the garment
    item[2:8, 5] = 0.0  # a dark stripe reaching the outline
    silhouette = item_silhouette(item)
    assert silhouette[2:8, 2:8].all() and silhouette.sum() == 36


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0), "n must be"),
        (dict(n=2, scale_range=(1.5, 1.0)), "scale_range"),
        (dict(n=2, scale_range="big"), "scale_range"),
        (dict(n=2, split="validation"), "split"),
        (dict(n=2, size=20), "does not fit"),
        (dict(n=2, max_objects=0), "max_objects"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        segmentation_scenes(**kwargs)


def test_scene_stream_draws_new_deterministic_scenes_each_epoch():
    kwargs = dict(size=32, max_objects=3, scale_range=(0.6, 1.1))
    stream = SceneStream(10, 4, seed=5, **kwargs)
    assert len(stream) == 3
    images, masks = stream[2]  # the last batch holds the 2 remaining scenes
    assert images.shape == (2, 32, 32, 1) and images.dtype == np.float32
    assert masks.shape == (2, 32, 32) and masks.dtype == np.uint8
    # A batch is segmentation_scenes with the batch's own seed: the same scene distribution.
    reference = segmentation_scenes(4, seed=stream_seed(5, 0, 1), **kwargs)
    np.testing.assert_array_equal(stream[1][0], reference[0])
    np.testing.assert_array_equal(stream[1][1], reference[1])
    np.testing.assert_array_equal(stream[1][1], SceneStream(10, 4, seed=5, **kwargs)[1][1])  # deterministic
    assert not np.array_equal(stream[0][1], stream[1][1])
    first = stream[0][1]
    stream.on_epoch_end()  # Keras calls this after each epoch: the next epoch gets new scenes
    assert stream.epoch == 1 and not np.array_equal(stream[0][1], first)
    assert len({stream_seed(0, e, i) for e in range(5) for i in range(5)}) == 25
    test_scenes = SceneStream(4, 4, seed=5, split="test", **kwargs)[0][1]
    assert not np.array_equal(test_scenes, SceneStream(4, 4, seed=5, **kwargs)[0][1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0, batch_size=2), "n must be"),
        (dict(n=4, batch_size=0), "batch_size"),
        (dict(n=4, batch_size=2, split="validation"), "split"),
        (dict(n=4, batch_size=2, scale_range=(2.0, 1.0)), "scale_range"),
    ],
)
def test_scene_stream_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SceneStream(**kwargs)
    with pytest.raises(IndexError, match="out of range"):
        SceneStream(4, 2)[2]


def test_png_folder_round_trip(tmp_path):
    images, masks = segmentation_scenes(3, size=40, seed=0, scale_range=(0.7, 1.2))
    stems = save_segmentation_folder(images, masks, tmp_path / "img", tmp_path / "mask")
    x, y, names = load_segmentation_folder(tmp_path / "img", tmp_path / "mask")
    assert names == stems and x.shape == (3, 40, 40, 1) and y.dtype == np.int32
    np.testing.assert_array_equal(y, masks)
    np.testing.assert_allclose(x, images, atol=0.5 / 255 + 1e-6)  # 8-bit PNG quantisation
    rgb, small, _ = load_segmentation_folder(tmp_path / "img", tmp_path / "mask", size=(20, 24), channels=3)
    assert rgb.shape == (3, 20, 24, 3) and small.shape == (3, 20, 24)
    assert set(np.unique(small)) <= set(np.unique(masks))  # nearest neighbour: no blended ids


def test_png_folder_errors(tmp_path):
    images, masks = segmentation_scenes(2, size=40, seed=0, scale_range=(0.7, 1.2))
    save_segmentation_folder(images, masks, tmp_path / "img", tmp_path / "mask")
    (tmp_path / "mask" / "scene00001.png").unlink()
    with pytest.raises(FileNotFoundError, match="no mask"):
        load_segmentation_folder(tmp_path / "img", tmp_path / "mask")
    with pytest.raises(FileNotFoundError, match="not a folder"):
        load_segmentation_folder(tmp_path / "nope", tmp_path / "mask")
    with pytest.raises(ValueError, match="channels"):
        load_segmentation_folder(tmp_path / "img", tmp_path / "mask", channels=2)
    with pytest.raises(ValueError, match="class ids in"):
        save_segmentation_folder(images, masks + 300, tmp_path / "a", tmp_path / "b")


def test_epoch_stream_batches_depend_only_on_seed_epoch_and_index():
    from keras_course.data.scenes import EpochStream

    class Seeds(EpochStream):  # each batch: its size and the seed it was drawn with
        def draw(self, count, seed):
            return np.full(count, seed)

    stream = Seeds(7, 3, seed=2)
    assert len(stream) == 3 and [len(stream[i]) for i in range(3)] == [3, 3, 1]
    assert stream[1][0] == stream_seed(2, 0, 1)
    stream.on_epoch_end()
    assert stream[1][0] == stream_seed(2, 1, 1)
    with pytest.raises(IndexError, match="out of range"):
        stream[3]
    with pytest.raises(NotImplementedError, match="draw"):
        EpochStream(4, 2)[0]
    with pytest.raises(ValueError, match="seed must be"):
        Seeds(4, 2, seed=-1)
