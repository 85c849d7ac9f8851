"""keras_course.train keeps its promises on the running Keras backend (TensorFlow, JAX, PyTorch):
a fit killed mid-epoch resumes to the uninterrupted weights and history, a NaN loss stops naming
the epoch and step, EpochTimer's times survive a resume, mixed precision computes in a half
type, set_seed repeats a run; and on JAX, data-parallel training (two devices, two processes)
ends with the weights of one device on the same global batches.

Run on each backend: ``KERAS_BACKEND=jax .venv-jax/bin/python -m pytest tests/backends``.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_course import backend, train
from keras_course.train.checkpoints import list_checkpoints
from keras_course.train.cluster import check_jax_cluster

WORKER = Path(__file__).parent.parent / "workers" / "jax_distributed_fit.py"
ON_JAX = pytest.mark.skipif(
    backend.name() != "jax",
    reason="keras.distribution data parallelism is JAX's; TensorFlow's is tests/test_distribute.py",
)


class Batches(keras.utils.PyDataset):
    """``(x, y)`` batches of a noisy linear map, reshuffled each epoch: epoch k's order is a
    function of (seed, k), and ``on_epoch_end`` moves to the next, as ``replay_epochs`` expects."""

    def __init__(self, n=64, batch_size=8, seed=0):
        super().__init__()
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(n, 3)).astype("float32")
        self.y = (self.x @ rng.normal(size=(3, 2)) + rng.normal(0, 0.1, (n, 2))).astype("float32")
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))
        rows = order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epoch += 1


def _model(seed=0):
    """Dense -> Dropout -> Dense with Adam, from ``seed``: the weights, the optimizer's moments and
    the dropout's random state must all come back on a resume."""
    train.set_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.3, seed=1),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


class _Killed(Exception):
    """Stands for a SIGKILL: fit stops mid-epoch, leaving what it has written."""


class KillAt(keras.callbacks.Callback):
    def __init__(self, epoch, step):
        super().__init__()
        self.target, self.epoch = (epoch, step), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.target:
            raise _Killed


class PoisonAt(keras.callbacks.Callback):
    """One weight becomes NaN as epoch ``epoch`` (0-based) starts: a NaN output, a NaN loss."""

    def __init__(self, epoch):
        super().__init__()
        self.target = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.target:
            bias = self.model.trainable_variables[-1]
            bias.assign(np.full(bias.shape, np.nan, "float32"))


class CountBatches(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.trained = 0

    def on_train_batch_end(self, batch, logs=None):
        self.trained += 1


def _max_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b, strict=True))


def test_a_killed_fit_resumes_to_the_uninterrupted_weights_and_history(tmp_path):
    straight = _model()
    expected = train.fit(straight, Batches(), 4).history
    with pytest.raises(_Killed):  # mid-epoch 3 (0-based 2), after its 5th step
        train.fit(_model(), Batches(), 4, run_dir=tmp_path, callbacks=[KillAt(2, 4)])
    assert [e for e, _ in list_checkpoints(tmp_path)] == [1, 2]  # the two finished epochs
    (tmp_path / ".partial-999.npz").write_bytes(b"half a file")  # a kill during a save leaves this
    counter = CountBatches()
    resumed = _model()  # a new process: the same seed and model, the same command
    history = train.fit(resumed, Batches(), 4, run_dir=tmp_path, callbacks=[counter]).history
    assert counter.trained == 2 * len(Batches())  # epochs 3 and 4 only
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=0, atol=1e-6)
    assert _max_difference(resumed.get_weights(), straight.get_weights()) < 1e-6
    assert expected["loss"][-1] < 0.7 * expected["loss"][0]  # it did learn
    assert not tmp_path.joinpath("epoch-0002.npz").exists()  # a finished fit cleans up


