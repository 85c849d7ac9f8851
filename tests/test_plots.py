import matplotlib.image
import numpy as np
import pytest

from keras_course import plots


def test_plot_history_compares_runs(tmp_path):
    logs = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.7, 0.8]}
    path = plots.plot_history({"a": logs, "b": logs}, tmp_path / "h.png", metrics=("loss", "accuracy"))
    image = matplotlib.image.imread(path)
    assert image.shape[1] > image.shape[0]  # two panels side by side


def test_image_grid_shapes_and_errors(tmp_path):
    images = np.random.default_rng(0).uniform(size=(5, 8, 8, 1))
    path = plots.image_grid(images, tmp_path / "g.png", labels=list("abcde"), ncols=3)
    assert matplotlib.image.imread(path).ndim == 3
    with pytest.raises(ValueError, match="images must have 3 or 4 dimensions"):
        plots.image_grid(np.zeros((8, 8)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="labels must have"):
        plots.image_grid(images, tmp_path / "x.png", labels=["a"])
