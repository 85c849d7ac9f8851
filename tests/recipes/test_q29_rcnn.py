def test_q29_quick(quick_run):
    metrics, out = quick_run("q29_rcnn")
    assert metrics["proposal_recall_50"] > 0.75  # quick: the cheap "single" strategy
    assert metrics["last_loss"] < metrics["first_loss"]
    assert metrics["map_50"] > 0.15  # chance (boxes and classes at random) is near 0
    assert metrics["coco_map"] < metrics["map_50"]
    assert metrics["seconds_per_image"] > metrics["proposal_seconds_per_image"] > 0
    assert (out / "detections.png").is_file() and (out / "training.png").is_file()
    assert not list(out.glob("checkpoints/**/*.npz"))  # a finished fit leaves nothing to resume from
