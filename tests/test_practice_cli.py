"""``keras-course practice`` end to end: the installed command in a subprocess, answers on stdin.

Four subprocesses (each pays TensorFlow's import); the rest of the command is tested in-process
in tests/test_practice.py.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keras_course.practice import generate

COMMAND = shutil.which("keras-course", path=str(Path(sys.executable).parent)) or shutil.which("keras-course")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

pytestmark = pytest.mark.skipif(COMMAND is None, reason="the keras-course console script is not installed")


def _practice(*argv, stdin=""):
    return subprocess.run(
        [COMMAND, "practice", *argv], input=stdin, capture_output=True, text=True, env=ENV, timeout=300, check=False
    )


def test_lists_the_kinds():
    done = _practice()
    assert done.returncode == 0
    assert "rf" in done.stdout and "grad-deps" in done.stdout and "Q9, Q10" in done.stdout


def test_right_answer_on_stdin():
    problem = generate("rf", seed=12)
    done = _practice("rf", "--seed", "12", stdin=f"{problem.answer}x{problem.answer}\n")
    assert done.returncode == 0, done.stderr
    assert "Your answer:" in done.stdout and "Correct" in done.stdout
    assert "r_1 = 1 + " in done.stdout and "Worked solution" in done.stdout
    assert problem.statement in done.stdout


def test_wrong_answer_with_answer_flag():
    problem = generate("rf", seed=12)
    done = _practice("rf", "--seed", "12", "--answer", str(problem.answer + 2))
    assert done.returncode == 1, done.stderr
    assert "Not quite" in done.stdout and problem.answer_text in done.stdout


def test_malformed_answer_on_stdin():
    done = _practice("rf", "--seed", "12", stdin="a big one\n")
    assert done.returncode == 2, done.stderr
    assert "Cannot read the answer" in done.stdout and "whole number" in done.stdout
    assert "Traceback" not in done.stderr
