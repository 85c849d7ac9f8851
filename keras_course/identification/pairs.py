"""Same / different pairs for a siamese pair classifier: endless batches of half and half.

A pair classifier learns ``p(same | x_a, x_b)`` from pairs labelled 1 (same class) or 0
(different classes). Random pairs are almost all "different" (with 7 classes, 6 in 7), so
each batch here holds half same-class and half different-class pairs. ``PairBatches`` is a
``keras.utils.PyDataset`` for every backend; ``pair_batches`` gives the same batches as a
``tf.data`` pipeline on the TensorFlow backend (with a fixed batch size in its shapes, as the
recorded figures were measured) and as a ``PairBatches`` on the others.
"""

import itertools
import threading

import keras
import numpy as np

from keras_course import backend
from keras_course.checks import check_array, check_int, check_same_length, describe

_KEEP = 64  # batches of index draws kept for a repeated request (Keras reads the first ones twice)


class PairBatches(keras.utils.PyDataset):
    """An endless stream of batches ``((x_a, x_b), same)``: half same-class pairs, half different.

    Args:
        x: (N, ...) array, the examples.
        y: (N,) integer class ids, at least two classes.
        batch_size: pairs per batch, >= 2; the first ``batch_size // 2`` are same-class.
        seed: int >= 0; the same seed gives the same stream of batches.
        transform: None, or a function applied to each side's examples ``x[indices]`` (a
            (B, ...) array), e.g. scaling uint8 images to float32 in [0, 1]; its result is
            returned as a NumPy array.

    Pair ``i`` of a batch: a class ``c_a`` uniform over the classes and an example ``a``
    uniform among those of ``c_a``; ``c_b = c_a`` for a same-class pair, otherwise uniform over
    the other classes; ``b`` uniform among the examples of ``c_b`` (a same-class pair may pair
    an example with itself). The draws come from one ``numpy.random.default_rng(seed)`` in
    order, and ``dataset[i]`` is batch ``i`` of that stream whatever was asked before (Keras's
    ``tf.data`` adapter reads the first batches twice, to learn their shapes).

    The stream never ends (``num_batches`` is None): give ``fit`` a ``steps_per_epoch``; Keras
    then reads batches 0, 1, 2, ... across the epochs. As for any endless stream, a resumed
    ``keras_course.train.fit`` starts it again at batch 0.

    Shapes: ``x_a``, ``x_b`` (B, ...) with B = ``batch_size`` (``x``'s dtype, or that of
    ``transform``'s result); ``same`` (B,) float32, 1.0 for a same-class pair, else 0.0.
    """

    def __init__(self, x, y, batch_size, seed=0, transform=None):
        super().__init__(workers=1, use_multiprocessing=False)  # batches made here, in order
        self.x = check_array("x", x, ndim=tuple(range(1, 9)), finite=False)
        y = check_array("y", y, ndim=1, kind="int")
        check_same_length(x=self.x, y=y)
        self.batch_size = check_int("batch_size", batch_size, minimum=2)
        self.seed = check_int("seed", seed, minimum=0)
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {describe(transform)}")
        self.transform = transform
        self.classes = np.unique(y)
        if len(self.classes) < 2:
            raise ValueError(f"y must hold at least two classes (a pair can differ), got {self.classes.tolist()}")
        self.members = {c: np.flatnonzero(y == c) for c in self.classes}
        self.same = (np.arange(self.batch_size) < self.batch_size // 2).astype("float32")
        self._lock = threading.Lock()  # tf.data reads in a thread of its own
        self._restart()

    @property
    def num_batches(self):
        return None  # endless

    def _restart(self):
        self._rng, self._next, self._drawn = np.random.default_rng(self.seed), 0, {}

    def _draw(self):
        """The stream's next pair of index arrays ``(a, b)``, each (B,)."""
        rng, classes = self._rng, self.classes
        first = rng.choice(classes, self.batch_size)
        other = np.array([rng.choice(classes[classes != c]) for c in first])
        second = np.where(self.same == 1.0, first, other)
        a = np.array([rng.choice(self.members[c]) for c in first])
        b = np.array([rng.choice(self.members[c]) for c in second])
        return a, b

    def pair_indices(self, index):
        """``(a, b)``: the (B,) example indices of the pairs of batch ``index`` of the stream."""
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an int, got {describe(index)}")
        if index < 0:
            raise IndexError(f"index must be >= 0 (the stream has no end to count from), got {index}")
        index = int(index)
        with self._lock:
            if index < self._next and index not in self._drawn:  # long forgotten: draw the stream again
                self._restart()
            while self._next <= index:
                self._drawn[self._next] = self._draw()
                self._drawn.pop(self._next - _KEEP, None)
                self._next += 1
            return self._drawn[index]

    def _side(self, indices):
        side = self.x[indices]
        return side if self.transform is None else np.asarray(self.transform(side))

    def __getitem__(self, index):
        a, b = self.pair_indices(index)
        return (self._side(a), self._side(b)), self.same.copy()


def pair_batches(x, y, batch_size, seed=0, transform=None, pipeline="auto"):
    """The endless stream of ``PairBatches(x, y, batch_size, seed, transform)``, for ``fit``.

    Args:
        x, y, batch_size, seed, transform: as for ``PairBatches``. In the ``tf.data``
            pipeline ``transform`` receives ``tf`` tensors and runs as a graph (write it with
            ``keras.ops``); in the NumPy one, NumPy arrays.
        pipeline: "auto" (``tf.data`` on the TensorFlow backend, ``PairBatches`` on the
            others), "tf.data" (needs TensorFlow installed) or "numpy" (``PairBatches``).

    Returns a ``tf.data.Dataset`` whose batches have the static shape (``batch_size``, ...)
    (Keras gives a ``PyDataset``'s batches an unknown batch size, which traces a different
    train step and rounds differently), or a ``PairBatches``. Both give the same pairs in the
    same order; give ``fit`` a ``steps_per_epoch``.
    """
    stream = PairBatches(x, y, batch_size, seed=seed, transform=transform)
    if backend.data_pipeline(pipeline) == "numpy":
        return stream
    import tensorflow as tf

    def indices():
        for index in itertools.count():
            yield (*stream.pair_indices(index), stream.same)

    spec = (tf.TensorSpec((stream.batch_size,), tf.int64),) * 2 + (tf.TensorSpec((stream.batch_size,), tf.float32),)
    x_tensor, side = tf.constant(stream.x), transform or (lambda images: images)
    pairs = tf.data.Dataset.from_generator(indices, output_signature=spec)
    return pairs.map(lambda a, b, same: ((side(tf.gather(x_tensor, a)), side(tf.gather(x_tensor, b))), same)).prefetch(
        2
    )
