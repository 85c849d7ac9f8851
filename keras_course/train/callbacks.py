"""Callbacks: the standard set of a full run, the NaN guard behind ``fit``, and the epoch timer."""

import time

import keras
import numpy as np

from keras_course.checks import check_folder, check_int, describe


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
