"""Training helpers shared by every recipe: seeds, callbacks, distribution, resumable fits.

- ``set_seed``: same seed, same figures on CPU.
- ``standard_callbacks``: early stopping, best-model checkpoint, backup, CSV log.
- ``get_strategy`` / ``training_context``: build and train under a ``tf.distribute`` strategy
  ("default", "mirrored", "multi-worker"), optionally in mixed precision.
- ``fit_resumable``: a ``model.fit`` that checkpoints atomically after every epoch, resumes
  from the last checkpoint after a crash or kill with the same result as an uninterrupted
  run, and stops with a clear error naming the step when the loss becomes NaN.
"""

import contextlib
import json
import os
import random
import re
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

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
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))  # seeds Python, NumPy and the backend too
    tf.config.experimental.enable_op_determinism()


def standard_callbacks(run_dir, monitor="val_loss", patience=5):
    """Callbacks for a full run, all writing under ``run_dir``.

    - EarlyStopping on ``monitor`` with the best weights restored;
    - ModelCheckpoint of the best model to ``run_dir/best.keras``;
    - BackupAndRestore to ``run_dir/backup`` so an interrupted ``fit`` resumes at the epoch
      where it stopped, with the optimizer state (``fit_resumable`` goes further: the same
      data order after a resume, atomic checkpoints, NaN stops);
    - CSVLogger of every epoch's logs to ``run_dir/history.csv`` (appending on resume).
    """
    if not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience must be a positive int, got {patience!r}")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(run_dir / "best.keras"), monitor=monitor, save_best_only=True),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]


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
    if name not in STRATEGIES:
        raise ValueError(f"name must be one of {STRATEGIES}, got {name!r}")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        devices = devices or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise ValueError('name="multi-worker" needs TF_CONFIG, e.g. {"cluster": {"worker": '
                         '["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}')
    return tf.distribute.MultiWorkerMirroredStrategy()


@contextlib.contextmanager
def training_context(strategy="default", mixed_precision=False):
    """Run the body under ``get_strategy(strategy)``'s scope, in mixed precision if asked.

    Mixed precision computes in float16 on a GPU (bfloat16 on a CPU) and keeps variables in
    float32; models keep their final softmax and losses in float32. Restores the previous
    dtype policy on exit. Yields the strategy.
    """
    if not isinstance(mixed_precision, bool):
        raise TypeError(f"mixed_precision must be a bool, got {mixed_precision!r}")
    strategy = get_strategy(strategy)
    previous_policy = keras.config.dtype_policy()
    if mixed_precision:
        gpu = bool(tf.config.list_logical_devices("GPU"))
        keras.config.set_dtype_policy("mixed_float16" if gpu else "mixed_bfloat16")
    try:
        with strategy.scope():
            yield strategy
    finally:
        keras.config.set_dtype_policy(previous_policy)


def fit_distributed(model, dataset, epochs, global_batch_size, strategy=None):
    """Train a compiled ``model`` on a batched ``tf.data`` ``dataset`` with a custom loop.

    Keras 3's ``model.fit`` does not run under ``MultiWorkerMirroredStrategy``
    (keras-team/keras#20585); this loop does, and under any other strategy. Build and compile
    the model inside ``strategy.scope()``. Each worker reads its shard of ``dataset`` (batches
    of ``global_batch_size`` split across the replicas); each replica's loss is summed over its
    examples and divided by the global batch size, so the all-reduced gradient equals the
    single-process gradient of the global batch.

    Returns ``{"loss": [mean loss per epoch]}``.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if not isinstance(global_batch_size, int) or global_batch_size < 1:
        raise ValueError(f"global_batch_size must be a positive int, got {global_batch_size!r}")
    if model.optimizer is None or model.loss is None:
        raise ValueError("model must be compiled with an optimizer and a loss inside the strategy's scope")
    strategy = strategy or tf.distribute.get_strategy()
    options = tf.data.Options()
    # Shard by batch: each worker gets every k-th global batch, split into per-replica parts.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    distributed = strategy.experimental_distribute_dataset(dataset.with_options(options))
    loss_fn = keras.losses.get(model.loss)
    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            per_example = loss_fn.call(y, model(x, training=True))  # unreduced, (batch,)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch_size)
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # all-reduced
        return loss

    @tf.function
    def train_step(batch):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=batch), axis=None)

    history = {"loss": []}
    for _ in range(epochs):
        losses = [float(train_step(batch)) for batch in distributed]
        history["loss"].append(float(np.mean(losses)))
    return history


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


_CHECKPOINT = re.compile(r"^epoch-(\d{4,})\.weights\.h5$")


def _checkpoints(run_dir):
    """``[(epoch, path), ...]`` of the complete checkpoints in ``run_dir``, oldest first."""
    found = [(int(m.group(1)), p) for p in Path(run_dir).glob("epoch-*.weights.h5") if (m := _CHECKPOINT.match(p.name))]
    return sorted(found)


def save_checkpoint(model, run_dir, epoch, logs, keep=2):
    """Write the weights and optimizer state after ``epoch`` epochs, atomically.

    The file is written under a temporary name and renamed into place (a rename is atomic
    on POSIX), so a kill during the save leaves the previous checkpoint untouched and never
    a half-written file with a checkpoint's name. Keeps the ``keep`` newest.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    final = run_dir / f"epoch-{epoch:04d}.weights.h5"
    partial = run_dir / f".partial-{os.getpid()}.weights.h5"
    # The log line first: if a kill lands between the two, the epoch is redone on resume and
    # its second line replaces the first (read_history keeps the last line per epoch).
    with open(run_dir / "history.jsonl", "a") as f:
        f.write(json.dumps({"epoch": epoch, **{k: float(v) for k, v in logs.items()}}) + "\n")
    model.save_weights(partial)
    os.replace(partial, final)
    for _, old in _checkpoints(run_dir)[:-keep]:
        old.unlink()
    return final


