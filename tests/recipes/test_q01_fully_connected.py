def test_q01_quick(quick_run):
    metrics, out = quick_run("q01_fully_connected")
    assert metrics["params_1000_to_2"] == 2002
    assert metrics["params_784_to_1000"] == 785_000
    assert metrics["max_abs_difference_vs_keras_dense"] < 1e-6
    assert metrics["test_accuracy"] > 0.6  # chance is 0.1
    assert (out / "weight_templates.png").is_file() and (out / "training.png").is_file()
