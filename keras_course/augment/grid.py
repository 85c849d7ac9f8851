"""Drawing augmentations: the original image next to random versions of it."""

import os

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.checks import check_image, check_int, describe
from keras_course.plots import save_figure


def show_augmentations(image, pipeline, path, n=6, title=None, caption=None):
    """A grid: the original ``image``, then ``n`` random augmentations of it, per pipeline.

    Args:
        image: array (H, W, C) or (H, W), values in the pipelines' value range (0..1 drawn as is).
        pipeline: a Keras layer (e.g. from ``make_pipeline``), or a dict ``{label: layer}``
            to draw one row per pipeline.
        path: where to write the PNG.
        n: positive int, augmented copies per row.
        title: optional figure title.
        caption: optional text saying what to see in the figure (``keras_course.plots.save_figure``).

    Returns the path of the PNG.
    """
    image = check_image("image", image, ndim=(2, 3)).astype("float32")  # uint8 0..255 refused: divide by 255
    if image.ndim == 2:
        image = image[..., None]
    n = check_int("n", n, minimum=1)
    if isinstance(pipeline, dict) and not pipeline:
        raise ValueError("pipeline must be a layer or a non-empty dict {label: layer}, got {}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or Path), got {describe(path)}")
    rows = pipeline if isinstance(pipeline, dict) else {"": pipeline}
    for label, layer in rows.items():
        if not callable(layer):
            raise TypeError(f"pipeline {label!r} must be a callable Keras layer, got {type(layer).__name__}")
    batch = np.repeat(image[None], n, axis=0)
    cell = 1.6  # inches per image, across
    height = cell * image.shape[0] / image.shape[1] + 0.25
    fig, axes = plt.subplots(len(rows), n + 1, figsize=(cell * (n + 1), height * len(rows) + 0.4), squeeze=False)
    for i, (row, (label, layer)) in enumerate(zip(axes, rows.items(), strict=True)):
        augmented = keras.ops.convert_to_numpy(layer(batch, training=True))
        for ax, picture, name in zip(row, [image, *augmented], ["original" if i == 0 else "", *[""] * n], strict=True):
            ax.imshow(
                np.clip(picture[..., 0] if picture.shape[-1] == 1 else picture, 0, 1), cmap="gray", vmin=0, vmax=1
            )
            ax.set_xticks([])
            ax.set_yticks([])
            if name:
                ax.set_title(name, fontsize=8)
        if label:
            row[0].set_ylabel(label, fontsize=9)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, caption=caption)
