"""Q28: IoU of two boxes, non-maximum suppression, and TP / FP / FN and AP of a few detections."""

import numpy as np

from keras_course.practice.checker import Integer, NameSet, Number, Parts, fmt
from keras_course.practice.problem import plain

COLOURS = ("#1f77b4", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f")
WIDTH, HEIGHT = 60, 40


def _box(rng, low=6, high=20):
    w, h = rng.integers(low, high, 2)
    x, y = rng.integers(0, WIDTH - w), rng.integers(0, HEIGHT - h)
    return np.array([x, y, x + w, y + h], float)


def _jitter(rng, box, amount=3):
    new = box + rng.integers(-amount, amount + 1, 4)
    new[2:] = np.maximum(new[2:], new[:2] + 3)
    return np.clip(new, 0, [WIDTH, HEIGHT, WIDTH, HEIGHT])


def _b(box):
    return "(" + ", ".join(fmt(v) for v in box) + ")"


# ------------------------------------------------------------------------------- IoU
def iou_problem(rng, difficulty):
    from keras_course.detection import box_area, convert_boxes, iou

    while True:
        a = _box(rng, 8, 24)
        b = _jitter(rng, a, 6 + 2 * difficulty) if difficulty < 3 or rng.random() < 0.5 else _box(rng, 8, 24)
        value = float(iou(a[None], b[None])[0, 0])
        if 0.05 < value < 0.95:
            break
    area_a, area_b = (float(v) for v in box_area(np.stack([a, b])))
    xywh = difficulty == 3
    given = convert_boxes(np.stack([a, b]), "xyxy", "xywh") if xywh else np.stack([a, b])
    fmt_name = "$(x, y, w, h)$: top-left corner, width and height" if xywh else "$(x_1, y_1, x_2, y_2)$ (corners)"
    statement = (
        f"A detector predicts the box $A = {_b(given[0])}$ for an object whose true box is "
        f"$B = {_b(given[1])}$, both written as {fmt_name}, in pixels. What is their IoU?"
    )
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    lines = []
    if xywh:
        lines.append(f"As corners $(x_1, y_1, x_2 = x + w, y_2 = y + h)$: $A = {_b(a)}$, $B = {_b(b)}$.")
    lines += [
        (
            f"Intersection: width $\\min({fmt(a[2])}, {fmt(b[2])}) - \\max({fmt(a[0])}, {fmt(b[0])}) = {fmt(ix)}$, "
            f"height $\\min({fmt(a[3])}, {fmt(b[3])}) - \\max({fmt(a[1])}, {fmt(b[1])}) = {fmt(iy)}$, area ${fmt(inter)}$."
        ),
        (
            f"Areas: $|A| = {fmt(area_a)}$, $|B| = {fmt(area_b)}$; union $= {fmt(area_a)} + {fmt(area_b)} - {fmt(inter)} "
            f"= {fmt(area_a + area_b - inter)}$."
        ),
        f"$$\\text{{IoU}} = \\frac{{{fmt(inter)}}}{{{fmt(area_a + area_b - inter)}}} = {fmt(value)}$$",
        (
            f"At the usual threshold of 0.5 this detection would count as "
            f"{'a true positive' if value > 0.5 else 'a false positive'}."
        ),
    ]
    if abs(inter / (area_a + area_b - inter) - value) > 1e-9:
        raise RuntimeError("the worked IoU disagrees with keras_course.detection.iou")

    def figure(fig):
        from keras_course.practice.figures import draw_boxes

        draw_boxes(fig, (WIDTH, HEIGHT), [a], ["A"], [COLOURS[1]], [b], ["B"])

    return {
        "title": "IoU of two boxes",
        "statement": statement,
        "answer": value,
        "solution": "\n".join(lines),
        "spec": Number(
            mistakes={
                inter / max(area_a, area_b): "that divides by the larger area, not the union",
                inter / (area_a + area_b): "that divides by the sum of the areas; "
                "the union counts the intersection once",
            }
        ),
        "figure": figure,
        "data": {"a": plain(a), "b": plain(b), "format": "xywh" if xywh else "xyxy"},
    }


# ------------------------------------------------------------------------------- NMS
def _nms_boxes(rng, count, threshold):
    from keras_course.detection import iou

    while True:
        objects = [_box(rng, 12, 24) for _ in range(2 + (count > 5))]
        boxes = np.stack([_jitter(rng, objects[i % len(objects)], 3) for i in range(count)])
        overlaps = iou(boxes, boxes)[np.triu_indices(count, 1)]
        if np.all(np.abs(overlaps - threshold) > 0.04):
            scores = np.round(rng.choice(np.arange(0.3, 1.0, 0.05), count, replace=False), 2)
            return boxes, scores


def nms_problem(rng, difficulty):
    from keras_course.detection import iou, nms

    count = {1: 4, 2: 6, 3: 7}[difficulty]
    threshold = 0.5 if difficulty < 3 else float(rng.choice([0.3, 0.4, 0.5]))
    boxes, scores = _nms_boxes(rng, count, threshold)
    kept = sorted(int(i) + 1 for i in nms(boxes, scores, threshold))
    overlaps = iou(boxes, boxes)
    table = "\n".join(
        ["| box | $(x_1, y_1, x_2, y_2)$ | score |", "|---|---|---|"]
        + [f"| {i + 1} | {_b(b)} | {fmt(s)} |" for i, (b, s) in enumerate(zip(boxes, scores, strict=True))]
    )
    statement = "\n".join(
        [
            "A detector returns these boxes for one class:",
            "",
            table,
            "",
            (
                f"Which boxes does greedy non-maximum suppression keep with the IoU threshold ${fmt(threshold)}$ "
                "(a box is dropped when it overlaps a kept box by IoU > threshold)?"
            ),
        ]
    )
    lines = [
        (
            "Sort by score; keep the best box; drop every box that overlaps it by more than the threshold; "
            "repeat with the best box left."
        ),
        "",
    ]
    reasons, alive = {}, []
    for i in np.argsort(-scores, kind="stable"):
        number = int(i) + 1
        if number in kept:
            lines.append(
                f"- box {number} (score {fmt(scores[i])}): no kept box overlaps it by more than "
                f"{fmt(threshold)}, **kept**"
            )
            alive.append(int(i))
        else:
            by = max(alive, key=lambda j: overlaps[i, j])
            lines.append(
                f"- box {number} (score {fmt(scores[i])}): IoU with kept box {by + 1} is "
                f"${fmt(overlaps[i, by], 3)} > {fmt(threshold)}$, suppressed"
            )
            reasons[number] = f"box {by + 1}, with a higher score, overlaps it by IoU {fmt(overlaps[i, by], 3)}"
    for number in kept:
        reasons[number] = "no higher-scored kept box overlaps it by more than the threshold"
    lines += [
        "",
        (
            f"Kept: boxes {', '.join(map(str, kept))}. One box per object survives; the threshold trades "
            "missed neighbours (too low) against duplicates (too high)."
        ),
    ]
    if sorted(n + 1 for n in alive) != kept:
        raise RuntimeError("the worked NMS disagrees with keras_course.detection.nms")

    def figure(fig):
        from keras_course.practice.figures import draw_boxes

        draw_boxes(fig, (WIDTH, HEIGHT), boxes, [f"{i + 1}: {fmt(s)}" for i, s in enumerate(scores)], COLOURS)

    return {
        "title": "Non-maximum suppression",
        "statement": statement,
        "answer": kept,
        "solution": "\n".join(lines),
        "spec": NameSet(
            universe=tuple(range(1, count + 1)), reasons=reasons, what="boxes", numeric=True, prefix="", example="1, 3"
        ),
        "figure": figure,
        "data": {"boxes": plain(boxes), "scores": plain(scores), "threshold": threshold},
    }


# -------------------------------------------------------------------------------- AP
def _scene(rng, num_gt, num_det):
    from keras_course.detection import iou

    while True:
        gt = np.stack([_box(rng, 8, 18) for _ in range(num_gt)])
        if iou(gt, gt)[np.triu_indices(num_gt, 1)].max(initial=0) > 0:
            continue
        dets = []
        for _ in range(num_det):
            roll = rng.random()
            dets.append(_jitter(rng, gt[rng.integers(num_gt)], 2 if roll < 0.7 else 5) if roll < 0.85 else _box(rng))
        dets = np.stack(dets)
        overlaps = iou(dets, gt)
        # unambiguous matches: a clear hit (> 0.55) or miss (< 0.45), never two candidate boxes
        if np.all((overlaps > 0.55) | (overlaps < 0.45)) and np.all((overlaps >= 0.3).sum(axis=1) <= 1):
            scores = np.round(rng.choice(np.arange(0.2, 1.0, 0.05), num_det, replace=False), 2)
            return gt, dets, scores


def ap_problem(rng, difficulty):
    from keras_course.detection import average_precision, iou, match, precision_recall
    from keras_course.detection.evaluate import COCO_RECALL_THRESHOLDS

    num_gt, num_det = {1: (3, 5), 2: (3, 6), 3: (4, 7)}[difficulty]
    method = "101-point" if difficulty == 3 else "all-point"
    gt, dets, scores = _scene(rng, num_gt, num_det)
    result = match(dets, scores, gt, 0.5, "voc")
    recall, precision = precision_recall(scores, result["tp"], num_gt)
    ap = average_precision(recall, precision, method)
    tp = sorted(int(i) + 1 for i in np.flatnonzero(result["tp"]))
    answer = {"TP": tp, "FN": result["num_fn"], "AP": ap}
    overlaps = iou(dets, gt)
    table = "\n".join(
        ["| detection | $(x_1, y_1, x_2, y_2)$ | score |", "|---|---|---|"]
        + [f"| D{i + 1} | {_b(b)} | {fmt(s)} |" for i, (b, s) in enumerate(zip(dets, scores, strict=True))]
    )
    truth = ", ".join(f"$G_{i + 1} = {_b(b)}$" for i, b in enumerate(gt))
    how = (
        "all-point AP (VOC 2010+): the area under the interpolated precision-recall curve"
        if method == "all-point"
        else "COCO's AP: the mean of the interpolated precision at the 101 recall levels $0, 0.01, \\dots, 1$"
    )
    statement = "\n".join(
        [
            f"An image has {num_gt} objects of one class, with true boxes {truth}. A detector returns:",
            "",
            table,
            "",
            (
                "A detection is a true positive (TP) when its IoU with a true box is above 0.5 and no "
                "higher-scored detection has already claimed that box. Which detections are TPs, how many "
                f"objects are missed (FN), and what is the {how}?"
            ),
        ]
    )
    order = np.argsort(-scores, kind="mergesort")
    rows = ["| rank | detection | score | best IoU | TP? | precision | recall |", "|---|---|---|---|---|---|---|"]
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    for rank, i in enumerate(order):
        g = int(np.argmax(overlaps[i]))
        label = "TP" if result["tp"][i] else ("FP (duplicate)" if overlaps[i, g] > 0.5 else "FP")
        rows.append(
            f"| {rank + 1} | D{i + 1} | {fmt(scores[i])} | {fmt(overlaps[i, g], 3)} (G{g + 1}) | {label} | "
            f"{fmt(precision[rank], 3)} | {fmt(recall[rank], 3)} |"
        )
    lines = [
        (
            "Sort the detections by score, decide TP or FP in that order, and after each one count "
            "precision = TP / (TP + FP) so far and recall = TP / (number of objects):"
        ),
        "",
        *rows,
        "",
        (
            f"TPs: {', '.join(f'D{n}' for n in tp) or 'none'}; "
            f"missed objects (FN): {result['num_fn']}. The interpolated precision at rank $k$ is the best precision "
            f"at rank $k$ or later: {', '.join(fmt(v, 3) for v in envelope)}."
        ),
    ]
    if method == "all-point":
        steps = np.diff(np.concatenate([[0.0], recall]))
        terms = [f"{fmt(d, 3)} \\cdot {fmt(p, 3)}" for d, p in zip(steps, envelope, strict=True) if d > 0]
        lines.append(
            f"$$\\text{{AP}} = \\sum_k (r_k - r_{{k-1}})\\, p_{{\\text{{interp}}}}(r_k) = "
            f"{' + '.join(terms) or '0'} = {fmt(ap)}$$"
        )
    else:
        index = np.minimum(np.searchsorted(recall, COCO_RECALL_THRESHOLDS, side="left"), len(recall))
        padded = np.concatenate([envelope, [0.0]])
        counts = {}
        for k in index:
            counts[float(padded[k])] = counts.get(float(padded[k]), 0) + 1
        terms = " + ".join(f"{c} \\cdot {fmt(p, 3)}" for p, c in sorted(counts.items(), reverse=True))
        lines.append(
            "Of the 101 recall levels, each takes the interpolated precision of the first rank whose recall "
            "reaches it (0 beyond the largest recall):"
        )
        lines.append(f"$$\\text{{AP}} = \\frac{{{terms}}}{{101}} = {fmt(ap)}$$")
    lines.append("mAP averages this AP over the classes (and, for COCO, over IoU thresholds 0.5 to 0.95).")
    spec = Parts(
        {
            "TP": NameSet(
                universe=tuple(range(1, num_det + 1)), what="detections", numeric=True, prefix="D", example="D1, D3"
            ),
            "FN": Integer(),
            "AP": Number(tol=0.01, rel=0.0),
        },
        aliases={"tps": "TP", "true positives": "TP", "fns": "FN", "missed": "FN", "ap@0.5": "AP"},
    )

    def figure(fig):
        from keras_course.practice.figures import draw_boxes

        draw_boxes(
            fig,
            (WIDTH, HEIGHT),
            dets,
            [f"D{i + 1}: {fmt(s)}" for i, s in enumerate(scores)],
            COLOURS,
            gt,
            [f"G{i + 1}" for i in range(num_gt)],
        )

    return {
        "title": "TP, FP, FN and average precision",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines),
        "spec": spec,
        "figure": figure,
        "data": {"gt": plain(gt), "boxes": plain(dets), "scores": plain(scores), "method": method},
    }
