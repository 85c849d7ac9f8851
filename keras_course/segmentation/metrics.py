"""Q25: the quality of a segmentation: pixel accuracy and the per-class Jaccard index (IoU).

For ``n`` pixels with true classes ``y_i`` and predicted classes ``a_i``:

- pixel accuracy ``(1/n) sum_i [y_i = a_i]``;
- Jaccard index of class ``k``
  ``J_k = sum_i [y_i = k][a_i = k] / sum_i max([y_i = k], [a_i = k])``, i.e.
  ``|truth_k & prediction_k| / |truth_k | prediction_k|``, one number per class. A class absent
  from both truth and prediction has ``0 / 0``: it is NaN and left out of the mean IoU
  (``keras.metrics.MeanIoU`` does the same);
- boundary IoU (Cheng et al., 2021): the Jaccard index restricted to the pixels within
  ``width`` pixels of each region's contour, which is what a blurry mask gets wrong.

NumPy functions evaluate whole arrays at once; ``PixelAccuracy``, ``JaccardPerClass`` and
``MeanIoU`` are streaming Keras metrics for ``compile(metrics=...)``.
"""

import keras
import numpy as np
from keras import ops
from scipy import ndimage

from keras_course.checks import check_array, check_int, check_labels, check_scores, describe


def _check_num_classes(num_classes):
    return check_int("num_classes", num_classes, minimum=2)


def _as_numbers(name, value):
    """``value`` as a real array (bool masks read as 0 / 1 ids)."""
    if isinstance(value, (list, tuple, np.ndarray)) and np.asarray(value).dtype == bool:
        value = np.asarray(value, np.int64)
    return check_array(name, value, kind="real")


def _is_one_hot(array):
    """Non-negative rows summing to 1 along the last axis: one-hot (or soft) targets."""
    return array.dtype.kind == "f" and array.min() >= 0 and np.allclose(array.sum(-1), 1.0, atol=1e-3)


def to_labels(y_true, y_pred, num_classes=None):
    """Both arguments as integer class maps of one shape (N, H, W), checked.

    The contract (the same for every metric here):

    - ``y_pred`` float: per-class scores (probabilities or logits) with the K classes on a
      last axis, ``y_pred.ndim == y_true.ndim + 1`` (the arg-max is taken); with one-hot
      ``y_true`` (N, H, W, K) or ``y_true`` (N, H, W, 1) both have the same rank.
      A float array of ``y_true``'s shape (``argmax(...).astype(float)``) is refused: it has
      no class axis, and reading ids as scores gives a wrong answer silently.
    - ``y_pred`` int (or bool): class ids of ``y_true``'s shape.
    - ``y_true``: class ids (N, H, W) or (N, H, W, 1), or one-hot (N, H, W, K).

    Ids must lie in [0, K), K = ``num_classes`` or the scores' class count: a pixel labelled
    5 with 3 classes (or -1) would otherwise be silently ignored by some counts.
    """
    y_true, y_pred = _as_numbers("y_true", y_true), _as_numbers("y_pred", y_pred)
    if y_pred.dtype.kind == "f":
        classes = y_pred.shape[-1] if y_pred.ndim else 0
        if y_pred.ndim == y_true.ndim and y_true.shape == y_pred.shape and classes >= 2 and _is_one_hot(y_true):
            y_true = np.argmax(y_true, axis=-1)
        elif y_pred.ndim == y_true.ndim and y_true.shape[-1:] == (1,) and y_true.shape[:-1] == y_pred.shape[:-1]:
            y_true = y_true[..., 0]
        if y_pred.ndim != y_true.ndim + 1 or y_true.shape != y_pred.shape[:-1] or classes < 2:
            raise ValueError(
                f"y_pred must be float scores of shape y_true's shape + (K,) with K >= 2, or int "
                f"class ids of y_true's shape (maps of one shape), got {describe(y_pred)} for y_true "
                f"{describe(y_true)}; pass the scores, or the ids as ints "
                "(argmax(...) without astype(float))"
            )
        if num_classes is not None:
            check_scores("y_pred", y_pred, num_classes=num_classes)
        num_classes = classes if num_classes is None else num_classes
        y_pred = np.argmax(y_pred, axis=-1)
    else:
        if y_true.ndim == y_pred.ndim + 1 and y_true.shape[:-1] == y_pred.shape:
            y_true = y_true[..., 0] if y_true.shape[-1] == 1 else np.argmax(y_true, axis=-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"y_true and y_pred must be class maps of one shape (or y_pred float scores with one "
                f"more axis of K classes), got {describe(y_true)} and {describe(y_pred)}"
            )
    return _ids("y_true", y_true, num_classes), _ids("y_pred", y_pred, num_classes)


