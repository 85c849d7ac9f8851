"""``build_book``: execute each recipe as a notebook and write its page, the index and the search.

The output folder, for recipes NAME:

    index.html            the 38 questions, each linked to the page answering it (when built)
    NAME.html             the page
    NAME/NAME.ipynb       the recipe as a notebook, no outputs (the download)
    NAME/NAME.executed.ipynb, NAME/build.json, NAME/search.json, NAME/run/ (what the recipe
                          wrote), NAME/figures/ ...
    code/MODULE.html      the library modules the pages use; exercises/NAME.html the skeletons
    static/               book.css, book.js, the math font; search.js the search index
"""

import json
import os
import platform
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup

from keras_course.book import REPOSITORY, extras, pages
from keras_course.book.markdown import plain_text, render_inline
from keras_course.book.notebook import Execution, execute_recipe, write_clean_notebook
from keras_course.book.render import render_notebook
from keras_course.checks import check_bool, check_folder, check_int
from keras_course.native_logs import filtered_stderr
from keras_course.questions import QUESTIONS
from keras_course.runner import find_recipe, load_recipe, question_table, recipe_names, running_backend

FONT_FILE = "latinmodern-math.otf"
FONT_CANDIDATES = (
    Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf"),
    Path("/usr/share/fonts/opentype/lmodern/latinmodern-math.otf"),
)
# The prose font (Latin Modern Roman, from the same Debian package), bundled too so that text and
# formulas match on any machine; book.css falls back to the reader's serif fonts without it.
TEXT_FONTS = ("lmroman10-regular.otf", "lmroman10-italic.otf", "lmroman10-bold.otf", "lmroman10-bolditalic.otf")
TEXT_FONT_DIRS = (Path("/usr/share/texmf/fonts/opentype/public/lm"), Path("/usr/share/fonts/opentype/lmodern"))

__all__ = ["PageResult", "Summary", "build_book"]


@dataclass
class PageResult:
    """One recipe's page: built, and None or why its recipe (or its page) failed."""

    name: str
    error: str | None
    seconds: float

    @property
    def ok(self):
        return self.error is None


@dataclass
class Summary:
    """What a build did: one ``PageResult`` per recipe, and the wall time of the whole build."""

    pages: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self):
        return all(page.ok for page in self.pages)

    def __str__(self):
        good = sum(page.ok for page in self.pages)
        failed = [page.name for page in self.pages if not page.ok]
        return f"{len(self.pages)} pages, {good} ok, {self.seconds:.0f} s" + (
            f"; failed: {', '.join(failed)}" if failed else ""
        )


# ---------------------------------------------------------------------------- static files
def math_font():
    """Latin Modern Math on this machine (Debian's fonts-lmodern), or None."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "Latin Modern Math"], capture_output=True, text=True, timeout=20, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(found) if found and "latinmodern-math" in found.lower() and Path(found).is_file() else None


def write_static(out):
    """``out/static``: the stylesheet, the search script and (when installed) the fonts; without
    them, MathML still renders in the browser's own math font and the prose in its serif."""
    static = Path(out) / "static"
    static.mkdir(parents=True, exist_ok=True)
    for source in pages.STATIC.iterdir():
        if source.is_file():
            shutil.copyfile(source, static / source.name)
    font = math_font()
    if font is not None and not (static / FONT_FILE).is_file():
        shutil.copyfile(font, static / FONT_FILE)
    for name in TEXT_FONTS:
        found = next((folder / name for folder in TEXT_FONT_DIRS if (folder / name).is_file()), None)
        if found is not None and not (static / name).is_file():
            shutil.copyfile(found, static / name)


# ---------------------------------------------------------------------------- this build's record
def _machine():
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return {"cpu": cpu, "cores": os.cpu_count()}


def _commit():
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if done.returncode != 0:
        return ""
    dirty = (
        subprocess.run(
            ["git", "diff", "--quiet", "HEAD"], cwd=REPOSITORY, capture_output=True, timeout=20, check=False
        ).returncode
        != 0
    )
    return done.stdout.strip() + ("+uncommitted" if dirty else "")  # the marker benchmarks/full_runs.py uses


def this_run(seed, seconds, started):
    """This build's run of one recipe, in ``run.json``'s terms (a full build shows it)."""
    return {
        "started": started,
        "seed": seed,
        "wall_seconds": round(seconds, 1),
        "machine": _machine(),
        "commit": _commit(),
    }


# ---------------------------------------------------------------------------- one page
def _names(names):
    """Recipe names (a question number finds its recipe), each once, in question order."""
    chosen = [find_recipe(n) for n in names] if names else recipe_names()
    return sorted(dict.fromkeys(chosen), key=lambda n: (min(load_recipe(n).QUESTIONS), n))


def _read_metrics(run_dir):
    path = Path(run_dir) / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else {}


