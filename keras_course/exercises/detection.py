"""Exercises of the detection chapter (Q28): IoU, non-maximum suppression, average precision."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library


def _iou(plus_one=False, clip=True, subtract=True):
    def iou(boxes_a, boxes_b):
        a, b = np.asarray(boxes_a, float).reshape(-1, 4), np.asarray(boxes_b, float).reshape(-1, 4)
        one = 1.0 if plus_one else 0.0
        w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]) + one
        h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]) + one
        inter = np.clip(w, 0, None) * np.clip(h, 0, None) if clip else w * h
        area = lambda x: (x[:, 2] - x[:, 0] + one) * (x[:, 3] - x[:, 1] + one)
        union = area(a)[:, None] + area(b)[None, :] - (inter if subtract else 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)

    return iou


def _boxes(st, hnp, n_min=0, n_max=3):
    box = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 4), st.integers(0, 4)).map(
        lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]]
    )
    return st.lists(box, min_size=n_min, max_size=n_max).map(lambda bs: np.array(bs, float).reshape(-1, 4))


_A = np.array([[0.0, 0, 10, 10], [5, 5, 15, 15]])
_B = np.array([[0.0, 0, 10, 10], [10, 10, 20, 20], [0, 0, 5, 5], [20, 20, 30, 25], [12, 0, 14, 3]])
IOU = Exercise(
    name="iou",
    title="Intersection over union of two sets of boxes",
    questions=(28,),
    function="iou",
    signature="iou(boxes_a, boxes_b)",
    statement=r"""Boxes are rows `(x1, y1, x2, y2)` in continuous coordinates (x2 >= x1, y2 >= y1), so a
box's area is $(x_2 - x_1)(y_2 - y_1)$, with no "+1 pixel". For `boxes_a` (N, 4) and `boxes_b`
(M, 4) return the (N, M) matrix

$$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A| + |B| - |A \cap B|} ,$$

where the intersection's width is $\max(0, \min(x_2, x_2') - \max(x_1, x_1'))$ (likewise its
height). Where the union is empty (two empty boxes) the IoU is 0. N or M may be 0.""",
    example=">>> iou(np.array([[0., 0., 2., 2.]]), np.array([[1., 1., 3., 3.], [5., 5., 6., 6.]]))\n"
    "array([[0.14285714, 0.        ]])",
    hints=[
        "Broadcast: `a[:, None, 0]` against `b[None, :, 0]` gives all (N, M) pairs.",
        "Clip the width and height at 0 *before* multiplying: two negatives make a positive.",
    ],
    reference=lambda: library("keras_course.detection.boxes", "iou"),
    cases=[
        Case("by hand: equal, touching, inside, apart", {"boxes_a": _A, "boxes_b": _B}),
        Case("diagonally apart", {"boxes_a": np.array([[0.0, 0, 2, 2]]), "boxes_b": np.array([[3.0, 3, 5, 5]])}),
        Case(
            "empty boxes", {"boxes_a": np.array([[1.0, 1, 1, 1], [0, 0, 4, 4]]), "boxes_b": np.array([[1.0, 1, 1, 1]])}
        ),
        Case("no boxes on one side", {"boxes_a": np.zeros((0, 4)), "boxes_b": _B}),
    ],
    random=lambda st, hnp: st.fixed_dictionaries({"boxes_a": _boxes(st, hnp), "boxes_b": _boxes(st, hnp)}),
    slips=[
        Slip(
            "+1 pixel",
            "areas and overlaps were computed as x2 - x1 + 1 (the old VOC pixel convention); "
            "these boxes are continuous: x2 - x1",
            _iou(plus_one=True),
        ),
        Slip(
            "overlap not clipped at 0",
            "for boxes apart in both x and y the width and height are both "
            "negative and their product positive; clip each at 0",
            _iou(clip=False),
        ),
        Slip("union counts the overlap twice", "the union is |A| + |B| - |A and B|", _iou(subtract=False)),
    ],
    needs_keras=False,
)


def _nms(order="stable", strict=True, only_kept=True):
    def nms(boxes, scores, iou_threshold):
        boxes, scores = np.asarray(boxes, float).reshape(-1, 4), np.asarray(scores, float)
        if order == "stable":
            idx = list(np.argsort(-scores, kind="stable"))
        elif order == "reversed":
            idx = list(np.argsort(scores, kind="stable")[::-1])
        else:
            idx = list(range(len(scores)))
        overlaps = _iou()(boxes, boxes)
        keep = []
        for pos, i in enumerate(idx):
            if only_kept:
                if any(overlaps[i, k] > iou_threshold if strict else overlaps[i, k] >= iou_threshold for k in keep):
                    continue
            elif any(overlaps[i, k] > iou_threshold for k in idx[:pos]):
                continue
            keep.append(i)
        return np.array(keep, np.int64)

    return nms


NMS = Exercise(
    name="nms",
    title="Greedy non-maximum suppression",
    questions=(28,),
    function="nms",
    signature="nms(boxes, scores, iou_threshold)",
    statement=r"""Greedy NMS over `boxes` (N, 4) `(x1, y1, x2, y2)` with `scores` (N,): take the
