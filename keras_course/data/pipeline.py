"""Training batches: shuffle the whole set each epoch before batching, augment per batch.

Two pipelines give them: ``tf.data`` on the TensorFlow backend (shuffle, batch, map, prefetch:
what every recorded figure was measured with), and ``ArrayBatches``, a NumPy
``keras.utils.PyDataset`` for JAX, PyTorch or a machine without TensorFlow.
``make_dataset(pipeline="auto")`` picks by the backend (``keras_course.backend.data_pipeline``).
"""

import keras
import numpy as np

from keras_course import backend
from keras_course.checks import check_array, check_bool, check_int, check_same_length, describe

# Seed-state counters start this far apart per batch (a layer draws one seed per random op).
_SEED_STATE_RANGE = 2**31 - 1


def _check_batches(x, y, batch_size, shuffle, seed, augment):
    """The arguments of ``make_dataset`` / ``ArrayBatches``, checked; returns ``(x, y)`` arrays."""
    # finite=False: a NaN in the data is the data's business (and scanning it costs a pass)
    x = check_array("x", x, ndim=tuple(range(1, 9)), kind="numeric", finite=False)
    if y is not None:
        y = check_array("y", y, ndim=tuple(range(1, 9)), kind="numeric", finite=False)
        check_same_length(x=x, y=y)
    check_int("batch_size", batch_size, minimum=1)
    check_bool("shuffle", shuffle)
    check_int("seed", seed, minimum=0)
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be callable or None, got {describe(augment)}")
    return x, y


def make_dataset(x, y=None, batch_size=32, shuffle=True, seed=0, augment=None, pipeline="auto"):
    """Deterministic training batches of ``(x_batch, y_batch)`` (or ``x_batch``).

    Args:
        x: array (N, ...), the inputs.
        y: array (N, ...) or None, the targets.
        batch_size: positive int, examples per batch (the last batch may be smaller).
        shuffle: shuffle the whole set each epoch, *before* batching, so every batch is a
            fresh random sample (shuffling batches would keep the same groups together).
        seed: int, makes the shuffle order (and a seeded ``augment``) repeatable.
        augment: None, or a callable taking an ``x`` batch (and ``training=True`` if it is
            a Keras layer) and returning a batch of the same shape, e.g. a
            ``keras.Sequential`` of preprocessing layers. Applied per batch, after batching,
            to training data only.
        pipeline: "auto" (``tf.data`` on the TensorFlow backend, ``ArrayBatches`` on the
            others), "tf.data" (needs TensorFlow installed) or "numpy" (``ArrayBatches``).

    Returns:
        a ``tf.data.Dataset`` (one pass per epoch, reshuffled on each pass) or an
        ``ArrayBatches`` (reshuffled by ``on_epoch_end``, which ``model.fit`` calls). The two
        draw different orders from the same seed.
    """
    x, y = _check_batches(x, y, batch_size, shuffle, seed, augment)
    if backend.data_pipeline(pipeline) == "numpy":
        return ArrayBatches(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, augment=augment)
    return _tf_dataset(x, y, int(batch_size), shuffle, int(seed), augment)


def _tf_dataset(x, y, batch_size, shuffle, seed, augment):
    """The ``tf.data`` pipeline: the recipes' recorded figures depend on its batch order."""
    import tensorflow as tf  # imported here so the loaders work where only Keras is installed

    dataset = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        is_layer = isinstance(augment, keras.Layer)

        def apply(x_batch, *rest):
            x_batch = augment(x_batch, training=True) if is_layer else augment(x_batch)
            return (x_batch, *rest) if rest else x_batch

        # One worker keeps the random stream, and so the augmented batches, repeatable.
        dataset = dataset.map(apply)
    return dataset.prefetch(tf.data.AUTOTUNE)


class ArrayBatches(keras.utils.PyDataset):
    """Shuffled batches of in-memory arrays, a ``keras.utils.PyDataset`` for every backend.

    Batch ``i`` of epoch ``k`` is a function of ``(seed, k, i)`` alone: epoch ``k``'s order is
    ``default_rng([seed, k]).permutation(N)`` and a Keras-layer ``augment`` has its seed
    generators set from ``(seed, k, i)`` before each batch. ``on_epoch_end`` (called by
    ``model.fit`` once per epoch, and by ``keras_course.train.replay_epochs`` on a resume)
    moves to the next epoch, so a resumed run sees the batches of the uninterrupted one.

    Args:
        x, y, batch_size, shuffle, seed, augment: as for ``make_dataset``.

    Indexing gives ``(x_batch, y_batch)``, or ``x_batch`` without ``y``: NumPy arrays of
    ``x``'s and ``y``'s dtypes, (B, ...) with B = ``batch_size`` (fewer in the last batch).
    ``len()`` is the number of batches per epoch, ceil(N / batch_size). One worker, no
    multiprocessing: the batches come in order, and ``augment`` runs in this process. Give
    ``model.fit`` ``shuffle=False``: its default shuffles the batch indices with Python's
    ``random``, which a resumed run has not replayed. Keras's ``fit`` may also call
    ``on_epoch_end`` once before the first epoch, when it draws a batch to build the model;
    a resumed ``fit`` does the same, so the two stay in step.
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=True, seed=0, augment=None):
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y = _check_batches(x, y, batch_size, shuffle, seed, augment)
        self.batch_size, self.shuffle, self.seed = int(batch_size), bool(shuffle), int(seed)
        self.augment = augment
        self.epoch = 0
        self._order = self._epoch_order(0)
        self._seed_states = _seed_states(augment)

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def _epoch_order(self, epoch):
        """The example order of ``epoch``: (N,) indices, a function of (seed, epoch)."""
        if not self.shuffle:
            return np.arange(len(self.x))
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.x))

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"index must be an int, got {describe(index)}")
        if not 0 <= index < len(self):
            raise IndexError(f"index must be in [0, {len(self)}), got {index}")
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        x_batch = self.x[rows]
        if self.augment is not None:
            x_batch = self._augmented(x_batch, int(index))
        return x_batch if self.y is None else (x_batch, self.y[rows])

    def _augmented(self, x_batch, index):
        if not isinstance(self.augment, keras.Layer):
            return self.augment(x_batch)
        # Reseed the layer's random streams for this (epoch, batch): the augmentation does not
        # depend on how many batches were drawn before, so a replayed or resumed epoch repeats it.
        counter = np.random.SeedSequence([self.seed, self.epoch, index]).generate_state(1)[0] % _SEED_STATE_RANGE
        for variable, own_seed in self._seed_states:
            variable.assign(np.array([own_seed, counter], dtype=variable.dtype))
        return keras.ops.convert_to_numpy(self.augment(x_batch, training=True))

    def on_epoch_end(self):
        """Move to the next epoch: a new order (and new augmentations)."""
        self.epoch += 1
        self._order = self._epoch_order(self.epoch)


def _seed_states(augment):
    """``[(state variable, the layer's own seed)]`` of every seed generator in a Keras layer.

    A ``keras.random.SeedGenerator`` keeps its state as the variable ``[seed, counter]``; it
    is among a layer's ``variables`` but not its ``weights``.
    """
    if not isinstance(augment, keras.Layer):
        return []
    weights = {id(w) for w in augment.weights}
    states = [v for v in augment.variables if id(v) not in weights and tuple(v.shape) == (2,)]
    return [(v, int(keras.ops.convert_to_numpy(v)[0])) for v in states]
