"""``keras-course exercise``: list, start, check and grade, through the real command line."""

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from keras_course import cli
from keras_course.exercises import EXERCISES

COMMAND = [sys.executable, "-m", "keras_course.cli", "exercise"]

CORRECT = """import numpy as np

def iou(boxes_a, boxes_b):
    a, b = np.asarray(boxes_a, float).reshape(-1, 4), np.asarray(boxes_b, float).reshape(-1, 4)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    union = area(a)[:, None] + area(b)[None, :] - w * h
    return np.divide(w * h, union, out=np.zeros_like(union), where=union > 0)
"""
WRONG = (
    CORRECT.replace(
        "area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])",
        "area = lambda x: (x[:, 2] - x[:, 0] + 1) * (x[:, 3] - x[:, 1] + 1)",
    )
    .replace("b[None, :, 0]), 0, None)", "b[None, :, 0]) + 1, 0, None)")
    .replace("b[None, :, 1]), 0, None)", "b[None, :, 1]) + 1, 0, None)")
)
CRASH = "import os\n\ndef iou(boxes_a, boxes_b):\n    os.abort()\n"
ENDLESS = "def iou(boxes_a, boxes_b):\n    while True:\n        pass\n"


def _run(*args, timeout=120):
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False)


def test_list_names_every_exercise_with_its_questions(capsys):
    assert cli.main(["exercise", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(EXERCISES)
    rows = {line.split()[0]: line for line in lines}
    assert "Q7, Q8" in rows["conv2d"] and "Q28" in rows["nms"] and "Q38" in rows["bptt"]


def test_start_then_check_the_untouched_skeleton_fails_cleanly(tmp_path):
    started = _run("start", "iou", "--out", tmp_path)
    assert started.returncode == 0, started.stderr
    notebook = nbformat.read(tmp_path / "iou.ipynb", as_version=4)
    assert "def iou(boxes_a, boxes_b):" in notebook.cells[1].source
    checked = _run("check", "iou", tmp_path / "iou.py")
    assert checked.returncode == 1
    assert "raises NotImplementedError" in checked.stdout and "not written yet" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr


def test_check_passes_a_correct_file_and_explains_a_wrong_one(tmp_path, capsys):
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text(CORRECT)
    wrong.write_text(WRONG)
    assert cli.main(["exercise", "check", "iou", str(right), "--examples", "10"]) == 0
    assert "5 of 5 checks pass." in capsys.readouterr().out
    assert cli.main(["exercise", "check", "iou", str(wrong), "--examples", "10"]) == 1
    out = capsys.readouterr().out
    assert "FAIL   by hand: equal, touching, inside, apart" in out and "likely slip: +1 pixel" in out


def test_start_and_check_a_keras_backed_exercise_in_process(tmp_path, capsys):
    assert cli.main(["exercise", "start", "conv2d", "--out", str(tmp_path)]) == 0
    assert cli.main(["exercise", "check", "conv2d", str(tmp_path / "conv2d.py")]) == 1
    out = capsys.readouterr().out
    assert "conv2d raises NotImplementedError" in out and "Traceback" not in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["exercise", "start", "nope"], "no exercise named 'nope'"),
        (["exercise", "check", "iou", "missing.py"], "missing.py: no such file"),
        (["exercise", "grade", "iou", "missing", "--report", "r"], "no such file or folder: missing"),
        (["exercise"], "choose one of: list, start NAME"),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and "Traceback" not in err


def test_bad_grade_options_and_existing_skeletons_are_status_2(tmp_path, capsys):
    (tmp_path / "a.py").write_text(CORRECT)
    for option, message in (
        (["--timeout", "0"], "--timeout must be > 0"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--memory", "-1"], "--memory must be >= 0"),
    ):
        assert cli.main(["exercise", "grade", "iou", str(tmp_path), "--report", str(tmp_path / "r"), *option]) == 2
        assert message in capsys.readouterr().err
    assert cli.main(["exercise", "start", "iou", "--out", str(tmp_path)]) == 0
    assert cli.main(["exercise", "start", "iou", "--out", str(tmp_path)]) == 2
    assert "already exist (pass --force to overwrite)" in capsys.readouterr().err


def test_grade_a_folder_end_to_end(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, source in (("a_correct", CORRECT), ("b_wrong", WRONG), ("c_crash", CRASH), ("d_endless", ENDLESS)):
        (folder / f"{name}.py").write_text(source)
    report = tmp_path / "report"
    done = _run("grade", "iou", folder, "--report", report, "--timeout", 3, timeout=300)
    assert done.returncode == 1, done.stderr  # not every submission passes
    with open(report / "scores.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(Path(r["submission"]).stem, r["outcome"]) for r in rows] == [
        ("a_correct", "pass"),
        ("b_wrong", "fail"),
        ("c_crash", "crash"),
        ("d_endless", "timeout"),
    ]
    correct, wrong, crash, endless = rows
    assert correct["score"] == "1.000" and correct["random inputs (25 examples)"] == "1"
    assert wrong["by hand: equal, touching, inside, apart"] == "0" and "+1 pixel" in wrong["slips"]
    assert "SIGABRT" in crash["message"] and "time limit of 3 s" in endless["message"]
    page = (report / "index.html").read_text()
    assert all(f"{n}.py" in page for n in ("a_correct", "b_wrong", "c_crash", "d_endless")) and "<math" in page
    assert "not malicious code" in page
