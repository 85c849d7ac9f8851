"""Q26: pixelwise categorical cross-entropy, and soft Jaccard / Dice losses.

A segmentation network outputs, at every pixel ``i``, scores ``b_i1 .. b_iK`` turned into
probabilities ``a_ik = exp(b_ik) / sum_m exp(b_im)`` by a softmax. The loss of one image of
``n`` pixels is the log-loss of every pixel's classification, averaged:

    L(y, a) = -(1/n) sum_i sum_k [y_i = k] log a_ik

(the notes drop the minus sign: without it this is the log-likelihood, to be maximised).
``class_weights`` ``w_k`` multiply the terms of class ``k`` (rare classes count more):
``-(1/n) sum_i sum_k w_k [y_i = k] log a_ik``, normalised by ``n`` as Keras does for
sample weights.

Targets ``y_true`` may be class ids (B, H, W) or (B, H, W, 1), or one-hot (or soft)
(B, H, W, K); predictions ``y_pred`` are (B, H, W, K) probabilities, or logits with
``from_logits=True``. The functions return one loss per image, (B,).

Class ids must lie in [0, K). NumPy inputs are checked (a direct call, or a loss object
called on arrays); tensors inside ``fit``'s graph can only be checked by shape, and there
an id outside [0, K) one-hot encodes to zeros and adds a loss of 0: check the masks of
a data set once, e.g. with ``balanced_class_weights`` or ``check_labels``.
"""

import keras
import numpy as np
from keras import ops

from keras_course.checks import check_array, check_bool, check_int, check_labels, check_real, describe


