"""Pairwise distances between the embeddings of a batch, with gradients safe at zero.

``pairwise_distances(e, distance)`` returns the (B, B) matrix ``D[i, j] = d(e_i, e_j)``:

============ =========================================== ==============================
distance     d(u, v)                                     range
============ =========================================== ==============================
"euclidean"  ||u - v||_2                                 [0, inf)
"squared"    ||u - v||_2^2 (FaceNet's choice)            [0, inf)
"cosine"     1 - <u, v> / (||u|| ||v||)                  [0, 2]
============ =========================================== ==============================

The diagonal is exactly 0. The squared distance is expanded as
``||u||^2 + ||v||^2 - 2 <u, v>`` (one matrix product, no (B, B, D) tensor) and clipped at 0
against round-off; the square root is taken only where it is positive, because the
gradient of ``sqrt`` at 0 is infinite and would turn the whole update into NaN.
"""

import numpy as np
from keras import ops

from keras_course.checks import check_array, check_choice

DISTANCES = ("euclidean", "squared", "cosine")


def check_distance(distance):
    return check_choice("distance", distance, DISTANCES)


def as_embeddings(embeddings):
    """``embeddings`` as a float tensor (B, D), or a ValueError that says what was expected.

    NumPy (or list) input is checked by value too (finite, non-empty); a tensor inside a
    training graph can only be checked by shape."""
    if isinstance(embeddings, (np.ndarray, list, tuple)):
        embeddings = check_array("embeddings", embeddings, ndim=2, kind="real")
    embeddings = ops.convert_to_tensor(embeddings)
    if len(embeddings.shape) != 2:
        raise ValueError(f"embeddings must be a 2-D array (batch, dim), got shape {tuple(embeddings.shape)}")
    if "float" not in str(embeddings.dtype):
        embeddings = ops.cast(embeddings, "float32")
    return embeddings


def pairwise_distances(embeddings, distance="euclidean"):
    """All distances between the rows of ``embeddings`` (B, D): a (B, B) tensor, 0 on the diagonal."""
    check_distance(distance)
    embeddings = as_embeddings(embeddings)
    eye = ops.eye(ops.shape(embeddings)[0], dtype=embeddings.dtype)
    if distance == "cosine":
        unit = embeddings / ops.maximum(ops.norm(embeddings, axis=1, keepdims=True), 1e-12)
        return (1.0 - ops.matmul(unit, ops.transpose(unit))) * (1.0 - eye)
    gram = ops.matmul(embeddings, ops.transpose(embeddings))
    norms = ops.diagonal(gram)
    squared = ops.maximum(norms[:, None] + norms[None, :] - 2.0 * gram, 0.0) * (1.0 - eye)
    if distance == "squared":
        return squared
    positive = ops.cast(squared > 0.0, squared.dtype)
    # sqrt(0 + 1) masked back to 0: the forward value is exact and the gradient finite.
    return ops.sqrt(squared + (1.0 - positive)) * positive
