def test_q20_q22_quick(quick_run):
    metrics, out = quick_run("q20_q22_architectures")
    counts = metrics["imagenet_params"]
    assert counts["alexnet"]["total"] == 60_965_224
    assert counts["alexnet"]["dense"] == 58_631_144  # the notes' erratum: not in the big convs
    assert metrics["stacked_3x3_params"] * 49 == metrics["single_7x7_params"] * 27
    assert metrics["stacked_3x3_receptive_field"] == 7
    assert metrics["inception_3a_params"] == 163_696 < metrics["naive_3a_params"]
    assert metrics["inception_3a_output_channels"] == 256
    for name, row in metrics["small_variants"].items():
        assert row["last_loss"] < row["first_loss"], name
        assert row["test_accuracy"] > 0.25, name  # chance is 0.1
    assert (out / "params.png").is_file() and (out / "training.png").is_file()
