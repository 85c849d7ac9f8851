import math


def test_q35_quick(quick_run):
    metrics, out = quick_run("q35_word2vec")
    assert metrics["corpus_tokens"] > 100_000 and metrics["vocab"] > 2000
    # negative sampling starts at (1 + k) ln 2 = 4.16 (output vectors at 0); one epoch cuts it
    assert metrics["ns_loss_per_epoch"][-1] < 0.9 * 6 * math.log(2)
    for impl in ("ours", "gensim"):
        assert -1 <= metrics[impl]["wordsim353"] <= 1
    assert set(metrics["neighbours_ours"]) == set(metrics["neighbours_gensim"])
    # the full softmax starts near ln V and learns
    assert metrics["softmax_first_loss"] < metrics["softmax_uniform_loss"]
    assert metrics["softmax_final_val_loss"] < metrics["softmax_uniform_loss"] - 1.0
    assert (out / "word_map.png").is_file() and (out / "softmax_skipgram.png").is_file()
