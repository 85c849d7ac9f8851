def test_q03_quick(quick_run):
    metrics, out = quick_run("q03_universal_approximation")
    errors = [metrics["max_error_by_width"][str(w)] for w in metrics["widths"]]
    # The worst-case error falls as the hidden layer widens: by 10x from 2 to 128 units.
    assert errors[-1] < errors[0] / 10
    assert errors[-1] < 0.1
    assert (out / "approximation.png").is_file()
