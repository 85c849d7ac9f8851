"""Argument checks shared by the optimizers (clear errors naming the argument)."""

import numbers


def real_in(name, value, low, high, low_open=False, high_open=True):
    """``float(value)`` after checking it is a real number in the interval low..high."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def non_negative(name, value):
    return real_in(name, value, 0.0, float("inf"))
