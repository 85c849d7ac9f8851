"""The recipe contract and the machinery that runs recipes one by one or as a tour.

A recipe is a module in the ``recipes`` package with ``QUESTIONS = (n, ...)`` and
``run(quick=False, seed=0, out=None) -> dict``. It writes ``out/metrics.json`` (through
``save_metrics``) and its plots as PNG files in ``out``. This module finds recipes by name;
it never imports a particular one.
"""

import argparse
import html
import importlib
import json
import math
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from keras_course.questions import QUESTIONS

RECIPE_PACKAGE = "recipes"
DEFAULT_RUNS_DIR = Path("runs")


# ---------------------------------------------------------------------------- the contract
def prepare_out(out, name):
    """The output folder of a recipe run: ``out``, or ``runs/<name>`` when it is None."""
    out = DEFAULT_RUNS_DIR / name if out is None else Path(out)
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

    Returns the metrics with NumPy scalars turned into Python numbers.
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict, got {type(metrics).__name__}")
    metrics = to_jsonable(metrics)
    Path(out, "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def recipe_main(run, argv=None):
    """Command line of ``python -m recipes.<name> [--quick] [--seed N] [--out DIR]``."""
    name = run.__module__.rsplit(".", 1)[-1]
    summary = (sys.modules[run.__module__].__doc__ or name).strip().split("\n")[0]
    parser = argparse.ArgumentParser(prog=f"python -m recipes.{name}", description=summary)
    add_run_arguments(parser)
    args = parser.parse_args(argv)
    metrics = run_with_arguments(run, args)
    print(json.dumps(to_jsonable(metrics), indent=2))
    return metrics


def add_run_arguments(parser):
    """The options every recipe takes on the command line."""
    from keras_course.train import STRATEGIES

    parser.add_argument("--quick", action="store_true", help="small data, few epochs: seconds to a minute")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same figures on CPU)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default runs/NAME)")
    parser.add_argument("--strategy", choices=STRATEGIES, default="default",
                        help="tf.distribute strategy the models are built and trained under")
    parser.add_argument("--mixed-precision", action="store_true",
                        help="compute in float16 on a GPU (bfloat16 on a CPU), variables in float32")


def run_with_arguments(run, args):
    """Call a recipe's ``run`` inside the strategy and precision that ``args`` ask for."""
    from keras_course.train import training_context

    with training_context(args.strategy, args.mixed_precision):
        return run(quick=args.quick, seed=args.seed, out=args.out)


