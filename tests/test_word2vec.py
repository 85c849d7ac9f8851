from collections import Counter

import keras
import numpy as np
import pytest

from keras_course.text import (
    CBOWNegativeSampling,
    NegativeSamplingLoss,
    SkipGramNegativeSampling,
    SkipGramSoftmax,
    build_vocab,
    cbow_examples,
    encode_corpus,
    encode_padded,
    evaluate_embeddings,
    noise_distribution,
    noise_table,
    sample_negatives,
    skipgram_pairs,
    subsample_probability,
    to_keyed_vectors,
    train_word2vec,
)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _topic_corpus(n_sentences=600, seed=0):
    """Two topics that never share a sentence: animals and vehicles."""
    rng = np.random.default_rng(seed)
    topics = [["cat", "dog", "horse", "cow", "sheep"], ["car", "bus", "truck", "train", "bike"]]
    return [list(rng.choice(topics[i % 2], 8)) for i in range(n_sentences)]


def test_build_vocab_counts_equal_gensim():
    from gensim.models import Word2Vec

    sentences = _topic_corpus(50) + [["rare"], ["cat", "dog"]]
    vocab = build_vocab(sentences, min_count=2)
    model = Word2Vec(min_count=2)
    model.build_vocab(sentences)
    assert dict(zip(vocab.words, vocab.counts, strict=True)) == {
        w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key
    }
    assert "rare" not in vocab and list(vocab.counts) == sorted(vocab.counts, reverse=True)
    ids, sentence_ids = encode_corpus([["cat", "rare", "dog"], ["bus"]], vocab)
    assert [vocab.words[i] for i in ids] == ["cat", "dog", "bus"] and list(sentence_ids) == [0, 0, 1]
    with pytest.raises(ValueError, match="min_count"):
        build_vocab(sentences, min_count=0)
    with pytest.raises(TypeError, match="list of tokens"):
        build_vocab(["a sentence as a string"])


def test_subsample_and_noise_formulas():
    freqs = np.array([0.1, 1e-3, 1e-6])
    np.testing.assert_allclose(subsample_probability(freqs, t=1e-5), [1 - np.sqrt(1e-4), 1 - np.sqrt(1e-2), 0.0])
    counts = np.array([100, 10, 1])
    expected = counts**0.75 / np.sum(counts**0.75)
    np.testing.assert_allclose(noise_distribution(counts), expected)
    draws = sample_negatives(expected, (200_000,), np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 200_000, expected, atol=0.005)
    with pytest.raises(ValueError, match="freqs"):
        subsample_probability([0.0, 0.5])
    with pytest.raises(ValueError, match="counts"):
        noise_distribution([])


def test_word2vec_subsampling_rule_equals_gensim():
    from gensim.models import Word2Vec

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    # Zipf-like counts: a few very frequent words, a long tail
    sentences = [
        list(rng.choice(words, 20, p=1 / np.arange(1, 301) / np.sum(1 / np.arange(1, 301)))) for _ in range(400)
    ]
    vocab = build_vocab(sentences, min_count=1)
    model = Word2Vec(min_count=1, sample=1e-2)
    model.build_vocab(sentences)
    # gensim stores the keep probability as a 32-bit threshold "sample_int"
    keep = np.array([model.wv.get_vecattr(w, "sample_int") / 2**32 for w in vocab.words])
    discard = subsample_probability(vocab.frequencies, 1e-2, rule="word2vec")
    np.testing.assert_allclose(1 - discard, np.minimum(keep, 1.0), atol=1e-6)
    assert discard[0] > 0 and discard[-1] == 0
    # the paper's rule drops more of every frequent word
    assert np.all(subsample_probability(vocab.frequencies, 1e-2) >= discard)
    with pytest.raises(ValueError, match="rule"):
        subsample_probability(vocab.frequencies, 1e-2, rule="C")


def test_noise_table_is_reused_by_sample_negatives():
    noise = noise_distribution(np.array([100, 10, 1]))
    table = noise_table(noise, table_size=1000)
    assert table.dtype == np.int32 and abs(len(table) - 1000) <= 3
    np.testing.assert_allclose(np.bincount(table) / len(table), noise, atol=2e-3)
    a = sample_negatives(noise, (50, 5), np.random.default_rng(3), table_size=1000)
    b = sample_negatives(None, (50, 5), np.random.default_rng(3), table=table)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="table_size"):
        noise_table(noise, table_size=0)


def _reference_reach(n, window, seed):
    return window - np.random.default_rng(seed).integers(0, window, n)