def _ids(name, value, num_classes):
    """``check_labels``; without a K, ids must still be non-negative integers."""
    if num_classes is None:
        if value.size and value.min() < 0:
            raise ValueError(f"{name} must hold class ids >= 0, got values from {value.min()} to {value.max()}")
        num_classes = int(value.max()) + 1 if value.size else 1
    return check_labels(name, value, num_classes).astype(np.int64)


def pixel_accuracy(y_true, y_pred):
    """Fraction of pixels whose predicted class is the true one: ``(1/n) sum_i [y_i = a_i]``."""
    y_true, y_pred = to_labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes):
    """``C[t, p]`` = number of pixels of true class ``t`` predicted as ``p``: int64 (K, K)."""
    num_classes = _check_num_classes(num_classes)
    y_true, y_pred = to_labels(y_true, y_pred, num_classes)
    flat = y_true.ravel() * num_classes + y_pred.ravel()
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def iou_from_confusion(confusion):
    """Per-class IoU from a confusion matrix: ``C[k, k] / (row_k + column_k - C[k, k])``, NaN for 0 / 0."""
    confusion = np.asarray(confusion, np.float64)
    intersection = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, intersection / np.where(union > 0, union, 1), np.nan)


def jaccard_per_class(y_true, y_pred, num_classes):
    """One Jaccard index (IoU) per class, float64 (K,); NaN for a class in neither truth nor prediction."""
    return iou_from_confusion(confusion_matrix(y_true, y_pred, num_classes))


def mean_iou(y_true, y_pred, num_classes):
    """Mean of ``jaccard_per_class`` over the classes that occur (in truth or prediction)."""
    return float(np.nanmean(jaccard_per_class(y_true, y_pred, num_classes)))


def boundary_band(masks, width):
    """Pixels of each bool mask (N, H, W) within ``width`` pixels (chessboard) of its contour.

    The image frame is not a contour: a region touching the edge has no band there.
    """
    width = check_int("width", width, minimum=1)
    structure = np.ones((1, 2 * width + 1, 2 * width + 1), bool)  # no erosion across images
    return masks & ~ndimage.binary_erosion(masks, structure, border_value=1)


def boundary_jaccard_per_class(y_true, y_pred, num_classes, width=2):
    """Boundary IoU per class over a set of maps (N, H, W), NaN where a class never occurs.

    For class ``k`` with true region ``G`` and predicted region ``P`` and their inner contour
    bands ``G_d``, ``P_d``: ``|G_d & P_d| / |G_d | P_d|``, summed over all images before the
    division (Cheng et al., "Boundary IoU", CVPR 2021).
    """
    num_classes = _check_num_classes(num_classes)
    width = check_int("width", width, minimum=1)
    y_true, y_pred = to_labels(y_true, y_pred, num_classes)
    if y_true.ndim == 2:
        y_true, y_pred = y_true[None], y_pred[None]
    if y_true.ndim != 3:
        raise ValueError(f"y_true must be class maps (N, H, W), got shape {y_true.shape}")
    scores = np.full(num_classes, np.nan)
    for k in range(num_classes):
        truth_band = boundary_band(y_true == k, width)
        pred_band = boundary_band(y_pred == k, width)
        union = np.count_nonzero(truth_band | pred_band)
        if union:
            scores[k] = np.count_nonzero(truth_band & pred_band) / union
    return scores


def boundary_iou(y_true, y_pred, num_classes, width=2):
    """Mean of ``boundary_jaccard_per_class`` over the classes that occur."""
    return float(np.nanmean(boundary_jaccard_per_class(y_true, y_pred, num_classes, width)))


# ---------------------------------------------------------------------------- streaming
def _class_ids(y_true, y_pred, num_classes=None):
    """Keras-side ``to_labels``: int class maps (B, H, W) from targets and scores (B, H, W, K).

    Only static shapes are checked here (this runs inside ``fit``'s graph): ``y_pred`` must
    have a class axis. Values cannot be checked in a graph, so ids outside [0, K) are not
    refused there (one_hot maps them to zeros: such pixels are not counted); NumPy inputs
    (``update_state`` called by hand, eagerly) are checked by ``to_labels``.
    """
    if isinstance(y_true, np.ndarray) and isinstance(y_pred, np.ndarray):
        to_labels(y_true, y_pred, num_classes)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    classes = y_pred.shape[-1] if len(y_pred.shape) else None
    if classes is not None and (classes < 2 or (num_classes is not None and classes != num_classes)):
        expected = f"{num_classes}" if num_classes is not None else "K >= 2"
        raise ValueError(
            f"y_pred must be scores (B, H, W, K) with {expected} classes on its last axis, "
            f"got shape {tuple(y_pred.shape)}; pass per-class scores, not class ids"
        )
    if len(y_true.shape) == len(y_pred.shape):
        if y_true.shape[-1] not in (1, classes, None):
            raise ValueError(
                f"y_true must be class ids (B, H, W[, 1]) or one-hot (B, H, W, K) for y_pred of shape "
                f"{tuple(y_pred.shape)}, got shape {tuple(y_true.shape)}"
            )
        y_true = ops.argmax(y_true, axis=-1) if y_true.shape[-1] != 1 else ops.squeeze(y_true, -1)
    elif len(y_true.shape) != len(y_pred.shape) - 1:
        raise ValueError(
            f"y_true must be class ids (B, H, W[, 1]) or one-hot (B, H, W, K) for y_pred of shape "
            f"{tuple(y_pred.shape)}, got shape {tuple(y_true.shape)}"
        )
    return ops.cast(y_true, "int32"), ops.cast(ops.argmax(y_pred, axis=-1), "int32")


