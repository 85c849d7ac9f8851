"""Q32: the triplet loss (Schroff, Kalenichenko and Philbin, FaceNet, 2015) with batch mining.

For an anchor ``a``, a positive ``p`` (same identity) and a negative ``n`` (another one),

    l(a, p, n) = [ d(f(a), f(p)) - d(f(a), f(n)) + margin ]_+

is zero once the negative is farther from the anchor than the positive by at least
``margin``. FaceNet uses the squared Euclidean distance on embeddings of unit length,
``||f(x)||_2 = 1``; the unit length gives the margin its scale (without it the network could
shrink or blow up all distances instead of ordering them).

Triplets are formed inside a batch of ``labels`` (B,) and ``embeddings`` (B, D):

``mining="all"``
    the mean of ``l`` over all valid triplets (``a != p``, ``y_a = y_p``, ``y_n != y_a``),
    zero-loss ("easy") triplets included.
``mining="hard"``
    batch-hard (Hermans, Beyer and Leibe, 2017): for each anchor the farthest positive and
    the closest negative, ``[max_p d(a, p) - min_n d(a, n) + margin]_+``, averaged over the
    anchors that have both.
``mining="semi-hard"``
    FaceNet's semi-hard negatives, exactly as TF Addons' ``TripletSemiHardLoss`` does it:
    for each positive pair (a, p), the negative is the *closest negative farther than p*,
    ``min {d(a, n) : d(a, n) > d(a, p)}``; when there is none, the *farthest* negative
    ``max_n d(a, n)`` (so the pair still contributes, but as little as possible). The loss
    is the sum of ``l`` over all positive pairs divided by their number. Where an anchor has
    no negative at all, TF Addons' masked maximum falls back to the row minimum ``min_j
    d(a, j) = 0``; we keep that. (TF Addons divides by zero when the batch has no positive
    pair; we return 0.)

The functions return one scalar: a batch loss is not a sum of per-example terms.
"all" and "semi-hard" build a (B, B, B) tensor over (anchor, positive, negative), as TF
Addons does for semi-hard: memory grows as B^3 (8 MB of float32 at B = 128, 512 MB at
B = 512). "hard" needs only (B, B).
"""

import keras
import numpy as np
from keras import ops

from keras_course.checks import check_array, check_choice, check_real
from keras_course.identification.distances import as_embeddings, check_distance, pairwise_distances

MINING = ("all", "hard", "semi-hard")


def _check_margin(margin):
    # 0 is allowed (a pure ranking loss; the exercises use it), NaN / inf are not
    return check_real("margin", margin, minimum=0)


def _check_mining(mining):
    return check_choice("mining", mining, MINING)


def _safe_mean(total, count):
    return total / ops.maximum(count, 1.0)


def _masked_max(values, mask, axis):
    """TF Addons' ``_masked_maximum``: max of ``values`` where ``mask``; the row min if none."""
    low = ops.min(values, axis=axis, keepdims=True)
    return ops.max((values - low) * mask, axis=axis, keepdims=True) + low


def _masked_min(values, mask, axis):
    """TF Addons' ``_masked_minimum``: min of ``values`` where ``mask``; the row max if none."""
    high = ops.max(values, axis=axis, keepdims=True)
    return ops.min((values - high) * mask, axis=axis, keepdims=True) + high


