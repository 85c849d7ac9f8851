import json
import subprocess
import sys

import pytest

from keras_course import cli, runner
from keras_course.questions import QUESTIONS


def test_list_shows_all_38_questions(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    questions, backends = lines[:38], lines[38:]
    assert len(questions) == len(QUESTIONS) == 38
    assert "q01_fully_connected" in questions[0]
    table = runner.question_table()
    for q, line in zip(QUESTIONS, questions, strict=True):
        assert line.strip().endswith(", ".join(table[q]) or "planned")
    # which recipes cannot run on JAX or PyTorch, and why: none today
    assert backends == ["", backends[1], "  none"] and "every Keras backend" in backends[1]
    assert not [name for name in runner.recipe_names() if runner.load_recipe(name).TENSORFLOW_ONLY]


def test_a_tensorflow_only_recipe_says_why_on_another_backend(tmp_path, monkeypatch):
    source = runner.load_recipe("q01_fully_connected").source
    path = tmp_path / "q01_fully_connected.py"
    path.write_text(source.replace("QUESTIONS = ", 'TENSORFLOW_ONLY = "it needs tf.foo"\nQUESTIONS = ', 1))
    recipe = runner.Recipe("q01_fully_connected", path)
    assert recipe.TENSORFLOW_ONLY == "it needs tf.foo"
    monkeypatch.setattr(runner, "running_backend", lambda: "jax")
    with pytest.raises(ValueError, match=r"runs on TensorFlow only \(it needs tf\.foo\); Keras runs on jax"):
        recipe.run(quick=True, out=tmp_path / "out")


def test_a_backend_that_is_not_installed_is_one_line(capsys):
    import importlib.util

    missing = next(b for b in ("torch", "jax") if importlib.util.find_spec(b) is None)
    assert cli.main(["run", "q01_fully_connected", "--quick", "--backend", missing]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"keras-course run: backend {missing} is not installed here: pip install -e '.[{missing}]' "
        f"(or use .venv-{missing})"
    )
    with pytest.raises(ValueError, match="backend must be one of tensorflow, jax, torch, got 'mxnet'"):
        runner.select_backend("mxnet")
    result = subprocess.run(
        [sys.executable, "-m", "recipes.q01_fully_connected", "--quick", "--backend", missing],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and f"backend {missing} is not installed here" in result.stderr


def test_unknown_recipe_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown recipe 'nope'"):
        runner.load_recipe("nope")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13", "q13_lenet"),
        ("Q10", "q09_q10_receptive_field"),
        ("q22", "q20_q22_architectures"),
        ("q31_yolo", "q31_yolo"),
    ],
)
def test_a_question_number_finds_its_recipe(text, expected):
    assert runner.find_recipe(text) == expected


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "nope"], "unknown recipe 'nope'"),
        (["run", "39"], "there is no question 39"),
        (["run", "q01_fully_connected", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
        (["book", "nope"], "unknown recipe 'nope'"),
        (["book", "--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_bad_command_is_one_line_and_status_2(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["book", "run"])
def test_out_must_be_a_folder(command, tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert cli.main([command, "--out", str(target), "q01_fully_connected"]) == 2
    assert "--out must be a folder" in capsys.readouterr().err
    with pytest.raises(ValueError, match="out must be a folder"):
        runner.prepare_out(target, "q01_fully_connected")


def test_command_line_hides_tensorflow_native_logs():
    """A real ``keras-course run`` of an unknown name: one line on stderr, no C++ log lines."""
    result = subprocess.run([sys.executable, "-m", "keras_course.cli", "run", "nope"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]


def test_recipe_module_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "recipes.q01_fully_connected", "--help"], capture_output=True, text=True, check=True
    )
    assert "--quick" in result.stdout and "--seed" in result.stdout and "--out" in result.stdout


def test_native_log_filter_keeps_everything_else():
    from keras_course.native_logs import drop_native_logs

    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796322905.468959   18645 port.cc:153] oneDNN custom operations are on.\n"
        "E0000 00:00:1796322553.119925    4560 node_def_util.cc:682] NodeDef mentions attribute\n"
        "UserWarning: something a reader should see\n"
    )
    assert drop_native_logs(text) == "UserWarning: something a reader should see\n"


def test_save_metrics_converts_numpy(tmp_path):
    import numpy as np

    metrics = runner.save_metrics(
        tmp_path, {"a": np.float32(0.5), "b": np.arange(3), "c": {"d": np.int64(2)}, "nan": float("nan")}
    )
    assert metrics == {"a": 0.5, "b": [0, 1, 2], "c": {"d": 2}, "nan": None, "backend": "tensorflow"}
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    with pytest.raises(TypeError, match="metrics must be a dict"):
        runner.save_metrics(tmp_path, [1, 2])


def test_command_line_strategies_are_the_trainers():
    from keras_course.train import STRATEGIES

    assert runner.STRATEGIES == STRATEGIES


def test_out_that_cannot_be_created_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert cli.main(["run", "q01_fully_connected", "--quick", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot be created" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "tf_config, message",
    [
        (None, "needs the environment variable TF_CONFIG"),
        ("{not json", "TF_CONFIG is not valid JSON"),
        ('{"cluster": {"worker": []}, "task": {"type": "worker", "index": 0}}', "must list the workers"),
        ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 3}}', "0 <= i < 1"),
    ],
)
def test_multi_worker_needs_a_valid_tf_config(tf_config, message, monkeypatch, capsys):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    assert cli.main(["run", "q01_fully_connected", "--quick", "--strategy", "multi-worker"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err
