"""Every recipe keeps the contract, and has a quick-mode smoke test that checks it learned."""

import ast
import inspect
from pathlib import Path

import pytest

from keras_course import runner

RECIPE_TESTS = Path(__file__).parent / "recipes"


@pytest.mark.parametrize("name", runner.recipe_names())
def test_recipe_follows_contract(name):
    module = runner.load_recipe(name)
    assert module.QUESTIONS and all(1 <= q <= 38 for q in module.QUESTIONS)
    doc = module.__doc__ or ""
    assert doc.strip().startswith("#"), "keras-io style: the docstring starts with a title"
    parameters = inspect.signature(module.run).parameters
    assert list(parameters)[:3] == ["quick", "seed", "out"]
    # Anything beyond the contract is an optional keyword with a default.
    assert all(p.default is not inspect.Parameter.empty for p in parameters.values())
    source = Path(module.__file__).read_text()
    assert "recipe_main(run)" in source, "python -m recipes.NAME must work"
    assert len(source.splitlines()) <= 330, "a recipe tells one story in about 300 lines"


@pytest.mark.parametrize("name", runner.recipe_names())
def test_recipe_has_quick_smoke_test(name):
    """tests/recipes/test_<name>.py runs the recipe quick and asserts on its figures."""
    path = RECIPE_TESTS / f"test_{name}.py"
    assert path.is_file(), f"missing {path}"
    tree = ast.parse(path.read_text())
    assert any("quick_run" in ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))