def _pixel_weights(sample_weight, shape, dtype):
    """Per-pixel weights of ``shape`` (B, H, W) from None, (B,), (B, H, W) or (B, H, W, 1)."""
    if sample_weight is None:
        return ops.ones(shape, dtype)
    weight = ops.cast(sample_weight, dtype)
    if len(weight.shape) == len(shape) + 1:
        weight = ops.squeeze(weight, -1)
    while len(weight.shape) < len(shape):
        weight = ops.expand_dims(weight, -1)
    return ops.broadcast_to(weight, shape)


@keras.saving.register_keras_serializable(package="keras_course")
class PixelAccuracy(keras.metrics.Metric):
    """Streaming pixel accuracy for ``fit``.

    ``update_state(y_true, y_pred)``: ``y_true`` class ids (B, H, W) or (B, H, W, 1), or
    one-hot (B, H, W, K); ``y_pred`` scores (B, H, W, K). ``sample_weight`` (B,) or
    (B, H, W) weighs pixels.
    """

    def __init__(self, name="pixel_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _class_ids(y_true, y_pred)
        hits = ops.cast(ops.equal(y_true, y_pred), self.dtype)
        weight = _pixel_weights(sample_weight, ops.shape(hits), self.dtype)
        self.correct.assign_add(ops.sum(hits * weight))
        self.total.assign_add(ops.sum(weight))

    def result(self):
        return ops.divide_no_nan(ops.convert_to_tensor(self.correct), ops.convert_to_tensor(self.total))

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)


@keras.saving.register_keras_serializable(package="keras_course")
class JaccardPerClass(keras.metrics.Metric):
    """Streaming Jaccard index of every class, from a confusion matrix summed over batches.

    ``result()`` is a vector (K,) with NaN for a class seen in neither truth nor prediction.
    Inputs as for ``PixelAccuracy``.
    """

    def __init__(self, num_classes, name="jaccard_per_class", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = _check_num_classes(num_classes)
        self.confusion = self.add_variable(
            shape=(self.num_classes, self.num_classes), initializer="zeros", name="confusion"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _class_ids(y_true, y_pred, self.num_classes)
        weight = ops.reshape(_pixel_weights(sample_weight, ops.shape(y_true), self.dtype), (-1, 1))
        true_1hot = ops.reshape(ops.one_hot(y_true, self.num_classes, dtype=self.dtype), (-1, self.num_classes))
        pred_1hot = ops.reshape(ops.one_hot(y_pred, self.num_classes, dtype=self.dtype), (-1, self.num_classes))
        true_1hot = true_1hot * weight
        # C[t, p] = sum over pixels of [y = t][a = p]: one matrix product per batch.
        self.confusion.assign_add(ops.matmul(ops.transpose(true_1hot), pred_1hot))

    def per_class(self):
        confusion = ops.convert_to_tensor(self.confusion)  # JAX's ops refuse a Keras variable
        intersection = ops.diagonal(confusion)
        union = ops.sum(confusion, 0) + ops.sum(confusion, 1) - intersection
        iou = ops.divide_no_nan(intersection, union)
        return ops.where(union > 0, iou, ops.full_like(iou, float("nan"))), union

    def result(self):
        return self.per_class()[0]

    def reset_state(self):
        self.confusion.assign(ops.zeros(self.confusion.shape, self.confusion.dtype))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="keras_course")
class MeanIoU(JaccardPerClass):
    """Streaming mean IoU: the mean of ``JaccardPerClass`` over the classes that occur."""

    def __init__(self, num_classes, name="mean_iou", dtype=None):
        super().__init__(num_classes, name=name, dtype=dtype)

    def result(self):
        iou, union = self.per_class()
        present = ops.cast(union > 0, self.dtype)
        return ops.divide_no_nan(ops.sum(ops.where(union > 0, iou, 0.0)), ops.sum(present))