# ---------------------------------------------------------------------------- discovery
def recipe_names():
    """Names of all recipe modules, sorted (``q01_fully_connected``, ...)."""
    package = importlib.import_module(RECIPE_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def load_recipe(name):
    """Import ``recipes.<name>`` and check it follows the contract."""
    if name not in recipe_names():
        raise ValueError(f"unknown recipe {name!r}; `keras-course list` shows them: {', '.join(recipe_names())}")
    module = importlib.import_module(f"{RECIPE_PACKAGE}.{name}")
    if not isinstance(getattr(module, "QUESTIONS", None), tuple) or not callable(getattr(module, "run", None)):
        raise TypeError(f"recipes.{name} must define QUESTIONS (a tuple) and run(quick, seed, out)")
    return module


def question_table():
    """``{question number: [recipe names answering it]}`` for all 38 questions."""
    table = {q: [] for q in QUESTIONS}
    for name in recipe_names():
        for q in load_recipe(name).QUESTIONS:
            table[q].append(name)
    return table


# ---------------------------------------------------------------------------- the tour
def run_tour(out, quick=True, seed=0, names=None, stream=None):
    """Run every recipe (or ``names``), write ``out/index.html``; return the result rows.

    A failing recipe is recorded with its error and the tour goes on.
    """
    import keras

    stream = sys.stdout if stream is None else stream
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = recipe_names() if names is None else list(names)
    rows = []
    for i, name in enumerate(names, 1):
        start = time.perf_counter()
        row = {"name": name, "questions": (), "status": "ok", "metrics": {}, "error": "", "doc": ""}
        try:
            module = load_recipe(name)
            row["questions"] = module.QUESTIONS
            row["doc"] = (module.__doc__ or "").strip()
            keras.backend.clear_session()
            row["metrics"] = to_jsonable(module.run(quick=quick, seed=seed, out=out / name))
        except Exception:  # noqa: BLE001 - the tour reports every failure and goes on
            row["status"] = "failed"
            row["error"] = traceback.format_exc()
        row["seconds"] = time.perf_counter() - start
        rows.append(row)
        print(f"[{i}/{len(names)}] {name}: {row['status']} in {row['seconds']:.1f} s", file=stream, flush=True)
    (out / "index.html").write_text(tour_html(rows, out, quick))
    (out / "tour.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
    return rows


def _scalars(metrics, limit=None, prefix=""):
    """(name, value) pairs of the numbers and strings in ``metrics``; nested dicts flattened
    as ``outer.inner``."""
    items = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            items += _scalars(value, prefix=f"{prefix}{key}.")
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            items.append((prefix + key, value))
    return items[:limit] if limit else items


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { margin-bottom: .2em; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: .6em 0 1.2em; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { font-variant-numeric: tabular-nums; }
.ok { color: #17692c; font-weight: 600; } .failed { color: #b00020; font-weight: 600; }
section { border-top: 2px solid #eee; padding-top: .6em; margin-top: 1.6em; }
pre { background: #fafafa; border: 1px solid #eee; padding: .6em; overflow-x: auto; font-size: 12px; }
code { background: #f4f4f4; padding: 0 .2em; border-radius: 3px; }
img { max-width: 100%; border: 1px solid #eee; margin: .3em 0; }
"""


def _doc_html(doc):
    """The recipe docstring below its title, as HTML: "## " lines become headings, the rest
    paragraphs, ``code`` in backticks becomes <code>."""
    import re

    parts = []
    for block in doc.split("\n\n")[1:]:
        text = html.escape(block.strip())
        text = re.sub(r"``(.+?)``", r"<code>\1</code>", text, flags=re.S)
        if text.startswith("## "):
            heading, _, text = text.partition("\n")
            parts.append(f"<h3>{heading[3:]}</h3>")
        if text:
            parts.append(f"<p>{text}</p>")
    return "\n".join(parts)


def tour_html(rows, out, quick):
    """The tour report: a summary table and one section per recipe with figures and plots."""
    mode = "quick" if quick else "full"
    failed = sum(r["status"] != "ok" for r in rows)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>keras-course tour</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>keras-course tour</h1>",
        f"<p class='sub'>{len(rows)} recipes, {mode} mode, {len(rows) - failed} ok, {failed} failed, "
        f"{sum(r['seconds'] for r in rows):.0f} s in all.</p>",
        "<table><tr><th>questions</th><th>recipe</th><th>status</th><th>key figures</th><th>wall time</th></tr>",
    ]
    for r in rows:
        figures = "<br>".join(f"{html.escape(k)} = {_format(v)}" for k, v in _scalars(r["metrics"], 4))
        parts.append(
            f"<tr><td>{', '.join(map(str, r['questions']))}</td><td><a href='#{r['name']}'>{r['name']}</a></td>"
            f"<td class='{r['status']}'>{r['status']}</td><td>{figures}</td>"
            f"<td class='num'>{r['seconds']:.1f} s</td></tr>"
        )
    parts.append("</table>")
    for r in rows:
        title = (r["doc"].split("\n")[0] or r["name"]).strip("# ")
        parts.append(f"<section id='{r['name']}'><h2>{html.escape(title)}</h2>")
        questions = "; ".join(f"Q{q}. {html.escape(QUESTIONS.get(q, ''))}" for q in r["questions"])
        parts.append(f"<p class='sub'>{r['name']} &middot; {questions}</p>")
        parts.append(_doc_html(r["doc"]))
        if r["status"] != "ok":
            parts.append(f"<p class='failed'>failed</p><pre>{html.escape(r['error'])}</pre>")
        scalars = _scalars(r["metrics"])
        if scalars:
            parts.append("<table><tr><th>figure</th><th>value</th></tr>")
            parts += [f"<tr><td>{html.escape(k)}</td><td class='num'>{_format(v)}</td></tr>" for k, v in scalars]
            parts.append("</table>")
        for png in sorted((Path(out) / r["name"]).glob("*.png")):
            parts.append(f"<figure><img src='{r['name']}/{png.name}' alt='{png.stem}'><figcaption>{png.stem}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
