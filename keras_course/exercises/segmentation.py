"""Exercises of the segmentation chapter: per-class Jaccard (Q25), pixelwise cross-entropy (Q26)."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library


def _jaccard(absent=np.nan, subtract=True, recall=False):
    def jaccard_per_class(y_true, y_pred, num_classes):
        out = np.zeros(num_classes)
        for k in range(num_classes):
            t, p = np.asarray(y_true) == k, np.asarray(y_pred) == k
            inter = np.sum(t & p)
            union = np.sum(t) if recall else (np.sum(t) + np.sum(p) - (inter if subtract else 0))
            out[k] = inter / union if union else absent
        return out

    return jaccard_per_class


_T = np.array([[0, 0, 1, 1], [0, 2, 2, 1], [0, 2, 2, 1]])
_P = np.array([[0, 1, 1, 1], [0, 2, 2, 2], [0, 0, 2, 1]])
JACCARD = Exercise(
    name="jaccard_per_class",
    title="Per-class Jaccard index (IoU) of a segmentation",
    questions=(25,),
    function="jaccard_per_class",
    signature="jaccard_per_class(y_true, y_pred, num_classes)",
    statement=r"""`y_true` and `y_pred` are integer class maps of one shape (e.g. (N, H, W)) with values in
[0, K), K = `num_classes`. For each class $k$,

$$J_k = \frac{\sum_i [y_i = k][a_i = k]}{\sum_i \max([y_i = k], [a_i = k])} = \frac{|T_k \cap P_k|}{|T_k \cup P_k|},$$

one float per class, shape (K,). A class in neither the truth nor the prediction has
$0/0$: return NaN for it (it is left out of the mean IoU).""",
    example=">>> jaccard_per_class(np.array([0, 0, 1]), np.array([0, 1, 1]), 3)\narray([0.5, 0.5, nan])",
    hints=["`(y_true == k) & (y_pred == k)` is the intersection of class k.", "Guard the division by 0."],
    reference=lambda: library("keras_course.segmentation.metrics", "jaccard_per_class"),
    cases=[
        Case("three classes by hand", {"y_true": _T, "y_pred": _P, "num_classes": 3}),
        Case("a class in neither map", {"y_true": _T, "y_pred": _P, "num_classes": 5}),
        Case(
            "a batch of two maps, class missed",
            {"y_true": np.stack([_T, _T[::-1]]), "y_pred": np.stack([_P, np.zeros_like(_P)]), "num_classes": 3},
        ),
        Case("perfect prediction", {"y_true": _T, "y_pred": _T.copy(), "num_classes": 3}),
    ],
    random=lambda st, hnp: st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(2, 4)).flatmap(
        lambda s: st.fixed_dictionaries(
            {
                "y_true": hnp.arrays(np.int64, s[:2], elements=st.integers(0, s[2] - 1)),
                "y_pred": hnp.arrays(np.int64, s[:2], elements=st.integers(0, s[2] - 1)),
                "num_classes": st.just(s[2]),
            }
        )
    ),
    slips=[
        Slip(
            "absent class scored 0",
            "a class in neither map has 0/0: NaN, so it does not drag the mean down",
            _jaccard(absent=0.0),
        ),
        Slip(
            "union counts the overlap twice",
            "|T or P| = |T| + |P| - |T and P|; without the minus this is half the Dice score",
            _jaccard(subtract=False),
        ),
        Slip("per-class recall", "you divided by |T_k| (the true pixels), not by the union", _jaccard(recall=True)),
    ],
)


def _pixel_ce_reference():
    pixel_categorical_crossentropy = library("keras_course.segmentation.losses", "pixel_categorical_crossentropy")

    def pixel_cross_entropy(y_true, probs):
        return np.asarray(pixel_categorical_crossentropy(np.asarray(y_true), np.asarray(probs, np.float64)))

    return pixel_cross_entropy


def _pixel_ce(sign=-1.0, reduce="mean", per_class=False):
    def pixel_cross_entropy(y_true, probs):
        picked = np.take_along_axis(probs, np.asarray(y_true)[..., None], axis=-1)[..., 0]
        logs = sign * np.log(picked).reshape(len(picked), -1)
        out = logs.sum(axis=1) if reduce == "sum" else logs.mean(axis=1)
        return out / probs.shape[-1] if per_class else out

    return pixel_cross_entropy


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_LOGITS = np.array([[[[2.0, 0, -1], [0, 0, 0]], [[-1, 3, 0], [1, 2, 3]]]])
PIXEL_CE = Exercise(
    name="pixel_cross_entropy",
    title="Pixelwise categorical cross-entropy",
    questions=(26,),
    function="pixel_cross_entropy",
    signature="pixel_cross_entropy(y_true, probs)",
    statement=r"""`probs` (B, H, W, K) are per-pixel class probabilities (a softmax over the last axis),
`y_true` (B, H, W) the true class ids. The loss of one image of $n = HW$ pixels is the mean
log-loss of its pixels:

$$L(y, a) = -\frac{1}{n} \sum_{i} \sum_{k} [y_i = k] \log a_{ik} .$$

Return one loss per image, shape (B,). (The notes drop the minus sign: without it this is
the log-likelihood, to be maximised.)""",
    example=">>> pixel_cross_entropy(np.array([[[0, 1]]]), np.array([[[[0.5, 0.5], [0.25, 0.75]]]]))\n"
    "array([0.49041463])",
    hints=[
        ("`np.take_along_axis(probs, y_true[..., None], axis=-1)` picks each pixel's true-class probability."),
        "Average over the pixels of each image, not over the batch.",
    ],
    reference=_pixel_ce_reference,
    cases=[
        Case("one 2x2 image, three classes", {"y_true": np.array([[[0, 2], [1, 2]]]), "probs": _softmax(_LOGITS)}),
        Case(
            "a batch of two",
            {
                "y_true": np.array([[[0, 1], [1, 2]], [[2, 2], [0, 0]]]),
                "probs": _softmax(np.concatenate([_LOGITS, -_LOGITS])),
            },
        ),
        Case(
            "a 1x3 image, two classes",
            {"y_true": np.array([[[1, 0, 1]]]), "probs": _softmax(np.array([[[[0.0, 1], [2, 0], [0, 0]]]]))},
        ),
    ],
    random=lambda st, hnp: st.tuples(
        st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3)
    ).flatmap(
        lambda s: st.fixed_dictionaries(
            {
                "y_true": hnp.arrays(np.int64, s[:3], elements=st.integers(0, s[3] - 1)),
                "probs": hnp.arrays(np.float64, s, elements=st.integers(-2, 2).map(float)).map(_softmax),
            }
        )
    ),
    slips=[
        Slip("no minus sign", "the log-likelihood was returned; the loss is its negative", _pixel_ce(sign=1.0)),
        Slip("sum over pixels", "the loss is the mean over an image's n pixels, not the sum", _pixel_ce(reduce="sum")),
        Slip(
            "divided by K too",
            "only the true class's term counts: average over pixels, not over pixels and classes",
            _pixel_ce(per_class=True),
        ),
    ],
)

EXERCISES = [JACCARD, PIXEL_CE]
