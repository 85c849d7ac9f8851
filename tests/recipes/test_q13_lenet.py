def test_q13_quick(quick_run):
    metrics, out = quick_run("q13_lenet")
    assert metrics["params"] == 61_706
    assert metrics["shapes"]["flatten"] == [400]
    assert metrics["test_accuracy"] > 0.6  # chance is 0.1
    assert (out / "training.png").is_file() and (out / "confident_mistakes.png").is_file()
