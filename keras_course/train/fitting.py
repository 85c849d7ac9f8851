"""``fit``: the ``model.fit`` every recipe trains with, on every backend, and ``replay_epochs``,
which lets a resumed run see the batches an uninterrupted one would have seen."""

import keras

from keras_course import backend
from keras_course.checks import check_bool, check_folder, check_int, describe
from keras_course.train import distribute
from keras_course.train.callbacks import StopOnNaN, TrainingDiverged
from keras_course.train.checkpoints import (
    EpochCheckpoint,
    check_run_owner,
    list_checkpoints,
    read_history,
    remove_checkpoints,
    restore_checkpoint,
)

DATA_KINDS = (
    "a keras.utils.PyDataset (any backend) or, on the TensorFlow backend, a tf.data.Dataset "
    "(e.g. keras_course.data.make_dataset(x, y, batch_size, seed=seed))"
)


def check_steps(steps_per_epoch):
    """``steps_per_epoch``: None (one pass over the data) or a positive int."""
    return None if steps_per_epoch is None else check_int("steps_per_epoch", steps_per_epoch, minimum=1)


def check_data(data):
    """``data`` is training batches ``fit`` can resume exactly: a ``PyDataset``, or ``tf.data``
    where TensorFlow is the backend (elsewhere a ``BackendError``)."""
    if isinstance(data, keras.utils.PyDataset):
        return data
    if backend.is_tf_dataset(data):
        backend.require_tensorflow("training on a tf.data.Dataset", instead="feed a keras.utils.PyDataset")
        return data
    raise TypeError(f"data must be {DATA_KINDS}, got {describe(data)}")


class _Replay(keras.Model):
    """``fit`` on this model draws the batches and learns nothing."""

    def train_step(self, data):
        return {"batches": 1}  # Keras needs some output from a step


def replay_epochs(data, epochs, steps_per_epoch=None):
    """Advance the random state of a training pipeline by ``epochs`` epochs, without training.

    A resumed run must see, from its first resumed epoch on, exactly the batches the
    uninterrupted run saw. A ``keras.utils.PyDataset`` (e.g. ``SceneStream``) moves on through
    ``on_epoch_end``, once per epoch. A ``tf.data`` pipeline (TensorFlow backend) reshuffles
    (and re-augments) on every pass from one seeded random state, and Keras's ``fit`` starts
    more passes than it trains on (it opens the next epoch's iterator as one ends); so the
    faithful way to reach epoch k is to run ``fit``'s own loop for k epochs on a model that
    learns nothing. That costs reading the data, not training on it.

    An endless stream (``steps_per_epoch`` given) fed by a Python generator reads a few
    batches ahead, so it resumes near, not exactly at, the uninterrupted run's position.
    """
    check_int("epochs", epochs, minimum=0)
    steps_per_epoch = check_steps(steps_per_epoch)
    check_data(data)
    if epochs == 0:
        return
    if isinstance(data, keras.utils.PyDataset):
        for _ in range(epochs):
            data.on_epoch_end()
        return
    replay = _Replay()
    replay.compile(jit_compile=False)
    replay.built = True
    # Under a strategy Keras's fit first draws one batch to build the model (one more pass);
    # the resumed fit will do that itself, so the replay must not.
    replay._distribute_strategy = None
    replay.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0, shuffle=False)


def _raise_diverged(where, run_dir):
    bad_epoch, step, loss = where
    last = list_checkpoints(run_dir) if run_dir is not None else []
    kept = f"the last good checkpoint is {last[-1][1]}" if last else "no checkpoint was written yet"
    raise TrainingDiverged(f"loss became {loss} at epoch {bad_epoch + 1}, step {step + 1}; training stopped and {kept}")


def _train(model, data, start, epochs, callbacks, stop_on_nan, **fit_arguments):
    """Epochs ``start`` .. ``epochs - 1`` where the backend's distribution wants them; returns
    ``(logs, where)``: the history dict and None, or ``(epoch, step, loss)`` of a non-finite loss."""
    which = backend.name()
    if which == "tensorflow":
        from keras_course.train import tf_distribute

        strategy = tf_distribute.multi_worker_strategy(model, distribute.multi_worker())
        if strategy is not None:  # Keras's fit does not run there: fit_distributed's own loop
            logs = tf_distribute.fit_multi_worker(
                model,
                data,
                start,
                epochs,
                fit_arguments["steps_per_epoch"],
                callbacks,
                strategy,
                fit_arguments["validation_data"],
                stop_on_nan,
            )
            return logs, logs.pop("diverged", None)
    nan_guard = StopOnNaN() if stop_on_nan else None
    callbacks = callbacks + ([nan_guard] if nan_guard else [])
    replay_epochs(data, start, fit_arguments["steps_per_epoch"])
    fit_arguments.update(epochs=epochs, initial_epoch=start)
    if which == "jax" and (distribute.multi_worker() is not None or keras.distribution.distribution() is not None):
        from keras_course.train import jax_distribute

        local_model = distribute.multi_worker() is not None
        logs = jax_distribute.fit_data_parallel(model, data, callbacks, local_model, **fit_arguments)
    else:
        logs = model.fit(data, shuffle=False, callbacks=callbacks, **fit_arguments).history
    return logs, nan_guard.where if nan_guard is not None else None