highest-scored remaining box, keep it, drop every remaining box whose IoU with it is
*greater than* `iou_threshold` (a box at exactly the threshold stays), repeat. Only kept boxes
suppress others. Return the int indices of the kept boxes, highest score first; on equal
scores the lower index comes first (a stable sort of $-$`scores`). No boxes: an empty array.""",
    example=">>> nms(np.array([[0., 0., 4., 4.], [0., 0., 4., 3.], [5., 5., 6., 6.]]), np.array([0.6, 0.9, 0.3]), 0.5)\n"
    "array([1, 2])",
    hints=[
        '`np.argsort(-scores, kind="stable")` gives the order; `np.argsort(scores)[::-1]` reverses ties.',
        "Write the `iou` exercise first and reuse it.",
    ],
    reference=lambda: library("keras_course.detection.nms", "nms"),
    cases=[
        Case(
            "three boxes, one suppressed",
            {
                "boxes": np.array([[0.0, 0, 4, 4], [0, 0, 4, 3], [5, 5, 6, 6]]),
                "scores": np.array([0.6, 0.9, 0.3]),
                "iou_threshold": 0.5,
            },
        ),
        Case(
            "IoU exactly at the threshold",
            {"boxes": np.array([[0.0, 0, 4, 1], [0, 0, 2, 1]]), "scores": np.array([0.9, 0.8]), "iou_threshold": 0.5},
        ),
        Case(
            "a chain: a suppressed box suppresses nothing",
            {
                "boxes": np.array([[0.0, 0, 4, 1], [1, 0, 5, 1], [2, 0, 6, 1]]),
                "scores": np.array([0.9, 0.8, 0.7]),
                "iou_threshold": 0.5,
            },
        ),
        Case(
            "ties in the scores",
            {
                "boxes": np.array([[0.0, 0, 2, 2], [5, 5, 7, 7], [0, 0, 2, 2], [5, 5, 7, 6]]),
                "scores": np.array([0.5, 0.5, 0.5, 0.5]),
                "iou_threshold": 0.4,
            },
        ),
        Case("no boxes", {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "iou_threshold": 0.5}),
    ],
    random=lambda st, hnp: _boxes(st, hnp, 0, 6).flatmap(
        lambda b: st.fixed_dictionaries(
            {
                "boxes": st.just(b),
                "iou_threshold": st.sampled_from([0.0, 0.2, 0.5]),
                "scores": st.lists(st.sampled_from([0.2, 0.5, 0.7, 0.9]), min_size=len(b), max_size=len(b)).map(
                    lambda s: np.array(s, float)
                ),
            }
        )
    ),
    slips=[
        Slip(
            "suppresses at IoU = threshold",
            "a box is dropped only when its IoU is *greater* than the threshold (> not >=)",
            _nms(strict=False),
        ),
        Slip(
            "ties in reverse order",
            "np.argsort(scores)[::-1] puts the later of two equal scores first; sort -scores stably",
            _nms(order="reversed"),
        ),
        Slip(
            "dropped boxes still suppress",
            "only kept boxes suppress: compare each box with the kept ones, not with every higher-scored box",
            _nms(only_kept=False),
        ),
        Slip(
            "input order", "the boxes were visited in input order; visit them by decreasing score", _nms(order="input")
        ),
    ],
    needs_keras=False,
)


ELEVEN = np.linspace(0, 1, 11)


def _ap(envelope=True, points11=ELEVEN, sort=True):
    def average_precision(scores, tp, num_gt, method):
        scores, tp = np.asarray(scores, float), np.asarray(tp, bool)
        order = np.argsort(-scores, kind="stable") if sort else np.arange(len(scores))
        tps, fps = np.cumsum(tp[order]), np.cumsum(~tp[order])
        recall = tps / num_gt if num_gt else np.zeros(len(tps))
        precision = tps / np.maximum(tps + fps, 1)
        p = np.maximum.accumulate(precision[::-1])[::-1] if envelope and len(precision) else precision
        if method == "all-point":
            return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * p))
        return float(np.mean([p[recall >= r][0] if np.any(recall >= r) else 0.0 for r in points11]))

    return average_precision


def _ap_reference():
    precision_recall = library("keras_course.detection.evaluate", "precision_recall")
    average_precision = library("keras_course.detection.evaluate", "average_precision")

    def ap(scores, tp, num_gt, method):
        return average_precision(*precision_recall(scores, tp, num_gt), method=method)

    return ap


_SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
_TP = np.array([True, False, True, True, False, False, True])
AP = Exercise(
    name="average_precision",
    title="Average precision: all-point and 11-point",
    questions=(28,),
    function="average_precision",
    signature="average_precision(scores, tp, num_gt, method)",
    statement=r"""`scores` (D,) are the detections of one class, `tp` (D,) whether each is a true
