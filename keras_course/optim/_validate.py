"""Argument checks shared by the optimizers, on top of ``keras_course.checks``."""

import numbers

import keras

from keras_course.checks import check_real, describe


def real_in(name, value, low, high, low_open=False, high_open=True):
    """``float(value)``: a finite real number in the interval low..high (NaN refused)."""
    return check_real(
        name, value, minimum=low, maximum=None if high == float("inf") else high, low_open=low_open, high_open=high_open
    )


def positive(name, value):
    return check_real(name, value, minimum=0.0, low_open=True)


def non_negative(name, value):
    return check_real(name, value, minimum=0.0)


def check_learning_rate(value):
    """A float > 0 (a negative rate would silently climb the loss), a schedule or a callable."""
    if isinstance(value, keras.optimizers.schedules.LearningRateSchedule) or callable(value):
        return value
    if isinstance(value, (bool, str)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"learning_rate must be a float > 0, a LearningRateSchedule or a callable, got {describe(value)}"
        )
    return positive("learning_rate", value)
