"""Segmentation metrics, losses and models against scikit-learn, Keras and NumPy."""

import keras
import numpy as np
import pytest
from scipy import ndimage
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import jaccard_score

from keras_course.segmentation import (
    JaccardPerClass,
    MeanIoU,
    PixelAccuracy,
    PixelCrossEntropy,
    SoftDiceLoss,
    SoftJaccardLoss,
    balanced_class_weights,
    boundary_iou,
    boundary_jaccard_per_class,
    confusion_matrix,
    fcn,
    jaccard_per_class,
    mean_iou,
    pixel_accuracy,
    pixel_categorical_crossentropy,
    soft_dice_loss,
    soft_jaccard_loss,
    unet,
)

K = 5


@pytest.fixture(scope="module")
def maps():
    """Truth (6, 12, 12) without class 4, predictions that never say 3 or 4: both absences occur."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, size=(6, 12, 12))
    logits = rng.normal(size=(6, 12, 12, K)).astype("float32")
    logits[..., 3:] -= 50.0
    logits += 2.0 * np.eye(K, dtype="float32")[truth]  # better than chance
    return truth, logits


# ---------------------------------------------------------------------------- metrics
def test_pixel_accuracy_matches_numpy(maps):
    truth, logits = maps
    expected = np.mean(truth == logits.argmax(-1))
    assert pixel_accuracy(truth, logits) == pytest.approx(expected)  # scores -> arg-max
    assert pixel_accuracy(truth, logits.argmax(-1)) == pytest.approx(expected)
    assert pixel_accuracy(np.eye(K)[truth], logits) == pytest.approx(expected)  # one-hot truth


def test_jaccard_matches_sklearn_notes_formula_and_keras(maps):
    truth, logits = maps
    predicted = logits.argmax(-1)
    ours = jaccard_per_class(truth, predicted, K)
    reference = jaccard_score(truth.ravel(), predicted.ravel(), labels=range(K), average=None, zero_division=0)
    np.testing.assert_allclose(np.nan_to_num(ours), reference)  # sklearn scores the absent class 4 as 0
    # The notes' formula: sum [y=k][a=k] / sum max([y=k], [a=k]).
    for k in range(3):
        notes = np.sum((truth == k) & (predicted == k)) / np.sum(np.maximum(truth == k, predicted == k))
        assert ours[k] == pytest.approx(notes)
        keras_iou = keras.metrics.IoU(K, target_class_ids=[k])
        keras_iou.update_state(truth, predicted)
        assert ours[k] == pytest.approx(float(keras_iou.result()), abs=1e-6)
    assert ours[3] == 0.0 and np.isnan(ours[4])  # 3: in truth, never predicted; 4: nowhere
    keras_mean = keras.metrics.MeanIoU(K)
    keras_mean.update_state(truth, predicted)
    assert mean_iou(truth, predicted, K) == pytest.approx(float(keras_mean.result()), abs=1e-6)
    assert mean_iou(truth, predicted, K) == pytest.approx(np.mean(ours[:4]))  # NaN left out


def test_confusion_matrix_matches_sklearn(maps):
    truth, logits = maps
    np.testing.assert_array_equal(
        confusion_matrix(truth, logits, K),
        sk_confusion_matrix(truth.ravel(), logits.argmax(-1).ravel(), labels=range(K)),
    )


def test_streaming_metrics_over_batches_equal_whole_set(maps):
    truth, logits = maps
    accuracy, per_class, mean = PixelAccuracy(), JaccardPerClass(K), MeanIoU(K)
    keras_mean = keras.metrics.MeanIoU(K, sparse_y_pred=False)
    for start in (0, 2, 4):  # three batches, labels as (B, H, W, 1) like a channel axis
        y, p = truth[start : start + 2, ..., None], logits[start : start + 2]
        for metric in (accuracy, per_class, mean, keras_mean):
            metric.update_state(y, p)
    assert float(accuracy.result()) == pytest.approx(pixel_accuracy(truth, logits))
    np.testing.assert_allclose(
        np.asarray(per_class.result()), jaccard_per_class(truth, logits, K), rtol=1e-6, equal_nan=True
    )
    assert float(mean.result()) == pytest.approx(mean_iou(truth, logits, K), rel=1e-6)
    assert float(mean.result()) == pytest.approx(float(keras_mean.result()), rel=1e-6)
    mean.reset_state()
    assert float(mean.result()) == 0.0


def test_pixel_accuracy_sample_weight_matches_numpy(maps):
    truth, logits = maps
    weights = np.arange(1, 7, dtype="float32")
    metric = PixelAccuracy()
    metric.update_state(np.eye(K)[truth], logits, sample_weight=weights)
    hits = (truth == logits.argmax(-1)).mean(axis=(1, 2))
    assert float(metric.result()) == pytest.approx(np.sum(hits * weights) / weights.sum(), rel=1e-6)


def _band_reference(mask, width):
    """Inner contour band via a distance transform (independent of binary erosion); the frame is no contour."""
    pad = width + 1
    bands = []
    for image in mask:
        padded = np.pad(image, pad, constant_values=True)
        distance = ndimage.distance_transform_cdt(padded, metric="chessboard")[pad:-pad, pad:-pad]
        bands.append(image & (distance <= width))
    return np.stack(bands)


def test_boundary_iou_matches_distance_transform_reference():
    truth = np.zeros((2, 20, 20), int)
    truth[0, 4:14, 3:12] = 1
    truth[1, 8:20, 0:9] = 2  # touches the frame
    predicted = np.zeros_like(truth)
    predicted[0, 5:15, 3:13] = 1  # shifted by one pixel
    predicted[1, 8:19, 0:10] = 2
    ours = boundary_jaccard_per_class(truth, predicted, 3, width=2)
    for k in range(3):
        g, p = _band_reference(truth == k, 2), _band_reference(predicted == k, 2)
        assert ours[k] == pytest.approx(np.sum(g & p) / np.sum(g | p))
    assert boundary_iou(truth, truth, 3) == 1.0
    assert boundary_iou(truth, predicted, 3) < mean_iou(truth, predicted, 3)  # edges are where shifts hurt


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pixel_accuracy(np.zeros((2, 4, 4)), np.zeros((2, 5, 4))), "one shape"),
        (lambda: jaccard_per_class(np.zeros((2, 4, 4), int), np.zeros((2, 4, 4), int), 1), "num_classes"),
        (lambda: jaccard_per_class(np.full((1, 2, 2), 7), np.zeros((1, 2, 2), int), 3), "class ids in"),
        (lambda: boundary_iou(np.zeros((1, 4, 4), int), np.zeros((1, 4, 4), int), 2, width=0), "width"),
        (lambda: JaccardPerClass(1), "num_classes"),
    ],
)
def test_metric_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_integral_ids_are_a_type_error():  # the shared check_labels: a wrong kind of value
    with pytest.raises(TypeError, match="integer class ids"):
        pixel_accuracy(np.full((1, 2, 2), 0.5), np.zeros((1, 2, 2), int))


# ---------------------------------------------------------------------------- losses
def test_pixel_cce_matches_keras_for_integer_and_one_hot_targets(maps):
    truth, logits = maps
    probabilities = np.asarray(keras.ops.softmax(logits, axis=-1))
    keras_logits = keras.losses.sparse_categorical_crossentropy(truth, logits, from_logits=True)
    expected = np.asarray(keras_logits).mean(axis=(1, 2))
    np.testing.assert_allclose(pixel_categorical_crossentropy(truth, logits, from_logits=True), expected, rtol=1e-5)
    np.testing.assert_allclose(
        pixel_categorical_crossentropy(truth[..., None], logits, from_logits=True), expected, rtol=1e-5
    )
    one_hot = np.eye(K, dtype="float32")[truth]
    keras_probs = np.asarray(keras.losses.categorical_crossentropy(one_hot, probabilities)).mean(axis=(1, 2))
    np.testing.assert_allclose(pixel_categorical_crossentropy(one_hot, probabilities), keras_probs, rtol=1e-5)
    assert np.all(keras_probs > 0)  # a loss: minus the log-likelihood (the notes drop the sign)
    batch_loss = PixelCrossEntropy(from_logits=True)(truth, logits)
    reference = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(truth, logits)
    assert float(batch_loss) == pytest.approx(float(reference), rel=1e-5)


def test_class_weights_match_numpy_transcription(maps):
    truth, logits = maps
    weights = np.array([0.2, 1.0, 2.0, 3.0, 0.5])
    log_a = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_a, truth[..., None], -1)[..., 0]
    expected = -(weights[truth] * picked).mean(axis=(1, 2))  # -(1/n) sum_i w_{y_i} log a_{i y_i}
    ours = pixel_categorical_crossentropy(truth, logits, from_logits=True, class_weights=weights)
    np.testing.assert_allclose(ours, expected, rtol=1e-5)


def test_balanced_class_weights_match_sklearn_and_numpy():
    from sklearn.utils.class_weight import compute_class_weight

    rng = np.random.default_rng(1)
    masks = rng.choice(4, p=[0.7, 0.2, 0.08, 0.02], size=(5, 16, 16))
    # power=1 is scikit-learn's "balanced": n / (K * count_k).
    reference = compute_class_weight("balanced", classes=np.arange(4), y=masks.ravel())
    np.testing.assert_allclose(balanced_class_weights(masks, 4, power=1.0), reference, rtol=1e-12)
    # power=0.5: f_k ** -0.5 scaled so that the average pixel weighs 1.
    f = np.bincount(masks.ravel(), minlength=4) / masks.size
    expected = f**-0.5 / np.sum(f * f**-0.5)
    np.testing.assert_allclose(balanced_class_weights(masks, 4), expected, rtol=1e-12)
    assert balanced_class_weights(masks, 4, power=0) == pytest.approx([1.0] * 4)
    absent = balanced_class_weights(masks, 5)  # class 4 never occurs: the largest weight
    assert absent[4] == max(absent[:4]) and absent[:4] == pytest.approx(list(expected))
    for kwargs, match in (
        (dict(masks=masks, num_classes=3), "class ids"),
        (dict(masks=masks, num_classes=4, power=-1), "power"),
        (dict(masks=masks, num_classes=1), "num_classes"),
    ):
        with pytest.raises(ValueError, match=match):
            balanced_class_weights(**kwargs)
    with pytest.raises(TypeError, match="integer class ids"):
        balanced_class_weights(masks * 0.5, 4)


def test_soft_jaccard_and_dice_match_numpy_and_keras(maps):
    truth, logits = maps
    a = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y = np.eye(K)[truth]
    inter, y_sum, a_sum = (y * a).sum((1, 2)), y.sum((1, 2)), a.sum((1, 2))
    jaccard = 1 - ((inter + 1) / (y_sum + a_sum - inter + 1)).mean(-1)
    dice = 1 - ((2 * inter + 1) / (y_sum + a_sum + 1)).mean(-1)
    np.testing.assert_allclose(soft_jaccard_loss(truth, logits, from_logits=True), jaccard, rtol=1e-5)
    np.testing.assert_allclose(soft_dice_loss(truth, a.astype("float32")), dice, rtol=1e-5)
    # With no smoothing, soft Dice is the mean over classes of Keras's per-channel Dice loss.
    per_class = [keras.losses.dice(y[..., k], a[..., k].astype("float32"), axis=(1, 2)) for k in range(K)]
    np.testing.assert_allclose(soft_dice_loss(truth, a.astype("float32"), smooth=0.0), np.mean(per_class, 0), atol=1e-5)
    assert float(SoftJaccardLoss()(y, y)) == pytest.approx(0.0, abs=1e-6)  # perfect masks


def test_combined_loss_adds_the_jaccard_term(maps):
    truth, logits = maps
    combined = PixelCrossEntropy(from_logits=True, jaccard_weight=0.5)(truth, logits)
    parts = np.mean(pixel_categorical_crossentropy(truth, logits, True)) + 0.5 * np.mean(
        soft_jaccard_loss(truth, logits, True)
    )
    assert float(combined) == pytest.approx(parts, rel=1e-5)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: PixelCrossEntropy(from_logits="yes"), TypeError, "from_logits"),
        (lambda: PixelCrossEntropy(jaccard_weight=-1), ValueError, "jaccard_weight"),
        (lambda: PixelCrossEntropy(class_weights=[1.0, -2.0]), ValueError, "class_weights"),
        (lambda: SoftDiceLoss(smooth=-1), ValueError, "smooth"),
        (
            lambda: pixel_categorical_crossentropy(
                np.zeros((2, 4, 4), int), np.ones((2, 4, 4, 3)) / 3, class_weights=[1, 2]
            ),
            ValueError,
            "K=3",
        ),
        (
            lambda: pixel_categorical_crossentropy(np.zeros((2, 4), int), np.ones((2, 4, 4, 3)) / 3),
            ValueError,
            "y_true",
        ),
    ],
)
def test_loss_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------- models
def _conv_weights(model, prefix):
    return {
        layer.name: layer.kernel.shape
        for layer in model.layers
        if layer.name.startswith(prefix) and isinstance(layer, keras.layers.Conv2D)
    }


def test_unet_and_fcn_share_the_encoder_and_differ_by_the_skips():
    u = unet((32, 32, 1), 4, base_filters=4, depth=3)
    f = fcn((32, 32, 1), 4, base_filters=4, depth=3)
    assert u.output_shape == f.output_shape == (None, 32, 32, 4)
    assert _conv_weights(u, "enc") == _conv_weights(f, "enc") and _conv_weights(u, "bottleneck") == _conv_weights(
        f, "bottleneck"
    )
    assert sum(isinstance(layer, keras.layers.Concatenate) for layer in u.layers) == 3
    assert not any(isinstance(layer, keras.layers.Concatenate) for layer in f.layers)
    # The only extra weights: each decoder's first 3x3 conv reads f more channels (the skip).
    assert u.count_params() - f.count_params() == sum(9 * (4 * 2**level) ** 2 for level in range(3))
    probabilities = np.asarray(u(np.zeros((2, 32, 32, 1)), training=False))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(input_shape=(30, 30, 1), num_classes=3), "multiples of 2\\*\\*depth"),
        (dict(input_shape=(32, 32, 1), num_classes=1), "num_classes"),
        (dict(input_shape=(32, 32), num_classes=3), "input_shape"),
        (dict(input_shape=(32, 32, 1), num_classes=3, depth=0), "depth"),
    ],
)
def test_model_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        unet(**kwargs)


def test_fit_with_our_loss_and_metrics_then_keras_round_trip(tmp_path):
    """U-Net trains with PixelCrossEntropy and the streaming metrics; both models survive .keras save/load."""
    rng = np.random.default_rng(0)
    x = rng.random((16, 16, 16, 1)).astype("float32")
    y = (x[..., 0] > 0.5).astype("int32") + (x[..., 0] > 0.8)
    model = unet((16, 16, 1), 3, base_filters=4, depth=2)
    model.compile(
        keras.optimizers.Adam(1e-2),
        PixelCrossEntropy(class_weights=[1.0, 1.0, 2.0], jaccard_weight=0.5),
        metrics=[PixelAccuracy(), MeanIoU(3), JaccardPerClass(3)],
    )
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert {"loss", "pixel_accuracy", "mean_iou", "jaccard_per_class"} <= set(history.history)
    for net in (model, fcn((16, 16, 1), 3, base_filters=4, depth=2)):
        path = tmp_path / f"{net.name}.keras"
        net.save(path)
        loaded = keras.models.load_model(path)
        np.testing.assert_allclose(loaded(x, training=False), net(x, training=False), atol=1e-6)
    assert keras.models.load_model(tmp_path / "unet.keras").loss.get_config() == model.loss.get_config()


def test_losses_and_metrics_config_round_trip():
    for obj in (
        PixelCrossEntropy(from_logits=True, class_weights=[1, 2], jaccard_weight=0.3),
        SoftJaccardLoss(smooth=0.5),
        SoftDiceLoss(from_logits=True),
        MeanIoU(7),
        JaccardPerClass(4),
        PixelAccuracy(name="acc"),
    ):
        clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()
