"""The pieces of a page around the notebook: the quick-build banner, the key-figures table beside
the recorded full run, the full run's plots and tables, and the templates that join them.

A full run's record is ``benchmarks/full_runs/NAME/``: ``metrics.json``, its PNG plots (with
``captions.json`` when the code that made them recorded captions), ``.md`` tables, and
``run.json`` (date, machine, seed, wall time, commit).
"""

import html
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from keras_course.book import REPOSITORY
from keras_course.book.markdown import render_inline, render_markdown
from keras_course.display import CAPTIONS_FILE, format_value, lookup

BOOK_TITLE = "Deep learning with Keras: the 38 exam questions"
RECORDS = REPOSITORY / "benchmarks" / "full_runs"
NOT_RECORDED = "not recorded"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

__all__ = [
    "BOOK_TITLE",
    "FullRun",
    "banner",
    "build_captions",
    "environment",
    "full_run_section",
    "key_figure_rows",
    "key_figures_table",
    "run_line",
    "tables_section",
]


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 templates (autoescaped: the pieces made here are passed in as ``Markup``)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["book_title"] = BOOK_TITLE
    return env


# ---------------------------------------------------------------------------- the record
def _read_json(path):
    return json.loads(path.read_text()) if path.is_file() else {}


@dataclass
class FullRun:
    """A recorded full run of one recipe (``benchmarks/full_runs/NAME``)."""

    folder: Path
    metrics: dict = field(default_factory=dict)
    run: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name, root=RECORDS):
        """The record of recipe ``name`` under ``root``, or None when there is none."""
        folder = Path(root) / name
        if not folder.is_dir():
            return None
        return cls(folder=folder, metrics=_read_json(folder / "metrics.json"), run=_read_json(folder / "run.json"))

    @property
    def plots(self):
        return sorted(self.folder.glob("*.png"))

    @property
    def tables(self):
        return sorted(self.folder.glob("*.md"))

    def captions(self, fallback=None):
        """``{PNG name: caption}``: the record's own captions; for a record made before captions
        were kept, the caption of the same-named figure of this build, else the file's stem."""
        path = self.folder / CAPTIONS_FILE
        own = json.loads(path.read_text()) if path.is_file() else {}
        fallback = fallback or {}
        return {p.name: own.get(p.name) or fallback.get(p.name) or p.stem.replace("_", " ") for p in self.plots}


# ---------------------------------------------------------------------------- banner and key figures
def banner(quick, backend="tensorflow"):
    """The warnings a page carries: a quick build's, and a build on another Keras backend than the
    full-run record's TensorFlow ("" for a full TensorFlow build)."""
    notes = ""
    if quick:
        notes += (
            '<div class="banner quick" role="note"><strong>Quick build.</strong> A smoke run on small data: '
            "its figures show that the code works, not the answers. The full-run column of the key figures "
            "and the full run's plots below give those.</div>\n"
        )
    if backend != "tensorflow":
        notes += (
            f'<div class="banner backend" role="note"><strong>Keras backend: {html.escape(backend)}.</strong> '
            "The same math as on TensorFlow (the library's tests check every layer against it), but other "
            "initial weights and batch order: this build's figures differ from the full run's by that.</div>\n"
        )
    return notes


def _value(metrics, key):
    try:
        return format_value(lookup(metrics, key))
    except KeyError:
        return NOT_RECORDED


def key_figure_rows(key_figures, metrics, full_metrics):
    """One row per ``KEY_FIGURES`` entry: ``{"key", "label", "unit", "value", "full"}``, values
    formatted as the recipe shows them; "not recorded" where a metrics dict lacks the key (or
    ``full_metrics`` is None: no record)."""
    rows = []
    for key, (label, unit) in key_figures.items():
        rows.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "value": _value(metrics or {}, key),
                "full": _value(full_metrics, key) if full_metrics is not None else NOT_RECORDED,
            }
        )
    return rows


