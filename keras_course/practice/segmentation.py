"""Q25-Q26: pixel accuracy and per-class Jaccard of a small mask; pixelwise cross-entropy."""

import numpy as np

from keras_course.practice.checker import Number, Parts, Vector, fmt
from keras_course.practice.problem import choice, matrix, plain


def _truth(rng, size, classes):
    """A blocky class map: background 0 and a rectangle for every other class (each one present)."""
    while True:
        mask = np.zeros((size, size), int)
        for k in range(1, classes):
            h, w = rng.integers(2, size, 2)
            top, left = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
            mask[top : top + h, left : left + w] = k
        if len(np.unique(mask)) == classes:
            return mask


def jaccard(rng, difficulty):
    from keras_course.segmentation import (
        confusion_matrix,
        jaccard_per_class,
        pixel_accuracy,
    )

    size, classes = {1: (4, 2), 2: (4, 3), 3: (5, 3)}[difficulty]
    truth = _truth(rng, size, classes)
    while True:
        pred = truth.copy()
        flips = rng.choice(size * size, int(rng.integers(2, size + 2)), replace=False)
        pred.flat[flips] = rng.integers(0, classes, len(flips))
        if (pred != truth).sum() >= 2 and len(np.unique(pred)) == classes:
            break
    accuracy = pixel_accuracy(truth, pred)
    scores = jaccard_per_class(truth, pred, classes)
    confusion = confusion_matrix(truth, pred, classes)
    answer = {"pixel accuracy": accuracy, "jaccard": plain(scores)}
    names = ["background"] + [f"class {k}" for k in range(1, classes)]
    statement = (
        f"A segmentation network labels the ${size} \\times {size}$ image below with classes "
        f"{', '.join(str(k) for k in range(classes))} (0 is the background). The true mask $Y$ and the "
        f"prediction $A$ are\n\n$$Y = {matrix(truth)}, \\qquad A = {matrix(pred)}$$\n\n"
        "Compute the pixel accuracy and the Jaccard index (IoU) of every class."
    )
    hits = int(np.trace(confusion))
    lines = [
        (
            f"Pixel accuracy: the fraction of pixels whose predicted class is the true one, "
            f"$\\frac{{{hits}}}{{{size * size}}} = {fmt(accuracy)}$."
        ),
        "",
        (
            "Jaccard index of class $k$: pixels that are $k$ in both masks over pixels that are $k$ in either, "
            "$J_k = \\frac{|Y_k \\cap A_k|}{|Y_k \\cup A_k|}$:"
        ),
        "",
    ]
    for k in range(classes):
        inter = int(confusion[k, k])
        union = int(confusion[k].sum() + confusion[:, k].sum() - inter)
        lines.append(
            f"- class {k} ({names[k]}): true ${int(confusion[k].sum())}$, predicted "
            f"${int(confusion[:, k].sum())}$, both ${inter}$, so $J_{k} = \\frac{{{inter}}}{{{int(confusion[k].sum())} "
            f"+ {int(confusion[:, k].sum())} - {inter}}} = \\frac{{{inter}}}{{{union}}} = {fmt(scores[k])}$"
        )
    lines += [
        "",
        (
            f"Their mean, the mean IoU, is ${fmt(np.mean(scores))}$. Pixel accuracy is dominated by the "
            "large background; the per-class Jaccard index shows how well each object is found."
        ),
    ]
    spec = Parts(
        {"pixel accuracy": Number(), "jaccard": Vector(classes, labels=tuple(f"J_{k}" for k in range(classes)))},
        aliases={
            "accuracy": "pixel accuracy",
            "acc": "pixel accuracy",
            "pa": "pixel accuracy",
            "iou": "jaccard",
            "j": "jaccard",
            "jaccard index": "jaccard",
        },
    )

    def figure(fig):
        from keras_course.practice.figures import draw_masks

        draw_masks(fig, [truth, pred], ["true mask Y", "prediction A"], classes)

    return {
        "title": "Pixel accuracy and per-class Jaccard",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines),
        "spec": spec,
        "figure": figure,
        "data": {"truth": plain(truth), "pred": plain(pred), "classes": classes},
    }