def test_nan_loss_stops_naming_the_epoch_and_step_and_keeps_the_last_good_checkpoint(tmp_path):
    with pytest.raises(train.TrainingDiverged, match=r"loss became nan at epoch 2, step 1; .*epoch-0001\.npz"):
        train.fit(_model(), Batches(), 4, run_dir=tmp_path, callbacks=[PoisonAt(1)])
    assert [e for e, _ in list_checkpoints(tmp_path)] == [1]
    assert train.read_history(tmp_path)["loss"][0] > 0  # epoch 1's finite loss, logged


def test_epoch_times_survive_a_resume(tmp_path):
    first = train.fit(_model(), Batches(), 2, run_dir=tmp_path, callbacks=[train.EpochTimer()], keep_checkpoints=True)
    earlier = first.history["epoch_seconds"]
    assert len(earlier) == 2 and all(0 < t < 60 for t in earlier)
    resumed = train.fit(_model(), Batches(), 3, run_dir=tmp_path, callbacks=[train.EpochTimer()])
    assert resumed.history["epoch_seconds"][:2] == pytest.approx(earlier, rel=1e-6)  # as logged, not re-timed
    assert len(resumed.history["epoch_seconds"]) == 3 and 0 < resumed.history["epoch_seconds"][2] < 60


def test_mixed_precision_computes_in_a_half_type_with_float32_variables():
    half = "float16" if backend.gpu_available() else "bfloat16"
    before = keras.config.dtype_policy().name
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    with train.training_context("default", mixed_precision=True):
        assert keras.config.dtype_policy().name == f"mixed_{half}"
        layer = keras.layers.Dense(2)
        y = layer(x)
        assert layer.kernel.dtype == "float32" and layer.compute_dtype == half
        assert keras.backend.standardize_dtype(y.dtype) == half
        exact = x @ np.asarray(layer.kernel) + np.asarray(layer.bias)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.cast(y, "float32")), exact, rtol=0, atol=0.05)
        model = _model()
        losses = train.fit(model, Batches(), 3).history["loss"]
        assert model.layers[0].compute_dtype == half and model.weights[0].dtype == "float32"
        assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert keras.config.dtype_policy().name == before


def test_set_seed_repeats_a_fit_and_another_seed_does_not():
    def run(seed):
        model = _model(seed)
        losses = train.fit(model, Batches(), 2).history["loss"]
        return losses, model.get_weights()

    (loss_a, weights_a), (loss_b, weights_b), (loss_c, _) = run(7), run(7), run(8)
    assert loss_a == loss_b
    assert _max_difference(weights_a, weights_b) == 0.0
    assert abs(loss_c[0] - loss_a[0]) > 1e-4  # other initial weights, another loss


def test_fit_takes_a_pydataset_everywhere_and_names_what_it_takes():
    with pytest.raises(TypeError, match=r"data must be a keras\.utils\.PyDataset.*got"):
        train.fit(_model(), np.ones((8, 3), "float32"), 1)


@pytest.mark.skipif(backend.name() != "torch", reason="only PyTorch lacks data parallelism here")
def test_torch_trains_on_one_device_and_says_so():
    with pytest.raises(backend.BackendError, match='"mirrored" strategy needs the TensorFlow or JAX backend'):
        train.get_strategy("mirrored")
    with pytest.raises(backend.BackendError, match="multi-worker"), train.training_context("multi-worker"):
        pass
    with train.training_context("default") as strategy:
        assert strategy is None


def test_the_jax_cluster_variables_are_checked_one_by_one(monkeypatch):
    good = {
        "KERAS_DISTRIBUTION_JOB_ADDRESSES": "10.0.0.1:1234",
        "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
        "KERAS_DISTRIBUTION_PROCESS_ID": "1",
    }
    for name, value in good.items():
        monkeypatch.setenv(name, value)
    assert check_jax_cluster() == ("10.0.0.1:1234", 2, 1)
    for name, bad, says in [
        ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "10.0.0.1", "JOB_ADDRESSES, the coordinator's"),
        ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "a:1,b:2,c:3", "lists 3 processes"),
        ("KERAS_DISTRIBUTION_NUM_PROCESSES", "two", "NUM_PROCESSES, an int >= 1; got 'two'"),
        ("KERAS_DISTRIBUTION_PROCESS_ID", "2", "PROCESS_ID, an int in [0, 1]; got '2'"),
        ("KERAS_DISTRIBUTION_PROCESS_ID", None, "PROCESS_ID, an int in [0, 1]; it is not set"),
    ]:
        with monkeypatch.context() as patched:
            if bad is None:
                patched.delenv(name)
            else:
                patched.setenv(name, bad)
            with pytest.raises(ValueError) as error:
                check_jax_cluster()
            assert says in str(error.value) and "\n" not in str(error.value), name


