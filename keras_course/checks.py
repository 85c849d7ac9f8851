"""Argument checks shared by every public callable of keras_course: one line per argument.

Each check returns the value in a normal form (an ``int``, a ``float``, a NumPy array, a
``Path``) or raises an error that names the argument, says what was expected and shows what
was given:

    >>> check_int("kernel_size", 0, minimum=1)
    Traceback (most recent call last):
    ValueError: kernel_size must be an int >= 1, got 0

A wrong *kind* of value (a str where a number is expected, a bool where an int is) is a
``TypeError``; a value of the right kind outside what is allowed (NaN, a negative size, a
label out of range) is a ``ValueError``. Arrays are described by shape and dtype, not printed.
"""

import math
import numbers
from pathlib import Path

import numpy as np

__all__ = [
    "check_array",
    "check_bool",
    "check_boxes",
    "check_choice",
    "check_file",
    "check_folder",
    "check_image",
    "check_int",
    "check_labels",
    "check_probabilities",
    "check_real",
    "check_rng",
    "check_same_length",
    "check_scores",
    "check_seed",
    "check_tokens",
    "describe",
]


def describe(value):
    """A short account of ``value`` for an error message: arrays by shape and dtype."""
    if isinstance(value, np.ndarray) or (hasattr(value, "shape") and hasattr(value, "dtype")):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bound(minimum, maximum, low_open=False, high_open=False):
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if low_open else '>='} {minimum}")
    if maximum is not None:
        parts.append(f"{'<' if high_open else '<='} {maximum}")
    return " and ".join(parts)


# ---------------------------------------------------------------------------- scalars
def check_bool(name, value):
    """``value`` must be a bool (not 0 / 1, not a str)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {describe(value)}")
    return bool(value)


def check_int(name, value, minimum=None, maximum=None):
    """An int (NumPy ints too, never a bool or a float such as 3.0) in [minimum, maximum]."""
    bound = _bound(minimum, maximum)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int{' ' + bound if bound else ''}, got {describe(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an int {bound}, got {value!r}")
    return int(value)


def check_real(name, value, minimum=None, maximum=None, low_open=False, high_open=False):
    """A finite real number in the interval; NaN and inf are always rejected (a plain ``<``
    comparison lets NaN through)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    value = float(value)
    bound = _bound(minimum, maximum, low_open, high_open)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number{' ' + bound if bound else ''}, got {value!r}")
    too_low = minimum is not None and (value <= minimum if low_open else value < minimum)
    too_high = maximum is not None and (value >= maximum if high_open else value > maximum)
    if too_low or too_high:
        raise ValueError(f"{name} must be a number {bound}, got {value!r}")
    return value


def check_seed(name, value):
    """None or an int >= 0 (Keras initializers and NumPy generators refuse negative seeds)."""
    return None if value is None else check_int(name, value, minimum=0)


def check_rng(name, value):
    """``value`` must be a ``numpy.random.Generator`` (a seed int is not one)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)), got {describe(value)}")
    return value


def check_choice(name, value, choices):
    """``value`` must be one of ``choices``."""
    if not any(value is c or (type(value) is type(c) and value == c) for c in choices):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {describe(value)}")
    return value


# ---------------------------------------------------------------------------- arrays
_KINDS = {"float": "fc", "int": "iu", "bool": "b", "numeric": "iufc", "real": "iuf"}


def check_array(name, value, ndim=None, kind="numeric", shape=None, allow_empty=False, finite=True):
    """``value`` as a NumPy array, checked.

    Args:
        ndim: an int or a tuple of allowed ranks.
        kind: "float", "int", "bool", "real" (int or float) or "numeric".
        shape: a tuple with ints where the size is fixed and None where it is free.
        allow_empty: whether an array with no elements is fine.
        finite: reject NaN and inf (floats only).
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array, got {describe(value)}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"{name} must be an array with one size per axis, got {describe(value)}: {error}") from None
    if array.dtype.kind not in _KINDS[kind]:
        raise TypeError(f"{name} must be a {kind} array, got {describe(array)}")
    ranks = (ndim,) if isinstance(ndim, int) else ndim
    if ranks is not None and array.ndim not in ranks:
        wanted = " or ".join(map(str, ranks))
        raise ValueError(f"{name} must have {wanted} dimensions, got {describe(array)}")
    if shape is not None and (
        array.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, array.shape, strict=True))
    ):
        wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {wanted}, got {describe(array)}")
    if not allow_empty and array.size == 0:
        raise ValueError(f"{name} must not be empty, got {describe(array)}")
    if finite and array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"{name} must be finite, got {bad} NaN or inf value(s) in {describe(array)}")
    return array


def check_same_length(**arrays):
    """All the named sequences have the same length (first axis)."""
    lengths = {name: len(value) for name, value in arrays.items()}
    if len(set(lengths.values())) > 1:
        given = ", ".join(f"{name} {n}" for name, n in lengths.items())
        raise ValueError(f"{' and '.join(lengths)} must have the same length, got {given}")


