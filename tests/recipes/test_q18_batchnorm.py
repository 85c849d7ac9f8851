def test_q18_quick(quick_run):
    m, out = quick_run("q18_batchnorm")
    assert m["no_bn_final_loss"] < m["no_bn_first_epoch_loss"] and m["bn_final_loss"] < m["bn_first_epoch_loss"]
    assert m["bn_final_loss"] < m["no_bn_final_loss"]
    assert m["bn_test_accuracy"] > 0.5  # chance 0.1
    assert m["largest_lr_bn"] is not None
    assert m["largest_lr_no_bn"] is None or m["largest_lr_bn"] >= 10 * m["largest_lr_no_bn"]
    assert (out / "convergence.png").is_file() and (out / "learning_rate_sweep.png").is_file()
