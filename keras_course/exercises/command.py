"""``keras-course exercise list | start NAME | check NAME FILE | grade NAME FILES... --report DIR``.

Exit status: 0 when every check passes, 1 when some fail (or a submission cannot be checked),
2 for a bad command line (one line on stderr).
"""

import sys
from pathlib import Path


class UsageError(Exception):
    """A bad command line: one line on stderr, exit status 2."""


def configure(parser):
    commands = parser.add_subparsers(dest="exercise_command", metavar="{list,start,check,grade}")
    commands.add_parser("list", help="every exercise with the questions it belongs to")
    start = commands.add_parser("start", help="write the skeleton of an exercise (a .py file and a notebook)")
    start.add_argument("name", help="the exercise, e.g. conv2d (see `keras-course exercise list`)")
    start.add_argument("--out", type=Path, default=Path("."), help="folder to write NAME.py and NAME.ipynb to")
    start.add_argument("--force", action="store_true", help="overwrite existing files")
    check = commands.add_parser("check", help="check your implementation against the reference cases")
    check.add_argument("name")
    check.add_argument("file", type=Path, help="your Python file")
    check.add_argument("--examples", type=int, default=25, help="random examples to try (default 25; 0: none)")
    grade = commands.add_parser("grade", help="grade many submissions, each in its own process (for teachers)")
    grade.add_argument("name")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION", help="files or folders of .py files")
    grade.add_argument("--report", type=Path, required=True, help="folder for scores.csv and index.html")
    grade.add_argument("--timeout", type=float, default=60.0, help="seconds per submission (default 60)")
    grade.add_argument("--memory", type=int, default=2048, help="MB a submission may allocate (default 2048)")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")


def _exercise(name):
    from keras_course.exercises import EXERCISES

    if name not in EXERCISES:
        raise UsageError(f"no exercise named {name!r}; `keras-course exercise list` shows them")
    return EXERCISES[name]


def _list(args):
    from keras_course.exercises import EXERCISES

    for ex in EXERCISES.values():
        questions = ", ".join(f"Q{q}" for q in ex.questions)
        print(f"{ex.name:<24} {questions:<12} {ex.title}")
    return 0


def _start(args):
    from keras_course.exercises.skeleton import write_skeleton

    ex = _exercise(args.name)
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out must be a folder, but {args.out} is a file")
    try:
        py, ipynb = write_skeleton(ex.name, args.out, force=args.force)
    except FileExistsError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {py} and {ipynb}: write `{ex.function}`, then run\n    keras-course exercise check {ex.name} {py}")
    return 0


def _check(args):
    from keras_course.exercises.checker import SubmissionError, check, load_submission

    ex = _exercise(args.name)
    if not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    if args.examples < 0:
        raise UsageError(f"--examples must be >= 0, got {args.examples}")
    try:
        impl = load_submission(args.file, ex)
    except SubmissionError as error:
        print(f"{ex.name}: cannot check it: {error}")
        return 1
    report = check(ex, impl, max_examples=args.examples, debug=getattr(args, "debug", False))
    print(report.text())
    return 0 if report.passed else 1


def _grade(args):
    from keras_course.exercises.grade import expand, grade

    ex = _exercise(args.name)
    missing = [str(p) for p in args.submissions if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if not expand(args.submissions):
        raise UsageError("no .py submissions found in " + ", ".join(map(str, args.submissions)))
    if args.report.exists() and not args.report.is_dir():
        raise UsageError(f"--report must be a folder, but {args.report} is a file")
    if not args.timeout > 0:
        raise UsageError(f"--timeout must be > 0 seconds, got {args.timeout:g}")
    if args.memory < 0:
        raise UsageError(f"--memory must be >= 0 MB (0: no limit), got {args.memory}")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    rows = grade(ex.name, args.submissions, args.report, timeout=args.timeout, memory=args.memory, jobs=args.jobs)
    width = max(len(Path(r.submission).name) for r in rows)
    for r in rows:
        print(f"{Path(r.submission).name:<{width}}  {r.outcome:<8} {r.passed}/{len(r.cases)}  {r.message}".rstrip())
    print(f"report: {args.report / 'index.html'}, scores: {args.report / 'scores.csv'}")
    return 0 if all(r.outcome == "pass" for r in rows) else 1


def main(args):
    handlers = {"list": _list, "start": _start, "check": _check, "grade": _grade}
    command = getattr(args, "exercise_command", None)
    try:
        if command not in handlers:
            raise UsageError("choose one of: list, start NAME, check NAME FILE, grade NAME SUBMISSIONS... --report DIR")
        return handlers[command](args)
    except UsageError as error:
        if getattr(args, "debug", False):
            raise
        print(f"keras-course exercise: {error}", file=sys.stderr)
        return 2