class _PageWriter:
    """Writes the pages of one build; remembers the code and exercise pages already written."""

    def __init__(self, out, quick, seed, names):
        self.out, self.quick, self.seed, self.names = Path(out), quick, seed, names
        self.env, self.code_pages, self.exercise_pages = pages.environment(), set(), set()
        self.titles = {name: load_recipe(name).title for name in names}

    def _link(self, i):
        return {"url": f"{self.names[i]}.html", "title": self.titles[self.names[i]]}

    def neighbours(self, name):
        """The previous and next pages of this build (None at either end), in question order."""
        i = self.names.index(name)
        return (self._link(i - 1) if i > 0 else None), (self._link(i + 1) if i + 1 < len(self.names) else None)

    def _library(self, recipe):
        modules = extras.library_modules(recipe.source)
        for module in modules:
            if module.name not in self.code_pages:
                extras.write_code_page(module, self.out, self.env)
                self.code_pages.add(module.name)
        return extras.library_section(modules)

    def _exercises(self, recipe):
        exercises = extras.page_exercises(recipe.QUESTIONS)
        for exercise in exercises:
            if exercise.name not in self.exercise_pages:
                extras.write_exercise_page(exercise, self.out, self.env)
                self.exercise_pages.add(exercise.name)
        return extras.exercises_section(exercises)

    def write(self, execution, started):
        """Write ``NAME.html`` (and its search entry) from an ``Execution``."""
        import nbformat

        name, where = execution.name, f"{execution.name}.html"
        recipe, page_dir = load_recipe(name), self.out / execution.name
        rendered = render_notebook(
            nbformat.read(str(execution.notebook), as_version=4), page_dir / "figures", f"{name}/figures", where=where
        )
        metrics, record = _read_metrics(execution.run_dir), pages.FullRun.load(name)
        if self.quick:
            rows = pages.key_figure_rows(recipe.KEY_FIGURES, metrics, record.metrics if record else None)
            line = pages.run_line(record.run if record else {})
        else:
            rows = pages.key_figure_rows(recipe.KEY_FIGURES, metrics, metrics)
            line = pages.run_line(this_run(self.seed, execution.seconds, started), this_build=True)
        captions = {**rendered.figures, **pages.build_captions(execution.run_dir)}
        practice = extras.practice_section(extras.practice_problems(recipe.QUESTIONS, self.seed), page_dir, name, where)
        prev, next_ = self.neighbours(name)
        pieces = {
            "cells": rendered.html,
            "banner": pages.banner(self.quick, running_backend()),
            "key_figures": pages.key_figures_table(rows, self.quick, line),
            "full_run": pages.full_run_section(record, page_dir, name, captions, where) if self.quick else "",
            "tables": pages.tables_section(execution.run_dir, record if self.quick else None, where),
            "library": self._library(recipe),
            "practice": practice,
            "exercises": self._exercises(recipe),
        }
        html = self.env.get_template("page.html").render(
            title=recipe.title,
            root="",
            name=name,
            quick=self.quick,
            seed=self.seed,
            error=execution.error,
            prev=prev,
            next=next_,
            footer=self.footer(),
            questions=", ".join(f"Q{q}" for q in recipe.QUESTIONS),
            notebook_url=f"{name}/{name}.ipynb",
            executed_url=f"{name}/{name}.executed.ipynb",
            **{key: Markup(value) for key, value in pieces.items()},
        )
        (self.out / f"{name}.html").write_text(html, encoding="utf-8")
        entry = {"title": recipe.title, "url": f"{name}.html", "text": plain_text(rendered.html + practice)}
        (page_dir / "search.json").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")

    def write_failed(self, name, error):
        """A page whose rendering failed (a formula latex2mathml cannot convert): the error, said plainly."""
        html = self.env.get_template("plain.html").render(
            title=self.titles[name],
            root="",
            heading=self.titles[name],
            footer=self.footer(),
            intro="",
            body=Markup('<div class="error"><p>This page could not be rendered: ') + error + Markup("</p></div>"),
        )
        (self.out / f"{name}.html").write_text(html, encoding="utf-8")

    def footer(self):
        return _footer(self.quick, self.seed)


def _footer(quick, seed):
    mode = "quick" if quick else "full"
    return f"Built by keras-course book in {mode} mode, seed {seed}, on the Keras backend {running_backend()}."


# ---------------------------------------------------------------------------- the index
def built_pages(out):
    """``{name: its build.json}`` for the pages in ``out``: this build's and those an earlier build
    left there (``keras-course book 10`` into a whole book keeps the other pages linked)."""
    found = {}
    for name in recipe_names():
        info = Path(out) / name / "build.json"
        if (Path(out) / f"{name}.html").is_file() and info.is_file():
            found[name] = json.loads(info.read_text())
    return found


