"""Exercises: implement a from-scratch piece yourself, and the reference tests check it.

``EXERCISES`` maps a name to its ``Exercise`` (``.title``, ``.questions``, ``.function``, the
statement, hints, cases and known slips); ``exercises_for_question(q)`` lists those of exam
question ``q``; ``skeleton_source(name)`` is the file a student starts from. The command line
is ``keras-course exercise list | start NAME | check NAME FILE | grade NAME FILES... --report DIR``;
``keras_course.exercises.checker.check(name, function)`` checks a function in a notebook.

Importing this package imports neither TensorFlow nor Hypothesis: each exercise's reference
(the library's own function) is imported when a check first needs it.
"""

from keras_course.exercises import (
    autodiff,
    conv,
    detection,
    identification,
    nn,
    optim,
    rnn,
    segmentation,
    text,
)
from keras_course.exercises.base import Case, Exercise, Slip
from keras_course.exercises.skeleton import notebook_source, skeleton_source

EXERCISES = {
    ex.name: ex
    for ex in sorted(
        (
            ex
            for module in (nn, autodiff, conv, optim, segmentation, detection, identification, text, rnn)
            for ex in module.EXERCISES
        ),
        key=lambda ex: ex.questions[0],
    )
}


def exercises_for_question(q):
    """The exercises that belong to exam question ``q`` (an int), in the course's order."""
    return [ex for ex in EXERCISES.values() if q in ex.questions]


__all__ = ["EXERCISES", "Case", "Exercise", "Slip", "exercises_for_question", "notebook_source", "skeleton_source"]
