"""A character-level language model with our ``SimpleRNN``, and a review classifier.

The language model reads characters one by one and predicts the next one at every step:
``Embedding -> SimpleRNN(return_sequences=True) -> Dense(vocab)``. Its perplexity,
``exp(mean cross-entropy)``, is the number of characters it is "choosing between" on average
(1 = certain; the alphabet size = a uniform guess). Sampling divides the logits by a
temperature: low is conservative and repetitive, high is varied and misspelled.
"""

import keras
import numpy as np

from keras_course.rnn.simple_rnn import SimpleRNN


class CharVocab:
    """The characters of a text, sorted; ``encode(str) -> int32 ids``, ``decode(ids) -> str``."""

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty str")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown[:10]}")
        return np.array([self.index[c] for c in text], np.int32)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)


def char_windows(ids, seq_len, stride=None):
    """Inputs and next-character targets, int32 (N, seq_len) each, from windows of ``ids``
    every ``stride`` (default ``seq_len``: no overlap)."""
    ids = np.asarray(ids, np.int32)
    if not isinstance(seq_len, int) or seq_len < 1:
        raise ValueError(f"seq_len must be a positive int, got {seq_len!r}")
    stride = seq_len if stride is None else stride
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    starts = np.arange(0, len(ids) - seq_len - 1 + 1, stride)
    if len(starts) == 0:
        raise ValueError(f"need more than seq_len + 1 = {seq_len + 1} characters, got {len(ids)}")
    index = starts[:, None] + np.arange(seq_len)[None, :]
    return ids[index], ids[index + 1]


def char_language_model(vocab_size, units=256, embedding_dim=32):
    """``Embedding -> SimpleRNN(units, return_sequences=True) -> Dense(vocab_size)`` logits:
    int (B, T) -> float (B, T, vocab_size)."""
    for name, value in (("vocab_size", vocab_size), ("units", units), ("embedding_dim", embedding_dim)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, name="embedding"),
        SimpleRNN(units, return_sequences=True, name="rnn"),
        keras.layers.Dense(vocab_size, dtype="float32", name="logits"),
    ], name="char_rnn_lm")


def perplexity(model, x, y, batch_size=256):
    """``exp`` of the mean next-character cross-entropy (nats) of ``model`` on ``(x, y)``."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    total, count = 0.0, 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start:start + batch_size], training=False)
        n = int(np.prod(y[start:start + batch_size].shape))
        total += float(loss(y[start:start + batch_size], logits)) * n
        count += n
    return float(np.exp(total / count))


def sample_text(model, vocab, prompt, length=200, temperature=1.0, seed=0):
    """Generate ``length`` characters after ``prompt`` with a trained ``char_language_model``.

    Steps the RNN cell one character at a time, carrying h (no re-reading of the prefix);
    each next character is drawn from ``softmax(logits / temperature)``.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if not isinstance(length, int) or length < 0:
        raise ValueError(f"length must be a non-negative int, got {length!r}")
    if not prompt:
        raise ValueError("prompt must be a non-empty str")
    rng = np.random.default_rng(seed)
    embedding, rnn, dense = (model.get_layer(n) for n in ("embedding", "rnn", "logits"))
    h = np.zeros((1, rnn.units), np.float32)
    ids = list(vocab.encode(prompt))
    for i in ids[:-1]:  # read the prompt
        h = keras.ops.convert_to_numpy(rnn.cell(embedding(np.array([i])), [h])[0])
    out = []
    current = ids[-1]
    for _ in range(length):
        h = keras.ops.convert_to_numpy(rnn.cell(embedding(np.array([current])), [h])[0])
        logits = keras.ops.convert_to_numpy(dense(h))[0].astype(np.float64) / temperature
        p = np.exp(logits - logits.max())
        current = int(rng.choice(len(p), p=p / p.sum()))
        out.append(current)
    return vocab.decode(out)


def rnn_classifier(vocab_size, units=64, embedding_dim=64, num_classes=2, embeddings=None, trainable=True):
    """``Embedding(mask_zero) -> SimpleRNN(units) -> Dense(num_classes, softmax)``: int (B, T)
    word ids, 0 = padding -> class probabilities (B, num_classes). ``embeddings``: optional
    initial vectors (vocab_size, embedding_dim)."""
    for name, value in (("vocab_size", vocab_size), ("units", units), ("embedding_dim", embedding_dim),
                        ("num_classes", num_classes)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    init = "uniform" if embeddings is None else keras.initializers.Constant(np.asarray(embeddings, np.float32))
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, embeddings_initializer=init,
                               trainable=trainable, name="embedding"),
        SimpleRNN(units, name="rnn"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities"),
    ], name="rnn_classifier")