_PROBABILITIES = {
    2: [(0.9, 0.1), (0.8, 0.2), (0.6, 0.4), (0.5, 0.5), (0.3, 0.7), (0.25, 0.75)],
    3: [(0.7, 0.2, 0.1), (0.5, 0.3, 0.2), (0.6, 0.3, 0.1), (0.4, 0.4, 0.2), (0.8, 0.1, 0.1)],
}


def pixel_ce(rng, difficulty):
    import keras

    from keras_course.segmentation import pixel_categorical_crossentropy

    rows, cols, classes = {1: (2, 2, 2), 2: (2, 2, 3), 3: (2, 3, 3)}[difficulty]
    logits = difficulty == 3
    pixels = rows * cols
    truth = rng.integers(0, classes, pixels)
    if logits:
        scores = rng.integers(-2, 4, (pixels, classes)).astype("float64")
    else:
        scores = np.array([rng.permutation(choice(rng, _PROBABILITIES[classes])) for _ in range(pixels)], "float64")

    def loss(y, a):
        value = pixel_categorical_crossentropy(
            np.reshape(y, (1, -1, 1)), np.reshape(a, (1, -1, 1, classes)), from_logits=logits
        )
        return float(keras.ops.convert_to_numpy(value)[0])

    total = loss(truth, scores)
    per_pixel = [loss(truth[i : i + 1], scores[i : i + 1]) for i in range(pixels)]
    what = "scores (logits, before the softmax)" if logits else "probabilities (after the softmax)"
    table = "\n".join(
        [
            "| pixel | true class | " + " | ".join(f"class {k}" for k in range(classes)) + " |",
            "|---|---|" + "---|" * classes,
        ]
        + [f"| {i + 1} | {truth[i]} | " + " | ".join(fmt(v) for v in scores[i]) + " |" for i in range(pixels)]
    )
    statement = "\n".join(
        [
            (
                f"A segmentation network outputs, for each pixel of a ${rows} \\times {cols}$ image (numbered row by row), "
                f"these {what}:"
            ),
            "",
            table,
            "",
            (
                "What is the pixelwise categorical cross-entropy of this image, "
                "$L = -\\frac{1}{n} \\sum_i \\sum_k [y_i = k] \\log a_{ik}$ (natural log, mean over pixels)?"
            ),
        ]
    )
    lines = []
    if logits:
        lines.append(
            "First turn each pixel's scores into probabilities with a softmax, "
            "$a_{ik} = e^{b_{ik}} / \\sum_m e^{b_{im}}$; then $-\\log a_{i y_i} = \\log \\sum_m e^{b_{im}} - b_{i y_i}$:"
        )
    else:
        lines.append("Only the probability of each pixel's true class counts:")
    lines.append("")
    for i in range(pixels):
        if logits:
            lse = " + ".join(f"e^{{{fmt(v)}}}" for v in scores[i])
            lines.append(f"- pixel {i + 1}: $\\log({lse}) - {fmt(scores[i, truth[i]])} = {fmt(per_pixel[i])}$")
        else:
            lines.append(f"- pixel {i + 1}: $-\\log {fmt(scores[i, truth[i]])} = {fmt(per_pixel[i])}$")
    lines += [
        "",
        f"$$L = \\frac{{{' + '.join(fmt(v) for v in per_pixel)}}}{{{pixels}}} = {fmt(total)}$$",
        "",
        (
            "(The notes write the sum without the minus sign: that is the log-likelihood, which is maximised; "
            "the loss is its negative, minimised.)"
        ),
    ]
    return {
        "title": "Pixelwise cross-entropy",
        "statement": statement,
        "answer": total,
        "solution": "\n".join(lines),
        "spec": Number(),
        "data": {"truth": plain(truth), "scores": plain(scores), "from_logits": logits, "shape": (rows, cols)},
    }
