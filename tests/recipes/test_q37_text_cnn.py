def test_q37_quick(quick_run):
    metrics, out = quick_run("q37_text_cnn")
    accuracy = metrics["test_accuracy"]
    assert set(accuracy) == {"rand", "static", "non-static", "multichannel"}
    # 2,000 training snippets, 2 epochs: every variant beats a coin, rand clears the majority class
    assert all(a > 0.52 for a in accuracy.values()), accuracy
    assert accuracy["rand"] > metrics["majority_baseline"]
    assert metrics["tfidf_logreg_accuracy"] > 0.65
    assert metrics["words_with_word2vec_vector"] > 2000
    assert (out / "training.png").is_file() and (out / "test_accuracy.png").is_file()
