def test_q23_quick(quick_run):
    metrics, out = quick_run("q23_transfer_learning")
    assert metrics["chelsea_cat_in_top5"] and metrics["coffee_cup_in_top5"]
    (row,) = metrics["results"].values()
    assert row["frozen"] > 0.55  # a linear model on ImageNet features, 20 images per class
    assert row["frozen"] > row["scratch"] + 0.05
    assert (out / "accuracy_by_regime.png").is_file() and (out / "curves.png").is_file()
