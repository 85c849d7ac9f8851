"""Class-balanced "P x K" batches: P identities, K examples of each, for triplet mining.

A triplet loss needs positives in every batch. With 10 classes and random batches of 32
most identities appear once or not at all; FaceNet and Hermans et al. (2017) instead draw
P identities and K examples of each, so every anchor has K - 1 positives and (P - 1) K
negatives in the batch.
"""

import keras
import numpy as np

from keras_course import backend
from keras_course.checks import check_array, check_int, check_same_length


def _check_positive_int(name, value, minimum=1):
    return check_int(name, value, minimum=minimum)


class ClassBalancedSampler:
    """Endless stream of index batches (P * K,) into ``labels``: P classes x K examples.

    Args:
        labels: (N,) integer class ids.
        classes_per_batch: P, at least 2 (a triplet needs a negative) and at most the number
            of classes.
        samples_per_class: K, at least 2 (a triplet needs a positive). A class with fewer
            than K examples is drawn with replacement.
        seed: int; the same seed gives the same batches.

    Within a class, examples come from a reshuffled cycle over all of its examples, so an
    "epoch" of batches sees every example before repeating one.
    """

    def __init__(self, labels, classes_per_batch, samples_per_class, seed=0):
        labels = check_array("labels", labels, ndim=1, kind="int")
        check_int("seed", seed, minimum=0)
        self.classes = np.unique(labels)
        self.classes_per_batch = _check_positive_int("classes_per_batch", classes_per_batch, 2)
        self.samples_per_class = _check_positive_int("samples_per_class", samples_per_class, 2)
        if self.classes_per_batch > len(self.classes):
            raise ValueError(
                f"classes_per_batch must be at most the number of classes ({len(self.classes)}), "
                f"got {classes_per_batch}"
            )
        self.batch_size = self.classes_per_batch * self.samples_per_class
        self.labels = labels
        self.rng = np.random.default_rng(seed)
        self._members = {c: np.flatnonzero(labels == c) for c in self.classes}
        self._queues = {c: np.empty(0, dtype=np.int64) for c in self.classes}

    def _take(self, c):
        members, k = self._members[c], self.samples_per_class
        if len(members) < k:
            return self.rng.choice(members, k, replace=True)
        if len(self._queues[c]) < k:
            self._queues[c] = np.concatenate([self._queues[c], self.rng.permutation(members)])
        taken, self._queues[c] = self._queues[c][:k], self._queues[c][k:]
        return taken

    def next_batch(self):
        """One batch of P * K indices, grouped by class."""
        chosen = self.rng.choice(self.classes, self.classes_per_batch, replace=False)
        return np.concatenate([self._take(c) for c in chosen])

    def __iter__(self):
        while True:
            yield self.next_batch()


def class_balanced_dataset(x, y, classes_per_batch, samples_per_class, seed=0, map_fn=None, pipeline="auto"):
    """An endless stream of ``(x_batch, y_batch)`` with P classes x K examples each.

    Args:
        x: (N, ...) inputs; y: (N,) integer labels.
        classes_per_batch, samples_per_class, seed: see ``ClassBalancedSampler``.
        map_fn: None, or a function ``(x_batch, y_batch) -> (x_batch, y_batch)`` applied to
            each batch (e.g. casting uint8 images to float). In the ``tf.data`` pipeline it
            receives ``tf`` tensors and runs as a graph; in the NumPy one, NumPy arrays.
        pipeline: "auto" (``tf.data`` on the TensorFlow backend, ``ClassBalancedBatches``
            on the others), "tf.data" (needs TensorFlow installed) or "numpy".

    Returns a ``tf.data.Dataset`` or a ``ClassBalancedBatches``; both give the batches of
    ``ClassBalancedSampler(y, P, K, seed)`` in its order. Use
    ``model.fit(dataset, steps_per_epoch=...)``: the stream never ends.
    """
    x = check_array("x", x, kind="numeric" if np.asarray(x).dtype != bool else "bool")
    y = check_array("y", y, ndim=1, kind="int")
    check_same_length(x=x, y=y)
    if map_fn is not None and not callable(map_fn):
        raise TypeError(f"map_fn must be callable or None, got {type(map_fn).__name__}")
    sampler = ClassBalancedSampler(y, classes_per_batch, samples_per_class, seed=seed)
    if backend.data_pipeline(pipeline) == "numpy":
        return ClassBalancedBatches(x, y, sampler, map_fn=map_fn)
    return _tf_dataset(x, y, sampler, map_fn)


def _tf_dataset(x, y, sampler, map_fn):
    import tensorflow as tf

    x_tensor, y_tensor = tf.constant(x), tf.constant(y)
    indices = tf.data.Dataset.from_generator(
        sampler.__iter__, output_signature=tf.TensorSpec((sampler.batch_size,), tf.int64)
    )
    dataset = indices.map(lambda i: (tf.gather(x_tensor, i), tf.gather(y_tensor, i)))
    if map_fn is not None:
        dataset = dataset.map(map_fn)
    return dataset.prefetch(2)


class ClassBalancedBatches(keras.utils.PyDataset):
    """An endless ``keras.utils.PyDataset`` of P x K batches, for every backend.

    Args:
        x: (N, ...) array; y: (N,) integer labels.
        sampler: a ``ClassBalancedSampler`` over ``y``.
        map_fn: None, or ``(x_batch, y_batch) -> (x_batch, y_batch)`` on NumPy arrays.

    Each ``dataset[i]`` draws the sampler's next batch, whatever ``i`` is: the stream goes on
    across epochs as the ``tf.data`` one does (``num_batches`` is None: give ``model.fit`` a
    ``steps_per_epoch``). Batches are ``(x[idx], y[idx])``, (P K, ...) and (P K,), grouped
    by class. One worker, so the batches come in the sampler's order. (On the TensorFlow
    backend, Keras's ``fit`` first draws two batches to learn their shapes, so its training
    stream starts at the sampler's third batch.)
    """

    def __init__(self, x, y, sampler, map_fn=None):
        super().__init__(workers=1, use_multiprocessing=False)
        self.x = check_array("x", x, kind="numeric" if np.asarray(x).dtype != bool else "bool")
        self.y = check_array("y", y, ndim=1, kind="int")
        check_same_length(x=self.x, y=self.y)
        if not isinstance(sampler, ClassBalancedSampler):
            raise TypeError(f"sampler must be a ClassBalancedSampler, got {type(sampler).__name__}")
        if len(sampler.labels) != len(self.y) or not np.array_equal(sampler.labels, self.y):
            raise ValueError("sampler must be built on the labels y")
        if map_fn is not None and not callable(map_fn):
            raise TypeError(f"map_fn must be callable or None, got {type(map_fn).__name__}")
        self.sampler, self.map_fn = sampler, map_fn

    @property
    def num_batches(self):
        return None  # endless

    def __getitem__(self, index):
        rows = self.sampler.next_batch()
        batch = (self.x[rows], self.y[rows])
        return batch if self.map_fn is None else self.map_fn(*batch)
