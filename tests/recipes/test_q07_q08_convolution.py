def test_q07_q08_quick(quick_run):
    metrics, out = quick_run("q07_q08_convolution")
    assert metrics["max_abs_diff_numpy_vs_our_conv2d"] < 1e-5
    assert metrics["max_abs_diff_numpy_vs_keras_conv2d"] < 1e-5
    assert metrics["params_rgb_3x3_10_filters"] == 280 and metrics["params_rgb_3x3_10_filters_notes_count"] == 270
    assert metrics["filter_bank_test_accuracy"] > 0.35  # chance is 0.1
    assert metrics["filter_bank_last_loss"] < metrics["filter_bank_first_loss"]
    # conv + max: the same response wherever the pattern is; a dense unit loses it
    assert metrics["conv_max_relative_spread"] < 1e-9
    assert metrics["argmax_tracks_pattern_fraction"] == 1.0
    assert metrics["dense_max_relative_response_shift_8plus"] < 0.5
    for name in ("hand_made_filters.png", "learnt_filters.png", "conv_max_invariance.png"):
        assert (out / name).is_file()