def test_skipgram_pairs_equal_loop():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 50, 60)
    sentence_ids = np.repeat([0, 1, 2], [25, 5, 30])
    window = 3
    centres, contexts = skipgram_pairs(ids, window, np.random.default_rng(7), sentence_ids)
    reach = _reference_reach(len(ids), window, 7)
    expected = Counter()
    for i in range(len(ids)):  # word2vec's loop: each centre, its reduced window, same sentence
        for j in range(max(0, i - reach[i]), min(len(ids), i + reach[i] + 1)):
            if j != i and sentence_ids[j] == sentence_ids[i]:
                expected[(ids[i], ids[j])] += 1
    assert Counter(zip(centres.tolist(), contexts.tolist(), strict=True)) == expected


def test_cbow_examples_equal_loop():
    rng = np.random.default_rng(2)
    ids = rng.integers(0, 50, 40)
    sentence_ids = np.repeat([0, 1, 2], [1, 20, 19])  # sentence 0 has no context: dropped
    contexts, targets = cbow_examples(ids, 2, np.random.default_rng(3), sentence_ids)
    reach = _reference_reach(len(ids), 2, 3)
    expected = []
    for i in range(len(ids)):
        ctx = sorted(
            ids[j]
            for j in range(max(0, i - reach[i]), min(len(ids), i + reach[i] + 1))
            if j != i and sentence_ids[j] == sentence_ids[i]
        )
        if ctx:
            expected.append((ids[i], ctx))
    got = [(t, sorted(c[c >= 0].tolist())) for c, t in zip(contexts, targets, strict=True)]
    assert got == expected and contexts.shape[1] == 4


def test_negative_sampling_loss_formula():
    logits = np.random.default_rng(3).normal(size=(6, 4)).astype("float32") * 3
    labels = np.zeros_like(logits)
    labels[:, 0] = 1
    expected = -np.log(_sigmoid(logits[:, 0])) - np.log(_sigmoid(-logits[:, 1:])).sum(axis=1)
    np.testing.assert_allclose(NegativeSamplingLoss(reduction=None)(labels, logits), expected, rtol=1e-5)
    np.testing.assert_allclose(NegativeSamplingLoss()(labels, logits), expected.mean(), rtol=1e-5)


def _numpy(tensor):
    """A backend tensor as NumPy (a torch output that requires grad refuses np.asarray)."""
    return keras.ops.convert_to_numpy(tensor)


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return list(model.get_weights())


def test_skipgram_and_cbow_logits_equal_numpy():
    rng = np.random.default_rng(4)
    targets = rng.integers(0, 20, (5, 4))
    sg = SkipGramNegativeSampling(20, 8)
    centre = rng.integers(0, 20, 5)
    sg({"centre": centre, "targets": targets})
    v, v_out = _randomize(sg)
    expected = np.einsum("bd,bkd->bk", v[centre], v_out[targets])
    np.testing.assert_allclose(_numpy(sg({"centre": centre, "targets": targets})), expected, rtol=1e-5, atol=1e-5)

    cbow = CBOWNegativeSampling(20, 8)
    context = rng.integers(0, 20, (5, 6))
    context[:, 4:] = -1  # padding
    context[0, 1:] = -1
    cbow({"context": context, "targets": targets})
    v, v_out = _randomize(cbow, 1)
    hidden = np.stack([v[c[c >= 0]].mean(axis=0) for c in context])
    np.testing.assert_allclose(
        _numpy(cbow({"context": context, "targets": targets})),
        np.einsum("bd,bkd->bk", hidden, v_out[targets]),
        rtol=1e-5,
        atol=1e-5,
    )


def test_softmax_skipgram_equals_numpy():
    model = SkipGramSoftmax(12, 6)
    centre = np.array([0, 3, 11])
    model(centre)
    v, v_out = _randomize(model, 2)
    logits = v[centre] @ v_out.T
    np.testing.assert_allclose(_numpy(model(centre)), logits, rtol=1e-5, atol=1e-5)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    context = np.array([1, 2, 3])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(context, model(centre))
    assert float(_numpy(loss)) == pytest.approx(-np.log(p[np.arange(3), context]).mean(), rel=1e-5)


@pytest.mark.parametrize("kind", ["sg", "cbow", "softmax"])
def test_word2vec_models_save_load(tmp_path, kind):
    if kind == "sg":
        model = SkipGramNegativeSampling(10, 4, seed=1)
        x = {"centre": np.array([1, 2]), "targets": np.array([[1, 2], [3, 4]])}
    elif kind == "cbow":
        model = CBOWNegativeSampling(10, 4, seed=1)
        x = {"context": np.array([[1, -1], [3, 4]]), "targets": np.array([[1, 2], [3, 4]])}
    else:
        model, x = SkipGramSoftmax(10, 4, seed=1), np.array([1, 2])
    model.compile(optimizer="sgd", loss=NegativeSamplingLoss() if kind != "softmax" else "mse")
    model(x)
    _randomize(model)
    model.save(tmp_path / "w2v.keras")
    loaded = keras.models.load_model(tmp_path / "w2v.keras")
    np.testing.assert_allclose(_numpy(model(x)), _numpy(loaded(x)), rtol=1e-6)
    assert isinstance(loaded.loss, (NegativeSamplingLoss, str)) or kind == "softmax"


