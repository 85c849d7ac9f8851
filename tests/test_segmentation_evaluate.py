"""evaluate_segmentation: every Q25 figure of a model, checked on a model whose answer is known."""

import keras
import numpy as np
import pytest

from keras_course.segmentation.evaluate import evaluate_segmentation


def _copy_model(size=4):
    """Predicts class 1 where the image is 1 and class 0 where it is 0 (probabilities [1 - x, x])."""
    inputs = keras.Input((size, size, 1))
    outputs = keras.layers.Lambda(lambda t: keras.ops.concatenate([1.0 - t, t], axis=-1))(inputs)
    return keras.Model(inputs, outputs)


def test_figures_of_a_model_with_a_known_answer():
    x = np.zeros((2, 4, 4, 1), np.float32)
    x[0, :2] = 1.0  # image 0: top half class 1
    y = np.zeros((2, 4, 4), np.int64)
    y[0, :2, :3] = 1  # truth: 6 of the 8 predicted class-1 pixels, no class-1 pixel missed
    predicted, figures = evaluate_segmentation(_copy_model(), x, y, ["background", "thing"], batch_size=1)
    np.testing.assert_array_equal(predicted, x[..., 0].astype(int))
    assert figures["pixel_accuracy"] == pytest.approx(30 / 32)  # 2 wrong pixels of 32
    assert figures["jaccard_per_class"]["thing"] == pytest.approx(6 / 8)
    assert figures["jaccard_per_class"]["background"] == pytest.approx(24 / 26)
    assert figures["mean_iou"] == pytest.approx((6 / 8 + 24 / 26) / 2)
    assert figures["streaming_mean_iou"] == pytest.approx(figures["mean_iou"], abs=1e-6)  # fed 1 image at a time
    assert 0 <= figures["boundary_iou"] <= 1
    assert figures["params"] == 0
    # a probability of 1 for the true class costs 0, a probability of 0 is clipped (a large loss)
    assert figures["test_cross_entropy"] > 0


def test_a_perfect_model_scores_one():
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 1:3, 1:3] = 1.0
    _, figures = evaluate_segmentation(_copy_model(), x, x[..., 0].astype(int), ["background", "thing"])
    assert figures["pixel_accuracy"] == figures["mean_iou"] == figures["boundary_iou"] == 1.0
    assert figures["test_cross_entropy"] == pytest.approx(0.0, abs=1e-5)


def test_bad_arguments_name_themselves():
    x = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="y must have shape"):
        evaluate_segmentation(_copy_model(), x, np.zeros((1, 4, 3), int), ["a", "b"])
    with pytest.raises(ValueError, match="class_names"):
        evaluate_segmentation(_copy_model(), x, np.zeros((1, 4, 4), int), ["a"])