def restore_checkpoint(model, run_dir):
    """Load the newest checkpoint in ``run_dir`` into ``model``; return its epoch (0 if none)."""
    checkpoints = _checkpoints(run_dir)
    if not checkpoints:
        return 0
    epoch, path = checkpoints[-1]
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(path)
    return epoch


def epoch_order(n, seed, epoch):
    """The shuffled order of ``n`` examples in ``epoch``: a function of (seed, epoch) only, so
    a resumed run sees exactly the batches the uninterrupted run would have seen."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def fit_resumable(model, x, y, run_dir, epochs, batch_size=32, seed=0, validation_data=None,
                  callbacks=(), verbose=0):
    """``model.fit`` that survives being killed, and stops clearly on a NaN loss.

    After every epoch the weights and optimizer state are checkpointed atomically to
    ``run_dir``. Started again with the same arguments, it resumes after the last complete
    epoch, and because each epoch's shuffle depends on (seed, epoch) alone, it ends with the
    same weights and metrics as a run that was never interrupted (on CPU, with ``set_seed``).
    If the loss becomes NaN or infinite it raises ``TrainingDiverged`` naming the epoch and
    step, and the last good checkpoint stays on disk.

    Args:
        model: a compiled, built ``keras.Model``.
        x, y: arrays (N, ...), the training data.
        run_dir: folder for checkpoints and ``history.jsonl``.
        epochs: positive int, the total number of epochs (done + to do).
        batch_size, seed, validation_data, callbacks, verbose: as for ``model.fit``.

    Returns:
        dict of lists, the per-epoch logs of the whole run (resumed epochs included).
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if not model.built:
        raise ValueError("model must be built (call it on a batch or give it an Input) before fit_resumable")
    run_dir = Path(run_dir)
    start = restore_checkpoint(model, run_dir)
    nan_guard = StopOnNaN()
    for epoch in range(start, epochs):
        order = epoch_order(len(x), seed, epoch)
        history = model.fit(x[order], y[order], batch_size=batch_size, epochs=epoch + 1, initial_epoch=epoch,
                            shuffle=False, validation_data=validation_data, verbose=verbose,
                            callbacks=[nan_guard, *callbacks])
        if nan_guard.where is not None:
            bad_epoch, step, loss = nan_guard.where
            last = _checkpoints(run_dir)
            kept = f"the last good checkpoint is {last[-1][1]}" if last else "no checkpoint was written yet"
            raise TrainingDiverged(f"loss became {loss} at epoch {bad_epoch + 1}, step {step + 1}; "
                                   f"training stopped and {kept}")
        save_checkpoint(model, run_dir, epoch + 1, {k: v[-1] for k, v in history.history.items()})
    return read_history(run_dir)


def read_history(run_dir):
    """The per-epoch logs ``fit_resumable`` wrote, as ``{metric: [value per epoch]}``."""
    path = Path(run_dir) / "history.jsonl"
    rows = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a kill
                continue
            rows[row["epoch"]] = row  # an epoch redone after a kill overwrites its first try
    logs = {}
    for epoch in sorted(rows):
        for key, value in rows[epoch].items():
            if key != "epoch":
                logs.setdefault(key, []).append(value)
    return logs
