"""JAX's distribution, through ``keras.distribution``: data parallel over the local devices
("mirrored") or over the devices of several processes started with ``jax.distributed``
("multi-worker").

Imported only on the JAX backend. Every batch is one global batch: each process feeds its own
contiguous rows of it (``DeviceBatches``), Keras splits those over the process's devices, and
the all-reduced gradient is the single-device gradient of the global batch.
"""

import jax
import keras

from keras_course.train.checkpoints import EpochCheckpoint, clone_under, copy_state
from keras_course.train.cluster import check_jax_cluster


def start_processes():
    """Start ``jax.distributed`` from the ``KERAS_DISTRIBUTION_*`` variables (``check_jax_cluster``),
    unless it already runs; it must come before any other JAX work in the process."""
    if jax.distributed.is_initialized():
        return
    addresses, count, index = check_jax_cluster()
    try:
        keras.distribution.initialize(addresses, count, index)  # jax.distributed.initialize, seeded alike
    except RuntimeError as error:
        raise RuntimeError(
            f"jax.distributed could not start ({error}); enter the multi-worker strategy before any "
            "other JAX work in the process"
        ) from error


def get_distribution(name):
    """The ``keras.distribution`` for the strategy ``name``: None for "default"."""
    if name == "default":
        return None
    if name == "mirrored":
        return keras.distribution.DataParallel(devices=jax.local_devices())
    start_processes()
    # each process feeds its own rows of every global batch (DeviceBatches): Keras must not shard again
    return keras.distribution.DataParallel(devices=jax.devices(), auto_shard_dataset=False)


class DeviceBatches(keras.utils.PyDataset):
    """This process's rows of every global batch of a ``keras.utils.PyDataset``, after checking
    that the batch splits evenly over ``devices`` devices (JAX shards a batch over the devices
    in equal parts, and a bare sharding error would not say which batch or why).

    Process ``index`` of ``count`` gets rows ``[index * n / count, (index + 1) * n / count)`` of
    a batch of n examples: the processes' parts, concatenated in process order, are the batch.
    ``on_epoch_begin`` / ``on_epoch_end`` reach the wrapped dataset, which reshuffles as before.
    """

    def __init__(self, data, devices, index=0, count=1):
        super().__init__(
            workers=data.workers, use_multiprocessing=data.use_multiprocessing, max_queue_size=data.max_queue_size
        )
        self.data, self.devices, self.index, self.count = data, devices, index, count

    def __len__(self):
        return len(self.data)

    @property
    def num_batches(self):
        return self.data.num_batches

    def __getitem__(self, index):
        batch = self.data[index]
        size = len(keras.tree.flatten(batch)[0])
        if size % self.devices:
            raise ValueError(
                f"batch {index + 1} has {size} examples, which do not split evenly "
                f"over {self.devices} devices: data-parallel training on JAX needs every batch to be a "
                "multiple of the device count (choose the batch size and data size accordingly)"
            )
        part = size // self.count
        rows = slice(self.index * part, (self.index + 1) * part)
        return keras.tree.map_structure(lambda a: None if a is None else a[rows], batch)

    def on_epoch_begin(self):
        self.data.on_epoch_begin()

    def on_epoch_end(self):
        self.data.on_epoch_end()


def fit_data_parallel(model, data, callbacks, local_model=False, **fit_arguments):
    """``model.fit(data, **fit_arguments)`` under the current distribution (``mirrored``, or
    one the caller set) or, with ``local_model`` (``training_context("multi-worker")``), on a
    copy of ``model`` built under that context's distribution, whose final state (weights,
    optimizer) is copied back, so that the model stays local for evaluation and prediction.

    Only process 0 writes checkpoints; every process reads them on a resume. Returns the
    history dict of Keras's fit.
    """
    from keras_course.train import distribute

    distribution = distribute.multi_worker() if local_model else keras.distribution.distribution()
    batches = DeviceBatches(data, distribution.device_mesh.devices.size, jax.process_index(), jax.process_count())
    if jax.process_index() > 0:
        callbacks = [c for c in callbacks if not isinstance(c, EpochCheckpoint)]
    trained = clone_under(model, distribution.scope) if local_model else model
    auto_shard = distribution.auto_shard_dataset
    distribution.auto_shard_dataset = False  # DeviceBatches did it (Keras shards only tf.data)
    try:
        with distribution.scope():
            logs = trained.fit(batches, shuffle=False, callbacks=callbacks, **fit_arguments).history
    finally:
        distribution.auto_shard_dataset = auto_shard
    if trained is not model:
        copy_state(trained, model)
    return logs
