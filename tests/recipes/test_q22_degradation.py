def test_q22_quick(quick_run):
    metrics, out = quick_run("q22_degradation")
    shallow, deep = metrics["depths"]  # quick: 8 and 20 layers (full: 20 and 56, as in the paper)
    for depth in (shallow, deep):  # option-A shortcuts: same parameters with and without them
        assert metrics[f"plain{depth}_params"] == metrics[f"resnet{depth}_params"]
    # Degradation: the deeper plain net trains worse; with shortcuts the deeper net trains
    # better than without (a few quick steps: the full run shows the whole curves).
    assert metrics["plain_deeper_minus_shallower_loss"] > 0
    assert metrics[f"resnet{deep}_final_train_loss"] < metrics[f"plain{deep}_final_train_loss"] - 0.05
    assert metrics[f"resnet{shallow}_final_train_loss"] < 2.2  # it learns (chance is ln 10 = 2.30)
    assert (out / "degradation.png").is_file()