def _arrays(path, name):
    with np.load(path) as archive:
        count = sum(1 for k in archive.files if k.startswith(f"{name}_") and k[len(name) + 1 :].isdigit())
        return [archive[f"{name}_{i}"] for i in range(count)], archive[f"{name}_loss"]


@ON_JAX
def test_data_parallel_on_two_devices_ends_with_the_single_device_weights(tmp_path):
    """training_context("mirrored") = keras.distribution.DataParallel over two CPU devices: the
    same weights as one device on the same global batches, also after a resume."""
    out = tmp_path / "mirrored.npz"
    result = subprocess.run(
        [sys.executable, str(WORKER), "mirrored", str(out), str(tmp_path / "run")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reference, reference_loss = _arrays(out, "reference")
    with np.load(out) as archive:
        assert int(archive["devices"]) == 2
    for name in ("mirrored", "resumed"):
        weights, loss = _arrays(out, name)
        assert _max_difference(weights, reference) < 1e-5, name
        np.testing.assert_allclose(loss, reference_loss, rtol=1e-5)
    assert reference_loss[-1] < reference_loss[0]


@ON_JAX
def test_each_process_feeds_its_rows_of_every_global_batch():
    from keras_course.train.jax_distribute import DeviceBatches

    data = Batches(n=20, batch_size=8)  # batches of 8, 8 and 4
    halves = [DeviceBatches(data, devices=2, index=i, count=2) for i in range(2)]
    for index in range(len(data)):
        x, y = data[index]
        parts = [half[index] for half in halves]
        np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), x)  # in process order
        np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), y)
        assert len(parts[0][0]) == len(x) // 2
    before = halves[1][0][0]
    halves[0].on_epoch_end()  # reaches the wrapped dataset: a new order for every process
    assert data.epoch == 1 and not np.array_equal(halves[1][0][0], before)
    with pytest.raises(ValueError, match="batch 3 has 4 examples, which do not split evenly over 3 devices"):
        DeviceBatches(data, devices=3)[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@ON_JAX
def test_two_processes_end_with_the_weights_of_one(tmp_path):
    """training_context("multi-worker"): jax.distributed over two local processes, each feeding
    half of every global batch; both end with the weights of one process on the whole batches."""
    address = f"127.0.0.1:{_free_port()}"
    processes = []
    for index in range(2):
        env = {
            **os.environ,
            "KERAS_DISTRIBUTION_JOB_ADDRESSES": address,
            "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
            "KERAS_DISTRIBUTION_PROCESS_ID": str(index),
        }
        command = [sys.executable, str(WORKER), "multi-worker", str(tmp_path / f"process{index}.npz")]
        processes.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for process in processes:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
    first, first_loss = _arrays(tmp_path / "process0.npz", "distributed")
    second, second_loss = _arrays(tmp_path / "process1.npz", "distributed")
    reference, reference_loss = _arrays(tmp_path / "process0.npz", "reference")
    with np.load(tmp_path / "process0.npz") as archive:
        assert int(archive["processes"]) == 2 and int(archive["devices"]) == 2
    assert _max_difference(first, second) == 0.0  # the processes agree exactly
    assert _max_difference(first, reference) < 1e-5  # and with one process on the same batches
    np.testing.assert_allclose(first_loss, reference_loss, rtol=1e-5)
    np.testing.assert_array_equal(first_loss, second_loss)
