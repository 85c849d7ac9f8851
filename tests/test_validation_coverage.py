"""Every public callable of keras_course's chapters has invalid inputs in one of the
``CASES`` tables of tests/test_validation_*.py (each case: callable, args, kwargs, expected
error, the argument its message must name), or is ``EXEMPT`` there with a reason.

``pytest tests/test_validation_coverage.py -s`` prints the counts.
"""

import importlib
import inspect

import test_validation_data
import test_validation_layers
import test_validation_vision

TABLES = (test_validation_layers, test_validation_vision, test_validation_data)
SUBPACKAGES = (
    "nn",
    "conv",
    "optim",
    "arch",
    "augment",
    "rnn",
    "autoencoders",
    "segmentation",
    "detection",
    "identification",
    "text",
    "data",
)
MODULES = ("train", "plots", "display", "checks", "backend")  # single-module areas: their public functions and classes


def public_callables():
    """``{"keras_course.X.name": object}`` for every public callable of the chapters."""
    found = {}
    for name in SUBPACKAGES:
        package = importlib.import_module(f"keras_course.{name}")
        for attribute in package.__all__:
            value = getattr(package, attribute)
            if callable(value) or inspect.ismodule(value):
                found[f"keras_course.{name}.{attribute}"] = value
    for name in MODULES:
        module = importlib.import_module(f"keras_course.{name}")
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for attribute in names:
            value = getattr(module, attribute)
            if not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if value.__module__ == module.__name__ or value.__module__.startswith(module.__name__ + "."):  # a package's
                found[f"keras_course.{name}.{attribute}"] = value
    return found


def test_every_public_callable_has_invalid_cases_or_a_reason():
    cases = [case for table in TABLES for case in table.CASES]
    exempt = {name: why for table in TABLES for name, why in table.EXEMPT.items()}
    tested = {id(case[0]) for case in cases}
    # keras_course.checks is tested by tests/test_checks.py
    public = {name: value for name, value in public_callables().items() if not name.startswith("keras_course.checks.")}
    missing = sorted(name for name, value in public.items() if id(value) not in tested and name not in exempt)
    assert not missing, f"public callables with no invalid-input case and no reason: {missing}"
    assert all(why.strip() for why in exempt.values())
    covered = sum(id(value) in tested for value in public.values())
    print(
        f"\n{len(public)} public callables: {covered} with invalid-input cases, "
        f"{len(public) - covered} exempt; {len(cases)} invalid cases in all"
    )
