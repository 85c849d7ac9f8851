"""The figure helpers the recipes share: each writes its PNG, registers its caption, and draws
what it says (colours, panels, the pairs split by identity)."""

import json

import matplotlib.image
import numpy as np
import pytest

from keras_course.display import CAPTIONS_FILE
from keras_course.identification.figures import pair_distance_histograms, same_and_different_distances
from keras_course.plots import scatter_2d
from keras_course.segmentation.figures import PALETTE, colorize, plot_jaccard, plot_overlays


def _caption(path):
    return json.loads((path.parent / CAPTIONS_FILE).read_text())[path.name]


# ---------------------------------------------------------------------------- plots.scatter_2d
def test_scatter_2d_saves_the_png_with_its_caption(tmp_path):
    points = np.random.default_rng(0).normal(size=(30, 2))
    labels = np.repeat([0, 2, 5], 10)
    path = scatter_2d(points, labels, tmp_path / "s.png", names={0: "a", 2: "b", 5: "c"}, title="t", caption="three")
    assert path == tmp_path / "s.png" and matplotlib.image.imread(path).ndim == 3
    assert _caption(path) == "three"
    scatter_2d(points, labels, tmp_path / "n.png", names=list("abcdef"))  # a list indexed by label


def test_scatter_2d_names_must_cover_the_labels(tmp_path):
    points, labels = np.zeros((4, 2)), np.array([0, 1, 2, 3])
    with pytest.raises(ValueError, match="names must give a name to every label"):
        scatter_2d(points, labels, tmp_path / "s.png", names=["a", "b"])
    with pytest.raises(ValueError, match="labels must be >= 0"):
        scatter_2d(points, labels - 1, tmp_path / "s.png", names=["a", "b", "c", "d"])


# ---------------------------------------------------------------------------- segmentation
def test_colorize_maps_class_k_to_palette_k():
    masks = np.array([[[0, 1], [10, 3]]])
    rgb = colorize(masks)
    assert rgb.shape == (1, 2, 2, 3)
    for k in (0, 1, 3, 10):
        np.testing.assert_array_equal(rgb[masks == k], PALETTE[k][None].repeat((masks == k).sum(), 0))
    np.testing.assert_array_equal(rgb[0, 0, 0], [0.0, 0.0, 0.0])  # background black
    own = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(colorize(np.array([1, 0, 1]), own), own[[1, 0, 1]])
    with pytest.raises(ValueError, match="masks"):
        colorize(np.array([2]), own)  # class 2 has no colour


def test_plot_overlays_has_a_row_per_image_and_a_column_per_map(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(5, 8, 8, 1))
    masks = rng.integers(0, 3, (5, 8, 8))
    predictions = {"model A": masks, "model B": (masks + 1) % 3}
    names = ["background", "one", "two"]
    tall = plot_overlays(images, masks, predictions, tmp_path / "tall.png", names, count=4, caption="rows")
    wide = plot_overlays(images, masks, {"model A": masks}, tmp_path / "wide.png", names, count=1)
    assert _caption(tall) == "rows"
    tall_h, tall_w = matplotlib.image.imread(tall).shape[:2]
    wide_h, wide_w = matplotlib.image.imread(wide).shape[:2]
    assert tall_h > 2.5 * wide_h  # 4 rows against 1
    assert tall_w > wide_w  # 4 columns against 3
    with pytest.raises(ValueError, match="count"):
        plot_overlays(images, masks, predictions, tmp_path / "x.png", names, count=6)
    with pytest.raises(ValueError, match=r"predictions\['model A'\]"):
        plot_overlays(images, masks, {"model A": masks[:, :4]}, tmp_path / "x.png", names)


def _results(jaccard):
    return {
        "mean_iou": float(np.nanmean(jaccard)),
        "boundary_iou": 0.5,
        "jaccard_per_class": dict(zip("abc", jaccard, strict=True)),
    }


def test_plot_jaccard_draws_each_model_and_refuses_other_classes(tmp_path):
    results = {"U-Net": _results([0.9, 0.5, np.nan]), "FCN": _results([0.8, 0.2, 0.1])}
    path = plot_jaccard(results, tmp_path / "j.png", caption="bars")
    assert _caption(path) == "bars" and matplotlib.image.imread(path).ndim == 3
    other = {"U-Net": results["U-Net"], "FCN": {**results["FCN"], "jaccard_per_class": {"a": 1.0}}}
    with pytest.raises(ValueError, match="the classes of the first model"):
        plot_jaccard(other, tmp_path / "j.png")


# ---------------------------------------------------------------------------- identification
def test_same_and_different_distances_split_the_pairs_by_identity():
    distances = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
    same, different = same_and_different_distances(distances, np.array([7, 7, 4]))
    assert same.tolist() == [1.0]  # the pair (0, 1)
    assert different.tolist() == [2.0, 3.0]  # (0, 2) and (1, 2)
    np.fill_diagonal(distances, np.inf)  # a precomputed matrix: the diagonal is never read
    assert same_and_different_distances(distances, np.array([7, 7, 4]))[0].tolist() == [1.0]


def test_pair_distance_histograms_one_panel_per_model(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 6)
    points = rng.normal(size=(18, 4)) + labels[:, None]
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    one = pair_distance_histograms([("a", distances, labels)], tmp_path / "one.png", caption="overlap")
    three = pair_distance_histograms([(t, distances, labels) for t in "abc"], tmp_path / "three.png")
    assert _caption(one) == "overlap"
    assert matplotlib.image.imread(three).shape[1] > 2.5 * matplotlib.image.imread(one).shape[1]
