"""# Object detection: IoU, NMS, TP / FP / FN, precision-recall, AP and mAP

Answers Q28: what is object detection, what are the object and the answer, and how is the
quality of a detector measured?

## Introduction
The object is an image; the answer is a list of boxes, each with a class and a confidence,
sorted by confidence. Boxes are compared by IoU = area of intersection / area of union.
Greedy non-maximum suppression (NMS) keeps the best box and drops the others that overlap it
by more than a threshold, then repeats. To score a detector, detections of one class are
sorted by confidence; each is a TP if it claims a not-yet-claimed true box of its class with
IoU above the threshold, else a FP; unclaimed true boxes are FNs. Each prefix of the sorted
list gives a (recall, precision) point; AP is the area under the (monotone) precision
envelope, mAP its mean over classes; COCO's mAP also averages over IoU thresholds 0.5..0.95.
Here a simulated detector (noisy copies of the true boxes, some with the wrong class, plus
random boxes) on Fashion-MNIST scenes shows every step, and our evaluator is checked against
TensorFlow's NMS and pycocotools.

Errata: the notes list "IoU > 0.5: FN, if the class is wrong"; a detection with the wrong
class is a FP (for the class it claims), and a FN is a true box that no detection of its
class claimed. Duplicates of an already claimed box are FPs too.
"""

import contextlib
import io

import numpy as np

from keras_course.data.detection_io import to_coco
from keras_course.data.detection_scenes import DETECTION_CLASSES
from keras_course.detection import average_precision, coco_map, evaluate_detections, iou, match, nms
from keras_course.detection.experiment import draw_detections, scene_splits
from keras_course.plots import plt, save_figure
from keras_course.runner import prepare_out, recipe_main, save_metrics
from keras_course.train import set_seed

QUESTIONS = (28,)


def simulated_detector(targets, rng, noise=0.08, wrong_class=0.1, miss=0.1, copies=3, extra=2):
    """Noisy detections: ``copies`` jittered boxes per true box (noise relative to its size),
    scores that fall with the jitter, some wrong classes, some misses, random false boxes."""
    detections = []
    for t in targets:
        boxes, scores, labels = [], [], []
        for box, label in zip(t["boxes"], t["labels"]):
            if rng.uniform() < miss:
                continue
            size = np.r_[box[2:] - box[:2], box[2:] - box[:2]]
            for _ in range(copies):
                jitter = rng.normal(0, noise * rng.uniform(0.5, 2.5), 4)
                boxes.append(box + jitter * size)
                scores.append(np.clip(1 - 4 * np.abs(jitter).mean() + rng.normal(0, 0.1), 0.01, 1))
                labels.append(label if rng.uniform() > wrong_class else rng.integers(len(DETECTION_CLASSES)))
        for _ in range(rng.poisson(extra)):
            xy = rng.uniform(0, 48, 2)
            boxes.append(np.r_[xy, xy + rng.uniform(8, 30, 2)])
            scores.append(rng.uniform(0.01, 0.6))
            labels.append(rng.integers(len(DETECTION_CLASSES)))
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
        detections.append({"boxes": boxes, "scores": np.asarray(scores), "labels": np.asarray(labels, int)})
    return detections


def after_nms(detections, iou_threshold=0.5):
    """Class-agnostic NMS per image (our ``nms``)."""
    kept = []
    for d in detections:
        keep = nms(d["boxes"], d["scores"], iou_threshold)
        kept.append({k: v[keep] for k, v in d.items()})
    return kept


