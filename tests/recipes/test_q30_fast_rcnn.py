def test_q30_quick(quick_run):
    metrics, out = quick_run("q30_fast_rcnn")
    assert metrics["proposal_recall_50"] > 0.75  # quick: the cheap "single" strategy
    assert metrics["last_loss"] < 0.8 * metrics["first_loss"]
    assert metrics["map_50"] > 0.08  # chance is near 0
    assert metrics["images_per_second"] > 0
    assert (out / "detections.png").is_file() and (out / "training.png").is_file()
