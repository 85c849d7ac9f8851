"""Training helpers shared by every recipe: seeds, callbacks, distribution, resumable fits.

- ``set_seed``: same seed, same figures on CPU.
- ``standard_callbacks``: early stopping, best-model checkpoint, CSV log.
- ``get_strategy`` / ``training_context``: build and train under a ``tf.distribute`` strategy
  ("default", "mirrored", "multi-worker"), optionally in mixed precision.
- ``fit``: the ``model.fit`` every recipe trains with. It checkpoints atomically after every
  epoch, resumes from the last checkpoint after a crash or kill with the same result as an
  uninterrupted run, stops with a clear error naming the step when the loss becomes NaN, and
  runs its own loop under ``MultiWorkerMirroredStrategy``, where Keras 3's fit does not.
- ``EpochTimer``: each epoch's wall time in its logs, where a resumed ``fit`` keeps it.
"""

import contextlib
import json
import os
import random
import re
import time
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_course.checks import check_bool, check_choice, check_folder, check_int, describe

STRATEGIES = ("default", "mirrored", "multi-worker")


def set_seed(seed):
    """Seed Python, NumPy, TensorFlow and Keras, and make TF ops deterministic.

    With the same ``seed`` a CPU run gives the same figures. (Op determinism makes some GPU
    kernels slower; that is the price of repeatable results.)

    Beware: once the TF seed is set, ``model.fit(x_array, y_array, shuffle=True)`` visits the
    examples in the same order every epoch (Keras's array adapter re-runs one seeded
    shuffle). Feed ``keras_course.data.make_dataset(x, y, batch_size, seed=seed)`` instead: it
    draws a new, repeatable order each epoch.
    """
    check_int("seed", seed, minimum=0, maximum=2**32 - 1)  # NumPy's seed limit
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))  # seeds Python, NumPy and the backend too
    tf.config.experimental.enable_op_determinism()


def standard_callbacks(run_dir, monitor="val_loss", patience=5):
    """Callbacks for a full run, all writing under ``run_dir``; pass them to ``fit``.

    - EarlyStopping on ``monitor`` with the best weights restored;
    - ModelCheckpoint of the best model to ``run_dir/best.keras``;
    - CSVLogger of every epoch's logs to ``run_dir/history.csv`` (appending on resume).

    No ``BackupAndRestore``: ``fit`` checkpoints and resumes itself (with the data order
    replayed); a second restore could put the weights and the data at different epochs.
    """
    check_int("patience", patience, minimum=1)
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"monitor must be a metric name (str), got {describe(monitor)}")
    run_dir = check_folder("run_dir", run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return [
        keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(run_dir / "best.keras"), monitor=monitor, save_best_only=True),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]


def _check_steps(steps_per_epoch):
    return None if steps_per_epoch is None else check_int("steps_per_epoch", steps_per_epoch, minimum=1)


