"""Q32 figures: how well a distance separates same-identity pairs from different-identity ones."""

import numpy as np

from keras_course.checks import check_array, describe
from keras_course.plots import _check_path, plt, save_figure


def same_and_different_distances(distances, labels):
    """The distances of the pairs ``i < j`` split by identity: ``(same, different)``, two 1-D arrays.

    Args:
        distances: (N, N) pairwise distances (only the upper triangle is read, so a
            precomputed matrix with inf on its diagonal is fine).
        labels: (N,) identities (class ids).
    """
    distances = check_array("distances", distances, ndim=2, kind="real", finite=False)
    labels = check_array("labels", labels, ndim=1)
    if distances.shape != (len(labels), len(labels)):
        raise ValueError(
            f"distances must have shape ({len(labels)}, {len(labels)}) to match labels, got {describe(distances)}"
        )
    if len(labels) < 2:
        raise ValueError(f"labels must hold at least 2 examples (one pair), got {len(labels)}")
    i, j = np.triu_indices(len(labels), 1)
    same = labels[i] == labels[j]
    values = distances[i, j]
    if not np.isfinite(values).all():
        raise ValueError("distances must be finite off the diagonal, got NaN or inf between two examples")
    return values[same], values[~same]


def pair_distance_histograms(panels, path, caption=None):
    """Histograms of same-identity against different-identity pair distances, one panel per model.

    Args:
        panels: a list of ``(title, distances (N, N), labels (N,))``, one per panel.
        path: the PNG to write; ``caption``: what to see in it (``save_figure``).

    The less the two histograms of a panel overlap, the higher the verification AUC of that
    distance.
    """
    if not isinstance(panels, (list, tuple)) or not panels:
        raise TypeError(f"panels must be a non-empty list of (title, distances, labels), got {describe(panels)}")
    split = []
    for k, panel in enumerate(panels):
        if not (isinstance(panel, (list, tuple)) and len(panel) == 3 and isinstance(panel[0], str)):
            raise TypeError(f"panels[{k}] must be a (title, distances, labels) tuple, got {describe(panel)}")
        split.append((panel[0], *same_and_different_distances(panel[1], panel[2])))
    _check_path(path)
    fig, axes = plt.subplots(1, len(split), figsize=(4.2 * len(split), 3.2), squeeze=False)
    for ax, (title, same, different) in zip(axes[0], split, strict=True):
        ax.hist(same, bins=50, alpha=0.6, density=True, label="same class")
        ax.hist(different, bins=50, alpha=0.6, density=True, label="different class")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("distance")
        ax.legend(fontsize=7)
    return save_figure(fig, path, caption=caption)
