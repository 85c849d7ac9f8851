"""Test-time speed of the three detectors side by side: R-CNN, Fast R-CNN, YOLO v1.

The networks have the recipes' full-mode sizes (speed does not depend on the weights, so
they are untrained; R-CNN's SVMs and regressors are fitted on a few images to exist). Every
detector gets the same 64 x 64 test scenes; R-CNN and Fast R-CNN the same selective-search
proposals, and also 64 and 256 proposals per image (more random boxes) to show how each
scales. Times are wall seconds per image, best of ``--repeat``, all in one process.
Usage: python benchmarks/detection_speed.py [--images 100] [--repeat 2]
"""

import argparse
import datetime
import os
import time

import numpy as np

from keras_course.detection.experiment import scene_splits
from keras_course.detection.fast_rcnn import detect as fast_rcnn_detect
from keras_course.detection.fast_rcnn import fast_rcnn
from keras_course.detection.proposals import propose
from keras_course.detection.rcnn import RCNN, region_cnn
from keras_course.detection.yolo import detect as yolo_detect
from keras_course.detection.yolo import yolo_v1

NUM_CLASSES = 10


def seconds_per_image(fn, n, repeat):
    fn()  # warm-up: the first predict traces the graph
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best / n


def more_boxes(proposals, count, rng, size=64):
    """Each image's proposals topped up with random boxes to ``count``."""
    out = []
    for p in proposals:
        extra = max(count - len(p), 0)
        xy = rng.uniform(0, size - 8, (extra, 2))
        wh = rng.uniform(8, size / 2, (extra, 2))
        out.append(np.concatenate([p, np.clip(np.concatenate([xy, xy + wh], 1), 0, size)]).astype(np.float32)[:count])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    (x_fit, t_fit), (x, _) = scene_splits(20, args.images, seed=0)
    start = time.perf_counter()
    proposals, _ = propose(x)
    proposal_seconds = (time.perf_counter() - start) / len(x)
    fit_proposals, _ = propose(x_fit)

    yolo = yolo_v1(x.shape[1:], 8, 2, NUM_CLASSES, base_filters=32)
    frcnn = fast_rcnn(x.shape[1:], NUM_CLASSES, pool_size=4, pools=2, base_filters=32, hidden=256)
    rcnn = RCNN(region_cnn((32, 32, 1), NUM_CLASSES, base_filters=32), NUM_CLASSES, 32).fit(x_fit, t_fit, fit_proposals)

    rows = [("YOLO v1", "-", 0.0, seconds_per_image(lambda: yolo_detect(yolo, x, 2, NUM_CLASSES), len(x), args.repeat))]
    for label, boxes in (
        ("selective search", proposals),
        ("64", more_boxes(proposals, 64, rng)),
        ("256", more_boxes(proposals, 256, rng)),
    ):
        count = f"{np.mean([len(b) for b in boxes]):.0f} ({label})"
        rows.append(
            (
                "Fast R-CNN",
                count,
                proposal_seconds,
                seconds_per_image(lambda b=boxes: fast_rcnn_detect(frcnn, x, b, NUM_CLASSES), len(x), args.repeat),
            )
        )
        rows.append(
            (
                "R-CNN",
                count,
                proposal_seconds,
                seconds_per_image(lambda b=boxes: rcnn.detect(x, b), len(x), args.repeat),
            )
        )
    print(f"## Detector speed: R-CNN vs Fast R-CNN vs YOLO v1 ({datetime.date.today()})\n")
    print(
        f"Machine: {os.cpu_count()}-core CPU, shared; {len(x)} test scenes 64x64; Keras "
        f"{__import__('keras').__version__} ({__import__('keras').backend.backend()}); best of {args.repeat}.\n"
    )
    print("| detector | proposals / image | proposals s/image | network + NMS s/image | images/s (total) |")
    print("|---|---|---|---|---|")
    for name, count, prop, net in rows:
        print(f"| {name} | {count} | {prop:.4f} | {net:.4f} | {1 / (prop + net):.1f} |")


if __name__ == "__main__":
    main()