def check_labels(name, value, num_classes, ndim=None):
    """Integer class ids in [0, num_classes) (an integral float array is read as ids too)."""
    num_classes = check_int("num_classes", num_classes, minimum=1)
    array = check_array(name, value, ndim=ndim, kind="real", allow_empty=True)
    if array.dtype.kind == "f":
        if not np.all(array == np.round(array)):
            raise TypeError(f"{name} must hold integer class ids, got non-integral values in {describe(array)}")
        array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must hold class ids in [0, {num_classes}), got values from {array.min()} to {array.max()}"
        )
    return array


def check_scores(name, value, num_classes=None, ndim=None):
    """Per-class scores (or probabilities) with the classes on the last axis: a float array.

    An array of class ids where scores are expected (``argmax(...).astype(float)``) is the
    classic silent mistake; it has no class axis, so pass ``ndim`` to catch it."""
    array = check_array(name, value, ndim=ndim, kind="float")
    if num_classes is not None and array.shape[-1] != num_classes:
        raise ValueError(
            f"{name} must have {num_classes} class scores on its last axis, got {describe(array)}; "
            "pass per-class scores, not class ids"
        )
    return array


def check_probabilities(name, value, axis=-1, atol=1e-3):
    """Probabilities: in [0, 1] and summing to 1 along ``axis``."""
    array = check_array(name, value, kind="float")
    if array.min() < 0 or array.max() > 1:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got values from {array.min():.4g} to "
            f"{array.max():.4g}; pass softmax outputs, or the logits to a from_logits=True loss"
        )
    sums = array.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=atol):
        raise ValueError(f"{name} must sum to 1 along axis {axis}, got sums from {sums.min():.4g} to {sums.max():.4g}")
    return array


def check_boxes(name, value, allow_empty=True):
    """Boxes ``(N, 4)`` as ``(x1, y1, x2, y2)``, finite, with ``x2 >= x1`` and ``y2 >= y1``."""
    array = check_array(name, value, kind="real", allow_empty=True)
    if array.size == 0 and array.ndim <= 2:
        if not allow_empty:
            raise ValueError(f"{name} must hold at least one box, got none")
        return array.reshape(0, 4).astype(np.float64)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4) as (x1, y1, x2, y2), got {describe(array)}")
    bad = np.flatnonzero((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1]))
    if bad.size:
        raise ValueError(f"{name} must have x2 >= x1 and y2 >= y1, got box {int(bad[0])} = {array[bad[0]].tolist()}")
    return array.astype(np.float64)


def check_image(name, value, ndim=(2, 3, 4), channels=None):
    """A float image (or batch) in [0, 1]. A uint8 image in 0..255 is refused, not clipped."""
    array = check_array(name, value, ndim=ndim, kind="real")
    if array.dtype.kind in "iu":
        raise TypeError(f"{name} must be a float image in [0, 1], got {describe(array)}; divide by 255 first")
    if array.min() < 0 or array.max() > 1:
        raise ValueError(
            f"{name} must be a float image in [0, 1], got values from {array.min():.4g} to "
            f"{array.max():.4g}" + ("; divide by 255 first" if array.max() > 1.5 else "")
        )
    if channels is not None and array.shape[-1] not in ((channels,) if isinstance(channels, int) else channels):
        raise ValueError(f"{name} must have {channels} channel(s) on its last axis, got {describe(array)}")
    return array


# ---------------------------------------------------------------------------- text and files
def check_tokens(name, value):
    """A list of str tokens. A str itself is refused: iterating it gives characters."""
    if isinstance(value, str):
        raise TypeError(
            f"{name} must be a list of tokens (str), got the str {describe(value)}; split it first, e.g. text.split()"
        )
    try:
        tokens = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a list of tokens (str), got {describe(value)}") from None
    wrong = next((t for t in tokens if not isinstance(t, str)), None)
    if wrong is not None:
        raise TypeError(f"{name} must hold only str tokens, got {describe(wrong)} among them")
    return tokens


def check_folder(name, path):
    """A folder path (str or Path); it need not exist yet (writers create it)."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"{name} must be a folder path (str or Path), got {describe(path)}")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name} must be a folder, but {str(path)!r} is a file")
    return path


def check_file(name, path, suffixes=None):
    """An existing regular file (a str or a Path), with one of ``suffixes`` when given."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"{name} must be a file path (str or Path), got {describe(path)}")
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"{name} must be an existing file, got {str(path)!r}"
            + (" (a folder)" if path.is_dir() else " (no such file)")
        )
    if suffixes is not None and not any(str(path).endswith(s) for s in suffixes):
        raise ValueError(f"{name} must be a {' or '.join(suffixes)} file, got {str(path)!r}")
    return path
