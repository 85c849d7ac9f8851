"""Q36: FastText (Bojanowski et al. 2017): a word is a bag of character n-grams.

``"where"`` with n = 3 becomes ``<wh, whe, her, ere, re>`` plus the whole marked word
``<where>``; ``<`` and ``>`` mark the word's ends, so the 3-gram ``her`` inside "where"
differs from the word ``<her>``. Each token has a vector and a word's vector is the sum of
its tokens' vectors. Skip-gram with negative sampling then trains these token vectors: the
centre word's v_I is that sum divided by the number of tokens (fastText's and gensim's
choice: a scale factor, so cosine similarities are those of the sum, and training steps do not
grow with the word's length). Words never seen in training (or misspelled, "tehnology")
still get a vector from their n-grams.

There are millions of possible n-grams, so they are hashed into ``buckets`` rows with
FNV-1a, exactly as fastText (and gensim) do: n-gram vector = row ``nwords + hash % buckets``.
"""

import time

import keras
import numpy as np
from keras import ops

from keras_course import backend
from keras_course.checks import check_array, check_int, check_real, check_seed, check_tokens, describe
from keras_course.text.vocab import (
    _check_sentences,
    build_vocab,
    encode_corpus,
    noise_distribution,
    noise_table,
    subsample,
    subsample_probability,
)
from keras_course.text.word2vec import NegativeSamplingLoss, make_examples, resolve_jit_compile

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619


def char_ngrams(word, n_min=3, n_max=6):
    """Character n-grams of ``<word>``, n = n_min..n_max (shortest first), then ``<word>`` itself.

    ``char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>", "<where>"]``.
    """
    if not isinstance(word, str) or not word:
        raise TypeError(f"word must be a non-empty str, got {describe(word)}")
    _check_ngram_range(n_min, n_max)
    marked = f"<{word}>"
    grams = [marked[i : i + n] for n in range(n_min, min(len(marked), n_max) + 1) for i in range(len(marked) - n + 1)]
    return grams + [marked]


def _check_ngram_range(n_min, n_max):
    check_int("n_min", n_min, minimum=1)
    if check_int("n_max", n_max, minimum=1) < n_min:
        raise ValueError(f"n_max must be an int >= n_min={n_min}, got {n_max!r}")


def fnv1a_hash(text):
    """fastText's 32-bit FNV-1a of the UTF-8 bytes of ``text``.

    As in fastText's ``dictionary.cc`` each byte is read as a *signed* char, so bytes >= 128
    are sign-extended before the XOR (this differs from textbook FNV-1a only for non-ASCII).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {describe(text)}")
    h = FNV_OFFSET
    for byte in text.encode("utf-8"):
        h ^= (byte - 256 if byte >= 128 else byte) & 0xFFFFFFFF
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def ngram_hashes(word, n_min=3, n_max=6, buckets=2_000_000):
    """Bucket ids ``fnv1a_hash(g) % buckets`` of the n-grams of ``word`` (not the word itself)."""
    check_int("buckets", buckets, minimum=1)
    return [fnv1a_hash(g) % buckets for g in char_ngrams(word, n_min, n_max)[:-1]]


def subword_table(words, n_min=3, n_max=6, buckets=2_000_000):
    """Token ids of every word, int32 (V, L) padded with -1: row i is ``[i, V + h_1, V + h_2, ...]``,
    word i's own row followed by its hashed n-grams (rows V.. of the token table)."""
    words = check_tokens("words", words)  # a str would give one "word" per character
    if not words:
        raise ValueError("words must not be empty, got []")
    _check_ngram_range(n_min, n_max)
    check_int("buckets", buckets, minimum=1)
    rows = [[i] + [len(words) + h for h in ngram_hashes(w, n_min, n_max, buckets)] for i, w in enumerate(words)]
    table = np.full((len(rows), max(len(r) for r in rows)), -1, np.int32)
    for row, ids in zip(table, rows, strict=True):
        row[: len(ids)] = ids
    return table


