"""Every recipe keeps the contract: a jupytext notebook with the cells a page needs, and a
quick-mode smoke test that checks it learned."""

import ast
import re
from pathlib import Path

import jupytext
import pytest

from keras_course import runner
from keras_course.book.markdown import render
from keras_course.book.notebook import recipe_notebook, write_clean_notebook
from keras_course.questions import QUESTIONS

RECIPE_TESTS = Path(__file__).parent / "recipes"
FIGURE_CALLS = ("save_figure", "plot_history", "image_grid")


def _cells(recipe):
    return jupytext.reads(recipe.source, fmt="py:percent").cells


@pytest.mark.parametrize("name", runner.recipe_names())
def test_recipe_follows_contract(name):
    recipe = runner.load_recipe(name)
    assert recipe.QUESTIONS and all(q in QUESTIONS for q in recipe.QUESTIONS)
    assert recipe.parameters[:3] == ["quick", "seed", "out"]
    assert f'recipe_parameters("{name}", quick, seed, out)' in recipe.source, "python -m recipes.NAME must work"
    assert len(recipe.source.splitlines()) <= 330, "a recipe tells one story in about 300 lines"
    assert recipe.KEY_FIGURES and all(len(v) == 2 for v in recipe.KEY_FIGURES.values())


@pytest.mark.parametrize("name", runner.recipe_names())
def test_recipe_reads_as_a_page(name):
    """Header with the questions and an Errata box, prose between code cells, every figure
    captioned, results shown, a conclusion with a variation to try, every formula renderable."""
    cells = _cells(runner.load_recipe(name))
    header = cells[0]
    assert header.cell_type == "markdown" and header.source.startswith("# ")
    for q in runner.load_recipe(name).QUESTIONS:
        assert f"**Q{q}.**" in header.source, f"the header names Q{q}"
    markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert re.search(r"\*\*Errata \(notes 1\.1\.\d+\)", markdown), "an Errata box naming the notes' section"
    assert "$" in markdown, "formulas in LaTeX"
    for cell in cells:
        if cell.cell_type == "markdown":
            render(cell.source)  # raises MathError on a formula that cannot be rendered
    code = [c for c in cells if c.cell_type == "code"]
    assert sum("## " in c.source for c in cells if c.cell_type == "markdown") >= 3, "sections with headings"
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            called = (
                getattr(node.func, "id", None) or getattr(node.func, "attr", "") if isinstance(node, ast.Call) else ""
            )
            if called in FIGURE_CALLS:  # save_figure(fig, path, caption) may pass it by position
                positional = called == "save_figure" and len(node.args) >= 3
                captioned = positional or any(k.arg == "caption" for k in node.keywords)
                assert captioned, f"figure without a caption: {ast.unparse(node)[:80]}"
    last = code[-1].source
    assert re.search(r"save_metrics\(\s*out\b", last) and "show_key_figures(metrics, KEY_FIGURES)" in last
    assert cells[-1].cell_type == "markdown" and "**Try a variation.**" in cells[-1].source


def _independent_code_cells(source):
    """The code cells of a percent-format script, split by hand (not by jupytext)."""
    cells, current, kind = [], [], None
    for line in source.splitlines():
        if line.startswith("# %%"):
            if kind == "code":
                cells.append("\n".join(current).strip())
            kind, current = ("markdown" if "[markdown]" in line else "code"), []
        else:
            current.append(line)
    if kind == "code":
        cells.append("\n".join(current).strip())
    return [c for c in cells if c]


@pytest.mark.parametrize("name", runner.recipe_names())
def test_notebook_has_the_scripts_code(name, tmp_path):
    """The .ipynb the book offers holds exactly the script's code cells: no drift."""
    import nbformat

    recipe = runner.load_recipe(name)
    notebook = nbformat.read(str(write_clean_notebook(recipe, tmp_path / f"{name}.ipynb")), as_version=4)
    code = [c.source.strip() for c in notebook.cells if c.cell_type == "code"]
    assert code == _independent_code_cells(recipe.source)
    assert [c.metadata.get("tags") for c in notebook.cells if c.cell_type == "code"].count(["parameters"]) == 1
    assert notebook.metadata["kernelspec"]["name"] == recipe_notebook(recipe).metadata["kernelspec"]["name"]


@pytest.mark.parametrize("name", runner.recipe_names())
def test_recipe_has_quick_smoke_test(name):
    """tests/recipes/test_<name>.py runs the recipe quick and asserts on its figures."""
    path = RECIPE_TESTS / f"test_{name}.py"
    assert path.is_file(), f"missing {path}"
    tree = ast.parse(path.read_text())
    assert any("quick_run" in ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))


def test_recipe_rejects_unknown_parameters(tmp_path):
    with pytest.raises(TypeError, match="has no parameter epochs"):
        runner.load_recipe("q09_q10_receptive_field").run(quick=True, out=tmp_path, epochs=3)


def test_recipe_file_without_parameters_cell_is_a_clear_error(tmp_path):
    path = tmp_path / "q99_broken.py"
    path.write_text("# %% [markdown]\n# # Broken\n\n# %%\nQUESTIONS = (1,)\n")
    with pytest.raises(ValueError, match=r"q99_broken.py: needs exactly one .*parameters.* cell, found 0"):
        runner.Recipe("q99_broken", path)
