"""A recipe as a notebook: read with jupytext, executed under a Jupyter kernel by papermill.

The recipe file is the single source: the downloadable ``.ipynb`` is made from it on every
build (no outputs), and the executed copy is what the page shows, cell by cell.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from keras_course.book import REPOSITORY
from keras_course.native_logs import drop_native_logs
from keras_course.runner import Recipe, load_recipe

KERNEL = "python3"  # ipykernel's own kernelspec: the interpreter that runs the build
KERNELSPEC = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
START_TIMEOUT = 300  # seconds for a kernel to start; with every core busy, TensorFlow's import is slow

__all__ = ["KERNEL", "Execution", "execute_recipe", "recipe_notebook", "write_clean_notebook"]


def _recipe(recipe):
    return recipe if isinstance(recipe, Recipe) else load_recipe(recipe)


def recipe_notebook(recipe):
    """The recipe (a ``Recipe`` or its name) as an nbformat notebook, kernel ``python3``, no outputs."""
    import jupytext

    notebook = jupytext.reads(_recipe(recipe).source, fmt="py:percent")
    # jupytext's own metadata would mark the download as paired with a .py it does not have.
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return notebook


def write_clean_notebook(recipe, path):
    """Write the recipe as a notebook without outputs to ``path`` (the book's download); returns it."""
    import nbformat

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = recipe_notebook(recipe)
    nbformat.validate(notebook)
    nbformat.write(notebook, str(path))
    return path


@dataclass
class Execution:
    """What executing one recipe gave: the executed notebook, and None or the error."""

    name: str
    notebook: Path
    run_dir: Path
    error: str | None
    seconds: float

    @property
    def ok(self):
        return self.error is None


def _drop_native_logs(path):
    """Remove TensorFlow's C++ log lines from the executed notebook's stream outputs (the
    kernel captures file descriptor 2, so they land there)."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream":
                output.text = drop_native_logs(output.text)
                if not output.text:
                    continue
            kept.append(output)
        cell.outputs = kept
    nbformat.write(notebook, str(path))


def _describe(error):
    """A one-line account of why an execution failed."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    if ename:
        cell = getattr(error, "exec_count", None)
        return f"{ename}: {evalue}" + (f" (cell [{cell}])" if cell else "")
    return f"{type(error).__name__}: {error}"


def execute_recipe(name, out_dir, quick=True, seed=0, clean=None):
    """Execute recipe ``name`` under a fresh ``python3`` kernel into ``out_dir/NAME.executed.ipynb``.

    The parameters ``quick``, ``seed`` and ``out`` (``out_dir/run``, where the recipe writes its
    metrics and plots) are injected after the ``parameters`` cell; the kernel starts in the
    repository root. A recipe that fails is reported in the returned ``Execution``, not raised,
    so one failing recipe does not stop the book; its notebook keeps the cells run so far.
    """
    import papermill

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    clean = Path(clean) if clean else write_clean_notebook(name, out_dir / f"{name}.ipynb")
    executed, run_dir = out_dir / f"{name}.executed.ipynb", out_dir / "run"
    start, error = time.perf_counter(), None
    try:
        papermill.execute_notebook(
            str(clean),
            str(executed),
            kernel_name=KERNEL,
            cwd=str(REPOSITORY),
            parameters={"quick": bool(quick), "seed": int(seed), "out": str(run_dir)},
            log_output=False,
            progress_bar=False,
            start_timeout=START_TIMEOUT,
        )
    except Exception as failure:
        error = _describe(failure)
    seconds = time.perf_counter() - start
    if executed.is_file():
        _drop_native_logs(executed)
    else:  # the kernel never started: the page still shows the code
        executed.write_bytes(clean.read_bytes())
    return Execution(name=name, notebook=executed, run_dir=run_dir, error=error, seconds=seconds)
