"""Regenerate the backend-parity fixture on TensorFlow.

    .venv/bin/python tests/backends/make_reference.py            # every case and .keras file
    .venv/bin/python tests/backends/make_reference.py nn_dense   # only these (others kept)

Writes ``reference/parity.npz`` (the arrays of every case in ``parity_cases.CASES`` and of
every model in ``parity_cases.KERAS_FILES``) and ``reference/<name>.keras`` (those models,
saved after their training step). Run it after changing what a case computes or what the
library returns; ``test_parity.py`` on TensorFlow fails until the fixture is regenerated.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras
import numpy as np
import parity_cases as cases


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="cases or .keras files to regenerate (default: all)")
    args = parser.parse_args(argv)
    if keras.backend.backend() != "tensorflow":
        sys.exit(f"the reference is made on TensorFlow, and Keras runs on {keras.backend.backend()}")
    known = set(cases.CASES) | set(cases.KERAS_FILES)
    unknown = sorted(set(args.names) - known)
    if unknown:
        sys.exit(f"unknown names {unknown}; known: {sorted(known)}")
    selected = set(args.names) or known
    arrays = {}
    if args.names and cases.REFERENCE.is_file():
        with np.load(cases.REFERENCE) as old:
            arrays = {k: old[k] for k in old.files if k.split("/")[1] not in selected}
    cases.REFERENCE_DIR.mkdir(exist_ok=True)
    for name in sorted(selected & set(cases.CASES)):
        start = time.perf_counter()
        for key, value in cases.CASES[name]().items():
            arrays[f"case/{name}/{key}"] = np.asarray(value)
        print(f"case {name}: {time.perf_counter() - start:.1f} s")
    for name in sorted(selected & set(cases.KERAS_FILES)):
        entry = cases.KERAS_FILES[name]
        model, _, _, values = entry.run()
        model.save(entry.path)
        for key, value in values.items():
            arrays[f"keras/{name}/{key}"] = np.asarray(value)
        print(f"file {entry.path.name}: {entry.path.stat().st_size / 1024:.0f} KiB")
    arrays["meta/keras_version"] = np.array(keras.__version__)
    arrays["meta/numpy_version"] = np.array(np.__version__)
    np.savez_compressed(cases.REFERENCE, **dict(sorted(arrays.items())))
    numbers = sum(v.size for v in arrays.values())
    print(
        f"{cases.REFERENCE}: {len(arrays)} arrays, {numbers} numbers, {cases.REFERENCE.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
