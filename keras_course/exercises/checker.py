"""Check a student's implementation against the reference: fixed cases, then random ones.

``check(name, impl)`` runs every fixed case, then Hypothesis-generated inputs; a random
failure is shrunk to the smallest input Hypothesis finds within ``shrink_seconds``. Each
failing case is reported with its input, the expected and the actual output, what differs,
and the known slip whose output equals the student's (when one does). An implementation
that raises ``NotImplementedError`` on the first case is reported as not written yet.
"""

import importlib.util
import pickle
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from keras_course.exercises.base import show, show_kwargs

RANDOM_CASE = "random inputs"


class SubmissionError(Exception):
    """The submission cannot be checked at all (no such function, import failed)."""


@dataclass
class CaseResult:
    name: str
    status: str  # "pass", "fail", "error", "not implemented", "not run"
    detail: str = ""
    slips: tuple = ()
    inputs: dict = None  # the failing input, for a failure

    @property
    def passed(self):
        return self.status == "pass"


@dataclass
class Report:
    exercise: object
    results: list = field(default_factory=list)

    @property
    def passed(self):
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def score(self):
        return sum(r.passed for r in self.results), len(self.results)

    def text(self):
        ex = self.exercise
        questions = ", ".join(f"Q{q}" for q in ex.questions)
        lines = [f"{ex.name} ({questions}): {ex.title}"]
        for r in self.results:
            lines.append(
                f"  {r.status.upper():<6} {r.name}"
                if r.status in ("pass", "fail", "error")
                else f"  {r.name}: {r.status}"
            )
            lines += ["         " + line for line in r.detail.splitlines()]
        passed, total = self.score
        if self.results and self.results[0].status == "not implemented":
            lines.append(f"{ex.function} is not written yet: replace `raise NotImplementedError` with its body.")
        else:
            lines.append(f"{passed} of {total} checks pass." + ("" if passed == total else " See above what differs."))
        return "\n".join(lines)


def get_exercise(name_or_exercise):
    if not isinstance(name_or_exercise, str):
        return name_or_exercise
    from keras_course.exercises import EXERCISES

    if name_or_exercise not in EXERCISES:
        raise KeyError(f"no exercise named {name_or_exercise!r}; `keras-course exercise list` shows them")
    return EXERCISES[name_or_exercise]


# ------------------------------------------------------------------------------ loading a file
def load_submission(path, exercise):
    """The function (or class) ``exercise.function`` defined in the Python file ``path``."""
    exercise = get_exercise(exercise)
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    name = f"_submission_{exercise.name}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SubmissionError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise SubmissionError(f"{path}: syntax error at line {error.lineno}: {error.msg}") from None
    except (Exception, SystemExit) as error:
        raise SubmissionError(f"{path}: importing it raised {_describe_error(error, path)}") from None
    finally:
        sys.path.remove(str(path.parent.resolve()))
    impl = getattr(module, exercise.function, None)
    if impl is None:
        raise SubmissionError(f"{path} defines no `{exercise.function}`")
    return impl


def _describe_error(error, path=None, debug=False):
    """``Type: message`` and the student's line where it happened (the last frame outside us)."""
    if debug:
        return "".join(traceback.format_exception(error)).rstrip()
    text = f"{type(error).__name__}: {error}".rstrip(": ")
    ours = str(Path(__file__).parent)
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not f.filename.startswith(ours) and "/hypothesis/" not in f.filename
    ]
    if path is not None:
        frames = [f for f in frames if Path(f.filename).resolve() == Path(path).resolve()] or frames
    if frames:
        f = frames[-1]
        text += f"\n(line {f.lineno} of {Path(f.filename).name}, in {f.name}: {(f.line or '').strip()})"
    return text


# ------------------------------------------------------------------------------ running cases
_EXPECTED = {}


def expected_output(exercise, kwargs):
    """The reference's output on ``kwargs`` (memoised: shrinking asks for the same inputs again)."""
    try:
        key = (exercise.name, pickle.dumps(kwargs))
    except Exception:
        key = None
    if key is not None and key in _EXPECTED:
        return _EXPECTED[key]
    out = exercise.run(_reference(exercise), kwargs)
    if key is not None:
        if len(_EXPECTED) > 4096:
            _EXPECTED.clear()
        _EXPECTED[key] = out
    return out


_REFERENCES = {}


def _reference(exercise):
    if exercise.name not in _REFERENCES:
        _REFERENCES[exercise.name] = exercise.reference()
    return _REFERENCES[exercise.name]


