"""``keras-course list | run NAME | book | practice | exercise``: the command line of keras-course."""

import argparse
import json
import os
import sys
from pathlib import Path

from keras_course import runner
from keras_course.exercises.command import configure as configure_exercise
from keras_course.native_logs import filtered_stderr
from keras_course.practice.command import configure as configure_practice
from keras_course.questions import QUESTIONS


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


def _recipe_name(name_or_question):
    try:
        return runner.find_recipe(name_or_question)
    except ValueError as error:
        raise UsageError(error) from None


def _check_seed(seed):
    if seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed}")


def _check_out(out):
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder, but {out} is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # under a file, read-only, no permission
        raise UsageError(f"--out {out} cannot be created: {error.strerror or error}") from None
    if not os.access(out, os.W_OK):
        raise UsageError(f"--out {out} is not writable: choose another folder")


def _select_backend(backend):
    if backend is not None:
        try:
            runner.select_backend(backend)
        except ValueError as error:
            raise UsageError(error) from None


def _list(args):
    table = runner.question_table()
    tensorflow_only = {}
    for q, title in QUESTIONS.items():
        where = ", ".join(table[q]) or "planned"
        print(f"Q{q:>2}  {title:<68} {where}")
        for name in table[q]:
            reason = runner.load_recipe(name).TENSORFLOW_ONLY
            if reason:
                tensorflow_only[name] = reason
    print(
        "\nEvery recipe is written for every Keras backend (tensorflow, jax, torch; --backend NAME), "
        "and all of them ran quick on JAX (benchmarks/RESULTS.md); TensorFlow only:"
    )
    for name, reason in tensorflow_only.items():
        print(f"  {name}: TensorFlow only, {reason}")
    if not tensorflow_only:
        print("  none")
    return 0


def _run(args):
    _check_seed(args.seed)
    _check_out(args.out)
    _select_backend(args.backend)
    from keras_course.backend import BackendError  # loads Keras: after the backend is chosen
    from keras_course.train.cluster import check_cluster

    recipe = runner.load_recipe(_recipe_name(args.name))
    try:
        if args.strategy == "multi-worker":
            check_cluster()  # TF_CONFIG, or the JAX job's KERAS_DISTRIBUTION_* variables
        recipe.check_backend()
    except (ValueError, BackendError) as error:
        raise UsageError(error) from None
    try:
        metrics = runner.run_with_arguments(recipe, args)
    except BackendError as error:  # e.g. --strategy mirrored on PyTorch: it says what to use instead
        raise UsageError(error) from None
    print(json.dumps(runner.to_jsonable(metrics), indent=2))
    return 0


def _book(args):
    from keras_course.book.build import build_book

    _check_seed(args.seed)
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    _check_out(args.out)
    _select_backend(args.backend)  # the kernels inherit KERAS_BACKEND
    names = [_recipe_name(n) for n in args.names] or None
    summary = build_book(args.out, quick=not args.full, seed=args.seed, names=names, jobs=args.jobs)
    print(f"book: {Path(args.out) / 'index.html'} ({summary})")
    return 0 if summary.ok else 1


def _practice(args):
    from keras_course.practice.command import main as practice_main

    return practice_main(args)


def _exercise(args):
    from keras_course.exercises.command import main as exercise_main

    return exercise_main(args)


def _parser():
    parser = argparse.ArgumentParser(prog="keras-course", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the 38 questions and the recipe answering each").set_defaults(func=_list)

    run = commands.add_parser("run", help="run one recipe (a name, or a question number: run 13)")
    run.add_argument("name", help="recipe name, e.g. q01_fully_connected, or a question number")
    runner.add_run_arguments(run)
    run.set_defaults(func=_run)

    book = commands.add_parser("book", help="build the book: every recipe executed as a notebook, one page each")
    mode = book.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="run every recipe in quick mode (the default)")
    mode.add_argument("--full", action="store_true", help="run every recipe in full mode (hours on a CPU)")
    book.add_argument("--out", type=Path, default=Path("book"), help="output folder (default book/)")
    book.add_argument("--seed", type=int, default=0)
    book.add_argument(
        "--backend", choices=runner.BACKENDS, default=None, help="Keras backend (default: $KERAS_BACKEND)"
    )
    book.add_argument("--jobs", type=int, default=1, help="recipes executed at once (each in its own kernel)")
    book.add_argument("names", nargs="*", metavar="NAME_OR_QUESTION", help="only these recipes (default: all)")
    book.set_defaults(func=_book)

    practice = commands.add_parser("practice", help="exam problems: pose one, check your answer, show the solution")
    configure_practice(practice)
    practice.set_defaults(func=_practice)

    exercise = commands.add_parser("exercise", help="implement a piece yourself; the reference tests grade it")
    configure_exercise(exercise)
    exercise.set_defaults(func=_exercise)
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.debug:
            return args.func(args)
        with filtered_stderr():
            return args.func(args)
    except UsageError as error:
        if args.debug:
            raise
        print(f"keras-course {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
