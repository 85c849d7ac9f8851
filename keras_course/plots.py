"""Matplotlib figures used by recipes. Each function writes one PNG and returns its path."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # recipes run headless; never open a window
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from keras_course.display import show_figure  # noqa: E402


def save_figure(fig, path, caption=None):
    """Save ``fig`` to ``path`` (PNG, 110 dpi, tight), close it, and return the path.

    ``caption`` says what to see in the figure. It is kept beside the PNG in the folder's
    ``captions.json`` (the book reads it), and in a notebook the figure is shown with it.
    """
    path = Path(path)
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
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.3), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
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
        fig.suptitle(title)
    return save_figure(fig, path, caption)


def image_grid(images, path, labels=None, ncols=8, title=None, cmap="gray", caption=None):
    """A grid of images (N, H, W) or (N, H, W, C) with optional per-image labels."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got shape {images.shape}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"labels must have len(images)={len(images)} entries, got {len(labels)}")
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
        fig.suptitle(title)
    return save_figure(fig, path, caption)