positive, `num_gt` the number of ground-truth boxes. Sort the detections by decreasing score
(stable); after the k best, recall $r_k = \mathrm{TP}_k / \mathrm{num\_gt}$ (0 when num_gt is 0) and
precision $p_k = \mathrm{TP}_k / k$. The envelope $\hat p_k = \max_{j \ge k} p_j$ makes precision
non-increasing.

- `"all-point"` (VOC 2010+): $\mathrm{AP} = \sum_k (r_k - r_{k-1})\, \hat p_k$, with $r_0 = 0$.
- `"11-point"` (VOC 2007): the mean over $r \in \{0, 0.1, \dots, 1\}$ (`np.linspace(0, 1, 11)`) of
  $\max \{p_k : r_k \ge r\}$, 0 where no recall reaches $r$.

No detections: AP = 0. Return a float.""",
    example='>>> average_precision(np.array([0.9, 0.8, 0.7]), np.array([True, False, True]), 2, "all-point")\n'
    "0.8333333333333333",
    hints=["`np.cumsum` of the sorted `tp` gives TP_k.", "`np.maximum.accumulate(p[::-1])[::-1]` is the envelope."],
    reference=_ap_reference,
    cases=[
        Case(f"seven detections, {m}", {"scores": _SCORES, "tp": _TP, "num_gt": 5, "method": m})
        for m in ("all-point", "11-point")
    ]
    + [
        Case(
            "unsorted input, 11-point",
            {"scores": _SCORES[::-1].copy(), "tp": _TP[::-1].copy(), "num_gt": 4, "method": "11-point"},
        ),
        Case("no detections", {"scores": np.zeros(0), "tp": np.zeros(0, bool), "num_gt": 3, "method": "all-point"}),
    ],
    random=lambda st, hnp: (
        st.lists(st.integers(0, 99), unique=True, max_size=8)
        .flatmap(
            lambda s: st.fixed_dictionaries(
                {
                    "scores": st.just(np.array(s, float) / 100),
                    "tp": st.lists(st.booleans(), min_size=len(s), max_size=len(s)).map(lambda t: np.array(t, bool)),
                    "num_gt": st.integers(0, 3),
                    "method": st.sampled_from(["all-point", "11-point"]),
                }
            )
        )
        .map(lambda k: {**k, "num_gt": int(k["tp"].sum()) + k["num_gt"]})
    ),
    slips=[
        Slip(
            "no precision envelope",
            "precision must first be made non-increasing: p_hat_k = max over j >= k of p_j",
            _ap(envelope=False),
        ),
        Slip(
            "10 recall points",
            "11-point AP averages over r = 0, 0.1, ..., 1: eleven points, r = 0 included",
            _ap(points11=np.linspace(0.1, 1, 10)),
        ),
        Slip("not sorted by score", "sort the detections by decreasing score before accumulating", _ap(sort=False)),
    ],
    rtol=1e-9,
    needs_keras=False,
)

EXERCISES = [IOU, NMS, AP]
