"""Matplotlib figures used by recipes. Each function writes one PNG and returns its path."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # recipes run headless; never open a window
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from keras_course.checks import check_array, check_image, check_int, check_tokens, describe
from keras_course.display import show_figure


def _check_path(path):
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a file path (str or Path), got {describe(path)}")
    if Path(path).suffix.lower() != ".png":
        raise ValueError(f"path must end in .png, got {str(path)!r}")
    return Path(path)


def save_figure(fig, path, caption=None):
    """Save ``fig`` to ``path`` (PNG, 110 dpi, tight), close it, and return the path.

    ``caption`` says what to see in the figure. It is kept beside the PNG in the folder's
    ``captions.json`` (the book reads it), and in a notebook the figure is shown with it.
    """
    if not isinstance(fig, matplotlib.figure.Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {describe(fig)}")
    path = _check_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    show_figure(path, caption)
    return path


def plot_history(histories, path, metrics=("loss",), title=None, caption=None):
    """Training curves, one panel per metric, one line per run (and its ``val_`` twin).

    ``histories`` is a ``keras.callbacks.History``, a dict of logs, or a dict
    ``{run_label: History or logs}`` to compare runs.
    """
    if not isinstance(histories, dict) or "loss" in histories:
        histories = {"": histories}
    metrics = check_tokens("metrics", metrics)  # metrics="acc" would plot "a", "c", "c"
    if not metrics:
        raise ValueError("metrics must name at least one metric, got none")
    for label, history in histories.items():
        logs = getattr(history, "history", history)
        if not isinstance(logs, dict):
            raise TypeError(
                f"histories must be a History, a dict of logs or a dict of them, got {describe(history)}"
                + (f" for run {label!r}" if label else "")
            )
    missing = [
        m
        for m in metrics
        if not any(k in getattr(h, "history", h) for h in histories.values() for k in (m, "val_" + m))
    ]
    if missing:
        raise ValueError(
            f"metrics must be logged by the histories, got {missing[0]!r}, which none of them has "
            f"(they have {sorted({k for h in histories.values() for k in getattr(h, 'history', h)})})"
        )
    _check_path(path)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.3), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for label, history in histories.items():
            logs = getattr(history, "history", history)
            for key, style in ((metric, "-"), ("val_" + metric, "--")):
                if key in logs:
                    epochs = np.arange(1, len(logs[key]) + 1)
                    name = " ".join(p for p in (label, "val" if style == "--" else "train") if p)
                    ax.plot(epochs, logs[key], style, label=name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        # Above the first row's labels (two lines each at most), not across them.
        fig.suptitle(title, y=fig.subplotpars.top + 0.42 / fig.get_figheight(), va="bottom")
    return save_figure(fig, path, caption)


def image_grid(images, path, labels=None, ncols=8, title=None, cmap="gray", caption=None):
    """A grid of images (N, H, W) or (N, H, W, C) with optional per-image labels."""
    images = check_array("images", images, ndim=(3, 4), kind="real", finite=False)
    if images.ndim == 4 and images.shape[-1] not in (1, 3, 4):
        raise ValueError(f"images must have 1, 3 or 4 channels on their last axis, got {describe(images)}")
    if images.ndim == 4 and images.shape[-1] != 1:
        # colour images are clipped to [0, 1]: a 0..255 image would show white; grey ones are scaled by imshow
        check_image("images", images)
    if labels is not None:
        if isinstance(labels, str):
            raise TypeError(f"labels must be a list with one label per image, got the str {describe(labels)}")
        if len(labels) != len(images):
            raise ValueError(f"labels must have len(images)={len(images)} entries, got {len(labels)}")
    ncols = check_int("ncols", ncols, minimum=1)
    _check_path(path)
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.75 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = images[i]
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(np.clip(image, 0, 1) if image.ndim == 3 else image, cmap=cmap)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=8)
    if title:
        # Above the first row's labels (two lines each at most), not across them.
        fig.suptitle(title, y=fig.subplotpars.top + 0.42 / fig.get_figheight(), va="bottom")
    return save_figure(fig, path, caption)


def scatter_2d(points, labels, path, names=None, title=None, caption=None):
    """A scatter plot of 2-D points (e.g. a PCA of embeddings), one colour per label.

    Args:
        points: (N, 2) finite coordinates.
        labels: (N,) integer labels; each distinct label is one series of the legend.
        path: the PNG to write.
        names: None (the legend shows the labels) or a sequence (or dict) giving each label's
            name as ``names[label]``.
        title, caption: the figure's title, and what to see in it (``save_figure``).
    """
    points = check_array("points", points, ndim=2, kind="real", shape=(None, 2))
    labels = check_array("labels", labels, ndim=1, kind="int")
    if len(labels) != len(points):
        raise ValueError(f"labels must have one label per point ({len(points)}), got {len(labels)}")
    classes = np.unique(labels)
    if names is not None:
        if isinstance(names, str):
            raise TypeError(f"names must be a sequence or dict of names, got the str {describe(names)}")
        if not isinstance(names, dict) and classes.min() < 0:  # names[-1] would name the last one
            raise ValueError(f"labels must be >= 0 to index names, got {classes.min()}")
        try:
            legend = {c: str(names[c]) for c in classes}
        except (IndexError, KeyError, TypeError):
            raise ValueError(
                f"names must give a name to every label {classes.tolist()}, got {describe(names)}"
            ) from None
    else:
        legend = {c: str(c) for c in classes}
    _check_path(path)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for c in classes:
        ax.scatter(points[labels == c, 0], points[labels == c, 1], s=6, alpha=0.6, label=legend[c])
    ax.legend(fontsize=7, markerscale=2)
    if title:
        ax.set_title(title)
    return save_figure(fig, path, caption)