# ---------------------------------------------------------------------------- distribution
def get_strategy(name="default"):
    """A ``tf.distribute`` strategy to build models under: ``with get_strategy(n).scope(): ...``.

    - ``"default"``: the current device, no distribution.
    - ``"mirrored"``: data parallel over all local GPUs, or over the logical CPU devices when
      there is no GPU.
    - ``"multi-worker"``: ``MultiWorkerMirroredStrategy`` over the machines listed in the
      ``TF_CONFIG`` environment variable (see the README). Create it before any other
      TensorFlow work in the process.
    """
    check_choice("name", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        devices = devices or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    check_tf_config()
    return tf.distribute.MultiWorkerMirroredStrategy()


TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'


def check_tf_config():
    """The ``TF_CONFIG`` a multi-worker run needs, parsed; a ValueError saying what is wrong."""
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise ValueError(
            f"the multi-worker strategy needs the environment variable TF_CONFIG, e.g. {TF_CONFIG_EXAMPLE}"
        )
    try:
        parsed = json.loads(config)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}); expected e.g. {TF_CONFIG_EXAMPLE}") from None
    workers = parsed.get("cluster", {}).get("worker") if isinstance(parsed, dict) else None
    task = parsed.get("task") if isinstance(parsed, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise ValueError(
            f'TF_CONFIG must list the workers as "cluster": {{"worker": ["host:port", ...]}}, got {config!r}'
        )
    index = task.get("index") if isinstance(task, dict) else None
    if (
        not isinstance(task, dict)
        or task.get("type") != "worker"
        or isinstance(index, bool)
        or not isinstance(index, int)
        or not 0 <= index < len(workers)
    ):
        raise ValueError(
            f'TF_CONFIG must give this process\'s "task": {{"type": "worker", "index": i}} with '
            f"0 <= i < {len(workers)}, got {config!r}"
        )
    return parsed


# Set by ``training_context("multi-worker")``: the strategy ``fit`` trains a copy of each model
# under. Keras 3's fit, evaluate and predict do not run under MultiWorkerMirroredStrategy
# (keras-team/keras#20585), so there the recipes' models stay local and only training is spread.
_multi_worker_strategy = None


@contextlib.contextmanager
def training_context(strategy="default", mixed_precision=False):
    """Run the body under ``get_strategy(strategy)``, in mixed precision if asked.

    "default" and "mirrored": models built in the body are built under the strategy's scope,
    and Keras trains them there. "multi-worker": models stay local (Keras can evaluate and
    predict with them) and ``fit`` trains a copy of each under the strategy, with its own loop,
    copying the weights back after training.

    Mixed precision computes in float16 on a GPU (bfloat16 on a CPU) and keeps variables in
    float32; models keep their final softmax and losses in float32. Restores the previous
    dtype policy on exit. Yields the strategy.
    """
    global _multi_worker_strategy
    check_choice("strategy", strategy, STRATEGIES)
    check_bool("mixed_precision", mixed_precision)
    strategy = get_strategy(strategy)
    previous_policy, previous_strategy = keras.config.dtype_policy(), _multi_worker_strategy
    if mixed_precision:
        gpu = bool(tf.config.list_logical_devices("GPU"))
        keras.config.set_dtype_policy("mixed_float16" if gpu else "mixed_bfloat16")
    try:
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            _multi_worker_strategy = strategy
            yield strategy
        else:
            with strategy.scope():
                yield strategy
    finally:
        keras.config.set_dtype_policy(previous_policy)
        _multi_worker_strategy = previous_strategy


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
    steps_per_epoch = _check_steps(steps_per_epoch)
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


# ---------------------------------------------------------------------------- faults
class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; the message names the epoch and step."""


class StopOnNaN(keras.callbacks.Callback):
    """Stop training at the first batch whose loss is not finite, remembering where."""

    def __init__(self):
        super().__init__()
        self.epoch = 0
        self.where = None  # (epoch, step within epoch, loss) once it diverged

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(float(loss)):
            self.where = (self.epoch, batch, float(loss))
            self.model.stop_training = True


class EpochTimer(keras.callbacks.Callback):
    """Adds ``key`` to each epoch's logs: the epoch's wall time in seconds, validation included,
    the callbacks listed after this one left out. ``fit`` checkpoints the logs with the
    epoch, so a resumed run still reports the time of every epoch, those trained before the
    crash too (a timer around the ``fit`` call would count only what the last process did)."""

    def __init__(self, key="epoch_seconds"):
        super().__init__()
        if not isinstance(key, str) or not key:
            raise ValueError(f"key must be a non-empty str, got {key!r}")
        self.key = key

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.key] = time.perf_counter() - self.start


_CHECKPOINT = re.compile(r"^epoch-(\d{4,})\.npz$")


def _checkpoints(run_dir):
    """``[(epoch, path), ...]`` of the complete checkpoints in ``run_dir``, oldest first."""
    found = [(int(m.group(1)), p) for p in Path(run_dir).glob("epoch-*.npz") if (m := _CHECKPOINT.match(p.name))]
    return sorted(found)


def _state_variables(model):
    """Everything a resumed run needs, in a fixed order: the model's variables (weights, batch
    norm statistics, and the dropout layers' random seed states, which ``save_weights``
    leaves out) and the optimizer's (step count, moments)."""
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    return list(model.variables) + (list(model.optimizer.variables) if model.optimizer is not None else [])


