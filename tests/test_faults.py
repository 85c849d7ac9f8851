"""A run killed mid-epoch resumes to the same result; checkpoints are atomic; NaN stops clearly."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_course import train

WORKER = Path(__file__).parent / "workers" / "resumable_fit.py"


def _run_worker(*args):
    result = subprocess.run([sys.executable, str(WORKER), *map(str, args)], capture_output=True, text=True)
    return result


def test_killed_run_resumes_to_the_same_result(tmp_path):
    uninterrupted = _run_worker(tmp_path / "straight")
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    expected = json.loads(uninterrupted.stdout.strip().splitlines()[-1])

    marker = tmp_path / "reached"
    run_dir = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, str(WORKER), str(run_dir), "--pause-at", "2", "10", str(marker)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the worker never reached epoch 3"
    process.send_signal(signal.SIGKILL)  # in the middle of epoch 3 (0-based 2), step 11
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert [e for e, _ in train._checkpoints(run_dir)] == [1, 2]  # the two finished epochs

    resumed = _run_worker(run_dir)
    assert resumed.returncode == 0, resumed.stderr
    got = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert got["kernel_sum"] == pytest.approx(expected["kernel_sum"], abs=1e-6)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(got["logs"][key], expected["logs"][key], atol=1e-6)
    assert len(got["logs"]["loss"]) == 4
    assert got["logs"]["loss"][-1] < got["logs"]["loss"][0]  # it did learn


def test_nan_loss_stops_with_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    result = _run_worker(tmp_path, "--nan-at-epoch", "2")
    assert result.returncode != 0
    assert "TrainingDiverged: loss became nan at epoch 3, step 1" in result.stderr
    assert "the last good checkpoint is" in result.stderr
    assert [e for e, _ in train._checkpoints(tmp_path)] == [1, 2]


def _tiny_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_checkpoints_are_written_atomically_and_partial_files_ignored(tmp_path):
    model = _tiny_model()
    x = np.ones((8, 3), "float32")
    model.fit(x, x[:, :2], verbose=0)
    train.save_checkpoint(model, tmp_path, 1, {"loss": 0.5})
    # A kill during a save leaves only a temporary file, never a checkpoint's name:
    (tmp_path / ".partial-999.weights.h5").write_bytes(b"half a file")
    fresh = _tiny_model()
    assert train.restore_checkpoint(fresh, tmp_path) == 1
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(fresh.optimizer.iterations) == int(model.optimizer.iterations) == 1
    # A history line cut short by a kill is skipped, and a redone epoch replaces its first try.
    with open(tmp_path / "history.jsonl", "a") as f:
        f.write('{"epoch": 2, "loss": 0.4}\n{"epoch": 2, "loss": 0.3}\n{"epo')
    assert train.read_history(tmp_path) == {"loss": [0.5, 0.3]}


def test_fit_resumable_rejects_bad_arguments(tmp_path):
    model = _tiny_model()
    x = np.ones((8, 3), "float32")
    with pytest.raises(ValueError, match="epochs"):
        train.fit_resumable(model, x, x[:, :2], tmp_path, epochs=0)
    with pytest.raises(ValueError, match="same length"):
        train.fit_resumable(model, x, x[:5, :2], tmp_path, epochs=1)


def test_epoch_order_depends_on_seed_and_epoch_only():
    np.testing.assert_array_equal(train.epoch_order(10, 1, 3), train.epoch_order(10, 1, 3))
    assert sorted(train.epoch_order(10, 1, 3)) == list(range(10))
    assert not np.array_equal(train.epoch_order(100, 1, 3), train.epoch_order(100, 1, 4))
