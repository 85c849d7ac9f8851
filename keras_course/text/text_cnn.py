"""Q37: Kim (2014)'s convolutional network for sentence classification.

A sentence of T words becomes a (T, d) matrix of word vectors. A filter of height h spans h
consecutive words (all d features): a 1-D convolution over time gives T - h + 1 responses,
and max-pooling over time keeps the strongest, so each filter says "my h-gram occurs
somewhere". Filters of several heights (3, 4, 5) x 100 each -> 300 features -> dropout ->
softmax. The word vectors come in four variants:

- "rand": random vectors, learned with the network;
- "static": pre-trained word2vec vectors, frozen;
- "non-static": pre-trained vectors, fine-tuned with the network;
- "multichannel": two copies, one frozen and one fine-tuned; each filter sees both channels
  and adds its responses (a 1-D convolution over the two channels side by side does exactly
  that).
"""

import keras
import numpy as np

from keras_course.checks import check_array, check_choice, check_int, check_real, check_rng, check_tokens
from keras_course.text.evaluate import _check_kv

VARIANTS = ("rand", "static", "non-static", "multichannel")


def pretrained_matrix(words, kv, rng, scale=None):
    """Embedding matrix (len(words) + 1, d) for padded ids (row 0 = padding, zeros).

    Row i + 1 is ``kv[words[i]]``; words ``kv`` lacks get uniform [-a, a] vectors with a chosen
    so they have the variance of the known vectors (Kim's choice). Returns
    ``(matrix float32, found)``, ``found`` the number of words ``kv`` knew.
    """
    words = check_tokens("words", words)  # a str would give one row per character
    _check_kv(kv)
    check_rng("rng", rng)
    if scale is not None:
        scale = check_real("scale", scale, minimum=0)
    d = kv.vector_size
    matrix = np.zeros((len(words) + 1, d), np.float32)
    known = np.array([w in kv.key_to_index for w in words], bool)
    if known.any():
        matrix[1:][known] = kv[[w for w, k in zip(words, known, strict=True) if k]]
    if scale is None:
        variance = float(matrix[1:][known].var()) if known.any() else 0.0625 / 3
        scale = np.sqrt(3.0 * variance)  # Var(U[-a, a]) = a^2 / 3
    matrix[1:][~known] = rng.uniform(-scale, scale, (int((~known).sum()), d))
    return matrix, int(known.sum())


def text_cnn(
    vocab_size,
    embedding_dim=100,
    variant="non-static",
    embeddings=None,
    filter_sizes=(3, 4, 5),
    num_filters=100,
    dropout=0.5,
    num_classes=2,
    max_norm=3.0,
):
    """Kim's CNN: int (B, T) word ids (0 = padding, T >= max(filter_sizes)) -> (B, num_classes)
    class probabilities.

    ``vocab_size`` counts the padding row. ``embeddings`` (vocab_size, embedding_dim) is required
    by every variant except "rand". ``max_norm``: Kim's constraint on the output weights' norm
    (None: none).
    """
    check_choice("variant", variant, VARIANTS)
    for name, value in (
        ("vocab_size", vocab_size),
        ("embedding_dim", embedding_dim),
        ("num_filters", num_filters),
        ("num_classes", num_classes),
    ):
        check_int(name, value, minimum=1)
    if isinstance(filter_sizes, (int, np.integer)) or not hasattr(filter_sizes, "__iter__"):
        raise TypeError(f"filter_sizes must be a tuple of ints, e.g. (3, 4, 5), got {filter_sizes!r}")
    filter_sizes = tuple(check_int(f"filter_sizes[{i}]", h, minimum=1) for i, h in enumerate(filter_sizes))
    if not filter_sizes:
        raise ValueError("filter_sizes must hold at least one filter height, got ()")
    check_real("dropout", dropout, minimum=0, maximum=1, high_open=True)
    if max_norm is not None:
        check_real("max_norm", max_norm, minimum=0)
    if variant == "rand":
        if embeddings is not None:
            raise ValueError('variant "rand" learns its vectors from scratch; pass embeddings=None')
        init = keras.initializers.RandomUniform(-0.25, 0.25)
    else:
        if embeddings is None:
            raise ValueError(f'variant "{variant}" needs pre-trained embeddings (vocab_size, embedding_dim)')
        embeddings = check_array("embeddings", embeddings, ndim=2, kind="real").astype(np.float32)
        if embeddings.shape != (vocab_size, embedding_dim):
            raise ValueError(f"embeddings must have shape {(vocab_size, embedding_dim)}, got {embeddings.shape}")
        init = keras.initializers.Constant(embeddings)

    ids = keras.Input((None,), dtype="int32", name="word_ids")
    if variant == "multichannel":
        frozen = keras.layers.Embedding(
            vocab_size, embedding_dim, embeddings_initializer=init, trainable=False, name="static_channel"
        )(ids)
        tuned = keras.layers.Embedding(
            vocab_size, embedding_dim, embeddings_initializer=init, name="non_static_channel"
        )(ids)
        words = keras.layers.Concatenate(name="channels")([frozen, tuned])
    else:
        words = keras.layers.Embedding(
            vocab_size, embedding_dim, embeddings_initializer=init, trainable=variant != "static", name="embedding"
        )(ids)
    pooled = []
    for h in filter_sizes:
        feature_map = keras.layers.Conv1D(num_filters, h, activation="relu", name=f"conv_{h}")(words)
        pooled.append(keras.layers.GlobalMaxPooling1D(name=f"max_over_time_{h}")(feature_map))
    features = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate(name="features")(pooled)
    features = keras.layers.Dropout(dropout)(features)
    constraint = keras.constraints.MaxNorm(max_norm) if max_norm else None
    probabilities = keras.layers.Dense(
        num_classes, activation="softmax", kernel_constraint=constraint, dtype="float32", name="probabilities"
    )(features)
    return keras.Model(ids, probabilities, name=f"text_cnn_{variant.replace('-', '_')}")
