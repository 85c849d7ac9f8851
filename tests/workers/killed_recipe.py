"""Runs a recipe's quick mode, optionally pausing mid-epoch so that a test can SIGKILL it.

python tests/workers/killed_recipe.py RECIPE OUT [--pause-at EPOCH STEP MARKER]
prints the recipe's metrics as JSON. With --pause-at, the first ``keras_course.train.fit`` call
of the recipe writes MARKER when it reaches that (epoch, step) and then slows down.
"""

import argparse
import json

import keras_course.train
from keras_course.runner import load_recipe, to_jsonable


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("recipe")
    parser.add_argument("out")
    parser.add_argument("--pause-at", nargs=3)
    args = parser.parse_args()
    if args.pause_at:
        from resumable_fit import PauseAt  # the same callback as the fit-level fault test

        pause = PauseAt(int(args.pause_at[0]), int(args.pause_at[1]), args.pause_at[2])
        original = keras_course.train.fit

        def fit_with_pause(*a, callbacks=(), **k):  # a test-only wrapper, before the recipe imports fit
            return original(*a, callbacks=[*callbacks, pause], **k)

        keras_course.train.fit = fit_with_pause
    metrics = load_recipe(args.recipe).run(quick=True, seed=0, out=args.out)
    print(json.dumps(to_jsonable(metrics)))


if __name__ == "__main__":
    main()
