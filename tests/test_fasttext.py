import keras
import numpy as np
import pytest
from gensim.models.fasttext import ft_ngram_hashes
from gensim.models.fasttext_inner import compute_ngrams, ft_hash_bytes

from keras_course.text import (
    FastTextSkipGram,
    FastTextVectors,
    char_ngrams,
    fnv1a_hash,
    ngram_hashes,
    subword_table,
    train_fasttext,
)

WORDS = ["where", "a", "technology", "naïve", "привет", "日本語", "tehnology"]


def test_char_ngrams_example_and_gensim():
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>", "<where>"]
    for word in WORDS:
        grams = char_ngrams(word, 3, 6)
        assert grams[-1] == f"<{word}>"
        assert grams[:-1] == compute_ngrams(word, 3, 6)  # gensim's (character) n-grams, same order
    with pytest.raises(ValueError, match="n_min"):
        char_ngrams("word", 4, 3)
    with pytest.raises(TypeError, match="word"):
        char_ngrams("")


def test_fnv1a_equals_fasttext_hash():
    for text in ["", "a", "<wh", "where>", "ïve", "при", "日本", "\x7f\x80"]:
        assert fnv1a_hash(text) == ft_hash_bytes(text.encode("utf-8"))
    assert fnv1a_hash("a") == (((2166136261 ^ 97) * 16777619) & 0xFFFFFFFF)


@pytest.mark.parametrize("buckets", [2_000_000, 1000])
def test_ngram_hashes_equal_gensim(buckets):
    for word in WORDS:
        assert sorted(ngram_hashes(word, 3, 6, buckets)) == sorted(ft_ngram_hashes(word, 3, 6, buckets))


def test_subword_table():
    table = subword_table(["cat", "dog"], 3, 3, buckets=100)
    assert table.shape == (2, 4)  # the word itself + <ca, cat, at>
    assert table[0, 0] == 0 and table[1, 0] == 1
    assert sorted(table[0, 1:] - 2) == sorted(ft_ngram_hashes("cat", 3, 3, 100))


def test_centre_vector_is_sum_of_token_vectors_and_save_load(tmp_path):
    table = subword_table(["cat", "kitten", "dog"], 3, 4, buckets=50)
    model = FastTextSkipGram(table, 50, vector_size=6, seed=0)
    x = {"centre": np.array([0, 1, 2]), "targets": np.array([[1, 2], [0, 2], [0, 1]])}
    model(x)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    tokens, out = model.get_weights()
    centres = np.stack([tokens[row[row >= 0]].mean(axis=0) for row in table])  # sum / count
    np.testing.assert_allclose(model(x), np.einsum("bd,bkd->bk", centres, out[x["targets"]]), rtol=1e-5, atol=1e-5)
    vectors = FastTextVectors(["cat", "kitten", "dog"], tokens, 3, 4, 50)
    np.testing.assert_allclose(vectors["kitten"], centres[1], rtol=1e-5)
    unseen = [3 + h for h in ngram_hashes("kitty", 3, 4, 50)]
    np.testing.assert_allclose(vectors["kitty"], tokens[unseen].mean(axis=0), rtol=1e-5)  # n-grams only
    # the gradient of every token row is the full dL/dv_I, as fastText's update gives it
    import tensorflow as tf

    with tf.GradientTape() as tape:
        v_in = model.centre_vectors(np.array([1]))
        loss = keras.ops.sum(v_in * np.arange(6, dtype="float32"))
    grad = tf.convert_to_tensor(tape.gradient(loss, model.input_vectors.embeddings)).numpy()
    for row in table[1][table[1] >= 0]:
        np.testing.assert_allclose(grad[row], np.arange(6) * np.sum(table[1] == row), rtol=1e-6)
    model.save(tmp_path / "ft.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "ft.keras")(x), model(x), rtol=1e-6)


def test_train_fasttext_unseen_words():
    rng = np.random.default_rng(0)
    topics = [["elephant", "giraffe", "leopard", "crocodile"], ["computer", "keyboard", "monitor", "printer"]]
    sentences = [list(rng.choice(topics[i % 2], 8)) for i in range(300)]
    vectors, info = train_fasttext(
        sentences, vector_size=16, window=3, min_count=1, epochs=2, buckets=5000, sample=None, batch_size=64
    )
    assert info["vocab"] == 8
    kv = vectors.to_keyed_vectors()
    same = kv.similarity("elephant", "giraffe")
    assert same > kv.similarity("elephant", "computer") + 0.2
    # a misspelling never seen in training lands next to its correct form
    assert "elephnat" not in vectors
    # (in this two-topic corpus all words of a topic share contexts, so the topic decides
    # the rest of the neighbours)
    for typo, word in (("elephnat", "elephant"), ("keybaord", "keyboard")):
        v = vectors[typo]
        cosine = {w: float(v @ kv[w] / np.linalg.norm(v) / np.linalg.norm(kv[w])) for w in kv.index_to_key}
        other = [w for t in topics if word not in t for w in t]
        assert cosine[word] > max(cosine[w] for w in other) + 0.2
