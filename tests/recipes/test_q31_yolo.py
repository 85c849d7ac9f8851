def test_q31_quick(quick_run):
    metrics, out = quick_run("q31_yolo")
    assert metrics["last_loss"] < 0.5 * metrics["first_loss"]
    assert metrics["map_50"] > 0.04  # chance is near 0
    assert metrics["objects_dropped_by_grid_fraction"] < 0.05
    assert metrics["images_per_second"] > 0
    assert (out / "detections.png").is_file() and (out / "training.png").is_file()
    assert not list(out.glob("checkpoints/**/*.npz"))  # a finished fit leaves nothing to resume from
