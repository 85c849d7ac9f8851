"""Pseudo-identities: more, finer training identities from k-means inside each labelled class.

With only a handful of training identities (7 Fashion-MNIST classes) a triplet loss learns
to ignore every difference *within* a class, and for identities it never saw that throws
away exactly what tells them apart (sneakers and ankle boots both become "sandals"). Splitting
each class into ``per_class`` clusters of its features and training on the clusters keeps
the coarse ordering (clusters of one class stay closer than those of different classes,
as far as the features allow) while asking the embedding to keep within-class structure.
"""

import numpy as np


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

    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    if features.ndim < 2 or len(features) == 0:
        raise ValueError(f"features must be a non-empty array (N, ...), got shape {features.shape}")
    if labels.shape != (len(features),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be (N,) = ({len(features)},) integers, got shape {labels.shape} "
                         f"and dtype {labels.dtype}")
    for name, value in (("per_class", per_class), ("n_components", n_components)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
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