def fit(
    model,
    data,
    epochs,
    run_dir=None,
    validation_data=None,
    steps_per_epoch=None,
    callbacks=(),
    verbose=0,
    stop_on_nan=True,
    keep_checkpoints=False,
):
    """``model.fit`` that survives being killed, stops clearly on a NaN loss, and trains under
    every strategy of ``training_context``, on every backend. Every recipe trains through it.

    With a ``run_dir``, the weights and optimizer state are checkpointed atomically after
    every epoch (``save_checkpoint``). Called again with the same arguments after a crash or a
    kill, it restores the newest checkpoint, replays the data pipeline's random state to that
    epoch (``replay_epochs``) and trains the remaining epochs, so it ends with the weights
    and logs of a run that was never interrupted (on CPU, with ``set_seed``). Without
    ``run_dir`` it is ``model.fit`` plus the NaN check. Under "multi-worker" it trains a copy
    of the model: with its own loop on TensorFlow (Keras's fit does not run under
    ``MultiWorkerMirroredStrategy``), with Keras's fit under ``keras.distribution`` on JAX.

    Args:
        model: a compiled, built ``keras.Model`` (built: restoring needs its variables).
        data: the training batches: a ``keras.utils.PyDataset`` (any backend) or a
            ``tf.data.Dataset`` (TensorFlow backend, e.g. ``keras_course.data.make_dataset``).
            On JAX under a distribution, every batch must split evenly over the devices.
        epochs: positive int, the total number of epochs (done + to do).
        run_dir: None, or the folder for checkpoints and ``history.jsonl``. It must belong to
            this one training run: a checkpoint of another model is refused.
        validation_data, steps_per_epoch, callbacks, verbose: as for ``model.fit``.
        stop_on_nan: raise ``TrainingDiverged`` (naming the epoch and step, keeping the last
            good checkpoint) at the first non-finite loss. False where divergence is the lesson.
        keep_checkpoints: keep ``run_dir``'s files after the last epoch; by default they are
            removed, so that running the same command again trains afresh.

    Returns:
        a ``keras.callbacks.History`` whose ``history`` covers every epoch, resumed ones too.

    Not carried across a resume: the state of your own callbacks (an ``EarlyStopping``
    restarts its patience count), and the exact position of an endless stream fed by a
    Python generator (see ``replay_epochs``).
    """
    check_int("epochs", epochs, minimum=1)
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {describe(model)}")
    check_data(data)
    if not model.built:
        raise ValueError("model must be built (give it an Input or call it on a batch) before fit")
    if model.optimizer is None:
        raise ValueError("model must be compiled before fit")
    check_bool("stop_on_nan", stop_on_nan)
    check_bool("keep_checkpoints", keep_checkpoints)
    steps_per_epoch = check_steps(steps_per_epoch)
    if verbose != "auto":  # Keras's own default: a progress bar, or one line per epoch when not a terminal
        check_int("verbose", verbose, minimum=0, maximum=2)
    if isinstance(callbacks, keras.callbacks.Callback) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of keras callbacks, got {describe(callbacks)}")
    start = 0
    if run_dir is not None:
        run_dir = check_folder("run_dir", run_dir)
        found = list_checkpoints(run_dir)[-1][0] if list_checkpoints(run_dir) else 0
        if found > epochs:
            # resuming would restore epoch `found`, train nothing and return a short history
            raise ValueError(
                f"run_dir {run_dir} holds a checkpoint of epoch {found}, past the epochs={epochs} "
                f"asked; pass epochs >= {found} to resume that run, or delete its checkpoints "
                "(keras_course.train.remove_checkpoints(run_dir)) to start afresh"
            )
        check_run_owner(model, run_dir)
        start = restore_checkpoint(model, run_dir)
    callbacks = list(callbacks) + ([EpochCheckpoint(run_dir)] if run_dir is not None else [])
    logs = {}
    if start < epochs:
        logs, where = _train(
            model,
            data,
            start,
            epochs,
            callbacks,
            stop_on_nan,
            validation_data=validation_data,
            steps_per_epoch=steps_per_epoch,
            verbose=verbose,
        )
        if where is not None:
            _raise_diverged(where, run_dir)
    history = keras.callbacks.History()
    history.set_model(model)
    # the epochs done before a resume come from the run's log, the rest from this call (also
    # the epochs with a non-finite loss, which are never checkpointed, when stop_on_nan=False)
    earlier = read_history(run_dir, last_epoch=start) if start else {}
    history.history = {k: earlier.get(k, []) + list(logs.get(k, [])) for k in {**earlier, **logs}}
    history.epoch = list(range(len(next(iter(history.history.values()), []))))
    if run_dir is not None and not keep_checkpoints:
        remove_checkpoints(run_dir)
    return history