def _duration(seconds):
    if seconds is None:
        return "?"
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def run_line(run, this_build=False):
    """When and where a full run ran, in one sentence, from its ``run.json``."""
    if not run:
        return "No full run of this recipe is recorded yet." if not this_build else ""
    started = run.get("started", "")
    try:
        date = datetime.fromisoformat(started).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        date = started or "an unrecorded date"
    machine = run.get("machine", {})
    where = ", ".join(str(p) for p in (machine.get("cpu"), machine.get("cores") and f"{machine['cores']} cores") if p)
    sha, _, dirty = str(run.get("commit") or "").partition("+")
    commit = (sha[:7] + (" with uncommitted changes" if dirty else "")) if sha else "an unrecorded commit"
    who = "This build" if this_build else "Full run"
    return (
        f"{who}: {date}" + (f" on {where}" if where else "") + f", Keras backend {run.get('backend', 'tensorflow')}, "
        f"seed {run.get('seed', '?')}, "
        f"{_duration(run.get('wall_seconds'))} of wall time, measured on commit {commit}."
    )


def key_figures_table(rows, quick, line):
    """The ``#key-figures`` table: this build beside the full run (a full build: its own values
    are the full run's)."""
    head = (
        "<th>figure</th><th>unit</th><th>this build (quick)</th><th>full run</th>"
        if quick
        else "<th>figure</th><th>unit</th><th>full run (this build)</th>"
    )
    body = []
    for row in rows:
        cells = [render_inline(row["label"]), html.escape(row["unit"] or "")]
        cells += [html.escape(row["value"]), html.escape(row["full"])] if quick else [html.escape(row["value"])]
        missing = ' class="missing"' if quick and row["full"] == NOT_RECORDED else ""
        body.append("<tr" + missing + ">" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        '<div class="table-wrap"><table id="key-figures">\n<thead><tr>'
        + head
        + "</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table></div>\n"
        + (f'<p class="run-line">{html.escape(line)}</p>\n' if line else "")
    )


# ---------------------------------------------------------------------------- plots and tables
def _figure(src, caption):
    return (
        f'<figure class="full-run"><img src="{html.escape(src)}" alt="{html.escape(caption)}">'
        f"<figcaption>{render_inline(caption)}</figcaption></figure>\n"
    )


def _table_details(path, label, where):
    """A ``.md`` file the run wrote (a table, or a list shown as one) as a collapsible section."""
    body = render_markdown(path.read_text(encoding="utf-8"), where=f"{where}: {path.name}")
    return (
        f'<details class="run-table"><summary><code>{html.escape(path.name)}</code> ({html.escape(label)})'
        f"</summary>\n{body}</details>\n"
    )


def full_run_section(record, page_dir, url, fallback_captions=None, where=None):
    """The full run's plots (copied into ``page_dir/full_run``, linked as ``url/full_run/FILE``)
    and its tables; "" when nothing is recorded."""
    if record is None or not (record.plots or record.tables):
        return ""
    target = Path(page_dir) / "full_run"
    target.mkdir(parents=True, exist_ok=True)
    captions, shown = record.captions(fallback_captions), list(fallback_captions or {})
    # In the order this build showed them (the story's order), then the record's other plots.
    order = sorted(record.plots, key=lambda p: (shown.index(p.name) if p.name in shown else len(shown), p.name))
    parts = []
    for plot in order:
        shutil.copyfile(plot, target / plot.name)
        parts.append(_figure(f"{url}/full_run/{plot.name}", captions[plot.name]))
    parts += [_table_details(table, "full run", where) for table in record.tables]
    return "".join(parts)


def tables_section(run_dir, record=None, where=None):
    """This build's own ``.md`` tables, each unless the full run recorded the very same text."""
    run_dir = Path(run_dir)
    recorded = {t.name: t.read_text(encoding="utf-8") for t in record.tables} if record else {}
    parts = []
    for table in sorted(run_dir.glob("*.md")) if run_dir.is_dir() else []:
        if recorded.get(table.name) != table.read_text(encoding="utf-8"):
            parts.append(_table_details(table, "this build", where))
    return "".join(parts)


def build_captions(run_dir):
    """``{PNG name: caption}`` that this build's run recorded (``run/captions.json``)."""
    path = Path(run_dir) / CAPTIONS_FILE
    return json.loads(path.read_text()) if path.is_file() else {}
