import numpy as np
import pytest

from keras_course.data import checksums
from keras_course.data.text import (
    EVALUATION_FILES,
    evaluation_file,
    load_hamlet,
    load_rotten_tomatoes,
    load_rotten_tomatoes_plots,
    load_word2vec_corpus,
    tokenize,
)


def test_word2vec_corpus_size_and_tokens():
    sentences = load_word2vec_corpus()
    tokens = sum(len(s) for s in sentences)
    assert 480_000 < tokens < 560_000
    assert max(len(s) for s in sentences) <= 1000
    words = {w for s in sentences[:50] for w in s}
    assert {"anarchism", "the", "of"} <= words
    assert all(w == w.lower() and 2 <= len(w) <= 15 for s in sentences[:20] for w in s)
    shorter = load_word2vec_corpus(max_sentence_length=100)
    assert sum(len(s) for s in shorter) == tokens and max(len(s) for s in shorter) <= 100
    with pytest.raises(ValueError, match="max_sentence_length"):
        load_word2vec_corpus(max_sentence_length=1)


def test_wiki_tokens_equal_wikicorpus_tokenizer():
    from gensim.corpora.wikicorpus import tokenize as wiki_tokenize

    text = "Anarchism is a POLITICAL philosophy; it's anti-authoritarian (since 1840)."
    assert tokenize(text) == wiki_tokenize(text)  # one tokenizer for the corpus and the reviews
    with pytest.raises(TypeError, match="text"):
        tokenize(["a", "list"])


def test_rotten_tomatoes_split():
    (x_train, y_train), (x_test, y_test) = load_rotten_tomatoes(seed=0)
    assert len(x_train) + len(x_test) == 12_752
    assert abs(len(x_test) / 12_752 - 0.1) < 0.002
    assert set(x_train).isdisjoint(x_test)
    assert 0.55 < y_train.mean() < 0.60 and abs(y_train.mean() - y_test.mean()) < 0.005
    again = load_rotten_tomatoes(seed=0)
    assert again[1][0] == x_test and np.array_equal(again[0][1], y_train)
    other = load_rotten_tomatoes(seed=1)
    assert other[1][0] != x_test
    with pytest.raises(ValueError, match="seed"):
        load_rotten_tomatoes(seed=-1)
    with pytest.raises(ValueError, match="test_fraction"):
        load_rotten_tomatoes(test_fraction=1.5)


def test_rotten_tomatoes_plots_are_unlabelled_and_not_reviews():
    plots = load_rotten_tomatoes_plots()
    assert len(plots) == 1_083 and all(isinstance(p, str) and p for p in plots)
    (x_train, _), (x_test, _) = load_rotten_tomatoes(seed=0)
    assert set(plots).isdisjoint(x_train + x_test)


def test_hamlet():
    text = load_hamlet()
    assert len(text) == 175_176
    assert "To be, or not to be" in text


def test_evaluation_files_checked():
    for name in EVALUATION_FILES:
        assert evaluation_file(name).is_file()
    lines = [line for line in evaluation_file("wordsim353").read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 353
    with pytest.raises(ValueError, match="name must be one of"):
        evaluation_file("wordsim999")


def test_checksum_mismatch_is_loud(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("not hamlet")
    with pytest.raises(OSError, match="checksum mismatch"):
        checksums.verify(bad, "0" * 64)