def one_hot_targets(y_true, y_pred):
    """``y_true`` as float one-hot (or soft) targets of ``y_pred``'s shape (B, H, W, K)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    num_classes = y_pred.shape[-1]
    if num_classes is None or num_classes < 2:
        raise ValueError(f"y_pred must have a known last axis of K >= 2 class scores, got shape {y_pred.shape}")
    rank_true, rank_pred = len(y_true.shape), len(y_pred.shape)
    if rank_true == rank_pred and y_true.shape[-1] == num_classes:
        return ops.cast(y_true, y_pred.dtype)
    if rank_true == rank_pred and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    elif rank_true != rank_pred - 1:
        raise ValueError(
            f"y_true must be class ids {tuple(y_pred.shape[:-1])} or one-hot {tuple(y_pred.shape)}, "
            f"got shape {y_true.shape}"
        )
    return ops.one_hot(ops.cast(y_true, "int32"), num_classes, dtype=y_pred.dtype)


def _as_float(y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    if "float" not in keras.backend.standardize_dtype(y_pred.dtype):
        y_pred = ops.cast(y_pred, "float32")
    return y_pred


def _check_host_inputs(y_true, y_pred):
    """Value checks for NumPy (or list) inputs, called by hand outside a graph.

    Tensors inside ``fit`` cannot be checked by value: there a class id outside [0, K) (5
    with 3 classes, or -1) one-hot encodes to zeros and silently adds a loss of 0. Direct
    calls on arrays are checked: ``y_pred`` float scores (..., K) with K >= 2, finite;
    ``y_true`` ids in [0, K) of ``y_pred``'s shape without the class axis (or with a last
    axis of 1), or one-hot (soft) targets of ``y_pred``'s shape.
    """
    if not all(isinstance(v, (np.ndarray, list, tuple)) for v in (y_true, y_pred)):
        return
    y_pred = check_array("y_pred", y_pred, kind="real")
    classes = y_pred.shape[-1] if y_pred.ndim else 0
    if y_pred.ndim < 2 or classes < 2:
        raise ValueError(f"y_pred must be scores with a last axis of K >= 2 classes, got {describe(y_pred)}")
    y_true = check_array("y_true", y_true, kind="real")
    if y_true.shape == y_pred.shape:
        if y_true.dtype.kind != "f" or y_true.min() < 0 or not np.allclose(y_true.sum(-1), 1.0, atol=1e-3):
            raise ValueError(
                f"y_true of y_pred's shape must be one-hot (or soft) targets summing to 1 over the "
                f"last axis, got {describe(y_true)}; pass class ids of shape {y_pred.shape[:-1]}, "
                "and y_pred as per-class scores, not class ids"
            )
    elif y_true.shape in (y_pred.shape[:-1], y_pred.shape[:-1] + (1,)):
        check_labels("y_true", y_true, classes)


def _check_class_weights(class_weights):
    if class_weights is None:
        return None
    weights = check_array("class_weights", class_weights, ndim=1, kind="real")
    if len(weights) < 2 or np.any(weights < 0):
        raise ValueError(f"class_weights must be None or K >= 2 non-negative numbers, got {class_weights!r}")
    return [float(w) for w in weights]


def _log_probabilities(y_pred, from_logits):
    if from_logits:
        return ops.log_softmax(y_pred, axis=-1)
    # As keras.losses.categorical_crossentropy: renormalise, then clip away log(0).
    y_pred = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    epsilon = keras.config.epsilon()
    return ops.log(ops.clip(y_pred, epsilon, 1.0 - epsilon))


def _image_mean(values):
    """Mean over every axis but the batch axis: (B, ...) -> (B,)."""
    return ops.mean(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


def balanced_class_weights(masks, num_classes, power=0.5):
    """Class weights ``w_k ∝ f_k ** -power`` from the pixel frequencies ``f_k`` of ``masks``.

    Background covers ~70% of a scene, so plain cross-entropy spends most of its gradient on
    it; weighting each class by a power of its inverse frequency (``power=1``: fully balanced,
    ``0.5``: a milder square root) shifts it to the garments. The weights are scaled so that
    ``sum_k f_k w_k = 1``: the average pixel keeps weight 1 and the loss scale is unchanged.
    A class absent from ``masks`` gets the largest weight of the present ones.

    Args:
        masks: int class ids, any shape, in ``[0, num_classes)``.
        num_classes: K >= 2.
        power: float >= 0 (0 gives all ones).

    Returns:
        A list of K floats, for ``class_weights``.
    """
    num_classes = check_int("num_classes", num_classes, minimum=2)
    power = check_real("power", power, minimum=0)
    masks = check_labels("masks", check_array("masks", masks, kind="real"), num_classes)
    frequency = np.bincount(masks.ravel(), minlength=num_classes) / masks.size
    present = frequency > 0
    weights = np.zeros(num_classes)
    weights[present] = frequency[present] ** -power
    weights /= np.sum(frequency * weights)
    weights[~present] = weights[present].max()
    return [float(w) for w in weights]


def pixel_categorical_crossentropy(y_true, y_pred, from_logits=False, class_weights=None):
    """``-(1/n) sum_i sum_k w_k y_ik log a_ik`` per image: (B, H, W[, K]), (B, H, W, K) -> (B,)."""
    check_bool("from_logits", from_logits)
    class_weights = _check_class_weights(class_weights)
    _check_host_inputs(y_true, y_pred)
    y_pred = _as_float(y_pred)
    targets = one_hot_targets(y_true, y_pred)
    if class_weights is not None:
        if len(class_weights) != y_pred.shape[-1]:
            raise ValueError(f"class_weights must have K={y_pred.shape[-1]} entries, got {len(class_weights)}")
        targets = targets * ops.convert_to_tensor(class_weights, y_pred.dtype)
    per_pixel = -ops.sum(targets * _log_probabilities(y_pred, from_logits), axis=-1)
    return _image_mean(per_pixel)


def _soft_overlap(y_true, y_pred, from_logits):
    """Per image and class: soft intersection ``sum_i y_ik a_ik`` and the sums of y and a, each (B, K)."""
    check_bool("from_logits", from_logits)
    _check_host_inputs(y_true, y_pred)
    y_pred = _as_float(y_pred)
    targets = one_hot_targets(y_true, y_pred)
    probabilities = ops.softmax(y_pred, axis=-1) if from_logits else y_pred
    batch, classes = ops.shape(y_pred)[0], y_pred.shape[-1]
    targets = ops.reshape(targets, (batch, -1, classes))
    probabilities = ops.reshape(probabilities, (batch, -1, classes))
    return (ops.sum(targets * probabilities, axis=1), ops.sum(targets, axis=1), ops.sum(probabilities, axis=1))


def _check_smooth(smooth):
    return check_real("smooth", smooth, minimum=0)


def soft_jaccard_loss(y_true, y_pred, from_logits=False, smooth=1.0):
    """``1 - mean_k (I_k + s) / (|y_k| + |a_k| - I_k + s)`` per image, ``I_k = sum_i y_ik a_ik``: -> (B,).

    The Jaccard index with probabilities in place of 0/1 masks, so it is differentiable;
    ``smooth`` ``s`` keeps a class absent from an image (0 / 0) at a score near 1.
    """
    smooth = _check_smooth(smooth)
    intersection, true_sum, pred_sum = _soft_overlap(y_true, y_pred, from_logits)
    score = (intersection + smooth) / (true_sum + pred_sum - intersection + smooth)
    return 1.0 - ops.mean(score, axis=-1)


def soft_dice_loss(y_true, y_pred, from_logits=False, smooth=1.0):
    """``1 - mean_k (2 I_k + s) / (|y_k| + |a_k| + s)`` per image: -> (B,)."""
    smooth = _check_smooth(smooth)
    intersection, true_sum, pred_sum = _soft_overlap(y_true, y_pred, from_logits)
    score = (2.0 * intersection + smooth) / (true_sum + pred_sum + smooth)
    return 1.0 - ops.mean(score, axis=-1)


@keras.saving.register_keras_serializable(package="keras_course")
class PixelCrossEntropy(keras.losses.Loss):
    """Pixelwise categorical cross-entropy for ``compile``, optionally plus a soft Jaccard term.

    ``loss = pixel_categorical_crossentropy + jaccard_weight * soft_jaccard_loss``, averaged over
    the batch. Integer and one-hot targets both work (see the module docstring).

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities.
        class_weights: None or K non-negative weights ``w_k``.
        jaccard_weight: non-negative weight of the soft Jaccard loss (0 leaves it out).
    """

    def __init__(
        self,
        from_logits=False,
        class_weights=None,
        jaccard_weight=0.0,
        reduction="sum_over_batch_size",
        name="pixel_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = check_bool("from_logits", from_logits)
        self.class_weights = _check_class_weights(class_weights)
        self.jaccard_weight = check_real("jaccard_weight", jaccard_weight, minimum=0)

    def __call__(self, y_true, y_pred, sample_weight=None):
        _check_host_inputs(y_true, y_pred)  # NumPy arrays only: Keras turns them into tensors next
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        loss = pixel_categorical_crossentropy(y_true, y_pred, self.from_logits, self.class_weights)
        if self.jaccard_weight:
            loss = loss + self.jaccard_weight * soft_jaccard_loss(y_true, y_pred, self.from_logits)
        return loss

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "class_weights": self.class_weights,
            "jaccard_weight": self.jaccard_weight,
        }


class _SoftOverlapLoss(keras.losses.Loss):
    _function = None

    def __init__(self, from_logits=False, smooth=1.0, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = check_bool("from_logits", from_logits)
        self.smooth = _check_smooth(smooth)

    def __call__(self, y_true, y_pred, sample_weight=None):
        _check_host_inputs(y_true, y_pred)  # NumPy arrays only: Keras turns them into tensors next
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        return type(self)._function(y_true, y_pred, self.from_logits, self.smooth)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "smooth": self.smooth}


@keras.saving.register_keras_serializable(package="keras_course")
class SoftJaccardLoss(_SoftOverlapLoss):
    """``soft_jaccard_loss`` for ``compile``: one minus the mean soft IoU over classes."""

    _function = staticmethod(soft_jaccard_loss)

    def __init__(self, from_logits=False, smooth=1.0, reduction="sum_over_batch_size", name="soft_jaccard", dtype=None):
        super().__init__(from_logits, smooth, reduction, name, dtype)


@keras.saving.register_keras_serializable(package="keras_course")
class SoftDiceLoss(_SoftOverlapLoss):
    """``soft_dice_loss`` for ``compile``: one minus the mean soft Dice coefficient over classes."""

    _function = staticmethod(soft_dice_loss)

    def __init__(self, from_logits=False, smooth=1.0, reduction="sum_over_batch_size", name="soft_dice", dtype=None):
        super().__init__(from_logits, smooth, reduction, name, dtype)
