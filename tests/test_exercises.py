"""keras_course.exercises: the references agree, known slips fail and are named, skeletons are clean.

Each exercise's reference is the library's own function; "ours passes" is the check that the
exercise's cases, random inputs and comparison agree with it. Every known slip is a wrong
implementation that must fail a fixed case whose report names the slip.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from keras_course.book.markdown import render
from keras_course.exercises import (
    EXERCISES,
    exercises_for_question,
    notebook_source,
    skeleton_source,
)
from keras_course.exercises.autodiff import make_value
from keras_course.exercises.base import differ, show
from keras_course.exercises.checker import (
    SubmissionError,
    _reference,
    check,
    load_submission,
)
from keras_course.questions import QUESTIONS

NAMES = list(EXERCISES)


def test_the_catalogue_covers_the_issue():
    assert len(EXERCISES) >= 20
    for ex in EXERCISES.values():
        assert ex.name.isidentifier() and ex.function.isidentifier(), ex.name
        assert ex.questions and all(q in QUESTIONS for q in ex.questions), ex.name
        assert len(ex.slips) >= 2 and len(ex.cases) >= 2 and ex.random is not None, ex.name
        assert len({c.name for c in ex.cases}) == len(ex.cases), ex.name
    assert [e.name for e in exercises_for_question(28)] == ["iou", "nms", "average_precision"]
    assert {e.name for e in exercises_for_question(16)} == {"adagrad", "rmsprop", "adam"}
    assert exercises_for_question(19) == []


@pytest.mark.parametrize("name", NAMES)
def test_our_implementation_passes(name):
    report = check(name, _reference(EXERCISES[name]), max_examples=20)
    assert report.passed, report.text()
    assert report.results[-1].name.startswith("random inputs")


@pytest.mark.parametrize("name", NAMES)
def test_every_known_slip_fails_and_is_named(name):
    ex = EXERCISES[name]
    for slip in ex.slips:
        report = check(ex, slip.impl, max_examples=0)
        assert not report.passed, f"{name}: the slip {slip.name!r} passes every case"
        named = [
            r for r in report.results if r.status == "fail" and any(s.startswith(slip.name + ":") for s in r.slips)
        ]
        assert named, f"{name}: no failing case names the slip {slip.name!r}:\n{report.text()}"
        text = report.text()
        assert f"FAIL   {named[0].name}" in text and f"likely slip: {slip.name}:" in text


def _zeros(value):
    if isinstance(value, dict):
        return {k: _zeros(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_zeros(v) for v in value)
    if isinstance(value, list) and value and isinstance(value[0], str):
        return []
    return np.zeros_like(np.asarray(value, float)) + 0.37


@pytest.mark.parametrize("name", [n for n in NAMES if n != "value"])
def test_another_wrong_implementation_fails_with_the_case_named(name):
    ex = EXERCISES[name]
    reference = _reference(ex)

    def constant(**kwargs):  # right shapes, wrong values: no known slip
        return _zeros(reference(**kwargs))

    report = check(ex, constant, max_examples=0)
    failed = [r for r in report.results if r.status == "fail"]
    assert failed and not any(r.slips for r in failed)
    assert f"FAIL   {failed[0].name}" in report.text()


def test_an_independent_autodiff_engine_passes_and_a_random_failure_is_shrunk():
    assert check("value", make_value(), max_examples=20).passed
    reference = _reference(EXERCISES["iou"])

    def iou(boxes_a, boxes_b):  # right on every fixed case, wrong from three boxes on
        out = reference(boxes_a, boxes_b)
        return out * 0.5 if len(boxes_a) >= 3 else out

    report = check("iou", iou, max_examples=30, shrink_seconds=5)
    fixed, random = report.results[:-1], report.results[-1]
    assert all(r.passed for r in fixed) and random.status == "fail"
    assert len(random.inputs["boxes_a"]) == 3 and len(random.inputs["boxes_b"]) == 1  # the smallest failure
    assert "smallest failing input" in random.detail


@pytest.mark.parametrize("name", NAMES)
def test_the_untouched_skeleton_is_reported_not_written(name, tmp_path):
    ex = EXERCISES[name]
    source = skeleton_source(name)
    assert "raise NotImplementedError" in source and ex.example.splitlines()[0] in source
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    report = check(ex, load_submission(path, ex), max_examples=5)
    assert report.results[0].status == "not implemented"
    assert {r.status for r in report.results[1:]} == {"not run"}
    text = report.text()
    assert "not written yet" in text and "Traceback" not in text


def test_statements_render_and_notebooks_parse():
    import jupytext

    for name, ex in EXERCISES.items():
        html = render(ex.statement)  # a formula latex2mathml cannot convert raises MathError
        assert "<math" in html or "$" not in ex.statement, name
        notebook = jupytext.reads(notebook_source(name), fmt="py:percent")
        kinds = [cell.cell_type for cell in notebook.cells]
        assert kinds == ["markdown", "code", "markdown", "code"], (name, kinds)
        assert f"check({name!r}, {ex.function})" in notebook.cells[-1].source


def test_a_submission_that_cannot_be_loaded_says_why(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def iou(:\n")
    with pytest.raises(SubmissionError, match="syntax error at line 1"):
        load_submission(bad, "iou")
    bad.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(SubmissionError, match=r"importing it raised RuntimeError: boom\n\(line 1 of bad.py"):
        load_submission(bad, "iou")
    bad.write_text("def IoU(a, b):\n    return a\n")
    with pytest.raises(SubmissionError, match="defines no `iou`"):
        load_submission(bad, "iou")


def test_errors_and_warnings_name_the_students_line(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import numpy as np\n\ndef iou(boxes_a, boxes_b):\n    np.log(-1.0)\n    return boxes_a[5]\n")
    report = check("iou", load_submission(path, "iou"), max_examples=0)
    first = report.results[0]
    assert first.status == "error"
    assert "IndexError" in first.detail and "line 5 of mine.py" in first.detail
    assert "RuntimeWarning: invalid value encountered in log (line 4 of mine.py)" in first.detail


def test_differ_and_show():
    assert differ(np.array([1.0, np.nan]), [1.0 + 1e-9, np.nan]) is None
    assert differ(np.zeros((2, 2)), np.zeros((2, 3))) == "output: shape (2, 3), expected (2, 2)"
    assert "first at index (1,): expected 2, got 3" in differ(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    assert differ({"a": 1.0}, {"b": 1.0}) == "output: missing keys ['a']"
    assert differ((1.0, np.ones(2)), (1.0, np.ones(3))) == "output[1]: shape (3,), expected (2,)"
    assert "expected numbers" in differ(np.ones(2), "two")
    assert show(np.zeros((0, 4))) == "array(shape=(0, 4))"


def test_checking_a_numpy_exercise_imports_no_tensorflow():
    code = (
        "import sys, json; from keras_course.exercises.checker import check, _reference;"
        "r = check('iou', _reference(__import__('keras_course.exercises', fromlist=['x']).EXERCISES['iou']),"
        " max_examples=5); print(json.dumps([r.passed, 'tensorflow' in sys.modules, 'keras' in sys.modules,"
        " sorted(m for m in sys.modules if m.startswith('keras_course.detection'))]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False, False, []]
