"""A character-level language model with our ``SimpleRNN``, and a review classifier.

The language model reads characters one by one and predicts the next one at every step:
``Embedding -> SimpleRNN(return_sequences=True) -> Dense(vocab)``. Its perplexity,
``exp(mean cross-entropy)``, is the number of characters it is "choosing between" on average
(1 = certain; the alphabet size = a uniform guess). Sampling divides the logits by a
temperature: low is conservative and repetitive, high is varied and misspelled.
"""

import keras
import numpy as np

from keras_course.checks import check_array, check_bool, check_int, check_labels, check_real, describe
from keras_course.rnn.simple_rnn import SimpleRNN


class CharVocab:
    """The characters of a text, sorted; ``encode(str) -> int32 ids``, ``decode(ids) -> str``."""

    def __init__(self, text):
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {describe(text)}")
        if not text:
            raise ValueError("text must be a non-empty str, got ''")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {describe(text)}")
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown[:10]}")
        return np.array([self.index[c] for c in text], np.int32)

    def decode(self, ids):
        ids = check_labels("ids", ids, num_classes=len(self.chars), ndim=1)  # -1 would wrap round silently
        return "".join(self.chars[int(i)] for i in ids)


def char_windows(ids, seq_len, stride=None):
    """Inputs and next-character targets, int32 (N, seq_len) each, from windows of ``ids``
    every ``stride`` (default ``seq_len``: no overlap)."""
    ids = check_array("ids", ids, ndim=1, kind="int", allow_empty=True).astype(np.int32)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    stride = seq_len if stride is None else check_int("stride", stride, minimum=1)
    starts = np.arange(0, len(ids) - seq_len - 1 + 1, stride)
    if len(starts) == 0:
        raise ValueError(f"need more than seq_len + 1 = {seq_len + 1} characters, got {len(ids)}")
    index = starts[:, None] + np.arange(seq_len)[None, :]
    return ids[index], ids[index + 1]


def char_language_model(vocab_size, units=256, embedding_dim=32):
    """``Embedding -> SimpleRNN(units, return_sequences=True) -> Dense(vocab_size)`` logits:
    int (B, T) -> float (B, T, vocab_size)."""
    for name, value in (("vocab_size", vocab_size), ("units", units), ("embedding_dim", embedding_dim)):
        check_int(name, value, minimum=1)
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab_size, embedding_dim, name="embedding"),
            SimpleRNN(units, return_sequences=True, name="rnn"),
            keras.layers.Dense(vocab_size, dtype="float32", name="logits"),
        ],
        name="char_rnn_lm",
    )


def perplexity(model, x, y, batch_size=256):
    """``exp`` of the mean next-character cross-entropy (nats) of ``model`` on ``(x, y)``."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {describe(model)}")
    x = check_array("x", x, ndim=2, kind="int")
    y = check_array("y", y, ndim=2, kind="int")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    shape = getattr(model, "output_shape", None)
    if isinstance(shape, tuple) and isinstance(shape[-1], int):
        y = check_labels("y", y, num_classes=shape[-1])  # the loss would not say an id is out of range
    batch_size = check_int("batch_size", batch_size, minimum=1)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    total, count = 0.0, 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size], training=False)
        n = int(np.prod(y[start : start + batch_size].shape))
        total += float(loss(y[start : start + batch_size], logits)) * n
        count += n
    return float(np.exp(total / count))


def sample_text(model, vocab, prompt, length=200, temperature=1.0, seed=0):
    """Generate ``length`` characters after ``prompt`` with a trained ``char_language_model``.

    Steps the RNN cell one character at a time, carrying h (no re-reading of the prefix);
    each next character is drawn from ``softmax(logits / temperature)``.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a char_language_model, got {describe(model)}")
    if not isinstance(vocab, CharVocab):
        raise TypeError(f"vocab must be a CharVocab, got {describe(vocab)}")
    temperature = check_real("temperature", temperature, minimum=0.0, low_open=True)
    length = check_int("length", length, minimum=0)
    if seed is not None:
        check_int("seed", seed, minimum=0)
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {describe(prompt)}")
    if not prompt:
        raise ValueError("prompt must be a non-empty str, got ''")
    unknown = sorted(set(prompt) - set(vocab.index))
    if unknown:
        raise ValueError(f"prompt must use the vocabulary's characters, got {unknown[:10]} not in it")
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
    for name, value in (
        ("vocab_size", vocab_size),
        ("units", units),
        ("embedding_dim", embedding_dim),
        ("num_classes", num_classes),
    ):
        check_int(name, value, minimum=1)
    check_bool("trainable", trainable)
    if embeddings is not None:
        embeddings = check_array("embeddings", embeddings, kind="real", shape=(vocab_size, embedding_dim))
    init = "uniform" if embeddings is None else keras.initializers.Constant(np.asarray(embeddings, np.float32))
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(
                vocab_size,
                embedding_dim,
                mask_zero=True,
                embeddings_initializer=init,
                trainable=trainable,
                name="embedding",
            ),
            SimpleRNN(units, name="rnn"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities"),
        ],
        name="rnn_classifier",
    )
