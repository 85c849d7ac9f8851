"""word2vec in Keras: skip-gram and CBOW with negative sampling, and full-softmax skip-gram.

Every word w has two vectors: the input ("centre") vector v_w, a row of ``input_vectors``,
and the output ("context") vector v'_w, a row of ``output_vectors``. Skip-gram scores a
context word o for a centre word I by ``v'_o . v_I``; CBOW uses the mean of the context's
input vectors in place of v_I and scores the centre word. Negative sampling replaces the
softmax over the whole vocabulary by k noise words w_k ~ P_n(w):

    loss = -log s(v'_o . v_I) - sum_k log s(-v'_k . v_I)          (s = sigmoid)

The models output the k + 1 logits ``[v'_o . v_I, v'_1 . v_I, ..., v'_k . v_I]`` and
``NegativeSamplingLoss`` turns them into that loss with the labels ``[1, 0, ..., 0]``.
``train_word2vec`` generates the examples vectorised in NumPy (``keras_course.text.vocab``),
trains with large batches and plain SGD whose rate falls linearly as in word2vec, and returns
gensim ``KeyedVectors``.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
from keras import ops

from keras_course import backend
from keras_course.checks import (
    check_array,
    check_bool,
    check_choice,
    check_int,
    check_real,
    check_seed,
    check_tokens,
    describe,
)
from keras_course.text.vocab import (
    _check_sentences,
    build_vocab,
    cbow_examples,
    encode_corpus,
    noise_distribution,
    noise_table,
    sample_negatives,
    skipgram_pairs,
    subsample,
    subsample_probability,
)


@keras.saving.register_keras_serializable(package="keras_course")
class NegativeSamplingLoss(keras.losses.Loss):
    """Sum of sigmoid cross-entropies over the last axis of logits (B, 1 + k).

    With labels ``[1, 0, ..., 0]`` this is word2vec's negative-sampling loss
    ``-log s(x_0) - sum_k log s(-x_k)`` for each example; the batch loss is its mean.
    """

    def __init__(self, name="negative_sampling", reduction="sum_over_batch_size", dtype=None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {describe(name)}")
        check_choice(
            "reduction", reduction, ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)
        )
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        # -[y log s(x) + (1 - y) log s(-x)] = softplus(x) - y x, stable for any x
        return ops.sum(ops.softplus(y_pred) - y_true * y_pred, axis=-1)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


def resolve_jit_compile(jit_compile="auto"):
    """``jit_compile`` for ``model.compile``: "auto" -> XLA where it pays, else the given bool.

    TensorFlow: XLA unless op determinism is on. Keras's own "auto" turns XLA off on CPU-only
    machines, yet on CPU XLA fuses word2vec's gathers, dot products and scatter-adds into one
    kernel: about 3x fewer CPU seconds per epoch here. Keras also turns it off under op
    determinism (``keras_course.train.set_seed``), where XLA lacks deterministic kernels for
    some ops; so do we. JAX: True (JAX always compiles with XLA). PyTorch: False
    (``torch.compile`` costs more to compile than these small steps save).
    """
    if jit_compile != "auto":
        return check_bool("jit_compile", jit_compile)
    if backend.name() == "torch":
        return False
    return not backend.op_determinism_enabled()


def _input_initializer(vector_size, seed):
    # word2vec starts input vectors uniform in [-0.5 / d, 0.5 / d] and output vectors at 0.
    return keras.initializers.RandomUniform(-0.5 / vector_size, 0.5 / vector_size, seed=seed)


class _Word2VecBase(keras.Model):
    def __init__(self, vocab_size, vector_size=100, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        self.vector_size = check_int("vector_size", vector_size, minimum=1)
        self.seed = check_seed("seed", seed)
        self.input_vectors = keras.layers.Embedding(
            self.vocab_size,
            self.vector_size,
            embeddings_initializer=_input_initializer(self.vector_size, seed),
            name="input_vectors",
        )
        self.output_vectors = keras.layers.Embedding(
            self.vocab_size, self.vector_size, embeddings_initializer="zeros", name="output_vectors"
        )

    def build(self, input_shape=None):
        # both tables exist from the start: SkipGramSoftmax reads output_vectors.embeddings
        # directly, and .keras loading restores weights into built layers
        self.input_vectors.build((None,))
        self.output_vectors.build((None,))
        self.built = True

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "vector_size": self.vector_size,
            "seed": self.seed,
        }

    @property
    def word_vectors(self):
        """The input vectors v_w, (vocab_size, vector_size): what word2vec reports."""
        return keras.ops.convert_to_numpy(self.input_vectors.embeddings)


@keras.saving.register_keras_serializable(package="keras_course")
class SkipGramNegativeSampling(_Word2VecBase):
    """Skip-gram with negative sampling.

    Inputs: ``{"centre": int (B,), "targets": int (B, 1 + k)}`` with the true context word
    first and k noise words after it. Output: logits (B, 1 + k), ``v'_target . v_centre``.
    """

    def call(self, inputs):
        v_in = self.input_vectors(inputs["centre"])  # (B, d)
        v_out = self.output_vectors(inputs["targets"])  # (B, 1 + k, d)
        return ops.einsum("bd,bkd->bk", v_in, v_out)


@keras.saving.register_keras_serializable(package="keras_course")
class CBOWNegativeSampling(_Word2VecBase):
    """CBOW with negative sampling: the mean of the context's input vectors predicts the
    centre word.

    Inputs: ``{"context": int (B, 2 window) padded with -1, "targets": int (B, 1 + k)}`` with
    the centre word first. Output: logits (B, 1 + k).
    """

    def call(self, inputs):
        context = inputs["context"]
        mask = ops.cast(ops.greater_equal(context, 0), self.compute_dtype)  # (B, C)
        vectors = self.input_vectors(ops.maximum(context, 0)) * mask[..., None]
        # word2vec's cbow_mean=1: average the context vectors that are really there ...
        total = ops.sum(vectors, axis=1)
        mean = total / ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
        # ... but, as word2vec's C code (and gensim) do, hand the full error to every context
        # word instead of 1/n of it: forward value = mean, gradient = that of the sum.
        hidden = ops.stop_gradient(mean - total) + total
        v_out = self.output_vectors(inputs["targets"])
        return ops.einsum("bd,bkd->bk", hidden, v_out)


@keras.saving.register_keras_serializable(package="keras_course")
class SkipGramSoftmax(_Word2VecBase):
    """Skip-gram with the full softmax, p(o | I) = exp(v'_o . v_I) / sum_w exp(v'_w . v_I).

    Input: int (B,) centre words. Output: logits (B, vocab_size); train with
    ``SparseCategoricalCrossentropy(from_logits=True)`` on the context word. Costs O(V) per
    example, which is why word2vec uses negative sampling; fine for small vocabularies.
    """

    def call(self, inputs):
        v_in = self.input_vectors(inputs)
        return ops.matmul(v_in, ops.transpose(self.output_vectors.embeddings))


def to_keyed_vectors(words, vectors):
    """gensim ``KeyedVectors`` holding ``vectors`` (N, d) under ``words`` (N,)."""
    from gensim.models import KeyedVectors

    words = check_tokens("words", words)
    vectors = check_array("vectors", vectors, ndim=2, kind="real").astype(np.float32)
    if vectors.shape[0] != len(words):
        raise ValueError(f"vectors must be (len(words)={len(words)}, d), got {vectors.shape}")
    seen = set()
    repeated = next((w for w in words if w in seen or seen.add(w)), None)
    if repeated is not None:
        # gensim would keep one key and silently drop the other vector
        raise ValueError(f"words must be unique, got {repeated!r} more than once")
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    return kv


def make_examples(ids, sentence_ids, sg, window, negative, noise, rng, table=None):
    """One epoch of shuffled training examples as ``(inputs, labels)`` for the NS models.

    ``table``: a prebuilt ``noise_table(noise)`` (else built on every call)."""
    if sg:
        centres, contexts = skipgram_pairs(ids, window, rng, sentence_ids)
        first, key = centres, "centre"
        positives = contexts
    else:
        first, positives = cbow_examples(ids, window, rng, sentence_ids)
        key = "context"
    order = rng.permutation(len(positives))
    first, positives = first[order], positives[order]
    negatives = sample_negatives(noise, (len(positives), negative), rng, table=table)
    targets = np.concatenate([positives[:, None], negatives], axis=1)
    labels = np.zeros(targets.shape, np.float32)
    labels[:, 0] = 1.0
    return {key: first.astype(np.int32), "targets": targets.astype(np.int32)}, labels


def train_word2vec(
    sentences,
    sg=1,
    vector_size=100,
    window=5,
    negative=5,
    min_count=5,
    epochs=5,
    seed=0,
    sample=1e-3,
    alpha=0.025,
    min_alpha=1e-4,
    batch_size=8192,
    ns_exponent=0.75,
    verbose=0,
    return_model=False,
    jit_compile="auto",
    steps_per_execution=8,
):
    """Train word2vec in Keras and return gensim ``KeyedVectors`` (the input vectors).

    ``sentences``: list of token lists. ``sg``: 1 skip-gram, 0 CBOW. ``sample``: the
    subsampling threshold t of ``subsample_probability`` with word2vec's (and gensim's) rule
    (None: no subsampling). Plain SGD,
    learning rate falling linearly from ``alpha`` to ``min_alpha`` over all steps, the loss
    summed over the batch as word2vec's per-example updates are. With ``return_model=True``
    returns ``(kv, model, info)`` where ``info`` has the vocab, the example count, the
    training seconds and the mean loss per example of each epoch. ``steps_per_execution``:
    SGD steps per call of the compiled train function (fewer Python round trips; same
    updates; always 1 on PyTorch, which allows no more).
    """
    sentences = _check_sentences(sentences)  # read twice: a generator would be empty the second time
    if not isinstance(sg, (bool, np.bool_)):
        check_int("sg", sg, minimum=0, maximum=1)  # 1 skip-gram, 0 CBOW
    for name, value in (
        ("vector_size", vector_size),
        ("window", window),
        ("negative", negative),
        ("min_count", min_count),
        ("epochs", epochs),
        ("batch_size", batch_size),
        ("steps_per_execution", steps_per_execution),
    ):
        check_int(name, value, minimum=1)
    check_seed("seed", seed)
    check_int("verbose", verbose, minimum=0, maximum=2)
    check_bool("return_model", return_model)
    if jit_compile != "auto":
        check_bool("jit_compile", jit_compile)
    check_real("ns_exponent", ns_exponent, minimum=0)
    if sample is not None:
        check_real("sample", sample, minimum=0, low_open=True)
    check_real("alpha", alpha, minimum=0, low_open=True)
    check_real("min_alpha", min_alpha, minimum=0, maximum=alpha, low_open=True)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    vocab = build_vocab(sentences, min_count)
    ids, sentence_ids = encode_corpus(sentences, vocab)
    noise = noise_distribution(vocab.counts, ns_exponent)
    # gensim's and the C code's rule, so that sample=t means the same as in gensim
    discard = subsample_probability(vocab.frequencies, sample, rule="word2vec") if sample else np.zeros(len(vocab))
    table = noise_table(noise)  # once: rebuilding the 10M-cell table each epoch cost as much as the draws

    def epoch_examples():
        kept_ids, kept_sentences = subsample(ids, sentence_ids, discard, rng)
        inputs, labels = make_examples(kept_ids, kept_sentences, sg, window, negative, noise, rng, table)
        # drop the last partial batch (< 0.5% of the shuffled examples): a batch of a new shape
        # would make XLA compile the step again every epoch
        usable = max(batch_size, len(labels) - len(labels) % batch_size)
        return {k: v[:usable] for k, v in inputs.items()}, labels[:usable]

    model_class = SkipGramNegativeSampling if sg else CBOWNegativeSampling
    model = model_class(len(vocab), vector_size, seed=seed)
    schedule = None
    examples, losses = 0, []
    # NumPy draws epoch e + 1's examples on a second thread (it releases the GIL) while Keras
    # trains epoch e. Only one draw runs at a time and they run in epoch order, so ``rng`` is
    # consumed exactly as in a serial loop: same seed, same examples.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(epoch_examples)
        for epoch in range(epochs):
            inputs, labels = pending.result()
            if epoch + 1 < epochs:
                pending = pool.submit(epoch_examples)
            examples += len(labels)
            if schedule is None:
                # linear decay over all steps, as word2vec decays alpha over all words
                total_steps = epochs * int(np.ceil(len(labels) / batch_size))
                schedule = keras.optimizers.schedules.PolynomialDecay(alpha, total_steps, min_alpha, power=1.0)
                # reduction="sum": each example moves the vectors by alpha * its gradient, as in
                # word2vec's one-example-at-a-time updates
                model.compile(
                    optimizer=keras.optimizers.SGD(schedule),
                    loss=NegativeSamplingLoss(reduction="sum"),
                    jit_compile=resolve_jit_compile(jit_compile),
                    steps_per_execution=backend.steps_per_execution(steps_per_execution),
                )
            history = model.fit(inputs, labels, batch_size=batch_size, epochs=1, shuffle=False, verbose=verbose)
            # the fit loss is a batch sum; per example is what compares across batch sizes
            losses.append(history.history["loss"][-1] / batch_size)
    seconds = time.perf_counter() - start
    kv = to_keyed_vectors(vocab.words, model.word_vectors)
    if return_model:
        return (
            kv,
            model,
            {
                "vocab": vocab,
                "examples": examples,
                "seconds": seconds,
                "loss": losses,
                "corpus_words": int(sum(len(s) for s in sentences)),
            },
        )
    return kv