def _attempt(exercise, impl, kwargs, expected, debug=False):
    """(ok, got, message, raised): one run of ``impl`` compared with ``expected``. Warnings the
    implementation raises are kept out of the terminal; the first one joins a failure's message."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = exercise.run(impl, kwargs)
        except (Exception, SystemExit) as error:
            return False, None, _describe_error(error, debug=debug) + _warned(caught), error
    try:
        message = exercise.differ(expected, got)
    except Exception as error:  # an output of a kind the comparison cannot even read
        message = f"cannot compare the output with the expected one ({type(error).__name__}: {error})"
    return message is None, got, None if message is None else message + _warned(caught), None


def _warned(caught):
    if not caught:
        return ""
    w = caught[0]
    return f"\nwarning:  {w.category.__name__}: {w.message} (line {w.lineno} of {Path(w.filename).name})"


def _slips(exercise, kwargs, got):
    found = []
    for slip in exercise.slips:
        try:
            if exercise.differ(exercise.run(slip.impl, kwargs), got) is None:
                found.append(f"{slip.name}: {slip.description}")
        except Exception:
            continue
    return tuple(found)


def _failure(name, exercise, kwargs, expected, got, message, raised, header=""):
    lines = [header] if header else []
    lines.append(f"input:    {show_kwargs(kwargs)}")
    lines.append(f"expected: {show(expected)}")
    if raised is not None:
        lines.append(f"raised:   {message}")
        return CaseResult(name, "error", "\n".join(lines), inputs=kwargs)
    slips = _slips(exercise, kwargs, got)
    lines.append(f"got:      {show(got)}")
    lines.append(f"differs:  {message}")
    lines += [f"likely slip: {s}" for s in slips]
    return CaseResult(name, "fail", "\n".join(lines), slips, kwargs)


class _Failed(Exception):
    pass


class _OutOfTime(BaseException):
    """Stops Hypothesis's shrinking once its time is spent (Hypothesis re-raises BaseException)."""


def _random_case(exercise, impl, max_examples, shrink_seconds, debug):
    from hypothesis import HealthCheck, Verbosity, given, reject, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable
    from hypothesis.extra import numpy as hnp

    state = {"last": None, "since": None, "examples": 0}

    def prop(kwargs):
        state["examples"] += 1
        try:
            expected = expected_output(exercise, kwargs)
        except Exception:
            reject()  # an input outside the exercise's domain: the strategy's fault, not the student's
        ok, got, message, raised = _attempt(exercise, impl, kwargs, expected, debug)
        if ok:
            if state["since"] is not None and time.monotonic() - state["since"] > shrink_seconds:
                raise _OutOfTime
            return
        state["last"] = (kwargs, expected, got, message, raised)
        now = time.monotonic()
        if state["since"] is None:
            state["since"] = now
        elif now - state["since"] > shrink_seconds:
            raise _OutOfTime
        raise _Failed

    run = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )(given(exercise.random(st, hnp))(prop))
    name = f"{RANDOM_CASE} ({max_examples} examples)"
    try:
        run()
    except Unsatisfiable:
        return CaseResult(name, "not run", "the random inputs could not be generated")
    except (_OutOfTime, Exception):
        pass
    if state["last"] is None:
        return CaseResult(name, "pass")
    kwargs, expected, got, message, raised = state["last"]
    return _failure(
        name,
        exercise,
        kwargs,
        expected,
        got,
        message,
        raised,
        header=f"the smallest failing input found (Hypothesis, {state['examples']} runs):",
    )


def check(exercise, impl, max_examples=25, shrink_seconds=3.0, debug=False, on_start=None, on_result=None):
    """Run ``exercise``'s fixed and random cases on ``impl``; returns a ``Report``."""
    exercise = get_exercise(exercise)
    report = Report(exercise)

    def record(result):
        report.results.append(result)
        if on_result:
            on_result(result)

    for i, case in enumerate(exercise.cases):
        if on_start:
            on_start(case.name)
        expected = expected_output(exercise, case.kwargs)
        ok, got, message, raised = _attempt(exercise, impl, case.kwargs, expected, debug)
        if ok:
            record(CaseResult(case.name, "pass"))
        elif i == 0 and isinstance(raised, NotImplementedError):
            record(CaseResult(case.name, "not implemented", f"{exercise.function} raises NotImplementedError"))
            for rest in exercise.cases[1:]:
                record(CaseResult(rest.name, "not run"))
            if exercise.random:
                record(CaseResult(f"{RANDOM_CASE} ({max_examples} examples)", "not run"))
            return report
        else:
            record(_failure(case.name, exercise, case.kwargs, expected, got, message, raised))
    if exercise.random and max_examples > 0:
        if on_start:
            on_start(RANDOM_CASE)
        record(_random_case(exercise, impl, max_examples, shrink_seconds, debug))
    return report


def case_names(exercise, max_examples=25):
    """The names of the checks ``check`` reports, in order (the columns of a grade table)."""
    exercise = get_exercise(exercise)
    names = [c.name for c in exercise.cases]
    return names + ([f"{RANDOM_CASE} ({max_examples} examples)"] if exercise.random and max_examples > 0 else [])
