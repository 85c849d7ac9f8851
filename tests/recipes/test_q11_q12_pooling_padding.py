def test_q11_q12_quick(quick_run):
    metrics, out = quick_run("q11_q12_pooling_padding")
    assert metrics["max_abs_diff_numpy_vs_keras_maxpool"] == 0.0
    assert metrics["max_abs_diff_layer_vs_keras_maxpool"] == 0.0
    assert metrics["pooled_shape"] == [256, 256] and metrics["pooled_twice_shape"] == [128, 128]
    assert metrics["receptive_fields"]["pool 2x2 twice"] == [2, 4]  # the notes' 2x2, then 4x4
    assert metrics["receptive_fields"]["conv 3x3, pool 2x2, conv 3x3"][-1] == 8  # vs 5 without the pool
    # padding only invents pixels within half a kernel of the border ...
    assert metrics["error_beyond_half_kernel"] < 1e-12
    # ... and on photos zeros invent the worst ones
    assert metrics["border_error_zeros"] > 3 * max(metrics["border_error_reflect"], metrics["border_error_replicate"])
    for name in ("max_pooling.png", "padding_modes.png", "border_errors.png"):
        assert (out / name).is_file()
