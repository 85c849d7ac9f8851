"""Q24-Q27 figures: class maps in colour, predicted maps beside the truth, per-class Jaccard bars.

Each plotting function writes one PNG through ``keras_course.plots.save_figure`` (the caption
goes to the folder's captions.json) and returns its path.
"""

import numpy as np
from matplotlib.patches import Patch

from keras_course.checks import check_array, check_image, check_int, check_labels, check_tokens, describe
from keras_course.plots import _check_path, plt, save_figure

# class 0 (background) black, classes 1-10 the colours of matplotlib's "tab10"
PALETTE = np.vstack([[0.0, 0.0, 0.0], plt.get_cmap("tab10")(np.arange(10))[:, :3]])


def colorize(masks, palette=None):
    """Class maps ``(..., H, W)`` of ids -> RGB ``(..., H, W, 3)`` in [0, 1]: class ``k`` gets ``palette[k]``.

    Args:
        masks: integer class ids (any shape), each in [0, len(palette)).
        palette: None (``PALETTE``: black background, then the 10 "tab10" colours) or a
            (K, 3) array of RGB colours in [0, 1].
    """
    palette = PALETTE if palette is None else check_image("palette", palette, ndim=2, channels=3)
    masks = check_labels("masks", masks, len(palette))
    return palette[masks]


def _check_maps(name, maps, shape, num_classes):
    maps = check_labels(name, maps, num_classes)
    if maps.shape != shape:
        raise ValueError(f"{name} must have the shape of masks {shape}, got {describe(maps)}")
    return maps


def plot_overlays(images, masks, predictions, path, class_names, count=6, caption=None):
    """Rows of image | true map | each model's predicted map, for the first ``count`` images.

    Args:
        images: (N, H, W, 1) float images in [0, 1].
        masks: (N, H, W) true class ids; ``predictions``: ``{model name: (N, H, W) class ids}``.
        path: the PNG to write.
        class_names: one name per class, for the colour key (at most ``len(PALETTE)``).
        count: how many images (rows), 1 to N.
        caption: what to see in the figure (``save_figure``).
    """
    images = check_image("images", images, ndim=4, channels=1)
    class_names = check_tokens("class_names", class_names)
    if not 2 <= len(class_names) <= len(PALETTE):
        raise ValueError(f"class_names must name 2 to {len(PALETTE)} classes, got {len(class_names)}")
    masks = _check_maps("masks", masks, images.shape[:3], len(class_names))
    if not isinstance(predictions, dict) or not predictions:
        raise TypeError(f"predictions must be a non-empty dict {{model name: class maps}}, got {describe(predictions)}")
    predictions = {
        str(n): _check_maps(f"predictions[{n!r}]", p, masks.shape, len(class_names)) for n, p in predictions.items()
    }
    count = check_int("count", count, minimum=1, maximum=len(images))
    _check_path(path)
    columns = ["image", "truth", *predictions]
    fig, axes = plt.subplots(
        count,
        len(columns),
        figsize=(1.6 * len(columns), 1.6 * count),
        squeeze=False,
        gridspec_kw=dict(wspace=0.05, hspace=0.1),
    )
    for i in range(count):
        panels = [images[i, ..., 0], colorize(masks[i])] + [colorize(p[i]) for p in predictions.values()]
        for ax, panel, title in zip(axes[i], panels, columns, strict=True):
            ax.imshow(panel, cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
            if i == 0:
                ax.set_title(title, fontsize=9)
    key = [Patch(color=PALETTE[k], label=name) for k, name in enumerate(class_names)]
    fig.legend(handles=key, loc="center left", bbox_to_anchor=(0.9, 0.5), fontsize=7, frameon=False)
    return save_figure(fig, path, caption=caption)


def plot_jaccard(results, path, caption=None):
    """Bars of every class's Jaccard index, one colour per model, side by side.

    Args:
        results: ``{model name: {"jaccard_per_class": {class name: J_k}, "mean_iou": float,
            "boundary_iou": float}}`` (what ``evaluate_segmentation`` returns), the same
            classes for every model. A NaN ``J_k`` (class in neither truth nor prediction)
            is drawn as 0.
        path: the PNG to write; ``caption``: what to see in it.
    """
    if not isinstance(results, dict) or not results:
        raise TypeError(f"results must be a non-empty dict {{model name: figures}}, got {describe(results)}")
    classes = None
    for name, r in results.items():
        if not isinstance(r, dict) or not {"jaccard_per_class", "mean_iou", "boundary_iou"} <= set(r):
            raise ValueError(f"results[{name!r}] must hold jaccard_per_class, mean_iou and boundary_iou")
        if classes is None:
            classes = list(r["jaccard_per_class"])
        elif list(r["jaccard_per_class"]) != classes:
            raise ValueError(f"results[{name!r}] must give the classes of the first model, {classes}")
        check_array(f"results[{name!r}]['jaccard_per_class']", list(r["jaccard_per_class"].values()), finite=False)
    _check_path(path)
    fig, ax = plt.subplots(figsize=(10, 3.6))
    width = 0.8 / len(results)
    for j, (name, r) in enumerate(results.items()):
        values = [np.nan_to_num(v) for v in r["jaccard_per_class"].values()]
        label = f"{name}: mean IoU {r['mean_iou']:.3f}, boundary IoU {r['boundary_iou']:.3f}"
        ax.bar(np.arange(len(classes)) + j * width, values, width, label=label)
    ax.set_xticks(np.arange(len(classes)) + width / 2, classes, rotation=30, ha="right", fontsize=8)
    ax.set(ylabel="Jaccard index (IoU)", ylim=(0, 1))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path, caption=caption)
