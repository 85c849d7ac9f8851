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


def _check_num_classes(num_classes):
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    return int(num_classes)


def to_labels(y_true, y_pred):
    """Both arguments as integer class maps of one shape (N, H, W).

    ``y_true``: class ids (N, H, W) or (N, H, W, 1), or one-hot (N, H, W, K).
    ``y_pred``: integer class ids of ``y_true``'s shape, or floating-point scores (N, H, W, K)
    (probabilities or logits: the arg-max over the last axis is taken).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if np.issubdtype(y_pred.dtype, np.floating):
        y_pred = np.argmax(y_pred, axis=-1)
    if y_true.ndim == y_pred.ndim + 1:
        y_true = np.argmax(y_true, axis=-1) if y_true.shape[-1] > 1 else y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be class maps of one shape "
                         f"(or y_pred float scores with one more axis of K classes)")
    if not np.issubdtype(y_true.dtype, np.integer) and not np.all(y_true == np.round(y_true)):
        raise ValueError("y_true must hold integer class ids, got non-integer values")
    return y_true.astype(np.int64), y_pred.astype(np.int64)


def pixel_accuracy(y_true, y_pred):
    """Fraction of pixels whose predicted class is the true one: ``(1/n) sum_i [y_i = a_i]``."""
    y_true, y_pred = to_labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes):
    """``C[t, p]`` = number of pixels of true class ``t`` predicted as ``p``: int64 (K, K)."""
    num_classes = _check_num_classes(num_classes)
    y_true, y_pred = to_labels(y_true, y_pred)
    for name, value in (("y_true", y_true), ("y_pred", y_pred)):
        if value.size and (value.min() < 0 or value.max() >= num_classes):
            raise ValueError(f"{name} must hold class ids in [0, {num_classes}), got [{value.min()}, {value.max()}]")
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
    if not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive int, got {width!r}")
    structure = np.ones((1, 2 * width + 1, 2 * width + 1), bool)  # no erosion across images
    return masks & ~ndimage.binary_erosion(masks, structure, border_value=1)


def boundary_jaccard_per_class(y_true, y_pred, num_classes, width=2):
    """Boundary IoU per class over a set of maps (N, H, W), NaN where a class never occurs.

    For class ``k`` with true region ``G`` and predicted region ``P`` and their inner contour
    bands ``G_d``, ``P_d``: ``|G_d & P_d| / |G_d | P_d|``, summed over all images before the
    division (Cheng et al., "Boundary IoU", CVPR 2021).
    """
    num_classes = _check_num_classes(num_classes)
    y_true, y_pred = to_labels(y_true, y_pred)
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
def _class_ids(y_true, y_pred):
    """Keras-side ``to_labels``: int class maps (B, H, W) from targets and scores (B, H, W, K)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape):
        y_true = ops.argmax(y_true, axis=-1) if y_true.shape[-1] != 1 else ops.squeeze(y_true, -1)
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
        return ops.divide_no_nan(self.correct, self.total)

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
        self.confusion = self.add_variable(shape=(self.num_classes, self.num_classes),
                                           initializer="zeros", name="confusion")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _class_ids(y_true, y_pred)
        weight = ops.reshape(_pixel_weights(sample_weight, ops.shape(y_true), self.dtype), (-1, 1))
        true_1hot = ops.reshape(ops.one_hot(y_true, self.num_classes, dtype=self.dtype), (-1, self.num_classes))
        pred_1hot = ops.reshape(ops.one_hot(y_pred, self.num_classes, dtype=self.dtype), (-1, self.num_classes))
        true_1hot = true_1hot * weight
        # C[t, p] = sum over pixels of [y = t][a = p]: one matrix product per batch.
        self.confusion.assign_add(ops.matmul(ops.transpose(true_1hot), pred_1hot))

    def per_class(self):
        intersection = ops.diagonal(self.confusion)
        union = ops.sum(self.confusion, 0) + ops.sum(self.confusion, 1) - intersection
        iou = ops.divide_no_nan(intersection, union)
        return ops.where(union > 0, iou, ops.full_like(iou, float("nan"))), union

    def result(self):
        return self.per_class()[0]

    def reset_state(self):
        self.confusion.assign(ops.zeros_like(self.confusion))

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
