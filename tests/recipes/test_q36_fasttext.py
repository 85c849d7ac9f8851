def test_q36_quick(quick_run):
    metrics, out = quick_run("q36_fasttext")
    assert metrics["example_tokens_where"][:5] == ["<wh", "whe", "her", "ere", "re>"]
    assert metrics["example_tokens_where"][-1] == "<where>"
    assert metrics["misspellings_tested"] >= 8
    # unseen misspellings get vectors, and their correct form is often among the 10 nearest
    assert metrics["ours_correct_in_top10"] >= 3
    assert metrics["gensim_correct_in_top10"] >= 3
    assert all(r["cosine"] > 0.5 for r in metrics["ours_typos"].values())
    assert (out / "misspellings.png").is_file()