def save_checkpoint(model, run_dir, epoch, logs, keep=2):
    """Write the training state after ``epoch`` epochs to ``run_dir/epoch-NNNN.npz``, atomically.

    The file is written under a temporary name, flushed to disk and renamed into place (a
    rename is atomic on POSIX), so a kill during the save leaves the previous checkpoint
    untouched and never a half-written file with a checkpoint's name. Keeps the ``keep``
    newest.
    """
    # keep <= 0 would slice [:-keep] to delete the wrong files (keep=-1: the one just written)
    keep = check_int("keep", keep, minimum=1)
    epoch = check_int("epoch", epoch, minimum=1)
    if not isinstance(logs, dict):
        raise TypeError(f"logs must be a dict of the epoch's metrics, got {describe(logs)}")
    run_dir = check_folder("run_dir", run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    final = run_dir / f"epoch-{epoch:04d}.npz"
    partial = run_dir / f".partial-{os.getpid()}.npz"
    # The log line first: if a kill lands between the two, the epoch is redone on resume and
    # its second line replaces the first (read_history keeps the last line per epoch).
    with open(run_dir / "history.jsonl", "a") as f:
        f.write(json.dumps({"epoch": epoch, **{k: float(v) for k, v in logs.items()}}) + "\n")
    with open(partial, "wb") as f:
        np.savez(f, *[np.asarray(v.numpy()) for v in _state_variables(model)])
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, final)
    for _, old in _checkpoints(run_dir)[:-keep]:
        old.unlink()
    return final


def restore_checkpoint(model, run_dir):
    """Load the newest checkpoint in ``run_dir`` into ``model``; return its epoch (0 if none)."""
    checkpoints = _checkpoints(check_folder("run_dir", run_dir))
    if not checkpoints:
        return 0
    epoch, path = checkpoints[-1]
    variables = _state_variables(model)
    try:
        with np.load(path) as archive:
            values = [archive[f"arr_{i}"] for i in range(len(archive.files))]
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as error:  # a cut or foreign file
        raise ValueError(
            f"{path}: not a valid checkpoint file ({type(error).__name__}: {error}); "
            "delete it to resume from the one before"
        ) from error
    if len(values) != len(variables) or any(tuple(v.shape) != a.shape for v, a in zip(variables, values, strict=True)):
        raise ValueError(
            f"checkpoint {path} does not match this model and optimizer "
            f"({len(values)} arrays for {len(variables)} variables)"
        )
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
    return epoch


def remove_checkpoints(run_dir):
    """Delete what ``fit`` wrote in ``run_dir`` (checkpoints, history, owner), then the folder
    if it is empty, and its parent too if that is an emptied ``checkpoints`` folder
    (``keras_course.runner.checkpoint_dir``): a finished run leaves nothing to resume from."""
    run_dir = check_folder("run_dir", run_dir)
    for path in [p for _, p in _checkpoints(run_dir)] + [run_dir / "history.jsonl", run_dir / "model.json"]:
        path.unlink(missing_ok=True)
    for folder in (run_dir, run_dir.parent):
        if folder.is_dir() and not any(folder.iterdir()) and (folder == run_dir or folder.name == "checkpoints"):
            folder.rmdir()


class _Replay(keras.Model):
    """``fit`` on this model draws the batches and learns nothing."""

    def train_step(self, data):
        return {"batches": 1}  # Keras needs some output from a step


def replay_epochs(data, epochs, steps_per_epoch=None):
    """Advance the random state of a training pipeline by ``epochs`` epochs, without training.

    A resumed run must see, from its first resumed epoch on, exactly the batches the
    uninterrupted run saw. A ``tf.data`` pipeline reshuffles (and re-augments) on every pass
    from one seeded random state, and Keras's ``fit`` starts more passes than it trains on
    (it opens the next epoch's iterator as one ends); so the faithful way to reach epoch k is
    to run ``fit``'s own loop for k epochs on a model that learns nothing. That costs reading
    the data, not training on it. A ``keras.utils.PyDataset`` (e.g. ``SceneStream``) moves on
    through ``on_epoch_end``, once per epoch.

    An endless stream (``steps_per_epoch`` given) fed by a Python generator reads a few
    batches ahead, so it resumes near, not exactly at, the uninterrupted run's position.
    """
    check_int("epochs", epochs, minimum=0)
    steps_per_epoch = _check_steps(steps_per_epoch)
    if epochs == 0:
        return
    if isinstance(data, keras.utils.PyDataset):
        for _ in range(epochs):
            data.on_epoch_end()
    elif isinstance(data, tf.data.Dataset):
        replay = _Replay()
        replay.compile(jit_compile=False)
        replay.built = True
        # Under a strategy Keras's fit first draws one batch to build the model (one more pass);
        # the resumed fit will do that itself, so the replay must not.
        replay._distribute_strategy = None
        replay.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0, shuffle=False)
    else:
        raise TypeError(f"data must be a tf.data.Dataset or a keras.utils.PyDataset, got {type(data).__name__}")


