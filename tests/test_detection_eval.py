"""TP/FP/FN, PR curves, AP (VOC all-point / 11-point) and COCO mAP against pycocotools."""

import contextlib
import io

import numpy as np
import pytest

from keras_course.detection import (
    average_precision,
    coco_map,
    convert_boxes,
    evaluate_detections,
    match,
    mean_average_precision,
    precision_recall,
)


def random_problem(seed, n_images=40, n_classes=3):
    """Ground truths, and detections that are jittered copies of them plus random boxes."""
    rng = np.random.default_rng(seed)
    detections, ground_truths = [], []
    for _ in range(n_images):
        k = int(rng.integers(0, 6))
        xy = rng.uniform(0, 80, (k, 2))
        gt = np.concatenate([xy, xy + rng.uniform(5, 40, (k, 2))], 1)
        labels = rng.integers(0, n_classes, k)
        keep = rng.uniform(size=k) < 0.8
        det = gt[keep] + rng.normal(0, 3, (keep.sum(), 4))
        det_labels = np.where(rng.uniform(size=keep.sum()) < 0.85, labels[keep], rng.integers(0, n_classes, keep.sum()))
        extra = int(rng.integers(0, 4))
        xy = rng.uniform(0, 80, (extra, 2))
        det = np.concatenate([det, np.concatenate([xy, xy + rng.uniform(5, 40, (extra, 2))], 1)])
        det[:, 2:] = np.maximum(det[:, 2:], det[:, :2] + 1)
        det_labels = np.concatenate([det_labels, rng.integers(0, n_classes, extra)])
        detections.append({"boxes": det, "scores": rng.uniform(size=len(det)), "labels": det_labels})
        ground_truths.append({"boxes": gt, "labels": labels})
    return detections, ground_truths


def pycocotools_stats(detections, ground_truths):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations, results = [], [], []
    for i, (d, g) in enumerate(zip(detections, ground_truths, strict=True), 1):
        images.append({"id": i, "width": 128, "height": 128})
        for box, label in zip(convert_boxes(g["boxes"], "xyxy", "xywh"), g["labels"], strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i,
                    "category_id": int(label) + 1,
                    "bbox": box.tolist(),
                    "area": float(box[2] * box[3]),
                    "iscrowd": 0,
                }
            )
        for box, score, label in zip(convert_boxes(d["boxes"], "xyxy", "xywh"), d["scores"], d["labels"], strict=True):
            results.append({"image_id": i, "category_id": int(label) + 1, "bbox": box.tolist(), "score": float(score)})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {
            "images": images,
            "annotations": annotations,
            "categories": [{"id": c + 1, "name": str(c)} for c in range(3)],
        }
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(results), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


@pytest.mark.parametrize("seed", range(3))
def test_coco_map_equals_pycocotools(seed):
    detections, ground_truths = random_problem(seed)
    stats = pycocotools_stats(detections, ground_truths)
    assert abs(coco_map(detections, ground_truths) - stats[0]) < 1e-6
    assert abs(coco_map(detections, ground_truths, iou_thresholds=[0.5]) - stats[1]) < 1e-6
    assert abs(coco_map(detections, ground_truths, iou_thresholds=[0.75]) - stats[2]) < 1e-6


def voc_devkit_ap(recall, precision, use_07_metric):
    """py-faster-rcnn's voc_ap(), transcribed: the reference for both VOC methods."""
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = 0 if np.sum(recall >= t) == 0 else np.max(precision[recall >= t])
            ap += p / 11.0
        return ap
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([0.0], precision, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


@pytest.mark.parametrize("seed", range(4))
def test_average_precision_equals_voc_devkit(seed):
    rng = np.random.default_rng(seed)
    tp = rng.uniform(size=60) < 0.6
    recall, precision = precision_recall(rng.uniform(size=60), tp, num_gt=int(tp.sum()) + 5)
    assert abs(average_precision(recall, precision, "all-point") - voc_devkit_ap(recall, precision, False)) < 1e-12
    assert abs(average_precision(recall, precision, "11-point") - voc_devkit_ap(recall, precision, True)) < 1e-12


def test_match_counts_by_hand():
    gt = [[0, 0, 10, 10], [20, 20, 30, 30], [50, 50, 60, 60]]
    boxes = [[0, 0, 10, 9], [1, 0, 10, 10], [20, 20, 30, 31], [80, 80, 90, 90]]
    result = match(boxes, [0.9, 0.8, 0.7, 0.6], gt, 0.5)
    # the second box duplicates the first (FP); the last overlaps nothing (FP); one gt is missed (FN)
    assert result["tp"].tolist() == [True, False, True, False]
    assert result["gt_index"].tolist() == [0, -1, 1, -1]
    assert (result["num_tp"], result["num_fp"], result["num_fn"]) == (2, 2, 1)
    # the higher score claims the box, whatever the input order
    assert match(boxes[:2], [0.1, 0.8], gt)["tp"].tolist() == [False, True]


def test_voc_map_on_perfect_and_shuffled_detections():
    detections, ground_truths = random_problem(5)
    perfect = [{"boxes": g["boxes"], "scores": np.ones(len(g["boxes"])), "labels": g["labels"]} for g in ground_truths]
    assert mean_average_precision(perfect, ground_truths) == pytest.approx(1.0)
    assert coco_map(perfect, ground_truths) == pytest.approx(1.0)
    value = mean_average_precision(detections, ground_truths)
    assert 0.2 < value < 0.95
    # the mean over classes of per-class AP computed on one-class problems
    result = evaluate_detections(detections, ground_truths)
    for k, c in enumerate(result["classes"]):

        def only(entries, c=c):
            return [{key: np.asarray(v)[np.asarray(d["labels"]) == c] for key, v in d.items()} for d in entries]

        assert result["ap"][0, k] == pytest.approx(mean_average_precision(only(detections), only(ground_truths)))


def test_evaluation_errors():
    with pytest.raises(ValueError, match="method"):
        average_precision(np.zeros(2), np.zeros(2), "12-point")
    with pytest.raises(ValueError, match="one entry per image"):
        mean_average_precision([], [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0)}])
    with pytest.raises(ValueError, match="detections\\[0\\]"):
        mean_average_precision([{"boxes": np.zeros((1, 4))}], [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0)}])