def triplet_loss(labels, embeddings, margin=0.2, mining="all", distance="euclidean"):
    """The triplet loss of a batch: a scalar.

    Args:
        labels: (B,) or (B, 1) integer identities.
        embeddings: (B, D) float embeddings (usually L2-normalised by the model).
        margin: non-negative float, the required gap between negative and positive distance.
        mining: "all", "hard" or "semi-hard" (see the module docstring).
        distance: "euclidean", "squared" or "cosine".
    """
    margin = _check_margin(margin)
    _check_mining(mining)
    check_distance(distance)
    embeddings = as_embeddings(embeddings)
    if isinstance(labels, (np.ndarray, list, tuple)):  # by value only outside a graph
        labels = check_array("labels", labels, ndim=(1, 2), kind="real")
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) == 2 and labels.shape[1] == 1:
        labels = ops.squeeze(labels, 1)
    if len(labels.shape) != 1:
        raise ValueError(f"labels must be (batch,) or (batch, 1) identities, got shape {tuple(labels.shape)}")
    if labels.shape[0] is not None and embeddings.shape[0] is not None and labels.shape[0] != embeddings.shape[0]:
        raise ValueError(
            f"labels and embeddings must have the same batch size, got {labels.shape[0]} and {embeddings.shape[0]}"
        )
    dtype = embeddings.dtype
    dist = pairwise_distances(embeddings, distance)
    same = ops.equal(labels[:, None], labels[None, :])
    eye = ops.eye(ops.shape(dist)[0], dtype=dtype)
    positive = ops.cast(same, dtype) - eye  # (a, p): same label, a != p
    negative = 1.0 - ops.cast(same, dtype)  # (a, n): different label

    if mining == "all":
        # loss[a, p, n] = d(a, p) - d(a, n) + margin on the (B, B, B) cube of triplets.
        cube = dist[:, :, None] - dist[:, None, :] + margin
        valid = positive[:, :, None] * negative[:, None, :]
        return _safe_mean(ops.sum(ops.relu(cube) * valid), ops.sum(valid))

    if mining == "hard":
        hardest_positive = ops.max(dist * positive, axis=1)  # distances are >= 0
        largest = ops.max(dist, axis=1, keepdims=True)
        hardest_negative = ops.min(dist + largest * (1.0 - negative), axis=1)
        has_both = ops.cast((ops.sum(positive, 1) > 0) & (ops.sum(negative, 1) > 0), dtype)
        losses = ops.relu(hardest_positive - hardest_negative + margin) * has_both
        return _safe_mean(ops.sum(losses), ops.sum(has_both))

    # semi-hard: for each (a, p) the smallest d(a, n) > d(a, p), else the largest d(a, n).
    farther = negative[:, None, :] * ops.cast(dist[:, None, :] > dist[:, :, None], dtype)  # [a, p, n]
    outside = ops.squeeze(_masked_min(ops.broadcast_to(dist[:, None, :], ops.shape(farther)), farther, 2), 2)
    inside = _masked_max(dist, negative, 1)  # (B, 1), broadcast over p
    has_farther = ops.sum(farther, axis=2) > 0
    semi_hard = ops.where(has_farther, outside, inside)
    losses = ops.relu(dist - semi_hard + margin) * positive
    return _safe_mean(ops.sum(losses), ops.sum(positive))


@keras.saving.register_keras_serializable(package="keras_course")
class TripletLoss(keras.losses.Loss):
    """``triplet_loss`` as a Keras loss: ``y_true`` are the labels (B,), ``y_pred`` the embeddings (B, D).

    Use it with a batch that holds several examples of each identity (see
    ``class_balanced_dataset``); a batch without a positive pair contributes 0.
    """

    def __init__(
        self,
        margin=0.2,
        mining="all",
        distance="euclidean",
        name="triplet_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = _check_margin(margin)
        self.mining = _check_mining(mining)
        self.distance = check_distance(distance)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if isinstance(y_pred, (np.ndarray, list, tuple)):  # NumPy only: by value, before Keras makes tensors
            check_array("y_pred", y_pred, ndim=2, kind="real")
        if isinstance(y_true, (np.ndarray, list, tuple)):
            check_array("y_true", y_true, ndim=(1, 2), kind="real")
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        # One scalar per batch; Keras's reduction of a scalar leaves it unchanged.
        return triplet_loss(y_true, y_pred, margin=self.margin, mining=self.mining, distance=self.distance)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin, "mining": self.mining, "distance": self.distance}
