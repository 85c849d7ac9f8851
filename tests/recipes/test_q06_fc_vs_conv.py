def test_q06_quick(quick_run):
    metrics, out = quick_run("q06_fc_vs_conv")
    assert metrics["dense_28x28x1_to_1000"] == 785_000  # the notes' (784 + 1) * 1000
    assert metrics["conv3x3_28x28x1_to_64_filters"] == metrics["conv3x3_224x224x3_to_64_filters"] - 64 * 18
    assert metrics["cnn_params"] < metrics["mlp_params"] / 4
    assert metrics["mlp_accuracy_shift0"] > 0.6 and metrics["cnn_accuracy_shift0"] > 0.6  # chance 0.1
    # shifted by 4-6 pixels the MLP collapses, the CNN keeps far more of its accuracy
    assert metrics["mlp_accuracy_shift6"] < metrics["mlp_accuracy_shift0"] - 0.3
    assert metrics["cnn_accuracy_shift4"] > metrics["mlp_accuracy_shift4"] + 0.15
    # weight sharing does not buy invariance to mirroring: both lose accuracy on flipped images
    assert metrics["mlp_accuracy_flipped"] < metrics["mlp_accuracy_shift0"] - 0.05
    assert metrics["cnn_accuracy_flipped"] < metrics["cnn_accuracy_shift0"] - 0.05
    assert (out / "accuracy_vs_shift.png").is_file() and (out / "shifted_examples.png").is_file()
