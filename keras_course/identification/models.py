"""An embedding CNN for triplet training and a siamese pair classifier to compare it with."""

import keras
import numpy as np
from keras import layers, ops

from keras_course.checks import check_array, check_int, check_real, describe


def _check_positive_int(name, value):
    return check_int(name, value, minimum=1)


def embedding_cnn(input_shape=(28, 28, 1), embedding_dim=64, width=32, name="embedding_cnn"):
    """Images (B, H, W, C) in [0, 1] -> unit-length embeddings (B, embedding_dim).

    Three conv stages (width, 2 width, 4 width filters; batch norm, ReLU, 2x2 max-pooling
    after the first two), global average pooling and a linear projection, then L2
    normalisation so that every embedding lies on the unit sphere as in FaceNet.
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {describe(input_shape)}")
    for side in input_shape[:2]:
        if side is not None:
            check_int("input_shape height and width", side, minimum=1)
    check_int("input_shape channels", input_shape[2], minimum=1)
    embedding_dim = _check_positive_int("embedding_dim", embedding_dim)
    width = _check_positive_int("width", width)
    inputs = keras.Input(tuple(input_shape), name="image")
    x = inputs
    for stage, filters in enumerate((width, 2 * width, 4 * width)):
        for _ in range(2 if stage else 1):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=0.9)(x)  # moving statistics settle within ~50 steps
            x = layers.ReLU()(x)
        if stage < 2:
            x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(embedding_dim, name="projection")(x)
    outputs = layers.UnitNormalization(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name=name)


def embedding_head(
    feature_dim, embedding_dim=128, hidden=512, dropout=0.2, mean=None, variance=None, name="embedding_head"
):
    """Precomputed features (B, feature_dim) -> unit-length embeddings (B, embedding_dim).

    A small MLP for triplet training on top of a frozen pretrained network: standardise the
    features (``mean`` and ``variance``, (feature_dim,) each, e.g. of the training
    features; None leaves them as they are), dropout, a ReLU layer of ``hidden`` units
    (0: none, a linear map), a linear projection and L2 normalisation.
    """
    feature_dim = _check_positive_int("feature_dim", feature_dim)
    embedding_dim = _check_positive_int("embedding_dim", embedding_dim)
    hidden = check_int("hidden", hidden, minimum=0)
    dropout = check_real("dropout", dropout, minimum=0, maximum=1, high_open=True)
    if (mean is None) != (variance is None):
        raise ValueError("mean and variance must be given together")
    inputs = keras.Input((feature_dim,), name="features")
    x = inputs
    if mean is not None:
        mean = check_array("mean", mean, kind="real").astype("float32")
        variance = check_array("variance", variance, kind="real").astype("float32")
        if np.any(variance < 0):
            raise ValueError(f"variance must be >= 0, got a minimum of {variance.min():.4g}")
        if mean.shape != (feature_dim,) or variance.shape != (feature_dim,):
            raise ValueError(
                f"mean and variance must have shape ({feature_dim},), got {mean.shape} and {variance.shape}"
            )
        x = layers.Normalization(mean=mean, variance=variance, name="standardize")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    if hidden:
        x = layers.Dense(hidden, activation="relu", name="hidden")(x)
    x = layers.Dense(embedding_dim, name="projection")(x)
    outputs = layers.UnitNormalization(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name=name)


@keras.saving.register_keras_serializable(package="keras_course")
class PairFeatures(layers.Layer):
    """Symmetric features of two embeddings: ``[|a - b|, a * b]``, (B, D) x 2 -> (B, 2 D).

    Both are unchanged when ``a`` and ``b`` swap, so a head on top scores (a, b) and (b, a)
    alike.
    """

    def call(self, inputs):
        a, b = inputs
        return ops.concatenate([ops.abs(a - b), a * b], axis=-1)

    def compute_output_shape(self, input_shapes):
        shape = tuple(input_shapes[0])
        return shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)


def pair_classifier(embedding_model, hidden=64, name="pair_classifier"):
    """A siamese verifier: two images -> P(same identity), (B, 1), sharing ``embedding_model``.

    The baseline that triplet training is compared with: trained with binary
    cross-entropy on labelled pairs instead of a distance ranking.
    """
    if not isinstance(embedding_model, keras.Model):
        raise TypeError(f"embedding_model must be a keras.Model, got {type(embedding_model).__name__}")
    hidden = _check_positive_int("hidden", hidden)
    shape = embedding_model.input_shape[1:]
    a, b = keras.Input(shape, name="image_a"), keras.Input(shape, name="image_b")
    features = PairFeatures(name="pair_features")([embedding_model(a), embedding_model(b)])
    x = layers.Dense(hidden, activation="relu", name="head_hidden")(features)
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32", name="same_probability")(x)
    return keras.Model([a, b], outputs, name=name)


def pair_score_matrix(pair_model, embeddings, batch_rows=64):
    """P(same) for every pair of rows of ``embeddings`` (N, D), from ``pair_model``'s head: (N, N).

    Runs only the head (``pair_features`` and the dense layers) on precomputed embeddings,
    ``batch_rows`` rows of the matrix at a time.
    """
    if not isinstance(pair_model, keras.Model):
        raise TypeError(f"pair_model must be a keras.Model (see pair_classifier), got {describe(pair_model)}")
    embeddings = check_array("embeddings", embeddings, ndim=2, kind="real").astype(np.float32)
    batch_rows = check_int("batch_rows", batch_rows, minimum=1)
    head = [pair_model.get_layer(n) for n in ("pair_features", "head_hidden", "same_probability")]
    n = len(embeddings)
    scores = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, batch_rows):
        rows = embeddings[start : start + batch_rows]
        a = np.repeat(rows, n, axis=0)
        b = np.tile(embeddings, (len(rows), 1))
        x = head[0]([a, b])
        for layer in head[1:]:
            x = layer(x)
        scores[start : start + len(rows)] = ops.convert_to_numpy(x).reshape(len(rows), n)
    return scores