def pycocotools_map(detections, targets, size):
    """COCOeval's mAP@[.5:.95] and AP@0.5, or None when pycocotools is missing."""
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = to_coco(targets, DETECTION_CLASSES, (size, size))
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(to_coco(detections, DETECTION_CLASSES, (size, size), scores=True)), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats[:2]


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q28_detection_metrics")
    set_seed(seed)
    rng = np.random.default_rng(seed)
    n_images = 60 if quick else 1000
    _, (images, targets) = scene_splits(1, n_images, seed)
    size = images.shape[1]

    # ## IoU on the notes' formula
    examples = {"same": ([0, 0, 10, 10], [0, 0, 10, 10]), "half_shifted": ([0, 0, 10, 10], [5, 0, 15, 10]),
                "inside_quarter": ([0, 0, 10, 10], [0, 0, 5, 5]), "disjoint": ([0, 0, 10, 10], [20, 20, 30, 30])}
    iou_examples = {name: float(iou([a], [b])[0, 0]) for name, (a, b) in examples.items()}

    # ## NMS removes duplicates: raw detections vs after NMS
    raw = simulated_detector(targets, rng)
    kept = after_nms(raw)
    draw_detections(images[:4], raw[:4], targets[:4], out / "before_nms.png", min_score=0.0, title="before NMS")
    draw_detections(images[:4], kept[:4], targets[:4], out / "after_nms.png", min_score=0.0, title="after NMS (0.5)")

    # ## TP / FP / FN at IoU 0.5 (per image and class, pooled)
    counts = {}
    for which, detections in (("raw", raw), ("nms", kept)):
        c = {"tp": 0, "fp": 0, "fn": 0}
        for d, t in zip(detections, targets):
            for label in range(len(DETECTION_CLASSES)):
                mine, theirs = d["labels"] == label, t["labels"] == label
                if mine.any() or theirs.any():
                    m = match(d["boxes"][mine], d["scores"][mine], t["boxes"][theirs], 0.5)
                    c["tp"], c["fp"], c["fn"] = c["tp"] + m["num_tp"], c["fp"] + m["num_fp"], c["fn"] + m["num_fn"]
        counts[which] = c

    # ## Precision-recall curve and AP three ways
    result = evaluate_detections(kept, targets)
    label = int(result["classes"][0])
    recall, precision = result["curves"][(0.5, label)]
    ap = {method: average_precision(recall, precision, method) for method in ("all-point", "11-point", "101-point")}
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(recall, precision, ".-", lw=0.8, ms=2, label="precision")
    ax.plot(recall, np.maximum.accumulate(precision[::-1])[::-1], "r-", lw=1.5, label="envelope (AP = area)")
    ax.set(xlabel="recall", ylabel="precision", ylim=(0, 1.05),
           title=f"{DETECTION_CLASSES[label]}: AP@0.5 = {ap['all-point']:.3f}")
    ax.legend()
    save_figure(fig, out / "pr_curve.png")

    # ## mAP (VOC) and COCO mAP, NMS vs no NMS, and against pycocotools
    maps = {f"map_50_{which}": evaluate_detections(d, targets)["map"] for which, d in (("raw", raw), ("nms", kept))}
    thresholds = np.round(np.arange(0.5, 0.96, 0.05), 2)
    by_threshold = [evaluate_detections(kept, targets, (t,))["map"] for t in thresholds]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(thresholds, by_threshold, "o-")
    ax.set(xlabel="IoU threshold", ylabel="mAP", title="Stricter overlap, lower mAP (COCO averages these)")
    save_figure(fig, out / "map_vs_iou.png")
    ours_coco, ours_50 = coco_map(kept, targets), coco_map(kept, targets, iou_thresholds=[0.5])
    reference = pycocotools_map(kept, targets, size)
    # NMS dedupe check against TensorFlow's implementation on this data
    import tensorflow as tf

    tf_same = all(np.array_equal(nms(d["boxes"], d["scores"], 0.5), tf.image.non_max_suppression(
        d["boxes"][:, [1, 0, 3, 2]].astype("float32"), d["scores"].astype("float32"), len(d["boxes"]), 0.5).numpy())
        for d in raw)
    return save_metrics(out, {
        "iou_examples": iou_examples,
        "counts_at_50": counts,
        "ap_first_class": ap,
        **maps,
        "map_by_iou_threshold": dict(zip(map(str, thresholds), by_threshold)),
        "coco_map": ours_coco,
        "coco_ap_50": ours_50,
        "pycocotools_map": None if reference is None else float(reference[0]),
        "pycocotools_ap_50": None if reference is None else float(reference[1]),
        "nms_identical_to_tensorflow": tf_same,
        "images": n_images,
    })


# ## Conclusion
# Without NMS every duplicate is a FP and precision collapses; after NMS the same detector's
# mAP rises. AP depends on how the curve is summarised (all-point, 11 or 101 points), and
# COCO's mAP, averaged over stricter IoU thresholds, is much lower than mAP@0.5.
if __name__ == "__main__":
    recipe_main(run)
