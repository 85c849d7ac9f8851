"""A training run's state on disk: atomic checkpoints after every epoch, the per-epoch log, the
owner check that refuses another model's folder, and the state copies behind multi-worker fits.

Everything is plain NumPy (``.npz`` and JSON lines), so it is the same on every backend.
"""

import contextlib
import json
import os
import re
import zipfile
from pathlib import Path

import keras
import numpy as np

from keras_course.checks import check_folder, check_int, describe

_CHECKPOINT = re.compile(r"^epoch-(\d{4,})\.npz$")


def list_checkpoints(run_dir):
    """``[(epoch, path), ...]`` of the complete checkpoints in ``run_dir``, oldest first."""
    found = [(int(m.group(1)), p) for p in Path(run_dir).glob("epoch-*.npz") if (m := _CHECKPOINT.match(p.name))]
    return sorted(found)


def state_variables(model):
    """Everything a resumed run needs, in a fixed order: the model's variables (weights, batch
    norm statistics, and the dropout layers' random seed states, which ``save_weights``
    leaves out) and the optimizer's (step count, moments)."""
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    return list(model.variables) + (list(model.optimizer.variables) if model.optimizer is not None else [])


def copy_state(source, target):
    """Assign every model and optimizer variable of ``source`` to ``target`` (same architecture)."""
    for a, b in zip(state_variables(source), state_variables(target), strict=True):
        b.assign(np.asarray(a.numpy()))


def clone_under(model, scope):
    """A copy of a compiled ``model`` built and compiled under ``scope()`` (a ``tf.distribute``
    strategy's or a ``keras.distribution`` distribution's), with its state."""
    try:
        with scope():
            copy = keras.models.clone_model(model)
            copy.compile_from_config(model.get_compile_config())  # optimizer, loss, metrics
    except Exception as err:  # e.g. a subclassed model without get_config
        raise ValueError(
            f"multi-worker training copies the model under the distribution and cannot copy {model.name}: {err}"
        ) from err
    state_variables(model)  # builds the local optimizer, outside the scope
    with scope():
        state_variables(copy)  # and the copy's, under it
    copy_state(model, copy)
    return copy


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
        np.savez(f, *[np.asarray(v.numpy()) for v in state_variables(model)])
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, final)
    for _, old in list_checkpoints(run_dir)[:-keep]:
        old.unlink()
    return final


def restore_checkpoint(model, run_dir):
    """Load the newest checkpoint in ``run_dir`` into ``model``; return its epoch (0 if none)."""
    checkpoints = list_checkpoints(check_folder("run_dir", run_dir))
    if not checkpoints:
        return 0
    epoch, path = checkpoints[-1]
    variables = state_variables(model)
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
    for path in [p for _, p in list_checkpoints(run_dir)] + [run_dir / "history.jsonl", run_dir / "model.json"]:
        path.unlink(missing_ok=True)
    for folder in (run_dir, run_dir.parent):
        if folder.is_dir() and not any(folder.iterdir()) and (folder == run_dir or folder.name == "checkpoints"):
            with contextlib.suppress(FileNotFoundError):  # another worker of the run removed it first
                folder.rmdir()


def check_run_owner(model, run_dir):
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
