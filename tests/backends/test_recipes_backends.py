"""Two recipes in quick mode on the running backend, with the assertions of their TensorFlow tests.

On JAX (``.venv-jax``, no TensorFlow installed) and PyTorch they check that a recipe runs end to
end (data, layers, ``fit``, plots, ``metrics.json``) and still learns; ``tests/recipes`` runs
every recipe on TensorFlow, so there these are not run twice.
"""

import importlib.util
from pathlib import Path

import pytest

from keras_course.runner import running_backend

RECIPE_TESTS = Path(__file__).parent.parent / "recipes"
RECIPES = {"q01_fully_connected": "test_q01_quick", "q13_lenet": "test_q13_quick"}

pytestmark = pytest.mark.skipif(
    running_backend() == "tensorflow", reason="tests/recipes runs every recipe on TensorFlow"
)


def recipe_test(name, function):
    """The test function ``function`` of ``tests/recipes/test_<name>.py``."""
    spec = importlib.util.spec_from_file_location(f"recipe_test_{name}", RECIPE_TESTS / f"test_{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, function)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_learns_on_this_backend(name, quick_run):
    recipe_test(name, RECIPES[name])(quick_run)  # the TensorFlow test's own thresholds
    metrics, _ = quick_run(name)
    assert metrics["backend"] == running_backend()
