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
from keras_course.data import make_dataset
from keras_course.data.scenes import SceneStream
from keras_course.train.checkpoints import list_checkpoints

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
    process = subprocess.Popen(
        [sys.executable, str(WORKER), str(run_dir), "--pause-at", "2", "10", str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the worker never reached epoch 3"
    process.send_signal(signal.SIGKILL)  # in the middle of epoch 3 (0-based 2), step 11
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert [e for e, _ in list_checkpoints(run_dir)] == [1, 2]  # the two finished epochs

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
    assert [e for e, _ in list_checkpoints(tmp_path)] == [1, 2]


def _tiny_model(units=2):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dropout(0.5, seed=1), keras.layers.Dense(units)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _tiny_data(n=8):
    x = np.ones((n, 3), "float32")
    return make_dataset(x, x[:, :2], 4, seed=0)


def test_checkpoints_are_written_atomically_and_partial_files_ignored(tmp_path):
    model = _tiny_model()
    model.fit(_tiny_data(), verbose=0)
    train.save_checkpoint(model, tmp_path, 1, {"loss": 0.5})
    # A kill during a save leaves only a temporary file, never a checkpoint's name:
    (tmp_path / ".partial-999.npz").write_bytes(b"half a file")
    fresh = _tiny_model()
    assert train.restore_checkpoint(fresh, tmp_path) == 1
    # weights, optimizer moments and step, and the dropout layer's random state (which
    # save_weights would leave out) all come back
    for a, b in zip(
        fresh.variables + fresh.optimizer.variables, model.variables + model.optimizer.variables, strict=True
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert int(fresh.optimizer.iterations) == int(model.optimizer.iterations) == 2
    # A history line cut short by a kill is skipped, and a redone epoch replaces its first try.
    with open(tmp_path / "history.jsonl", "a") as f:
        f.write('{"epoch": 2, "loss": 0.4}\n{"epoch": 2, "loss": 0.3}\n{"epo')
    assert train.read_history(tmp_path) == {"loss": [0.5, 0.3]}
    assert train.read_history(tmp_path, last_epoch=1) == {"loss": [0.5]}
    with pytest.raises(TypeError, match="last_epoch"):  # a str where an int is expected
        train.read_history(tmp_path, last_epoch="1")


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    train.fit(_tiny_model(), _tiny_data(), 1, run_dir=tmp_path, keep_checkpoints=True)
    with pytest.raises(ValueError, match="another model"):
        train.fit(_tiny_model(units=3), _tiny_data(), 1, run_dir=tmp_path)


def test_a_finished_fit_removes_its_checkpoints_unless_asked(tmp_path):
    history = train.fit(_tiny_model(), _tiny_data(), 2, run_dir=tmp_path / "run")
    assert len(history.history["loss"]) == 2 and history.epoch == [0, 1]
    assert not (tmp_path / "run").exists()  # running the command again starts afresh
    assert tmp_path.exists()  # a parent that holds other things stays


def test_epoch_times_survive_a_resume(tmp_path):
    """EpochTimer's seconds ride in the checkpointed logs: a fit resumed after 2 of 3 epochs
    reports the 2 earlier epochs' times as they were measured, and a third of its own."""
    first = train.fit(
        _tiny_model(), _tiny_data(), 2, run_dir=tmp_path, callbacks=[train.EpochTimer()], keep_checkpoints=True
    )
    earlier = first.history["epoch_seconds"]
    assert len(earlier) == 2 and all(0 < t < 60 for t in earlier)
    resumed = train.fit(_tiny_model(), _tiny_data(), 3, run_dir=tmp_path, callbacks=[train.EpochTimer("t")])
    assert resumed.history["epoch_seconds"] == pytest.approx(earlier, rel=1e-6)  # as logged, not re-timed
    assert len(resumed.history["t"]) == 1 and resumed.history["t"][0] > 0
    with pytest.raises(ValueError, match="key"):
        train.EpochTimer("")


def test_fit_rejects_bad_arguments(tmp_path):
    model = _tiny_model()
    with pytest.raises(ValueError, match="epochs"):
        train.fit(model, _tiny_data(), 0)
    with pytest.raises(TypeError, match=r"tf\.data\.Dataset"):
        train.fit(model, np.ones((8, 3)), 1)
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    unbuilt.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="built"):
        train.fit(unbuilt, _tiny_data(), 1)
    with pytest.raises(TypeError, match="stop_on_nan"):
        train.fit(model, _tiny_data(), 1, stop_on_nan="yes")
    with pytest.raises(ValueError, match="epochs"):
        train.replay_epochs(_tiny_data(), -1)
    from keras_course.runner import checkpoint_dir

    with pytest.raises(ValueError, match="name"):
        checkpoint_dir(tmp_path, "../elsewhere")


def test_replay_moves_a_pydataset_on_one_epoch_at_a_time():
    stream = SceneStream(4, 2, seed=0, size=32, scale_range=(0.6, 1.1))
    train.replay_epochs(stream, 3)
    assert stream.epoch == 3


def test_replay_leaves_a_pipeline_where_fit_would_have():
    """fit opens more passes over a tf.data pipeline than it trains on; replaying 2 epochs and
    training the 3rd must leave the shuffle exactly where 3 trained epochs leave it."""
    x = np.arange(40, dtype="float32")[:, None]

    def next_pass_after(replayed, trained):
        train.set_seed(0)
        data = make_dataset(x, x[:, 0], 8, seed=0)
        train.replay_epochs(data, replayed)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(data, epochs=replayed + trained, initial_epoch=replayed, verbose=0)
        return np.concatenate([b[1].numpy() for b in data])

    np.testing.assert_array_equal(next_pass_after(2, 1), next_pass_after(0, 3))
    assert not np.array_equal(next_pass_after(1, 1), next_pass_after(0, 3))


RECIPE_WORKER = Path(__file__).parent / "workers" / "killed_recipe.py"
KILLED_RECIPE = "q19_augmentation"  # CNNs on reshuffled, randomly augmented batches, 4 epochs each


def _figures(metrics):
    """The recipe's numeric results, without wall-clock times."""
    return {
        k: v
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not any(t in k for t in ("seconds", "time", "per_s"))
    }


def test_a_recipe_killed_mid_epoch_resumes_to_the_same_figures(tmp_path):
    def run(out, *extra):
        return subprocess.Popen(
            [sys.executable, str(RECIPE_WORKER), KILLED_RECIPE, str(out), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def figures(process):
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        return _figures(json.loads(out.strip().splitlines()[-1]))

    expected = figures(run(tmp_path / "straight"))
    marker = tmp_path / "reached"
    process = run(tmp_path / "killed", "--pause-at", "2", "5", marker)
    deadline = time.monotonic() + 300
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the recipe never reached its third epoch"
    process.send_signal(signal.SIGKILL)  # mid-epoch 3 of the recipe's first model
    process.communicate()
    checkpoints = list((tmp_path / "killed" / "checkpoints").glob("*/epoch-*.npz"))
    assert sorted(p.name for p in checkpoints) == ["epoch-0001.npz", "epoch-0002.npz"]

    resumed = figures(run(tmp_path / "killed"))
    assert resumed.keys() == expected.keys() and len(expected) >= 3
    for key, value in expected.items():
        assert resumed[key] == pytest.approx(value, abs=1e-6), key
    assert not (tmp_path / "killed" / "checkpoints").exists() or not any(
        (tmp_path / "killed" / "checkpoints").rglob("*.npz")
    )  # a finished run leaves none behind


def test_a_finished_recipe_fit_leaves_no_checkpoints_folder(tmp_path):
    from keras_course.runner import checkpoint_dir

    train.fit(_tiny_model(), _tiny_data(), 1, run_dir=checkpoint_dir(tmp_path, "tiny"))
    assert list(tmp_path.iterdir()) == []
