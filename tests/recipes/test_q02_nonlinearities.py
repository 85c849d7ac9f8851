def test_q02_quick(quick_run):
    metrics, out = quick_run("q02_nonlinearities")
    # Three stacked linear layers equal the single map W1 W2 W3 (float32 round-off only).
    assert metrics["max_collapse_error"] < 1e-5 * max(1.0, metrics["collapse_output_scale"])
    # A linear net can only fit a plane to the photo; ReLU fits the picture.
    assert metrics["r2_relu"] > 0.8
    assert metrics["r2_gap"] > 0.3
    assert (out / "fit_photo.png").is_file() and (out / "activations.png").is_file()