class EpochCheckpoint(keras.callbacks.Callback):
    """``save_checkpoint`` after every epoch (weights, optimizer state, the epoch's logs), but
    never of an epoch whose loss is not finite: the last good checkpoint must survive."""

    def __init__(self, run_dir, keep=2):
        super().__init__()
        self.run_dir, self.keep = check_folder("run_dir", run_dir), check_int("keep", keep, minimum=1)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if np.isfinite(float(logs.get("loss", 0.0))):
            save_checkpoint(self.model, self.run_dir, epoch + 1, logs, self.keep)


def _raise_diverged(where, run_dir):
    bad_epoch, step, loss = where
    last = _checkpoints(run_dir) if run_dir is not None else []
    kept = f"the last good checkpoint is {last[-1][1]}" if last else "no checkpoint was written yet"
    raise TrainingDiverged(f"loss became {loss} at epoch {bad_epoch + 1}, step {step + 1}; training stopped and {kept}")


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
    """``model.fit`` that survives being killed, stops clearly on a NaN loss, and also trains
    under ``MultiWorkerMirroredStrategy``. Every recipe trains through it.

    With a ``run_dir``, the weights and optimizer state are checkpointed atomically after
    every epoch (``save_checkpoint``). Called again with the same arguments after a crash or a
    kill, it restores the newest checkpoint, replays the data pipeline's random state to that
    epoch (``replay_epochs``) and trains the remaining epochs, so it ends with the weights
    and logs of a run that was never interrupted (on CPU, with ``set_seed``). Without
    ``run_dir`` it is ``model.fit`` plus the NaN check.

    Args:
        model: a compiled, built ``keras.Model`` (built: restoring needs its variables).
        data: the training batches: a ``tf.data.Dataset`` (e.g.
            ``keras_course.data.make_dataset``) or a ``keras.utils.PyDataset``.
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
    if not isinstance(data, (tf.data.Dataset, keras.utils.PyDataset)):
        raise TypeError(
            f"data must be a tf.data.Dataset (e.g. keras_course.data.make_dataset(x, y, batch_size, "
            f"seed=seed)) or a keras.utils.PyDataset, got {type(data).__name__}"
        )
    if not model.built:
        raise ValueError("model must be built (give it an Input or call it on a batch) before fit")
    if model.optimizer is None:
        raise ValueError("model must be compiled before fit")
    check_bool("stop_on_nan", stop_on_nan)
    check_bool("keep_checkpoints", keep_checkpoints)
    steps_per_epoch = _check_steps(steps_per_epoch)
    check_int("verbose", verbose, minimum=0, maximum=2)
    if isinstance(callbacks, keras.callbacks.Callback) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of keras callbacks, got {describe(callbacks)}")
    start = 0
    if run_dir is not None:
        run_dir = check_folder("run_dir", run_dir)
        found = _checkpoints(run_dir)[-1][0] if _checkpoints(run_dir) else 0
        if found > epochs:
            # resuming would restore epoch `found`, train nothing and return a short history
            raise ValueError(
                f"run_dir {run_dir} holds a checkpoint of epoch {found}, past the epochs={epochs} "
                f"asked; pass epochs >= {found} to resume that run, or delete its checkpoints "
                "(keras_course.train.remove_checkpoints(run_dir)) to start afresh"
            )
        _check_run_owner(model, run_dir)
        start = restore_checkpoint(model, run_dir)
    # training_context("multi-worker")'s, else the one the model was built under (Keras records it)
    strategy = _multi_worker_strategy or getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    callbacks = list(callbacks) + ([EpochCheckpoint(run_dir)] if run_dir is not None else [])
    nan_guard = StopOnNaN() if stop_on_nan else None
    logs = {}
    if start < epochs and multi_worker:
        logs = _fit_multi_worker(
            model, data, start, epochs, steps_per_epoch, callbacks, strategy, validation_data, stop_on_nan
        )
        diverged = logs.pop("diverged", None)
        if diverged is not None:
            _raise_diverged(diverged, run_dir)
    elif start < epochs:
        replay_epochs(data, start, steps_per_epoch)
        logs = model.fit(
            data,
            epochs=epochs,
            initial_epoch=start,
            validation_data=validation_data,
            steps_per_epoch=steps_per_epoch,
            verbose=verbose,
            shuffle=False,
            callbacks=callbacks + ([nan_guard] if nan_guard else []),
        ).history
        if nan_guard is not None and nan_guard.where is not None:
            _raise_diverged(nan_guard.where, run_dir)
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


def _check_run_owner(model, run_dir):
    """Refuse to resume from another model's checkpoints (a reused ``--out`` folder). Models
    are compared by class and weight shapes: Keras numbers unnamed models per process."""
    owner = {"model": type(model).__name__, "weights": [list(w.shape) for w in model.weights]}
    path = run_dir / "model.json"
    if path.is_file():
        try:
            found = json.loads(path.read_text())
            found["model"], found["weights"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}: not a valid owner file ({type(error).__name__}: {error}); "
                "delete the run folder to start afresh"
            ) from error
        if found != owner:
            raise ValueError(
                f"run_dir {run_dir} holds checkpoints of another model ({found['model']}, "
                f"{len(found['weights'])} weights); delete it or choose another folder"
            )
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(owner))


def _fit_multi_worker(
    model, data, start, epochs, steps_per_epoch, callbacks, strategy, validation_data=None, stop_on_nan=True
):
    """Epochs ``start`` .. ``epochs - 1`` with ``fit_distributed``'s loop (Keras 3's fit does not
    run under ``MultiWorkerMirroredStrategy``). A model built outside the strategy is trained
    as a copy built under it, whose final state (weights, optimizer) is copied back; after each
    epoch the local model gets the weights and evaluates ``validation_data`` (every worker the
    whole set). The chief (worker 0) writes the checkpoints; every worker reads them on a resume."""
    if isinstance(data, keras.utils.PyDataset):
        data = _pydataset_as_tf_data(data)  # each pass ends with on_epoch_end: replays too
    trained = model if model.distribute_strategy is strategy else _copy_under(model, strategy)
    chief = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0) == 0
    callbacks = [c for c in callbacks if chief or not isinstance(c, EpochCheckpoint)]

    def validate(logs):
        _copy_state(trained, model)
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
        _copy_state(trained, model)
    return logs


def _copy_under(model, strategy):
    """A copy of a compiled ``model`` built and compiled under ``strategy``, with its state."""
    try:
        with strategy.scope():
            copy = keras.models.clone_model(model)
            copy.compile_from_config(model.get_compile_config())  # optimizer, loss, metrics
    except Exception as err:  # e.g. a subclassed model without get_config
        raise ValueError(
            f"multi-worker training copies the model under the strategy and cannot copy {model.name}: {err}"
        ) from err
    _state_variables(model)  # builds the local optimizer, outside the scope
    with strategy.scope():
        _state_variables(copy)  # and the copy's, under it
    _copy_state(model, copy)
    return copy


def _copy_state(source, target):
    """Assign every model and optimizer variable of ``source`` to ``target`` (same architecture)."""
    for a, b in zip(_state_variables(source), _state_variables(target), strict=True):
        b.assign(np.asarray(a.numpy()))


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


def read_history(run_dir, last_epoch=None):
    """The per-epoch logs ``fit`` wrote, as ``{metric: [value per epoch]}``, of every epoch or
    of epochs 1 to ``last_epoch``. A metric logged in only some epochs (validation every few
    epochs, a callback added on resume) has a value for just those, as in Keras's History."""
    if last_epoch is not None:
        check_int("last_epoch", last_epoch, minimum=0)
    path = check_folder("run_dir", run_dir) / "history.jsonl"
    rows = {}
    if path.is_file():
        try:
            lines = path.read_text().splitlines()
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not a valid history file ({error})") from error
        for line in lines:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                if line.startswith("{"):  # a line cut short by a kill
                    continue
                raise ValueError(f"{path}: not a valid history file ({error} in {line[:40]!r})") from error
            if not isinstance(row, dict) or not isinstance(row.get("epoch"), int):
                raise ValueError(f"{path}: not a valid history file (a line without an int 'epoch': {line[:60]!r})")
            rows[row["epoch"]] = row  # an epoch redone after a kill overwrites its first try
    logs = {}
    for epoch in sorted(e for e in rows if last_epoch is None or e <= last_epoch):
        for key, value in rows[epoch].items():
            if key != "epoch":
                logs.setdefault(key, []).append(value)
    return logs
