"""``keras-course practice``: list the problem kinds, pose one and check the answer, or write a sheet.

keras-course practice                       the kinds and the questions they drill
keras-course practice rf [--seed N]         pose a problem, read the answer, check it, show the solution
keras-course practice rf --answer 7x7       the same without a prompt (exit 0 right, 1 wrong, 2 unreadable)
keras-course practice --question 10         a problem that drills exam question 10
keras-course practice --sheet 20 --seed 7 --out sheet/   a printable sheet and its answer key
"""

import random
import sys
from pathlib import Path

EXIT_CORRECT, EXIT_WRONG, EXIT_MALFORMED = 0, 1, 2


class UsageError(Exception):
    """A bad command line: one line on stderr, exit status 2."""


def configure(parser):
    """Add the practice arguments to the ``practice`` subparser."""
    parser.add_argument("kind", nargs="?", help="problem kind (run without one to list them), e.g. rf")
    parser.add_argument("--seed", type=int, default=None, help="the same seed gives the same problem (default: random)")
    parser.add_argument("--difficulty", type=int, default=None, help="1, 2 or 3 (default 1; a sheet mixes them)")
    parser.add_argument("--answer", default=None, metavar="TEXT", help="check this answer instead of asking for one")
    parser.add_argument("--question", type=int, default=None, metavar="Q", help="pose a problem that drills question Q")
    parser.add_argument(
        "--solution", action="store_true", help="show the problem with its answer and solution, ask nothing"
    )
    parser.add_argument(
        "--figure", type=Path, default=None, metavar="PNG", help="save the problem's figure to this file"
    )
    parser.add_argument(
        "--sheet", type=int, default=None, metavar="N", help="write a sheet of N problems and its answer key"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for --sheet (default sheet/)")
    parser.add_argument("--no-pdf", action="store_true", help="with --sheet: write the HTML only")
    return parser


def _kinds_table():
    from keras_course.practice import DESCRIPTIONS, KINDS

    lines = ["Problem kinds (keras-course practice KIND [--seed N] [--difficulty 1-3]):", ""]
    for kind, questions in KINDS.items():
        drills = ", ".join(f"Q{q}" for q in questions)
        lines.append(f"  {kind:<11} {drills:<10} {DESCRIPTIONS[kind]}")
    return "\n".join(lines)


def _seed(args):
    seed = getattr(args, "seed", None)
    if seed is None:
        return random.SystemRandom().randrange(10**6), True
    if seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed}")
    return seed, False


def _difficulty(args, default):
    level = getattr(args, "difficulty", None)
    if level is None:
        return default
    if level not in (1, 2, 3):
        raise UsageError(f"--difficulty must be 1, 2 or 3, got {level}")
    return level


def _sheet(args):
    from keras_course.practice import KINDS
    from keras_course.practice.sheet import write_sheet

    if not 1 <= args.sheet <= 500:
        raise UsageError(f"--sheet needs a number of problems from 1 to 500, got {args.sheet}")
    if args.kind is not None and args.kind not in KINDS:
        raise UsageError(f"unknown problem kind {args.kind!r}; run `keras-course practice` for the list")
    if args.answer is not None or args.question is not None:
        raise UsageError("--sheet cannot be combined with --answer or --question")
    out = args.out or Path("sheet")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder, but {out} is a file")
    seed, drawn = _seed(args)
    written = write_sheet(
        out, args.sheet, seed, _difficulty(args, None), None if args.kind is None else [args.kind], pdf=not args.no_pdf
    )
    print(f"sheet: {written['sheet']} ({args.sheet} problems, seed {seed}{', drawn at random' if drawn else ''})")
    print(f"answer key: {written['answers']}")
    if written["pdf"]:
        print("PDF: " + ", ".join(str(p) for p in written["pdf"]))
    else:
        print(f"PDF skipped: {written['pdf_skipped']}")
    return 0


def _pose(args):
    from keras_course.practice import KINDS, check, generate

    seed, drawn = _seed(args)
    level = _difficulty(args, 1)
    if args.question is not None:
        if args.kind is not None:
            raise UsageError("give a kind or --question, not both")
        kinds = [kind for kind, questions in KINDS.items() if args.question in questions]
        if not kinds:
            drilled = sorted({q for questions in KINDS.values() for q in questions})
            raise UsageError(
                f"no problem kind drills question {args.question}; these do: " + ", ".join(map(str, drilled))
            )
        problem = generate(kinds[seed % len(kinds)], seed, level)
    elif args.kind not in KINDS:
        raise UsageError(f"unknown problem kind {args.kind!r}; the kinds are {', '.join(KINDS)}")
    else:
        problem = generate(args.kind, seed, level)

    print(problem.text())
    print(
        f"\n(kind {problem.kind}, seed {problem.seed}{' drawn at random' if drawn else ''}, "
        f"difficulty {problem.difficulty}: `keras-course practice {problem.kind} --seed {problem.seed}"
        f"{'' if level == 1 else f' --difficulty {level}'}` poses it again)"
    )
    if problem.figure is not None:
        if args.figure is not None:
            args.figure.parent.mkdir(parents=True, exist_ok=True)
            args.figure.write_bytes(problem.figure_png())
            print(f"(figure saved to {args.figure})")
        else:
            print("(this problem has a figure: add --figure FILE.png to save it)")
    if args.solution:
        print(f"\nAnswer: {problem.answer_text}\n\n{problem.solution}")
        return EXIT_CORRECT

    attempts = 1 if args.answer is not None else 3
    for attempt in range(attempts):
        if args.answer is not None:
            answer = args.answer
        else:
            try:
                answer = input("\nYour answer: ")
            except EOFError:
                print("\nNo answer given.")
                return EXIT_MALFORMED
        result = check(problem, answer)
        print(result.feedback)
        if not result.malformed:
            break
        if attempt < attempts - 1:
            print("Try again.")
    else:
        return EXIT_MALFORMED
    print(f"\nAnswer: {problem.answer_text}\n\nWorked solution:\n\n{problem.solution}")
    return EXIT_CORRECT if result.correct else EXIT_WRONG


def main(args):
    """Run ``keras-course practice`` for the parsed ``args``; returns the exit status."""
    try:
        if getattr(args, "sheet", None) is not None:
            return _sheet(args)
        if getattr(args, "kind", None) is None and getattr(args, "question", None) is None:
            print(_kinds_table())
            return 0
        return _pose(args)
    except UsageError as error:
        if getattr(args, "debug", False):
            raise
        print(f"keras-course practice: {error}", file=sys.stderr)
        return EXIT_MALFORMED
