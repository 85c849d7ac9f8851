"""Our detection evaluator (keras_course.detection.coco_map) against pycocotools' COCOeval.

Random problem of 5,000 images, 10 classes, up to 8 objects and ~12 detections per image;
both evaluators get the same boxes; the time ratio is measured side by side in one run.
Usage: python benchmarks/detection_eval.py [--images 5000] [--repeat 3]
"""

import argparse
import contextlib
import datetime
import io
import os
import platform
import time

import numpy as np

from keras_course.data.detection_io import to_coco
from keras_course.detection import coco_map, mean_average_precision


def random_problem(n_images, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    detections, ground_truths = [], []
    for _ in range(n_images):
        k = int(rng.integers(0, 9))
        xy = rng.uniform(0, 100, (k, 2))
        gt = np.concatenate([xy, xy + rng.uniform(8, 60, (k, 2))], 1)
        labels = rng.integers(0, n_classes, k)
        det = np.concatenate([gt + rng.normal(0, 4, gt.shape), gt + rng.normal(0, 8, gt.shape)])
        relabelled = np.where(rng.uniform(size=k) < 0.8, labels, rng.integers(0, n_classes, k))
        det_labels = np.concatenate([labels, relabelled])
        extra = int(rng.integers(0, 5))
        xy = rng.uniform(0, 100, (extra, 2))
        det = np.concatenate([det, np.concatenate([xy, xy + rng.uniform(8, 60, (extra, 2))], 1)])
        det[:, 2:] = np.maximum(det[:, 2:], det[:, :2] + 1)
        det_labels = np.concatenate([det_labels, rng.integers(0, n_classes, extra)])
        detections.append({"boxes": det, "scores": rng.uniform(size=len(det)), "labels": det_labels})
        ground_truths.append({"boxes": gt, "labels": labels})
    return detections, ground_truths


def pycocotools_eval(detections, ground_truths, names):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = to_coco(ground_truths, names, (160, 160))
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(to_coco(detections, names, (160, 160), scores=True)), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


def best_time(fn, repeat):
    """(best wall seconds, best CPU seconds of this process, value): CPU time is what the
    evaluator itself costs on a machine other jobs share."""
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    names = tuple(str(c) for c in range(10))
    detections, ground_truths = random_problem(args.images)
    n_det = sum(len(d["boxes"]) for d in detections)
    n_gt = sum(len(g["boxes"]) for g in ground_truths)
    rows = []
    for label, what, fn in (
        (
            "pycocotools `COCOeval`",
            "loadRes + evaluate + accumulate + summarize",
            lambda: pycocotools_eval(detections, ground_truths, names)[0],
        ),
        ("keras_course `coco_map`", "mAP@[.5:.95], COCO rules", lambda: coco_map(detections, ground_truths)),
        (
            "keras_course `mean_average_precision`",
            "VOC mAP@0.5, all-point",
            lambda: mean_average_precision(detections, ground_truths),
        ),
    ):
        rows.append((label, what, *best_time(fn, args.repeat)))
    print(f"## Detection evaluation: keras_course vs pycocotools ({datetime.date.today()})\n")
    print(
        f"Machine: {os.cpu_count()}-core CPU, shared ({platform.machine()}); {args.images} images, {n_gt} true "
        f"boxes, {n_det} detections, 10 classes; best of {args.repeat}, all in one process.\n"
    )
    print("| evaluator | what | wall s | CPU s | value |")
    print("|---|---|---|---|---|")
    for label, what, wall, cpu, value in rows:
        print(f"| {label} | {what} | {wall:.2f} | {cpu:.2f} | {value:.6f} |")
    coco, ours = rows[0], rows[1]
    print(
        f"\nTime ratio ours / pycocotools: wall **{ours[2] / coco[2]:.2f}**, CPU **{ours[3] / coco[3]:.2f}** "
        f"(goal <= 1); |mAP difference| = {abs(ours[4] - coco[4]):.1e}."
    )


if __name__ == "__main__":
    main()
