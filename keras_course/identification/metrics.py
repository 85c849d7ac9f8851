"""Verification and retrieval metrics of embeddings (NumPy and scikit-learn).

Verification asks "are these two images the same identity?": every pair (i < j) is scored
by minus its distance and ``verification_auc`` is the ROC AUC of those scores against
"same label". Identification (retrieval) asks "who is this?": ``recall_at_k`` is the share
of queries whose k nearest other examples include one of the same label.

Both take ``embeddings`` (N, D), or with ``distance="precomputed"`` an (N, N) matrix of
distances (as scikit-learn's ``metric="precomputed"``), e.g. minus a pair classifier's scores.
"""

import numpy as np

from keras_course.checks import check_array, check_choice, check_int, describe

METRIC_DISTANCES = ("euclidean", "squared", "cosine", "precomputed")


def _distance_matrix(embeddings, labels, distance):
    check_choice("distance", distance, METRIC_DISTANCES)
    # NaN embeddings make every distance NaN, and the sort then "finds" neighbours by index
    embeddings = check_array("embeddings", embeddings, ndim=2, kind="real").astype(np.float64)
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"labels must be an array of identities (N,), got {describe(labels)}")
    labels = np.asarray(labels)  # any comparable identities: ints, str names
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (N,), got {describe(labels)}")
    if labels.dtype.kind == "f":  # NaN != NaN: a NaN label would match nothing, silently
        check_array("labels", labels, ndim=1, kind="float")
    n = len(labels)
    if distance == "precomputed":
        if embeddings.shape != (n, n):
            raise ValueError(
                f"with distance='precomputed' embeddings must be an (N, N) = ({n}, {n}) distance "
                f"matrix, got shape {embeddings.shape}"
            )
        return embeddings, labels
    if embeddings.ndim != 2 or len(embeddings) != n:
        raise ValueError(f"embeddings must be (N, D) with N = len(labels) = {n}, got shape {embeddings.shape}")
    from scipy.spatial.distance import cdist

    metric = {"euclidean": "euclidean", "squared": "sqeuclidean", "cosine": "cosine"}[distance]
    return cdist(embeddings, embeddings, metric=metric), labels


def verification_auc(embeddings, labels, distance="euclidean"):
    """ROC AUC of ``-d(i, j)`` as a score for "i and j share a label", over all pairs i < j.

    1.0: every same-label pair is closer than every different-label pair; 0.5: chance.
    """
    from sklearn.metrics import roc_auc_score

    dist, labels = _distance_matrix(embeddings, labels, distance)
    i, j = np.triu_indices(len(labels), k=1)
    same = labels[i] == labels[j]
    if same.all() or not same.any():
        raise ValueError("labels must give both same-label and different-label pairs")
    return float(roc_auc_score(same, -dist[i, j]))


def recall_at_k(embeddings, labels, k=1, distance="euclidean"):
    """Share of examples whose ``k`` nearest neighbours (itself excluded) include its label.

    Recall@1 is leave-one-out 1-nearest-neighbour accuracy.
    """
    k = check_int("k", k, minimum=1)
    dist, labels = _distance_matrix(embeddings, labels, distance)
    if k >= len(labels):
        raise ValueError(f"k must be smaller than the number of examples ({len(labels)}), got {k}")
    dist = dist.copy()
    np.fill_diagonal(dist, np.inf)
    # A stable sort breaks ties by index, so the result does not depend on the platform.
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return float(np.mean((labels[nearest] == labels[:, None]).any(axis=1)))
