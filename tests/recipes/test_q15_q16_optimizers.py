def test_q15_q16_quick(quick_run):
    m, out = quick_run("q15_q16_optimizers")
    start = m["quadratic_start_f"]
    for key in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        assert m[f"quadratic_{key}_final_f"] < 1e-2 * start
        assert m[f"mlp_{key}_test_accuracy"] > 0.45  # chance 0.1
        assert m[f"mlp_{key}_train_loss_last_epoch"] < m[f"mlp_{key}_train_loss_first_epoch"]
    # Plain SGD zig-zags at every step; momentum beats it on the elongated valley; Nesterov
    # overshoots the minimum less than momentum.
    assert m["quadratic_sgd_zigzags"] == m["quadratic_steps"]
    assert m["quadratic_momentum_final_f"] < 0.1 * m["quadratic_sgd_final_f"]
    assert m["quadratic_nesterov_overshoot"] < 0.5 * m["quadratic_momentum_overshoot"]
    assert (out / "quadratic_race.png").is_file() and (out / "fashion_mnist_mlp.png").is_file()
