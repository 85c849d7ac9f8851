"""What an exercise is made of: its cases, its known slips, and how outputs are compared.

An ``Exercise`` names the function (or class) a student writes, states it (Markdown with
``$...$`` formulas: shapes, formula, an example), and carries what checks it: the reference
(the library's own implementation, wrapped to take and return NumPy arrays), fixed ``Case``
inputs, a Hypothesis strategy of random inputs, and ``Slip`` s, deliberately wrong
implementations of the mistakes students make. A failing output that equals a slip's output
on the same input names that slip.

Nothing here imports TensorFlow; ``library`` imports a chapter's function lazily, and for the
chapter modules that need no Keras it does so without running the chapter package's
``__init__`` (which imports Keras), so checking IoU costs a second, not a TensorFlow start.
"""

import importlib
import importlib.util
import sys
import types
from dataclasses import dataclass, field

import numpy as np

# Chapter modules whose own imports need no Keras (their packages' __init__ files do).
LIGHT_MODULES = frozenset(
    {
        "keras_course.detection.boxes",
        "keras_course.detection.nms",
        "keras_course.detection.evaluate",
        "keras_course.text.vocab",
        "keras_course.rnn.bptt",
        "keras_course.nn.autodiff",
    }
)


def library(module, name):
    """``module.name`` from keras_course, imported lazily (see the module docstring)."""
    package = module.rpartition(".")[0]
    if module in sys.modules or module not in LIGHT_MODULES or package in sys.modules or "keras" in sys.modules:
        return getattr(importlib.import_module(module), name)
    spec = importlib.util.find_spec(package)
    stub = types.ModuleType(package)
    stub.__path__ = list(spec.submodule_search_locations)
    before = set(sys.modules)
    sys.modules[package] = stub
    try:
        return getattr(importlib.import_module(module), name)
    finally:
        # Leave no trace: a later ``import keras_course.<chapter>`` runs the real __init__ and
        # loads its own copies; the function returned keeps its module's globals alive.
        for key in set(sys.modules) - before:
            if key == package or key.startswith(package + "."):
                del sys.modules[key]
        if sys.modules.get(package) is stub:
            del sys.modules[package]


@dataclass(frozen=True)
class Case:
    """One fixed input: keyword arguments for the function, and a name saying what it tests."""

    name: str
    kwargs: dict


@dataclass(frozen=True)
class Slip:
    """A known mistake: ``impl`` makes it (same interface as the student's function)."""

    name: str
    description: str
    impl: object


@dataclass
class Exercise:
    """One thing to implement. See the module docstring; ``call`` runs an implementation on a
    case's kwargs (default ``impl(**kwargs)``), ``normalize`` makes outputs comparable (e.g.
    sorts pairs whose order is free), ``compare(expected, got)`` returns None or what differs."""

    name: str
    title: str
    questions: tuple
    function: str
    signature: str
    statement: str
    example: str
    hints: list
    reference: object  # zero-argument callable -> the reference implementation
    cases: list
    random: object = None  # callable(st, hnp) -> strategy of kwargs dicts
    slips: list = field(default_factory=list)
    call: object = None
    normalize: object = None
    compare: object = None
    rtol: float = 1e-6
    atol: float = 1e-8
    needs_keras: bool = True
    skeleton: str = ""  # full source of the thing to write, when it is not one function
    imports: str = "import numpy as np"

    def run(self, impl, kwargs):
        import copy

        kwargs = copy.deepcopy(kwargs)  # an implementation that writes into its inputs harms no one
        out = self.call(impl, **kwargs) if self.call else impl(**kwargs)
        return self.normalize(out) if self.normalize else out

    def differ(self, expected, got):
        """None when ``got`` matches ``expected``, else a short account of the difference."""
        if self.compare:
            return self.compare(expected, got)
        return differ(expected, got, self.rtol, self.atol)


# ----------------------------------------------------------------------------- comparing outputs
def differ(expected, got, rtol=1e-6, atol=1e-8, where="output"):
    """None when ``got`` equals ``expected`` (nested tuples / lists / dicts of arrays, numbers
    and strings; floats within rtol/atol, NaN equal to NaN), else what differs first."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where}: expected a dict with keys {sorted(expected)}, got {type(got).__name__}"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"{where}: missing keys {missing}"
        for key in expected:
            message = differ(expected[key], got[key], rtol, atol, f"{where}[{key!r}]")
            if message:
                return message
        return None
    if isinstance(expected, (tuple, list)) and not _is_numeric_list(expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"{where}: expected a sequence of {len(expected)} items, got {_short_type(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            message = differ(e, g, rtol, atol, f"{where}[{i}]")
            if message:
                return message
        return None
    if isinstance(expected, str):
        return None if got == expected else f"{where}: expected {expected!r}, got {got!r}"
    exp = np.asarray(expected)
    try:
        arr = np.asarray(got)
    except Exception:  # a ragged list, an object numpy cannot read
        return f"{where}: expected an array of shape {exp.shape}, got {_short_type(got)}"
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        return f"{where}: expected numbers, got {_short_type(got)}"
    if arr.shape != exp.shape:
        return f"{where}: shape {arr.shape}, expected {exp.shape}"
    if exp.size == 0:
        return None
    if np.issubdtype(exp.dtype, np.floating) or np.issubdtype(arr.dtype, np.floating):
        ok = np.isclose(arr.astype(np.float64), exp.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
    else:
        ok = arr == exp
    if np.all(ok):
        return None
    bad = np.argwhere(~np.asarray(ok))
    first = tuple(int(i) for i in bad[0])
    at = f" at index {first}" if first else ""
    e, g = (exp[first], arr[first]) if first else (exp.item(), arr.item())
    return f"{where}: {len(bad)} of {exp.size} values differ; first{at}: expected {show(e)}, got {show(g)}"


def _is_numeric_list(value):
    return all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value) and bool(value)


def _short_type(value):
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"{type(value).__name__} {show(value, 60)}"


def show(value, limit=400):
    """A short, readable text of a value: arrays printed compactly, long texts cut."""
    if isinstance(value, np.ndarray) and value.size == 0:
        text = f"array(shape={value.shape})"
    elif isinstance(value, np.ndarray):
        text = np.array2string(value, precision=5, threshold=60, separator=", ", suppress_small=True)
        text = f"array({text}" + (f", dtype={value.dtype})" if value.dtype.kind not in "fb" else ")")
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {show(v, limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, tuple):
        text = "(" + ", ".join(show(v, limit) for v in value) + ("," if len(value) == 1 else "") + ")"
    elif isinstance(value, list) and not _is_numeric_list(value):
        text = "[" + ", ".join(show(v, limit) for v in value) + "]"
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):.8g}"
    elif isinstance(value, (np.integer, np.bool_)):
        text = repr(value.item())
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def show_kwargs(kwargs, limit=600):
    return ", ".join(f"{k}={show(v, limit)}" for k, v in kwargs.items())


# ----------------------------------------------------------------------------- helpers for strategies
def float_arrays(hnp, st, shape, low=-3, high=3):
    """Arrays of small integer-valued floats: exact arithmetic, and readable shrunk examples."""
    return hnp.arrays(np.float64, shape, elements=st.integers(low, high).map(float))


def real_arrays(hnp, st, shape, low=-2.0, high=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))
