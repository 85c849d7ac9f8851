"""Pseudo-identities: more, finer training identities from k-means inside each labelled class.

With only a handful of training identities (7 Fashion-MNIST classes) a triplet loss learns
to ignore every difference *within* a class, and for identities it never saw that throws
away exactly what tells them apart (sneakers and ankle boots both become "sandals"). Splitting
each class into ``per_class`` clusters of its features and training on the clusters keeps
the coarse ordering (clusters of one class stay closer than those of different classes,
as far as the features allow) while asking the embedding to keep within-class structure.
"""

import numpy as np

from keras_course.checks import check_array, check_bool, check_int, check_same_length


def pseudo_identities(features, labels, per_class, n_components=64, standardize=True, seed=0):
    """Split every class of ``labels`` into ``per_class`` k-means clusters of ``features``.

    Args:
        features: (N, ...) array, flattened to (N, D); standardised per dimension (if
            ``standardize``) and reduced to ``n_components`` principal components (fitted on
            all rows) before clustering.
        labels: (N,) integer class ids.
        per_class: clusters per class, a positive int; a class with fewer rows than that
            gets one cluster per row.
        n_components: PCA dimensions, a positive int (capped at min(N, D)).
        standardize: scale every dimension to unit variance first; False for pixels, where
            it would blow up the noise of the almost always black border.
        seed: int, for PCA and k-means.

    Returns (N,) int64 identities: class ``c``'s clusters are numbered
    ``c_rank * per_class + cluster`` where ``c_rank`` is the rank of ``c`` among the
    classes, so identities of different classes never coincide.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    features = check_array("features", features, kind="real").astype(np.float64)
    if features.ndim < 2:
        raise ValueError(f"features must be an array (N, ...) with at least 2 dimensions, got shape {features.shape}")
    labels = check_array("labels", labels, ndim=1, kind="int")
    check_same_length(features=features, labels=labels)
    per_class = check_int("per_class", per_class, minimum=1)
    n_components = check_int("n_components", n_components, minimum=1)
    standardize = check_bool("standardize", standardize)
    seed = check_int("seed", seed, minimum=0)
    flat = features.reshape(len(features), -1)
    if standardize:
        flat = (flat - flat.mean(0)) / (flat.std(0) + 1e-8)
    flat = PCA(min(n_components, *flat.shape), random_state=seed).fit_transform(flat)
    identities = np.zeros(len(flat), np.int64)
    for rank, c in enumerate(np.unique(labels)):
        members = np.flatnonzero(labels == c)
        k = min(int(per_class), len(members))
        clusters = KMeans(k, random_state=seed, n_init=3).fit_predict(flat[members])
        identities[members] = rank * int(per_class) + clusters
    return identities
