def test_q17_quick(quick_run):
    m, out = quick_run("q17_dropout")
    assert abs(m["layer_zeroed_fraction"] - m["layer_p"]) < 0.01
    assert abs(m["layer_mean_ratio"] - 1) < 0.01  # 1/(1-p) keeps the mean
    assert abs(m["layer_mean_ratio_with_notes_scale"] - 4) < 0.05  # the notes' 1/p: (1-p)/p = 4
    assert m["layer_inference_max_change"] == 0
    assert m["no_dropout_test_accuracy"] > 0.6 and m["dropout_test_accuracy"] > 0.6  # chance 0.1
    assert m["no_dropout_train_accuracy"] > 0.97  # it memorizes the small set
    assert m["dropout_gap"] < m["no_dropout_gap"]
    assert (out / "train_test_gap.png").is_file()