@keras.saving.register_keras_serializable(package="keras_course")
class FastTextSkipGram(keras.Model):
    """Skip-gram with negative sampling where v_I comes from the centre word's token vectors:
    their sum divided by their number, as fastText does (see ``centre_vectors``).

    ``subwords``: int (V, L) from ``subword_table`` (padding -1). Token vectors (V + buckets, d)
    are ``input_vectors``; output vectors v' (V, d) are per word. Inputs
    ``{"centre": int (B,), "targets": int (B, 1 + k)}`` -> logits (B, 1 + k).
    """

    def __init__(self, subwords, buckets, vector_size=100, seed=None, **kwargs):
        super().__init__(**kwargs)
        subwords = check_array("subwords", subwords, ndim=2, kind="int").astype(np.int32)
        self.buckets = check_int("buckets", buckets, minimum=1)
        self.vector_size = check_int("vector_size", vector_size, minimum=1)
        if subwords.max() >= subwords.shape[0] + self.buckets:
            raise ValueError(
                f"subwords must hold token ids < vocab + buckets = {subwords.shape[0] + self.buckets}, "
                f"got {int(subwords.max())}"
            )
        self.seed = check_seed("seed", seed)
        self.subwords = subwords
        self.vocab_size = subwords.shape[0]
        self.input_vectors = keras.layers.Embedding(
            self.vocab_size + self.buckets,
            self.vector_size,
            embeddings_initializer=keras.initializers.RandomUniform(-0.5 / vector_size, 0.5 / vector_size, seed=seed),
            name="token_vectors",
        )
        self.output_vectors = keras.layers.Embedding(
            self.vocab_size, self.vector_size, embeddings_initializer="zeros", name="output_vectors"
        )

    def build(self, input_shape=None):
        # both tables exist from the start, so .keras loading restores them
        self.input_vectors.build((None,))
        self.output_vectors.build((None,))
        self.built = True

    def centre_vectors(self, word_ids):
        tokens = ops.take(ops.convert_to_tensor(self.subwords), word_ids, axis=0)  # (B, L)
        mask = ops.cast(ops.greater_equal(tokens, 0), self.compute_dtype)
        total = ops.sum(self.input_vectors(ops.maximum(tokens, 0)) * mask[..., None], axis=1)
        # The sum of ~30 token vectors makes the dot products (and steps) ~30x too large, so
        # fastText divides it by the token count -- and still hands the full gradient to every
        # token. Forward: the mean; backward: the gradient of the sum.
        mean = total / ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
        return ops.stop_gradient(mean - total) + total

    def call(self, inputs):
        v_in = self.centre_vectors(inputs["centre"])
        return ops.einsum("bd,bkd->bk", v_in, self.output_vectors(inputs["targets"]))

    def get_config(self):
        return {
            **super().get_config(),
            "subwords": self.subwords.tolist(),
            "buckets": self.buckets,
            "vector_size": self.vector_size,
            "seed": self.seed,
        }


class FastTextVectors:
    """Word vectors from trained token vectors; works for words never seen in training.

    ``vectors[word]``: the sum of the word's own vector (if known) and its n-gram vectors,
    divided by their number (as in training; cosines are those of the sum).
    """

    def __init__(self, words, token_vectors, n_min, n_max, buckets):
        self.words = check_tokens("words", words)
        _check_ngram_range(n_min, n_max)
        check_int("buckets", buckets, minimum=1)
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("words must be unique")
        self.token_vectors = check_array("token_vectors", token_vectors, ndim=2, kind="real").astype(np.float32)
        if self.token_vectors.shape[0] != len(self.words) + buckets:
            raise ValueError(
                f"token_vectors must have len(words) + buckets = {len(self.words) + buckets} rows, "
                f"got {self.token_vectors.shape[0]}"
            )
        self.n_min, self.n_max, self.buckets = n_min, n_max, buckets

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        rows = [len(self.words) + h for h in ngram_hashes(word, self.n_min, self.n_max, self.buckets)]
        if word in self.index:
            rows.append(self.index[word])
        # the mean of the token vectors, as in training (same direction as the sum)
        return self.token_vectors[rows].mean(axis=0)

    def to_keyed_vectors(self):
        """gensim ``KeyedVectors`` of the training vocabulary (for ``evaluate_embeddings``)."""
        from keras_course.text.word2vec import to_keyed_vectors

        return to_keyed_vectors(self.words, np.stack([self[w] for w in self.words]))

    def most_similar(self, word, topn=5):
        """``[(word, cosine), ...]``: nearest vocabulary words to ``word`` (known or not)."""
        topn = check_int("topn", topn, minimum=1)
        kv = getattr(self, "_kv", None)
        if kv is None:
            kv = self._kv = self.to_keyed_vectors()
        return [(w, s) for w, s in kv.similar_by_vector(self[word], topn=topn + 1) if w != word][:topn]