def _index_metrics(out, name, info):
    """What the index shows for a recipe: the folder's own full run when its page was built in
    full mode, else the recorded full run (None without one)."""
    if info and info.get("mode") == "full":
        metrics = _read_metrics(Path(out) / name / "run")
        if metrics:
            return metrics
    record = pages.FullRun.load(name)
    return record.metrics if record else None


def index_rows(out):
    """One row per exam question: its title, the recipes answering it (linked when their page is
    in ``out``), and each recipe's first key figure from its full run."""
    built, rows = built_pages(out), []
    for number, names in question_table().items():
        recipes, figures = [], []
        for name in names:
            recipe = load_recipe(name)
            recipes.append({"title": recipe.title, "url": f"{name}.html", "built": name in built})
            metrics = _index_metrics(out, name, built.get(name))
            if recipe.KEY_FIGURES and metrics is not None:
                key, (label, unit) = next(iter(recipe.KEY_FIGURES.items()))
                value = pages.key_figure_rows({key: (label, unit)}, metrics, metrics)[0]["value"]
                # the label may hold $...$ like on the page: rendered, the rest escaped
                figures.append(Markup(render_inline(label)) + Markup(": ") + f"{value} {unit}".strip())
            else:
                figures.append("no full run recorded")
        rows.append({"number": number, "title": QUESTIONS[number], "recipes": recipes, "figures": figures})
    return rows


def write_index(out, quick, seed, building=False):
    """``out/index.html``: the 38 questions (``building``: a note that pages are on their way)."""
    mode = (
        "This is a quick build: each recipe ran on small data, so its figures show that the code works; "
        "the key figures here come from the recorded full runs."
        if quick
        else "This is a full build: every figure comes from this build's own full runs."
    )
    html = (
        pages.environment()
        .get_template("index.html")
        .render(
            title="Index",
            root="",
            rows=index_rows(out),
            mode_note=mode,
            building=building,
            footer=_footer(quick, seed),
        )
    )
    (Path(out) / "index.html").write_text(html, encoding="utf-8")


def write_search(out):
    """``out/search.js`` from each page's ``NAME/search.json``, in question order: a plain script
    (no fetch, so it works from file:// URLs)."""
    entries = []
    for name in built_pages(out):
        path = Path(out) / name / "search.json"
        if path.is_file():
            entries.append(json.loads(path.read_text(encoding="utf-8")))
    data = json.dumps(entries, ensure_ascii=False).replace("</", "<\\/")
    (Path(out) / "search.js").write_text(f"window.BOOK_SEARCH = {data};\n", encoding="utf-8")


# ---------------------------------------------------------------------------- the build
def _execute(name, out, quick, seed):
    """Run one recipe (in a worker thread); never raises, so one recipe cannot stop the book."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        clean = write_clean_notebook(name, out / name / f"{name}.ipynb")
        return execute_recipe(name, out / name, quick=quick, seed=seed, clean=clean), started
    except Exception as failure:
        missing = out / name / f"{name}.executed.ipynb"
        return Execution(name, missing, out / name / "run", f"{type(failure).__name__}: {failure}", 0.0), started


def build_book(out, quick=True, seed=0, names=None, jobs=1):
    """Build the book into ``out``: each recipe (``names``, default all; a question number finds
    its recipe) executed as a notebook, ``jobs`` at once, and its page written. Returns a
    ``Summary``; a failing recipe fails its page, not the build."""
    out = check_folder("out", out).resolve()
    quick, seed = check_bool("quick", quick), check_int("seed", seed, minimum=0)
    jobs = check_int("jobs", jobs, minimum=1)
    names = _names(names)
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    write_static(out)
    write_search(out)
    write_index(out, quick, seed, building=True)
    writer, summary = _PageWriter(out, quick, seed, names), Summary()
    with filtered_stderr(), ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_execute, name, out, quick, seed) for name in names]
        for future in as_completed(futures):  # pages are written here, in this thread, as runs finish
            execution, started = future.result()
            error = execution.error
            try:
                writer.write(execution, started)
            except Exception as failure:
                error = error or f"{type(failure).__name__}: {failure}"
                writer.write_failed(execution.name, error)
                (out / execution.name / "search.json").unlink(missing_ok=True)
            page = PageResult(execution.name, error, round(execution.seconds, 1))
            summary.pages.append(page)
            (out / execution.name / "build.json").write_text(
                json.dumps(
                    {
                        "ok": page.ok,
                        "mode": "quick" if quick else "full",
                        "seed": seed,
                        "backend": running_backend(),
                        "wall_seconds": page.seconds,
                        "error": error,
                        "started": started,
                    },
                    indent=2,
                )
                + "\n"
            )
            print(f"  {execution.name}: {'ok' if page.ok else 'FAILED: ' + error} ({page.seconds:.0f} s)", flush=True)
    summary.pages.sort(key=lambda page: names.index(page.name))
    write_search(out)
    write_index(out, quick, seed)
    summary.seconds = time.perf_counter() - start
    return summary
