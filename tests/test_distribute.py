"""Distributed training ends with the weights of a single-process run on the same global batch."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_course import train

WORKER = Path(__file__).parent / "workers" / "distributed_fit.py"


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start(strategy, out, env=None, *extra):
    return subprocess.Popen(
        [sys.executable, str(WORKER), strategy, str(out), *extra],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process):
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]


def _weights(path):
    archive = np.load(path)
    return [archive[f"arr_{i}"] for i in range(len(archive.files) - 2)], archive


@pytest.fixture(scope="module")
def single_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("single") / "weights.npz"
    _finish(_start("default", out))
    return _weights(out)


def test_two_workers_end_equal_to_single_process(single_process, tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(_start("multi-worker", tmp_path / f"worker{index}.npz", {"TF_CONFIG": config}))
    for process in workers:
        _finish(process)
    expected, _reference = single_process
    first, archive = _weights(tmp_path / "worker0.npz")
    second, _ = _weights(tmp_path / "worker1.npz")
    assert int(archive["replicas"]) == 2
    for a, b, c in zip(first, second, expected, strict=True):
        np.testing.assert_array_equal(a, b)  # the workers agree exactly
        np.testing.assert_allclose(a, c, atol=1e-5)  # and with one process on the same batches
    assert archive["loss"][-1] < archive["loss"][0]


def test_mirrored_on_two_logical_cpus_equals_default(single_process, tmp_path):
    _finish(_start("mirrored", tmp_path / "mirrored.npz", None, "--logical-cpus", "2"))
    weights, archive = _weights(tmp_path / "mirrored.npz")
    assert int(archive["replicas"]) == 2
    for a, c in zip(weights, single_process[0], strict=True):
        np.testing.assert_allclose(a, c, atol=1e-5)


def test_multi_worker_without_tf_config_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the environment variable TF_CONFIG"):
        train.get_strategy("multi-worker")


def test_a_recipe_runs_end_to_end_on_two_workers(tmp_path):
    """``python -m recipes.q01_fully_connected --quick --strategy multi-worker`` on two workers:
    both train together (fit's own loop) and evaluate locally, ending with the same figures."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "recipes.q01_fully_connected",
                    "--quick",
                    "--strategy",
                    "multi-worker",
                    "--out",
                    str(tmp_path / f"worker{index}"),
                ],
                env={**os.environ, "TF_CONFIG": config},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for process in workers:
        _finish(process)
    first, second = (json.loads((tmp_path / f"worker{i}" / "metrics.json").read_text()) for i in range(2))
    figures = [k for k, v in first.items() if isinstance(v, float) and "seconds" not in k]
    assert "test_accuracy" in figures
    assert {k: first[k] for k in figures} == {k: second[k] for k in figures}
    assert first["test_accuracy"] > 0.6  # 10 classes: chance is 0.1


def test_mirrored_run_resumes_to_the_uninterrupted_weights(tmp_path):
    worker = Path(__file__).parent / "workers" / "mirrored_resume.py"
    result = subprocess.run([sys.executable, str(worker), str(tmp_path / "run")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(result.stdout.strip().splitlines()[-1]) < 1e-6