def train_fasttext(
    sentences,
    vector_size=100,
    window=5,
    negative=5,
    min_count=5,
    epochs=5,
    n_min=3,
    n_max=6,
    buckets=200_000,
    seed=0,
    sample=1e-3,
    alpha=0.025,
    min_alpha=1e-4,
    batch_size=8192,
    verbose=0,
):
    """Train FastText skip-gram in Keras; returns ``(FastTextVectors, info)`` with ``info`` the
    seconds and example count. Same schedule and loss as ``train_word2vec``."""
    sentences = _check_sentences(sentences)  # read twice: a generator would be empty the second time
    for name, value in (
        ("vector_size", vector_size),
        ("window", window),
        ("negative", negative),
        ("min_count", min_count),
        ("epochs", epochs),
        ("batch_size", batch_size),
    ):
        check_int(name, value, minimum=1)
    _check_ngram_range(n_min, n_max)
    check_int("buckets", buckets, minimum=1)
    check_seed("seed", seed)
    check_int("verbose", verbose, minimum=0, maximum=2)
    if sample:  # 0 or None: no subsampling
        check_real("sample", sample, minimum=0, low_open=True)
    check_real("alpha", alpha, minimum=0, low_open=True)
    check_real("min_alpha", min_alpha, minimum=0, maximum=alpha, low_open=True)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    vocab = build_vocab(sentences, min_count)
    ids, sentence_ids = encode_corpus(sentences, vocab)
    noise = noise_distribution(vocab.counts)
    table = noise_table(noise)
    discard = subsample_probability(vocab.frequencies, sample, rule="word2vec") if sample else np.zeros(len(vocab))
    model = FastTextSkipGram(subword_table(vocab.words, n_min, n_max, buckets), buckets, vector_size, seed=seed)
    examples = 0
    for epoch in range(epochs):
        kept, kept_sentences = subsample(ids, sentence_ids, discard, rng)
        inputs, labels = make_examples(kept, kept_sentences, 1, window, negative, noise, rng, table)
        usable = max(batch_size, len(labels) - len(labels) % batch_size)  # as in train_word2vec
        inputs, labels = {k: v[:usable] for k, v in inputs.items()}, labels[:usable]
        examples += len(labels)
        if epoch == 0:
            steps = epochs * int(np.ceil(len(labels) / batch_size))
            schedule = keras.optimizers.schedules.PolynomialDecay(alpha, steps, min_alpha, power=1.0)
            model.compile(
                optimizer=keras.optimizers.SGD(schedule),
                loss=NegativeSamplingLoss(reduction="sum"),
                jit_compile=resolve_jit_compile("auto"),
                steps_per_execution=backend.steps_per_execution(8),  # 1 on PyTorch
            )
        model.fit(inputs, labels, batch_size=batch_size, epochs=1, shuffle=False, verbose=verbose)
    vectors = FastTextVectors(vocab.words, ops.convert_to_numpy(model.input_vectors.embeddings), n_min, n_max, buckets)
    return vectors, {"seconds": time.perf_counter() - start, "examples": examples, "vocab": len(vocab)}