def test_train_word2vec_learns_topics():
    sentences = _topic_corpus(300)
    for sg in (1, 0):
        # 10 words: a batch holds each word many times and the summed updates add up, so
        # small batches here (on a real vocabulary 16k-example batches are fine)
        kv = train_word2vec(
            sentences, sg=sg, vector_size=16, window=3, min_count=1, epochs=2, batch_size=64, sample=None
        )
        same = np.mean([kv.similarity("cat", w) for w in ("dog", "horse", "cow")])
        other = np.mean([kv.similarity("cat", w) for w in ("car", "bus", "truck")])
        assert same > other + 0.2, (sg, same, other)
    assert kv.vector_size == 16 and len(kv) == 10


def test_train_word2vec_is_deterministic_and_validates():
    sentences = _topic_corpus(40)
    # 3 epochs: epochs 2 and 3 are drawn on the prefetch thread while the previous one trains
    a = train_word2vec(sentences, vector_size=8, min_count=1, epochs=3, batch_size=128, seed=3)
    b = train_word2vec(sentences, vector_size=8, min_count=1, epochs=3, batch_size=128, seed=3)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    with pytest.raises(ValueError, match="sg"):
        train_word2vec(sentences, sg=2)
    with pytest.raises(ValueError, match="window"):
        train_word2vec(sentences, window=0)


def test_evaluate_embeddings_and_keyed_vectors():
    from keras_course.data.text import evaluation_file

    rng = np.random.default_rng(0)
    pairs = [line.split("\t")[:2] for line in evaluation_file("wordsim353").read_text().splitlines()[2:40]]
    words = list(dict.fromkeys([w for pair in pairs for w in pair] + ["king", "queen", "man", "woman"]))
    kv = to_keyed_vectors(words, rng.normal(size=(len(words), 5)))
    assert kv.index_to_key == words
    np.testing.assert_allclose(kv[words[1]], kv.vectors[1])
    results = evaluate_embeddings(kv)
    assert -1 <= results["wordsim353"] <= 1 and 0 < results["wordsim353_oov"] < 1
    assert results["analogy_questions"] >= 1 and 0 <= results["analogy_accuracy"] <= 1
    with pytest.raises(TypeError, match="KeyedVectors"):
        evaluate_embeddings({"cat": [1.0]})


def test_encode_padded():
    vocab = build_vocab([["a", "b", "c"]], min_count=1)
    out = encode_padded([["a", "zz", "b"], ["c"]], vocab, max_len=5, min_len=4)
    assert out.tolist() == [[1, 2, 0, 0], [3, 0, 0, 0]]


def test_cbow_hands_full_error_to_each_context_word():
    """As word2vec's C code: forward = mean of the context vectors, backward = the gradient of
    their sum (each context word gets the whole error, not 1/n of it)."""
    from keras_course.backend import gradients

    model = CBOWNegativeSampling(10, 4, seed=0)
    x = {"context": np.array([[1, 2, 3, -1]]), "targets": np.array([[5, 6]])}
    model(x)
    v, v_out = _randomize(model, 3)
    # d/dh = v'_5
    _, (grad,) = gradients(lambda _: keras.ops.sum(model(x)[:, 0]), [model.input_vectors.embeddings])
    for word in (1, 2, 3):
        np.testing.assert_allclose(grad[word], v_out[5], rtol=1e-5)
    np.testing.assert_allclose(grad[[0, 4, 5]], 0)
    np.testing.assert_allclose(_numpy(model(x))[0, 0], v[[1, 2, 3]].mean(axis=0) @ v_out[5], rtol=1e-5)


def test_resolve_jit_compile():
    from keras_course import backend
    from keras_course.text.word2vec import resolve_jit_compile

    # Keras's own "auto" means no XLA on a CPU-only machine; ours uses it unless TF's op
    # determinism is on (JAX always compiles; torch.compile does not pay here)
    expected = {"tensorflow": not backend.op_determinism_enabled(), "jax": True, "torch": False}
    assert resolve_jit_compile("auto") is expected[backend.name()]
    if backend.name() == "tensorflow":
        from tensorflow.python.framework.config import is_op_determinism_enabled

        assert backend.op_determinism_enabled() is bool(is_op_determinism_enabled())
    assert resolve_jit_compile(False) is False and resolve_jit_compile(True) is True
