"""TensorFlow's distribution: ``tf.distribute`` strategies, and the training loop that runs under
``MultiWorkerMirroredStrategy``, where Keras 3's ``fit`` does not (keras-team/keras#20585).

Imported only on the TensorFlow backend (``keras_course.train`` stays free of TensorFlow on the
others).
"""

import json
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_course.checks import check_bool, check_int, describe
from keras_course.train.checkpoints import EpochCheckpoint, clone_under, copy_state
from keras_course.train.cluster import check_tf_config
from keras_course.train.fitting import check_steps


def get_strategy(name):
    """The ``tf.distribute`` strategy called ``name`` (see ``keras_course.train.get_strategy``)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        devices = devices or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    check_tf_config()
    return tf.distribute.MultiWorkerMirroredStrategy()


def fit_distributed(
    model,
    dataset,
    epochs,
    strategy=None,
    initial_epoch=0,
    steps_per_epoch=None,
    callbacks=(),
    validate=None,
    stop_on_nan=True,
):
    """Train a compiled ``model`` on a batched ``tf.data`` ``dataset`` with a custom loop.

    Keras 3's ``model.fit`` does not run under ``MultiWorkerMirroredStrategy``
    (keras-team/keras#20585); this loop does, and under any other strategy (``fit`` calls it
    under multi-worker). Build and compile the model inside ``strategy.scope()``. Each worker
    reads its shard of every global batch of ``dataset``, split across the replicas; each
    replica's loss is Keras's ``compute_loss`` on its part (compiled loss, plus the layers'
    regularisation losses), which Keras divides by the number of replicas, so the all-reduced
    gradient is the single-process gradient of the global batch (for equal parts).

    ``initial_epoch`` k: the first k passes over ``dataset`` are read without training, so a
    resumed run reshuffles as the uninterrupted one did. ``callbacks`` (Keras callbacks) are
    called as ``fit`` calls them, with ``{"loss": ...}`` logs (per batch, and the epoch's
    mean and compiled metrics). ``validate``: None, or a function that adds ``val_`` entries
    to an epoch's logs dict. Training stops at the first non-finite loss (``stop_on_nan``).

    Returns ``{"loss": [...], metric: [...]}`` per epoch, plus ``"diverged": (epoch, step,
    loss)`` if it stopped on a non-finite loss.
    """
    check_int("epochs", epochs, minimum=1)
    check_int("initial_epoch", initial_epoch, minimum=0, maximum=epochs)
    steps_per_epoch = check_steps(steps_per_epoch)
    check_bool("stop_on_nan", stop_on_nan)
    if validate is not None and not callable(validate):
        raise TypeError(f"validate must be None or a function of the logs dict, got {describe(validate)}")
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {describe(model)}")
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"dataset must be a batched tf.data.Dataset, got {describe(dataset)}")
    if model.optimizer is None or model.loss is None:
        raise ValueError("model must be compiled with an optimizer and a loss inside the strategy's scope")
    strategy = strategy or tf.distribute.get_strategy()
    options = tf.data.Options()
    # Shard by batch: each worker gets every k-th global batch, split into per-replica parts.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # Distributed once: every pass over it reshuffles (a new distributed copy per epoch would
    # start the shuffle's random state afresh and repeat one order).
    distributed = strategy.experimental_distribute_dataset(dataset.with_options(options))
    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            # the replica's mean loss / replicas, as in Keras's own train step (also for a loss of
            # the whole batch, like triplet mining: then each replica mines its own part)
            loss = model.compute_loss(x=x, y=y, y_pred=predictions, training=True)
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))  # all-reduced
        model.compute_metrics(x, y, predictions)  # compiled metrics, aggregated over replicas when read
        return loss

    @tf.function
    def train_step(batch):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=batch), axis=None)

    # Batch-norm moving statistics are updated by each worker from its own shard; average them
    # after every epoch so that every worker evaluates and checkpoints the same model.
    statistics = [v for v in model.non_trainable_variables if "float" in str(v.dtype)]

    @tf.function
    def replica_statistics():
        return strategy.run(lambda: [tf.identity(v.value) for v in statistics])

    def average_statistics():
        if statistics and strategy.num_replicas_in_sync > 1:
            for variable, values in zip(statistics, replica_statistics(), strict=True):
                variable.assign(strategy.reduce(tf.distribute.ReduceOp.MEAN, values, axis=None))

    endless = iter(distributed) if steps_per_epoch is not None else None

    def one_pass():
        return (next(endless) for _ in range(steps_per_epoch)) if endless is not None else distributed

    for _ in range(initial_epoch):
        for _ in one_pass():
            pass
    recorder = keras.callbacks.History()  # last: it sees what the other callbacks add to the logs
    callbacks = keras.callbacks.CallbackList([*callbacks, recorder], model=model)  # Keras's callback protocol
    callbacks.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        callbacks.on_epoch_begin(epoch)
        model.reset_metrics()
        losses = []
        for step, batch in enumerate(one_pass()):
            if any(len(tf.nest.flatten(part)[0]) == 0 for part in strategy.experimental_local_results(batch[-1])):
                raise ValueError(
                    f"a batch of epoch {epoch + 1} leaves a replica without examples: data-parallel "
                    f"training over {strategy.num_replicas_in_sync} replicas needs batches of at least "
                    f"that many examples (per-example SGD, batch 1, cannot be spread)"
                )
            callbacks.on_train_batch_begin(step)
            losses.append(float(train_step(batch)))
            if stop_on_nan and not np.isfinite(losses[-1]):
                return {**recorder.history, "diverged": (epoch, step, losses[-1])}
            callbacks.on_train_batch_end(step, {"loss": losses[-1]})
        average_statistics()
        logs = {k: float(v) for k, v in model.get_metrics_result().items() if k != "loss"}
        logs["loss"] = float(np.mean(losses))
        if validate is not None:
            validate(logs)
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end()
    return dict(recorder.history)


def multi_worker_strategy(model, active=None):
    """The ``MultiWorkerMirroredStrategy`` that ``fit`` must train ``model`` under with its own
    loop: ``training_context("multi-worker")``'s (``active``), else the one the model was built
    under (Keras records it); None when neither is one."""
    strategy = active or getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    return strategy if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) else None


def fit_multi_worker(
    model, data, start, epochs, steps_per_epoch, callbacks, strategy, validation_data=None, stop_on_nan=True
):
    """Epochs ``start`` .. ``epochs - 1`` with ``fit_distributed``'s loop (Keras 3's fit does not
    run under ``MultiWorkerMirroredStrategy``). A model built outside the strategy is trained
    as a copy built under it, whose final state (weights, optimizer) is copied back; after each
    epoch the local model gets the weights and evaluates ``validation_data`` (every worker the
    whole set). The chief (worker 0) writes the checkpoints; every worker reads them on a resume.

    Returns ``fit_distributed``'s logs (with ``"diverged"`` if the loss stopped being finite).
    """
    if isinstance(data, keras.utils.PyDataset):
        data = _pydataset_as_tf_data(data)  # each pass ends with on_epoch_end: replays too
    trained = model if model.distribute_strategy is strategy else clone_under(model, strategy.scope)
    chief = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0) == 0
    callbacks = [c for c in callbacks if chief or not isinstance(c, EpochCheckpoint)]

    def validate(logs):
        copy_state(trained, model)
        x, y = validation_data if isinstance(validation_data, tuple) else (validation_data, None)
        results = model.evaluate(x, y, verbose=0, return_dict=True)
        logs.update({f"val_{k}": float(v) for k, v in results.items()})

    local = trained is not model and validation_data is not None
    if validation_data is not None and not local:
        warnings.warn(
            "a model built under MultiWorkerMirroredStrategy cannot be evaluated by Keras; "
            "validation_data is not evaluated during training",
            stacklevel=3,
        )
    logs = fit_distributed(
        trained,
        data,
        epochs,
        strategy=strategy,
        initial_epoch=start,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        validate=validate if local else None,
        stop_on_nan=stop_on_nan,
    )
    if trained is not model:
        copy_state(trained, model)
    return logs


def _pydataset_as_tf_data(data):
    """A ``keras.utils.PyDataset`` as a one-epoch ``tf.data.Dataset`` (moves it on after each pass)."""

    def spec(array):
        array = np.asarray(array)
        return tf.TensorSpec((None, *array.shape[1:]), tf.as_dtype(array.dtype))

    signature = tf.nest.map_structure(spec, tuple(data[0]))  # (x, y), x possibly a dict of inputs

    def batches():
        for i in range(len(data)):
            yield tuple(data[i])
        data.on_epoch_end()

    return tf.data.Dataset.from_generator(batches, output_signature=signature)
