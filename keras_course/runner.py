"""The recipe contract: finding recipes by name, reading them, and running them.

A recipe is a module in the ``recipes`` package with ``QUESTIONS = (n, ...)`` and
a ``parameters`` cell with ``quick``, ``seed`` and ``out`` (it is a jupytext percent-format
notebook; see ``Recipe``). It writes ``out/metrics.json`` (through ``save_metrics``) and its
plots as PNG files in ``out``. This module finds recipes by name; it never imports one.
"""

import argparse
import ast
import importlib
import importlib.util
import json
import math
import os
import pkgutil
import re
import sys
from pathlib import Path

import numpy as np

from keras_course.questions import QUESTIONS

RECIPE_PACKAGE = "recipes"
STRATEGIES = ("default", "mirrored", "multi-worker")  # keras_course.train.get_strategy's names
BACKENDS = ("tensorflow", "jax", "torch")  # keras_course.backend.BACKENDS; not imported: it loads Keras
DEFAULT_RUNS_DIR = Path("runs")


# ---------------------------------------------------------------------------- the backend
def running_backend():
    """The Keras backend this process runs on, or would once Keras is imported."""
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def select_backend(name):
    """Make ``name`` the Keras backend of this process (``KERAS_BACKEND``), before Keras loads.

    Keras picks its backend once, at import: a ValueError if Keras already runs on another
    one, or if the backend's package is not installed."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    if importlib.util.find_spec(name) is None:
        raise ValueError(f"backend {name} is not installed here: pip install -e '.[{name}]' (or use .venv-{name})")
    if "keras" in sys.modules and running_backend() != name:
        raise ValueError(
            f"Keras is already loaded on {running_backend()} in this process; start a new one with KERAS_BACKEND={name}"
        )
    os.environ["KERAS_BACKEND"] = name


# ---------------------------------------------------------------------------- the contract
def prepare_out(out, name):
    """The output folder of a recipe run: ``out``, or ``runs/<name>`` when it is None."""
    if out is not None and not isinstance(out, (str, Path)):
        raise TypeError(f"out must be a folder path (str or Path) or None, got {out!r}")
    out = DEFAULT_RUNS_DIR / name if out is None else Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder, but {out} is a file")
    out.mkdir(parents=True, exist_ok=True)
    return out


def checkpoint_dir(out, name):
    """Where a recipe's ``keras_course.train.fit`` call named ``name`` keeps its checkpoints:
    ``out/checkpoints/name``. Run the same command again after a crash and it resumes there."""
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise ValueError(f"name must be a non-empty folder name without '/', got {name!r}")
    return Path(out) / "checkpoints" / name


def to_jsonable(value):
    """``value`` with NumPy arrays and scalars turned into JSON-friendly Python objects."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    return value


def save_metrics(out, metrics):
    """Write ``metrics`` (numbers, strings, lists, nested dicts) to ``out/metrics.json``.

    Returns the metrics with NumPy scalars turned into Python numbers, and ``"backend"``: the
    Keras backend they were measured on.
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict, got {type(metrics).__name__}")
    metrics = to_jsonable({**metrics, "backend": running_backend()})
    Path(out, "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def add_run_arguments(parser):
    """The options every recipe takes on the command line."""
    parser.add_argument("--quick", action="store_true", help="small data, few epochs: seconds to a minute")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same figures on CPU)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default runs/NAME)")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)",
    )
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="default",
        help="distribution the models are trained under: tf.distribute on TensorFlow, keras.distribution on JAX; "
        "PyTorch: default only",
    )
    parser.add_argument(
        "--mixed-precision",
        action="store_true",
        help="compute in float16 on a GPU (bfloat16 on a CPU), variables in float32",
    )


def run_with_arguments(recipe, args):
    """Run ``recipe`` (a ``Recipe``) inside the strategy and precision that ``args`` ask for."""
    from keras_course.train import training_context

    with training_context(args.strategy, args.mixed_precision):
        return recipe.run(quick=args.quick, seed=args.seed, out=args.out)


def _is_script(name):
    """True when this process was started as ``python -m recipes.<name>``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec is not None and spec.name == f"{RECIPE_PACKAGE}.{name}"


