import numpy as np


def test_q30_quick(quick_run):
    metrics, out = quick_run("q30_fast_rcnn")
    assert metrics["proposal_recall_50"] > 0.75  # quick: the cheap "single" strategy
    assert metrics["last_loss"] < 0.8 * metrics["first_loss"]
    assert metrics["map_50"] > 0.08  # chance is near 0
    assert metrics["images_per_second"] > 0
    assert (out / "detections.png").is_file() and (out / "training.png").is_file()
    assert not list(out.glob("checkpoints/**/*.npz"))  # a finished fit leaves nothing to resume from


def test_roi_stream_depends_only_on_seed_epoch_and_index():
    """What makes a resumed fit see the RoIs of an uninterrupted one: batch (epoch, index) is a
    pure function of the seed, whatever was asked before, and epochs differ."""
    from keras_course.detection import ROIS_PER_IMAGE, RoIStream

    rng = np.random.default_rng(0)
    images = rng.random((10, 32, 32, 1), dtype=np.float32)
    proposals = [rng.uniform(0, 16, (20, 4)) + [0, 0, 16, 16] for _ in images]
    targets = [{"boxes": np.array([[2.0, 2.0, 20.0, 20.0]]), "labels": np.array([3])} for _ in images]

    def stream():
        return RoIStream(images, proposals, targets, batch_size=4, seed=7)

    first, other = stream(), stream()
    assert len(first) == 3
    (x, y), (x_again, _) = first[1], first[1]
    assert x["images"].shape == (4, 32, 32, 1) and x["rois"].shape == (4, ROIS_PER_IMAGE, 4)
    assert y.shape == (4, ROIS_PER_IMAGE, 5)
    np.testing.assert_array_equal(x["rois"], x_again["rois"])
    for index in (2, 0):  # reading other batches first changes nothing
        first[index]
    np.testing.assert_array_equal(first[1][0]["rois"], x["rois"])
    first.on_epoch_end()
    other.on_epoch_end()
    np.testing.assert_array_equal(first[2][1], other[2][1])
    assert not np.array_equal(first[1][0]["rois"], x["rois"])  # a new epoch re-samples
