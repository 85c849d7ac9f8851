def test_q14_quick(quick_run):
    m, out = quick_run("q14_sgd")
    # The independent optimum: the mean gradient vanishes there, single examples' do not.
    assert m["full_gradient_norm_at_optimum"] < 1e-3
    assert m["mean_example_gradient_norm_at_optimum"] > 100 * m["full_gradient_norm_at_optimum"]
    # Every run descends; per epoch, SGD and mini-batches beat full-batch GD by far.
    for key in ("gd", "mini_batch_32", "sgd", "sgd_constant"):
        assert m[f"{key}_final_excess_loss"] < 0.5 * m["initial_excess_loss"]
    assert m["sgd_final_excess_loss"] < 0.2 * m["gd_final_excess_loss"]
    assert m["mini_batch_32_final_excess_loss"] < 0.5 * m["gd_final_excess_loss"]
    assert (out / "excess_loss.png").is_file()