def recipe_parameters(name, quick, seed, out):
    """A recipe's ``(quick, seed, out)``, called in its Setup cell; creates ``out``.

    Started as ``python -m recipes.<name> [--quick] [--seed N] [--out DIR] [--strategy S]
    [--mixed-precision]``, the values come from that command line, and the rest of the process
    runs under the strategy and precision it names. Otherwise (``keras-course run``, the
    book, the tests, a Jupyter kernel) they are the values of the parameters cell, which
    papermill-style runners set.
    """
    if _is_script(name):
        import atexit
        import contextlib

        from keras_course.train import training_context

        summary = load_recipe(name).title
        parser = argparse.ArgumentParser(prog=f"python -m {RECIPE_PACKAGE}.{name}", description=summary)
        add_run_arguments(parser)
        args = parser.parse_args()
        if args.backend is not None and args.backend != running_backend():
            _restart_on(args.backend, name, parser)
        try:
            load_recipe(name).check_backend()
        except ValueError as error:
            parser.error(str(error))
        quick, seed, out = args.quick, args.seed, args.out
        context = contextlib.ExitStack()
        context.enter_context(training_context(args.strategy, args.mixed_precision))
        atexit.register(context.close)
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {quick!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return quick, int(seed), prepare_out(out, name)


def _restart_on(backend, name, parser):
    """``python -m recipes.NAME --backend B``: the recipe's imports already loaded Keras on
    another backend, which cannot change in a running process; so start this command again, as
    a new process with ``KERAS_BACKEND=B``."""
    if importlib.util.find_spec(backend) is None:
        parser.error(f"backend {backend} is not installed here: pip install -e '.[{backend}]' (or use .venv-{backend})")
    os.environ["KERAS_BACKEND"] = backend
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", f"{RECIPE_PACKAGE}.{name}", *sys.argv[1:]])


# ---------------------------------------------------------------------------- discovery
def recipe_names():
    """Names of all recipe modules, sorted (``q01_fully_connected``, ...)."""
    package = importlib.import_module(RECIPE_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


PARAMETERS_MARKER = re.compile(r'^# %%.*tags=\[[^\]]*"parameters"')


class Recipe:
    """One recipe file: a jupytext percent-format notebook in ``recipes/``.

    Its cells are Markdown (``# %% [markdown]``) and code (``# %%``); one code cell is
    tagged ``parameters`` (papermill's convention) and assigns ``quick``, ``seed`` and
    ``out``. ``QUESTIONS`` and ``KEY_FIGURES`` are literals read without running anything.
    ``run`` executes the cells in this process, the parameters replaced as papermill does
    (a cell that assigns them, right after the parameters cell), and returns ``metrics``,
    which the last cells assign from ``save_metrics``.
    """

    def __init__(self, name, path):
        self.name, self.path = name, Path(path)
        self.source = self.path.read_text(encoding="utf-8")
        lines = self.source.splitlines(keepends=True)
        starts = [i for i, line in enumerate(lines) if PARAMETERS_MARKER.match(line)]
        if len(starts) != 1:
            raise ValueError(f"{self.path}: needs exactly one '# %% tags=[\"parameters\"]' cell, found {len(starts)}")
        end = next((i for i in range(starts[0] + 1, len(lines)) if lines[i].startswith("# %%")), len(lines))
        self._head, self._tail = "".join(lines[:end]), "\n" * end + "".join(lines[end:])
        tree = ast.parse(self.source, filename=str(self.path))
        literals = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                literals[node.targets[0].id] = node
        for required in ("QUESTIONS",):
            if required not in literals:
                raise TypeError(f"{self.path} must assign {required} (a tuple of question numbers)")
        self.QUESTIONS = ast.literal_eval(literals["QUESTIONS"].value)
        self.KEY_FIGURES = ast.literal_eval(literals["KEY_FIGURES"].value) if "KEY_FIGURES" in literals else {}
        # why the recipe runs on TensorFlow only (a TensorFlow op with no counterpart); None: every backend
        self.TENSORFLOW_ONLY = (
            ast.literal_eval(literals["TENSORFLOW_ONLY"].value) if "TENSORFLOW_ONLY" in literals else None
        )
        if not isinstance(self.QUESTIONS, tuple) or not all(q in QUESTIONS for q in self.QUESTIONS):
            raise TypeError(f"{self.path}: QUESTIONS must be a tuple of question numbers 1-38")
        head_tree = ast.parse("".join(lines[starts[0] + 1 : end]))
        self.parameters = [
            n.targets[0].id for n in head_tree.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
        ]
        if self.parameters[:3] != ["quick", "seed", "out"]:
            raise TypeError(
                f"{self.path}: the parameters cell must assign quick, seed, out first, got {self.parameters}"
            )
        title = re.search(r"^# # (.+)$", self.source, flags=re.M)
        self.title = title.group(1).strip() if title else name

    def check_backend(self):
        """A ValueError saying why, when the recipe cannot run on this process's Keras backend."""
        if self.TENSORFLOW_ONLY and running_backend() != "tensorflow":
            raise ValueError(
                f"recipes.{self.name} runs on TensorFlow only ({self.TENSORFLOW_ONLY}); "
                f"Keras runs on {running_backend()}: use --backend tensorflow"
            )

    def run(self, quick=False, seed=0, out=None, **parameters):
        """Execute the recipe here; returns its metrics (also in ``out/metrics.json``)."""
        self.check_backend()
        unknown = sorted(set(parameters) - set(self.parameters))
        if unknown:
            raise TypeError(f"recipes.{self.name} has no parameter {', '.join(unknown)}; it takes {self.parameters}")
        namespace = {"__name__": f"{RECIPE_PACKAGE}.{self.name}", "__file__": str(self.path)}
        exec(compile(self._head, str(self.path), "exec"), namespace)
        namespace.update(quick=quick, seed=seed, out=out, **parameters)
        exec(compile(self._tail, str(self.path), "exec"), namespace)
        if not isinstance(namespace.get("metrics"), dict):
            raise TypeError(f"recipes.{self.name} must end by assigning metrics = save_metrics(out, {{...}})")
        return namespace["metrics"]


def load_recipe(name):
    """The recipe called ``name`` (a ``Recipe``); a clear error for an unknown name."""
    if name not in recipe_names():
        raise ValueError(f"unknown recipe {name!r}; `keras-course list` shows them: {', '.join(recipe_names())}")
    package = importlib.import_module(RECIPE_PACKAGE)
    return Recipe(name, Path(package.__path__[0]) / f"{name}.py")


def find_recipe(name_or_question):
    """A recipe name, or a question number (``"13"``, ``"Q13"``) -> the first recipe answering it."""
    text = str(name_or_question).strip()
    number = text[1:] if text[:1] in "qQ" and text[1:].isdigit() else text
    if number.isdigit():
        q = int(number)
        if q not in QUESTIONS:
            raise ValueError(f"there is no question {q}: the exam list has questions 1-{max(QUESTIONS)}")
        names = question_table()[q]
        if not names:
            raise ValueError(f"no recipe answers question {q} yet")
        return names[0]
    load_recipe(text)
    return text


def question_table():
    """``{question number: [recipe names answering it]}`` for all 38 questions."""
    table = {q: [] for q in QUESTIONS}
    for name in recipe_names():
        for q in load_recipe(name).QUESTIONS:
            table[q].append(name)
    return table
