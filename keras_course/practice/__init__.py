"""Exam practice: the course's typical problems, generated fresh, with worked solutions and a checker.

``generate(kind, seed, difficulty)`` poses one problem of a kind (``KINDS`` maps each kind to
the exam questions it drills); its ``answer`` is computed by the chapters' own functions and its
``solution`` shows the work step by step. ``check(problem, answer)`` reads what a student
wrote and says what is right and what is wrong. ``problems_for_question(q)`` gives the book
its problems for question ``q``.

    >>> p = generate("rf", seed=3)
    >>> check(p, p.answer_text).correct
    True
"""

import importlib
import numbers
import zlib

from keras_course.practice.checker import Result, check
from keras_course.practice.problem import Problem

__all__ = ["DESCRIPTIONS", "DIFFICULTIES", "KINDS", "Problem", "Result", "check", "generate", "problems_for_question"]

# kind -> (module, function, questions drilled, description)
_REGISTRY = {
    "dense": ("nn", "dense", (1,), "parameters and output shape of a stack of dense layers"),
    "grad-deps": ("backprop", "grad_deps", (4, 5), "which parameters dL/dw depends on, from the paths w -> loss"),
    "conv-apply": ("conv", "conv_apply", (7,), "apply a filter to a small image; where is the maximal response"),
    "conv": ("conv", "conv_layers", (8,), "output shape and parameter count of conv layers"),
    "rf": ("receptive", "rf", (9, 10), "receptive field after strided convolutions"),
    "rf-pool": ("receptive", "rf_pool", (9, 11), "receptive field with max-pooling and dilated convolutions"),
    "maxpool": ("conv", "maxpool", (11,), "max-pooling a small feature map"),
    "padding": ("conv", "padding", (12,), "output size of a convolution with padding and stride"),
    "pad-modes": ("conv", "pad_modes", (12,), "zero, reflect and replicate padding of a row"),
    "cnn": ("conv", "cnn", (13,), "from conv layers to the dense head: flatten size and parameter count"),
    "sgd": ("optim", "sgd", (14, 15), "steps of mini-batch SGD, momentum or Nesterov by hand"),
    "adaptive": ("optim", "adaptive", (16,), "steps of AdaGrad, RMSProp or Adam by hand"),
    "dropout": ("nn", "dropout", (17,), "dropout's output in training and at inference"),
    "batchnorm": ("nn", "batchnorm", (18,), "a batch-norm forward pass in training"),
    "jaccard": ("segmentation", "jaccard", (25,), "pixel accuracy and per-class Jaccard of a small mask"),
    "pixel-ce": ("segmentation", "pixel_ce", (26,), "pixelwise cross-entropy of a tiny prediction"),
    "iou": ("detection", "iou_problem", (28,), "IoU of two boxes"),
    "nms": ("detection", "nms_problem", (28,), "which boxes non-maximum suppression keeps"),
    "ap": ("detection", "ap_problem", (28,), "TP / FP / FN and average precision of a few detections"),
    "triplet": ("identification", "triplet", (32,), "the triplet loss of a small batch under each mining rule"),
    "ngrams": ("text_rnn", "ngrams", (36,), "FastText's character n-grams of a word"),
    "rnn": ("text_rnn", "rnn", (38,), "one step of a simple RNN and its parameter count"),
}

KINDS = {kind: questions for kind, (_, _, questions, _) in _REGISTRY.items()}
DESCRIPTIONS = {kind: description for kind, (_, _, _, description) in _REGISTRY.items()}
DIFFICULTIES = (1, 2, 3)


def _check_int(value, name, allowed=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return int(value)


def generate(kind, seed=0, difficulty=1):
    """A fresh problem of ``kind``: the same ``(kind, seed, difficulty)`` gives the same problem.

    Args:
        kind: a key of ``KINDS`` ("rf", "grad-deps", ...).
        seed: non-negative int.
        difficulty: 1, 2 or 3 (the size of the net, the number of layers, of steps, of boxes).
    """
    if kind not in _REGISTRY:
        raise ValueError(f"unknown problem kind {kind!r}; the kinds are {', '.join(_REGISTRY)}")
    seed = _check_int(seed, "seed")
    difficulty = _check_int(difficulty, "difficulty", DIFFICULTIES)
    import numpy as np

    module, function, questions, _ = _REGISTRY[kind]
    make = getattr(importlib.import_module(f"keras_course.practice.{module}"), function)
    rng = np.random.default_rng([zlib.crc32(kind.encode()), seed, difficulty])
    fields = make(rng, difficulty)
    return Problem(kind=kind, questions=questions, seed=seed, difficulty=difficulty, **fields)


def problems_for_question(question, count=3, seed=0):
    """The book's problems for exam question ``question``: ``count`` problems of the kinds that
    drill it (in turn, difficulty rising), deterministic in ``seed``; [] when no kind drills it."""
    question = _check_int(question, "question")
    count = _check_int(count, "count")
    kinds = [kind for kind, questions in KINDS.items() if question in questions]
    if not kinds:
        return []
    return [
        generate(kinds[i % len(kinds)], seed=seed + i, difficulty=min(1 + i // len(kinds), 3)) for i in range(count)
    ]
