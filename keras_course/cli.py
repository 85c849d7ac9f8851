"""``keras-course list | run NAME | tour``: the command line of keras-course."""

import argparse
import json
import sys
from pathlib import Path

from keras_course import runner
from keras_course.questions import QUESTIONS


def _list(args):
    table = runner.question_table()
    for q, title in QUESTIONS.items():
        where = ", ".join(table[q]) or "planned"
        print(f"Q{q:>2}  {title:<68} {where}")
    return 0


def _run(args):
    metrics = runner.run_with_arguments(runner.load_recipe(args.name).run, args)
    print(json.dumps(runner.to_jsonable(metrics), indent=2))
    return 0


def _tour(args):
    rows = runner.run_tour(args.out, quick=args.quick, seed=args.seed)
    failed = [r["name"] for r in rows if r["status"] != "ok"]
    print(f"report: {Path(args.out) / 'index.html'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras-course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the 38 questions and the recipe answering each").set_defaults(func=_list)
    run = commands.add_parser("run", help="run one recipe")
    run.add_argument("name", help="recipe name, e.g. q01_fully_connected")
    runner.add_run_arguments(run)
    run.set_defaults(func=_run)
    tour = commands.add_parser("tour", help="run every recipe and write DIR/index.html")
    tour.add_argument("--quick", action="store_true", help="quick mode for every recipe")
    tour.add_argument("--seed", type=int, default=0)
    tour.add_argument("--out", type=Path, default=Path("tour"))
    tour.set_defaults(func=_tour)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
