"""Issue #20 for segmentation, detection and identification: bad input gets a clear error.

``CASES``: (callable, args, kwargs, error type, the argument the message must name), at least
one invalid input per argument kind of every public callable; ``EXEMPT``: the public names
with nothing to validate. Then one regression test per silent wrong answer fixed, and a
few hypothesis properties.
"""

import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_course.detection as det
import keras_course.identification as ide
import keras_course.plots as plots
import keras_course.segmentation as seg
from keras_course.detection import references as det_references
from keras_course.detection import simulated as det_simulated
from keras_course.identification import figures as ide_figures
from keras_course.identification import pairs as ide_pairs
from keras_course.rnn import clipping as rnn_clipping
from keras_course.segmentation import evaluate as seg_evaluate
from keras_course.segmentation import figures as seg_figures

NAN = float("nan")

# ---------------------------------------------------------------------------- valid inputs
Y = np.array([[[0, 1], [1, 1]]])  # (1, 2, 2) ids, 2 of 3 classes
P = np.array([[[0, 1], [1, 0]]])  # pixel accuracy 0.75
SCORES = np.eye(3)[P]  # (1, 2, 2, 3) scores
SCORES_NAN = SCORES.copy()
SCORES_NAN[0, 0, 0, 0] = NAN
MASKS = np.array([[0, 1, 2, 1]])

BOXES = np.array([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 15.0, 15.0]])
INVERTED = np.array([[10.0, 0.0, 0.0, 10.0]])
BOXES_NAN = np.array([[0.0, 0.0, NAN, 10.0]])
SCORES2 = np.array([0.9, 0.8])
GT = [{"boxes": np.array([[0.0, 0.0, 10.0, 10.0]]), "labels": np.array([0])}]
DETS = [{"boxes": np.array([[0.0, 0.0, 10.0, 10.0]]), "scores": np.array([0.9]), "labels": np.array([0])}]
DETS_NAN = [dict(DETS[0], scores=np.array([NAN]))]
DETS_INVERTED = [dict(DETS[0], boxes=INVERTED)]
DETS_FLOAT_LABEL = [dict(DETS[0], labels=np.array([0.5]))]
YOLO_PRED = np.zeros((4, 4, 5 * 2 + 3))
IMAGE = np.full((16, 16, 1), 0.5, np.float32)
IMAGE_U8 = np.full((16, 16, 1), 128, np.uint8)
RNG = np.random.default_rng(0)

EMB = np.random.default_rng(0).normal(size=(6, 3))
EMB_NAN = np.full((6, 3), NAN)
LABELS = np.array([0, 0, 1, 1, 2, 2])

# recipe helpers: figures, pair batches, the simulated detector, references, the NumPy RNN
FIGURES = Path(tempfile.mkdtemp(prefix="keras_course_figures_"))  # no case gets as far as writing
IMAGES4 = np.full((2, 4, 4, 1), 0.5, np.float32)
MAPS = np.zeros((2, 4, 4), np.int64)
NAMES3 = ["background", "x", "y"]
JACCARD = {"m": {"jaccard_per_class": {"a": 0.5, "b": 1.0}, "mean_iou": 0.75, "boundary_iou": 0.5}}
DIST3 = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
PAIR_X = np.zeros((6, 2, 2), np.uint8)
IDS = np.tile(np.arange(4), 20)

# small models for the callables that take one
_CNN = det.region_cnn((16, 16, 1), 2, base_filters=2, feature_size=4)
_EMBEDDER = ide.embedding_cnn((8, 8, 1), embedding_dim=4, width=2)
_PAIR = ide.pair_classifier(_EMBEDDER, hidden=4)
_SEGMENTER = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(3, 1, activation="softmax")])

CASES = [
    # ------------------------------------------------------------------ segmentation metrics
    (seg.pixel_accuracy, (Y, P.astype(float)), {}, ValueError, "y_pred"),  # float ids read as scores
    (seg.pixel_accuracy, ("abc", P), {}, TypeError, "y_true"),
    (seg.pixel_accuracy, (Y, SCORES_NAN), {}, ValueError, "y_pred"),
    (seg.pixel_accuracy, (Y - 1, P), {}, ValueError, "y_true"),
    (seg.pixel_accuracy, (np.zeros((0, 2)), np.zeros((0, 2), int)), {}, ValueError, "y_true"),
    (seg.pixel_accuracy, (Y, P[:, :1]), {}, ValueError, "y_pred"),
    (seg.confusion_matrix, (Y, P, 0), {}, ValueError, "num_classes"),
    (seg.confusion_matrix, (Y, P, 3.0), {}, TypeError, "num_classes"),
    (seg.confusion_matrix, (Y + 4, P, 3), {}, ValueError, "y_true"),
    (seg.confusion_matrix, (Y, P + 4, 3), {}, ValueError, "y_pred"),
    (seg.confusion_matrix, (Y, np.eye(4)[P], 3), {}, ValueError, "y_pred"),  # 4 scores for 3 classes
    (seg.jaccard_per_class, (Y, P.astype(float), 3), {}, ValueError, "y_pred"),
    (seg.jaccard_per_class, (Y * 5, P, 3), {}, ValueError, "y_true"),
    (seg.jaccard_per_class, (Y, P, True), {}, TypeError, "num_classes"),
    (seg.mean_iou, (Y, P - 1, 3), {}, ValueError, "y_pred"),
    (seg.mean_iou, (Y, P, 1), {}, ValueError, "num_classes"),
    (seg.boundary_jaccard_per_class, (Y, P, 3), {"width": 0}, ValueError, "width"),
    (seg.boundary_jaccard_per_class, (Y, P, 3), {"width": 1.5}, TypeError, "width"),
    (seg.boundary_jaccard_per_class, (Y * 5, P, 3), {}, ValueError, "y_true"),
    (seg.boundary_iou, (Y, P + 3, 3), {}, ValueError, "y_pred"),
    (seg.boundary_iou, (Y, P, "3"), {}, TypeError, "num_classes"),
    (seg.JaccardPerClass, (0,), {}, ValueError, "num_classes"),
    (seg.MeanIoU, ("3",), {}, TypeError, "num_classes"),
    (seg.MeanIoU, (True,), {}, TypeError, "num_classes"),
    # ------------------------------------------------------------------ segmentation losses
    (seg.balanced_class_weights, (MASKS, 2), {}, ValueError, "masks"),
    (seg.balanced_class_weights, (MASKS - 1, 3), {}, ValueError, "masks"),
    (seg.balanced_class_weights, (np.zeros((0,), int), 3), {}, ValueError, "masks"),
    (seg.balanced_class_weights, (MASKS, 3), {"power": NAN}, ValueError, "power"),
    (seg.balanced_class_weights, (MASKS, "3"), {}, TypeError, "num_classes"),
    (seg.pixel_categorical_crossentropy, (Y - 1, SCORES), {}, ValueError, "y_true"),
    (seg.pixel_categorical_crossentropy, (Y + 3, SCORES), {}, ValueError, "y_true"),
    (seg.pixel_categorical_crossentropy, (Y, P.astype(float)), {}, ValueError, "y_pred"),
    (seg.pixel_categorical_crossentropy, (Y, SCORES_NAN), {}, ValueError, "y_pred"),
    (seg.pixel_categorical_crossentropy, (Y, SCORES), {"from_logits": "yes"}, TypeError, "from_logits"),
    (seg.pixel_categorical_crossentropy, (Y, SCORES), {"class_weights": [1.0, NAN, 1.0]}, ValueError, "class_weights"),
    (seg.pixel_categorical_crossentropy, (Y, SCORES), {"class_weights": [1.0, 1.0]}, ValueError, "class_weights"),
    (seg.soft_jaccard_loss, (Y, SCORES), {"smooth": NAN}, ValueError, "smooth"),
    (seg.soft_jaccard_loss, (Y * 5, SCORES), {}, ValueError, "y_true"),
    (seg.soft_dice_loss, (Y, SCORES), {"smooth": -1.0}, ValueError, "smooth"),
    (seg.soft_dice_loss, (Y, SCORES), {"from_logits": 1}, TypeError, "from_logits"),
    (seg.PixelCrossEntropy, (), {"from_logits": "yes"}, TypeError, "from_logits"),
    (seg.PixelCrossEntropy, (), {"jaccard_weight": NAN}, ValueError, "jaccard_weight"),
    (seg.PixelCrossEntropy, (), {"class_weights": [1.0, -2.0]}, ValueError, "class_weights"),
    (seg.SoftJaccardLoss, (), {"smooth": float("inf")}, ValueError, "smooth"),
    (seg.SoftDiceLoss, (), {"from_logits": None}, TypeError, "from_logits"),
    # ------------------------------------------------------------------ segmentation models
    (seg.unet, ("abc", 3), {}, TypeError, "input_shape"),
    (seg.unet, ((32, 32, 1), 1), {}, ValueError, "num_classes"),
    (seg.unet, ((32, 32, 1), 3), {"depth": 0}, ValueError, "depth"),
    (seg.unet, ((32, 32, 1), 3), {"base_filters": 0}, ValueError, "base_filters"),
    (seg.unet, ((30, 30, 1), 3), {}, ValueError, "input_shape"),
    (seg.unet, ((32, 32, 0), 3), {}, ValueError, "input_shape"),
    (seg.unet, ((32, 32, 1), 3), {"activation": 3}, TypeError, "activation"),
    (seg.fcn, ((32, 32), 3), {}, ValueError, "input_shape"),
    (seg.fcn, ((32, 32, 1), 3.0), {}, TypeError, "num_classes"),
    (seg.fcn, ((32, 32, 1), 3), {"name": 5}, TypeError, "name"),
    # ------------------------------------------------------------------ boxes
    (det.box_area, (INVERTED,), {}, ValueError, "boxes"),
    (det.box_area, (BOXES_NAN,), {}, ValueError, "boxes"),
    (det.box_area, (np.zeros((3, 3)),), {}, ValueError, "boxes"),
    (det.box_area, ("abc",), {}, TypeError, "boxes"),
    (det.clip_boxes, (BOXES, NAN, 10), {}, ValueError, "height"),
    (det.clip_boxes, (BOXES, 10, -1), {}, ValueError, "width"),
    (det.clip_boxes, (INVERTED, 10, 10), {}, ValueError, "boxes"),
    (det.convert_boxes, (BOXES, "yxyx", "xyxy"), {}, ValueError, "source"),
    (det.convert_boxes, (BOXES, "xyxy", "xy"), {}, ValueError, "target"),
    (det.convert_boxes, ([[0, 0, -2, 3]], "xywh", "xyxy"), {}, ValueError, "boxes"),
    (det.convert_boxes, (INVERTED, "xyxy", "xywh"), {}, ValueError, "boxes"),
    (det.iou, (INVERTED, BOXES), {}, ValueError, "boxes_a"),
    (det.iou, (BOXES, np.zeros((2, 3))), {}, ValueError, "boxes_b"),
    (det.encode_deltas, (BOXES, BOXES), {"weights": (1, 1, 1)}, ValueError, "weights"),
    (det.encode_deltas, (BOXES, BOXES), {"weights": (1, 1, 0, 1)}, ValueError, "weights"),
    (det.encode_deltas, (BOXES, BOXES[:1]), {}, ValueError, "targets"),
    (det.encode_deltas, (INVERTED, INVERTED), {}, ValueError, "proposals"),
    (det.decode_deltas, (BOXES, BOXES_NAN.repeat(2, 0)), {}, ValueError, "deltas"),
    (det.decode_deltas, (BOXES, np.zeros((3, 4))), {}, ValueError, "deltas"),
    (det.decode_deltas, (BOXES, np.zeros((2, 4))), {"weights": (1, 1, NAN, 1)}, ValueError, "weights"),
    # ------------------------------------------------------------------ NMS
    (det.nms, (BOXES, SCORES2), {"iou_threshold": NAN}, ValueError, "iou_threshold"),
    (det.nms, (BOXES, SCORES2), {"iou_threshold": 1.5}, ValueError, "iou_threshold"),
    (det.nms, (BOXES, SCORES2), {"score_threshold": NAN}, ValueError, "score_threshold"),
    (det.nms, (BOXES, SCORES2), {"max_output": 0}, ValueError, "max_output"),
    (det.nms, (BOXES, SCORES2), {"max_output": 2.0}, TypeError, "max_output"),
    (det.nms, (BOXES, SCORES2[:1]), {}, ValueError, "scores"),
    (det.nms, (BOXES, [NAN, 0.5]), {}, ValueError, "scores"),
    (det.nms, (INVERTED, [1.0]), {}, ValueError, "boxes"),
    (det.batched_nms, (BOXES, SCORES2, [0, 1]), {"max_output": -1}, ValueError, "max_output"),
    (det.batched_nms, (BOXES, SCORES2, [0]), {}, ValueError, "classes"),
    (det.batched_nms, (BOXES, SCORES2, [0, 1]), {"iou_threshold": NAN}, ValueError, "iou_threshold"),
    (det.batched_nms, (BOXES, SCORES2, [0, 1]), {"score_threshold": "0.1"}, TypeError, "score_threshold"),
    # ------------------------------------------------------------------ evaluation
    (det.match, (BOXES, [NAN, 0.5], BOXES), {}, ValueError, "scores"),
    (det.match, (BOXES, SCORES2, BOXES), {"iou_threshold": NAN}, ValueError, "iou_threshold"),
    (det.match, (BOXES, SCORES2, BOXES), {"rule": "pascal"}, ValueError, "rule"),
    (det.match, (INVERTED, [1.0], BOXES), {}, ValueError, "boxes"),
    (det.match, (BOXES, SCORES2, np.zeros((1, 5))), {}, ValueError, "gt_boxes"),
    (det.precision_recall, (SCORES2, [True, True], 1), {}, ValueError, "num_gt"),  # recall 2.0
    (det.precision_recall, (SCORES2, [True, False], -1), {}, ValueError, "num_gt"),
    (det.precision_recall, (SCORES2, [True, False], 1.5), {}, TypeError, "num_gt"),
    (det.precision_recall, ([NAN, 0.5], [True, False], 2), {}, ValueError, "scores"),
    (det.precision_recall, (SCORES2, [2, 0], 2), {}, ValueError, "tp"),
    (det.precision_recall, (SCORES2, [True], 2), {}, ValueError, "tp"),
    (det.average_precision, ([0.5, 1.0], [1.0, 1.0]), {"method": "7-point"}, ValueError, "method"),
    (det.average_precision, ([0.5, NAN], [1.0, 1.0]), {}, ValueError, "recall"),
    (det.average_precision, ([1.0, 0.5], [1.0, 1.0]), {}, ValueError, "recall"),
    (det.average_precision, ([0.5, 1.0], [1.0]), {}, ValueError, "precision"),
    (det.evaluate_detections, (DETS_NAN, GT), {}, ValueError, "scores"),
    (det.evaluate_detections, (DETS_INVERTED, GT), {}, ValueError, "boxes"),
    (det.evaluate_detections, (DETS_FLOAT_LABEL, GT), {}, TypeError, "labels"),
    (det.evaluate_detections, (DETS, GT), {"iou_thresholds": (NAN,)}, ValueError, "iou_thresholds"),
    (det.evaluate_detections, (DETS, GT), {"max_detections": -1}, ValueError, "max_detections"),
    (det.evaluate_detections, (DETS, GT), {"method": "area"}, ValueError, "method"),
    (det.evaluate_detections, (DETS[0], GT), {}, TypeError, "detections"),
    (det.evaluate_detections, (DETS, GT * 2), {}, ValueError, "ground_truths"),
    (det.mean_average_precision, (DETS, GT), {"iou_threshold": NAN}, ValueError, "iou_threshold"),
    (det.mean_average_precision, (DETS, GT), {"method": "x"}, ValueError, "method"),
    (det.coco_map, (DETS, GT), {"max_detections": -1}, ValueError, "max_detections"),
    (det.coco_map, (DETS, GT), {"max_detections": 0}, ValueError, "max_detections"),
    (det.coco_map, (DETS, GT), {"iou_thresholds": [1.5]}, ValueError, "iou_thresholds"),
    # ------------------------------------------------------------------ YOLO
    (det.encode_targets, ([[-30, 10, -10, 20]], [0], 64, 4, 2, 3), {}, ValueError, "boxes"),  # left of the image
    (det.encode_targets, ([[0, 10, 80, 20]], [0], 64, 4, 2, 3), {}, ValueError, "boxes"),
    (det.encode_targets, ([[0, 0, 10, 10]], [5], 64, 4, 2, 3), {}, ValueError, "labels"),
    (det.encode_targets, ([[0, 0, 10, 10]], [0, 1], 64, 4, 2, 3), {}, ValueError, "labels"),
    (det.encode_targets, ([[0, 0, 10, 10]], [0], 0, 4, 2, 3), {}, ValueError, "image_size"),
    (det.encode_targets, ([[0, 0, 10, 10]], [0], 64, 0, 2, 3), {}, ValueError, "grid_size"),
    (det.encode_targets, ([[0, 0, 10, 10]], [0], 64, 4, 2, 0), {}, ValueError, "num_classes"),
    (det.encode_targets, (INVERTED, [0], 64, 4, 2, 3), {}, ValueError, "boxes"),
    (det.decode_predictions, (YOLO_PRED[:, :, :5], 64, 2, 3), {}, ValueError, "predictions"),
    (det.decode_predictions, (YOLO_PRED, 64, 2, 3), {"score_threshold": NAN}, ValueError, "score_threshold"),
    (det.decode_predictions, (YOLO_PRED, 64, 2, 3), {"iou_threshold": 2.0}, ValueError, "iou_threshold"),
    (det.decode_predictions, (YOLO_PRED, 64, 2, 3), {"max_output": 0}, ValueError, "max_output"),
    (det.decode_predictions, (YOLO_PRED, 64, 0, 3), {}, ValueError, "num_boxes"),
    (det.decode_predictions, (YOLO_PRED, (64, -1), 2, 3), {}, ValueError, "image_size"),
    (det.YoloOutput, (0, 3), {}, ValueError, "num_boxes"),
    (det.YoloOutput, (2, "3"), {}, TypeError, "num_classes"),
    (det.YoloV1Loss, (), {"lambda_coord": NAN}, ValueError, "lambda_coord"),
    (det.YoloV1Loss, (), {"lambda_noobj": -1.0}, ValueError, "lambda_noobj"),
    (det.YoloV1Loss, (), {"num_boxes": 0}, ValueError, "num_boxes"),
    (det.yolo_v1, ((64, 64), 4), {}, ValueError, "input_shape"),
    (det.yolo_v1, ((64, 64, 1), 0), {}, ValueError, "grid_size"),
    (det.yolo_v1, ((64, 64, 1), 4), {"num_classes": 0}, ValueError, "num_classes"),
    (det.yolo_v1, ((64, 64, 1), 4), {"base_filters": 0}, ValueError, "base_filters"),
    (det.yolo_v1, ((60, 60, 1), 4), {}, ValueError, "input_shape"),
    # ------------------------------------------------------------------ Fast R-CNN
    (det.RoIPooling, (0,), {}, ValueError, "pool_size"),
    (det.RoIPooling, (4,), {"spatial_scale": NAN}, ValueError, "spatial_scale"),
    (det.FastRCNNLoss, (0,), {}, ValueError, "num_classes"),
    (det.FastRCNNLoss, (3,), {"box_weight": NAN}, ValueError, "box_weight"),
    (det.fast_rcnn, ("abc", 3), {}, ValueError, "input_shape"),
    (det.fast_rcnn, ((32, 32, 1), 0), {}, ValueError, "num_classes"),
    (det.fast_rcnn, ((32, 32, 1), 3), {"pool_size": 0}, ValueError, "pool_size"),
    (det.fast_rcnn, ((32, 32, 1), 3), {"hidden": 0}, ValueError, "hidden"),
    (det.sample_rois, (BOXES, BOXES, [0], 8, RNG), {}, ValueError, "gt_labels"),
    (det.sample_rois, (BOXES, BOXES, [0, 1], 8, 0), {}, TypeError, "rng"),
    (det.sample_rois, (BOXES, BOXES, [0, 1], 8, RNG), {"positive_fraction": 1.5}, ValueError, "positive_fraction"),
    (det.sample_rois, (BOXES, BOXES, [0, 1], 0, RNG), {}, ValueError, "num_rois"),
    (det.sample_rois, (INVERTED, BOXES, [0, 1], 8, RNG), {}, ValueError, "proposals"),
    (det.sample_rois, (BOXES, BOXES, [0, 1], 8, RNG), {"positive_iou": NAN}, ValueError, "positive_iou"),
    (det.RoIStream, (IMAGE_U8[None], [BOXES], GT, 1, 0), {}, TypeError, "images"),
    (det.RoIStream, (IMAGE[None], [BOXES], GT, 0, 0), {}, ValueError, "batch_size"),
    (det.RoIStream, (IMAGE[None], [BOXES, BOXES], GT, 1, 0), {}, ValueError, "proposals"),
    (det.RoIStream, (IMAGE[None], [BOXES], GT, 1, 0), {"num_rois": 0}, ValueError, "num_rois"),
    # ------------------------------------------------------------------ proposals and R-CNN
    (det.selective_search, (IMAGE_U8,), {}, TypeError, "image"),
    (det.selective_search, (IMAGE * 3,), {}, ValueError, "image"),
    (det.selective_search, (IMAGE,), {"mode": "quality"}, ValueError, "mode"),
    (det.selective_search, (IMAGE,), {"scale": 0}, ValueError, "scale"),
    (det.selective_search, (IMAGE,), {"max_proposals": 0}, ValueError, "max_proposals"),
    (det.selective_search, (IMAGE,), {"min_size": NAN}, ValueError, "min_size"),
    (det.propose, (IMAGE_U8[None],), {}, TypeError, "images"),
    (det.propose, (IMAGE[None],), {"n_jobs": 0}, ValueError, "n_jobs"),
    (det.propose, (IMAGE[None],), {"cache_dir": 3}, TypeError, "cache_dir"),
    (det.proposal_recall, ([BOXES], GT), {"iou_threshold": NAN}, ValueError, "iou_threshold"),
    (det.proposal_recall, ([BOXES, BOXES], GT), {}, ValueError, "proposals"),
    (det.proposal_recall, ([], []), {}, ValueError, "proposals"),
    (det.warp_regions, (IMAGE_U8, BOXES), {}, TypeError, "image"),
    (det.warp_regions, (IMAGE, INVERTED), {}, ValueError, "boxes"),
    (det.warp_regions, (IMAGE, [[40, 40, 50, 50]]), {}, ValueError, "boxes"),
    (det.warp_regions, (IMAGE, BOXES), {"size": 0}, ValueError, "size"),
    (det.warp_regions, (IMAGE, BOXES), {"context": -1}, ValueError, "context"),
    (det.region_cnn, ((16, 16, 1), 0), {}, ValueError, "num_classes"),
    (det.region_cnn, ((16, 16), 2), {}, ValueError, "input_shape"),
    (det.region_cnn, ((16, 16, 1), 2), {"feature_size": 0}, ValueError, "feature_size"),
    (det.RCNN, ("cnn", 2), {}, TypeError, "cnn"),
    (det.RCNN, (_CNN, 0), {}, ValueError, "num_classes"),
    (det.RCNN, (_CNN, 2), {"svm_c": 0.0}, ValueError, "svm_c"),
    (det.RCNN, (_CNN, 2), {"ridge_alpha": NAN}, ValueError, "ridge_alpha"),
    (det.RCNN, (_CNN, 2), {"warp_size": 0}, ValueError, "warp_size"),
    # ------------------------------------------------------------------ identification
    (ide.pairwise_distances, (EMB,), {"distance": "manhattan"}, ValueError, "distance"),
    (ide.pairwise_distances, (EMB_NAN,), {}, ValueError, "embeddings"),
    (ide.pairwise_distances, (EMB[:, :, None],), {}, ValueError, "embeddings"),
    (ide.recall_at_k, (EMB_NAN, LABELS), {}, ValueError, "embeddings"),  # was 1.0
    (ide.recall_at_k, (EMB, LABELS), {"k": 0}, ValueError, "k"),
    (ide.recall_at_k, (EMB, LABELS), {"k": 1.5}, TypeError, "k"),
    (ide.recall_at_k, (EMB, LABELS[:4]), {}, ValueError, "labels"),
    (ide.recall_at_k, (EMB, LABELS), {"distance": "l1"}, ValueError, "distance"),
    (ide.recall_at_k, (EMB, LABELS.astype(float) * NAN), {}, ValueError, "labels"),
    (ide.verification_auc, (EMB_NAN, LABELS), {}, ValueError, "embeddings"),
    (ide.verification_auc, (EMB, LABELS[:, None]), {}, ValueError, "labels"),
    (ide.verification_auc, (EMB, "abcdef"), {}, TypeError, "labels"),
    (ide.triplet_loss, (LABELS, EMB), {"margin": NAN}, ValueError, "margin"),
    (ide.triplet_loss, (LABELS, EMB), {"margin": -1.0}, ValueError, "margin"),
    (ide.triplet_loss, (LABELS, EMB), {"mining": "easy"}, ValueError, "mining"),
    (ide.triplet_loss, (LABELS, EMB), {"distance": "l1"}, ValueError, "distance"),
    (ide.triplet_loss, (LABELS, EMB_NAN), {}, ValueError, "embeddings"),
    (ide.triplet_loss, (LABELS[:4], EMB), {}, ValueError, "labels"),
    (ide.triplet_loss, (LABELS * NAN, EMB), {}, ValueError, "labels"),
    (ide.TripletLoss, (), {"margin": float("inf")}, ValueError, "margin"),
    (ide.TripletLoss, (), {"margin": "0.2"}, TypeError, "margin"),
    (ide.TripletLoss, (), {"mining": "hardest"}, ValueError, "mining"),
    (ide.TripletLoss, (), {"distance": None}, ValueError, "distance"),
    (ide.ClassBalancedSampler, (LABELS.astype(float), 2, 2), {}, TypeError, "labels"),
    (ide.ClassBalancedSampler, (np.zeros(0, int), 2, 2), {}, ValueError, "labels"),
    (ide.ClassBalancedSampler, (LABELS, 1, 2), {}, ValueError, "classes_per_batch"),
    (ide.ClassBalancedSampler, (LABELS, 4, 2), {}, ValueError, "classes_per_batch"),
    (ide.ClassBalancedSampler, (LABELS, 2, 1), {}, ValueError, "samples_per_class"),
    (ide.ClassBalancedSampler, (LABELS, 2, 2), {"seed": -1}, ValueError, "seed"),
    (ide.class_balanced_dataset, (EMB, LABELS[:4], 2, 2), {}, ValueError, "x"),
    (ide.class_balanced_dataset, (EMB, LABELS, 2, 2), {"map_fn": 3}, TypeError, "map_fn"),
    (ide.class_balanced_dataset, (EMB, LABELS.astype(float), 2, 2), {}, TypeError, "y"),
    (ide.class_balanced_dataset, (EMB, LABELS, 2, 2), {"pipeline": "grain"}, ValueError, "pipeline"),
    (ide.ClassBalancedBatches, (EMB, LABELS, None), {}, TypeError, "sampler"),
    (ide.ClassBalancedBatches, (EMB, LABELS[:4], ide.ClassBalancedSampler(LABELS, 2, 2)), {}, ValueError, "x"),
    (ide.embedding_cnn, ((28, 28),), {}, ValueError, "input_shape"),
    (ide.embedding_cnn, ((28, 28, 1),), {"embedding_dim": 0}, ValueError, "embedding_dim"),
    (ide.embedding_cnn, ((28, 28, 1),), {"width": 2.0}, TypeError, "width"),
    (ide.embedding_head, (0,), {}, ValueError, "feature_dim"),
    (ide.embedding_head, (4,), {"embedding_dim": -1}, ValueError, "embedding_dim"),
    (ide.embedding_head, (4,), {"dropout": 1.0}, ValueError, "dropout"),
    (ide.embedding_head, (4,), {"dropout": NAN}, ValueError, "dropout"),
    (ide.embedding_head, (4,), {"hidden": -1}, ValueError, "hidden"),
    (ide.embedding_head, (4,), {"mean": np.zeros(4), "variance": -np.ones(4)}, ValueError, "variance"),
    (ide.embedding_head, (4,), {"mean": np.zeros(3), "variance": np.ones(3)}, ValueError, "mean"),
    (ide.embedding_head, (4,), {"mean": np.zeros(4)}, ValueError, "variance"),
    (ide.pair_classifier, ("cnn",), {}, TypeError, "embedding_model"),
    (ide.pair_classifier, (_EMBEDDER,), {"hidden": 0}, ValueError, "hidden"),
    (ide.pair_score_matrix, ("model", EMB), {}, TypeError, "pair_model"),
    (ide.pair_score_matrix, (_PAIR, np.full((3, 4), NAN)), {}, ValueError, "embeddings"),
    (ide.pair_score_matrix, (_PAIR, np.zeros((3, 4))), {"batch_rows": 0}, ValueError, "batch_rows"),
    (ide.pseudo_identities, (EMB, LABELS, 0), {}, ValueError, "per_class"),
    (ide.pseudo_identities, (EMB, LABELS, 2), {"n_components": 0}, ValueError, "n_components"),
    (ide.pseudo_identities, (EMB, LABELS.astype(float), 2), {}, TypeError, "labels"),
    (ide.pseudo_identities, (EMB_NAN, LABELS, 2), {}, ValueError, "features"),
    (ide.pseudo_identities, (EMB, LABELS[:3], 2), {}, ValueError, "labels"),
    (ide.pseudo_identities, (EMB, LABELS, 2), {"standardize": "yes"}, TypeError, "standardize"),
    (ide.pseudo_identities, (EMB[:, 0], LABELS, 2), {}, ValueError, "features"),
    # ------------------------------------------------------------------ figures
    (plots.scatter_2d, (np.zeros((3, 3)), [0, 1, 2], FIGURES / "s.png"), {}, ValueError, "points"),
    (plots.scatter_2d, (np.full((3, 2), NAN), [0, 1, 2], FIGURES / "s.png"), {}, ValueError, "points"),
    (plots.scatter_2d, (np.zeros((3, 2)), [0, 1], FIGURES / "s.png"), {}, ValueError, "labels"),
    (plots.scatter_2d, (np.zeros((3, 2)), [0.5, 1.0, 2.0], FIGURES / "s.png"), {}, TypeError, "labels"),
    (plots.scatter_2d, (np.zeros((3, 2)), [0, 1, 2], FIGURES / "s.png"), {"names": "abc"}, TypeError, "names"),
    (plots.scatter_2d, (np.zeros((3, 2)), [0, 1, 2], FIGURES / "s.png"), {"names": ["a"]}, ValueError, "names"),
    (plots.scatter_2d, (np.zeros((3, 2)), [0, 1, 2], FIGURES / "s.jpg"), {}, ValueError, "path"),
    (seg_figures.colorize, (MASKS + 20,), {}, ValueError, "masks"),
    (seg_figures.colorize, (MASKS + 0.5,), {}, TypeError, "masks"),
    (seg_figures.colorize, (MASKS,), {"palette": np.ones((3, 4))}, ValueError, "palette"),
    (seg_figures.colorize, (MASKS,), {"palette": np.full((3, 3), 255, np.uint8)}, TypeError, "palette"),
    (seg_figures.plot_overlays, (IMAGES4 * 3, MAPS, {"m": MAPS}, FIGURES / "o.png", NAMES3), {}, ValueError, "images"),
    (seg_figures.plot_overlays, (IMAGES4, MAPS + 5, {"m": MAPS}, FIGURES / "o.png", NAMES3), {}, ValueError, "masks"),
    (
        seg_figures.plot_overlays,
        (IMAGES4, MAPS, {"m": MAPS[:, :2]}, FIGURES / "o.png", NAMES3),
        {},
        ValueError,
        "predictions",
    ),
    (seg_figures.plot_overlays, (IMAGES4, MAPS, [MAPS], FIGURES / "o.png", NAMES3), {}, TypeError, "predictions"),
    (seg_figures.plot_overlays, (IMAGES4, MAPS, {"m": MAPS}, FIGURES / "o.png", "abc"), {}, TypeError, "class_names"),
    (seg_figures.plot_overlays, (IMAGES4, MAPS, {"m": MAPS}, FIGURES / "o.png", ["a"]), {}, ValueError, "class_names"),
    (
        seg_figures.plot_overlays,
        (IMAGES4, MAPS, {"m": MAPS}, FIGURES / "o.png", NAMES3),
        {"count": 3},
        ValueError,
        "count",
    ),
    (
        seg_figures.plot_overlays,
        (IMAGES4, MAPS, {"m": MAPS}, FIGURES / "o.pdf", NAMES3),
        {"count": 1},
        ValueError,
        "path",
    ),
    (seg_figures.plot_jaccard, ({}, FIGURES / "j.png"), {}, TypeError, "results"),
    (seg_figures.plot_jaccard, ({"m": {"mean_iou": 1.0}}, FIGURES / "j.png"), {}, ValueError, "results"),
    (
        seg_figures.plot_jaccard,
        ({**JACCARD, "n": {**JACCARD["m"], "jaccard_per_class": {"a": 1.0}}}, FIGURES / "j.png"),
        {},
        ValueError,
        "results",
    ),
    (seg_figures.plot_jaccard, (JACCARD, FIGURES / "j.jpg"), {}, ValueError, "path"),
    (ide_figures.same_and_different_distances, (np.zeros((3, 2)), [0, 0, 1]), {}, ValueError, "distances"),
    (ide_figures.same_and_different_distances, (DIST3, [0, 1]), {}, ValueError, "distances"),
    (ide_figures.same_and_different_distances, (np.zeros((1, 1)), [0]), {}, ValueError, "labels"),
    (ide_figures.same_and_different_distances, (np.full((3, 3), NAN), [0, 0, 1]), {}, ValueError, "distances"),
    (ide_figures.pair_distance_histograms, ([], FIGURES / "h.png"), {}, TypeError, "panels"),
    (ide_figures.pair_distance_histograms, ([("a", DIST3)], FIGURES / "h.png"), {}, TypeError, "panels"),
    (ide_figures.pair_distance_histograms, ([(1, DIST3, [0, 0, 1])], FIGURES / "h.png"), {}, TypeError, "panels"),
    (ide_figures.pair_distance_histograms, ([("a", DIST3, [0, 1])], FIGURES / "h.png"), {}, ValueError, "distances"),
    (ide_figures.pair_distance_histograms, ([("a", DIST3, [0, 0, 1])], FIGURES / "h.svg"), {}, ValueError, "path"),
    # ------------------------------------------------------------------ segmentation evaluation
    (seg_evaluate.evaluate_segmentation, ("model", IMAGES4, MAPS, NAMES3), {}, TypeError, "model"),
    (seg_evaluate.evaluate_segmentation, (_SEGMENTER, IMAGES4 * 3, MAPS, NAMES3), {}, ValueError, "x"),
    (seg_evaluate.evaluate_segmentation, (_SEGMENTER, IMAGES4, MAPS + 3, NAMES3), {}, ValueError, "y"),
    (seg_evaluate.evaluate_segmentation, (_SEGMENTER, IMAGES4, MAPS[:, :2], NAMES3), {}, ValueError, "y"),
    (seg_evaluate.evaluate_segmentation, (_SEGMENTER, IMAGES4, MAPS, "abc"), {}, TypeError, "class_names"),
    (seg_evaluate.evaluate_segmentation, (_SEGMENTER, IMAGES4, MAPS, ["a"]), {}, ValueError, "class_names"),
    (
        seg_evaluate.evaluate_segmentation,
        (_SEGMENTER, IMAGES4, MAPS, NAMES3),
        {"batch_size": 0},
        ValueError,
        "batch_size",
    ),
    (
        seg_evaluate.evaluate_segmentation,
        (_SEGMENTER, IMAGES4, MAPS, NAMES3),
        {"boundary_width": 0},
        ValueError,
        "boundary_width",
    ),
    # ------------------------------------------------------------------ pair batches
    (ide_pairs.PairBatches, ("abc", LABELS, 4), {}, TypeError, "x"),
    (ide_pairs.PairBatches, (PAIR_X, LABELS[:4], 4), {}, ValueError, "y"),
    (ide_pairs.PairBatches, (PAIR_X, LABELS.astype(float), 4), {}, TypeError, "y"),
    (ide_pairs.PairBatches, (PAIR_X, np.zeros(6, int), 4), {}, ValueError, "y"),  # one class: no different pair
    (ide_pairs.PairBatches, (PAIR_X, LABELS, 1), {}, ValueError, "batch_size"),
    (ide_pairs.PairBatches, (PAIR_X, LABELS, 4.0), {}, TypeError, "batch_size"),
    (ide_pairs.PairBatches, (PAIR_X, LABELS, 4, -1), {}, ValueError, "seed"),
    (ide_pairs.PairBatches, (PAIR_X, LABELS, 4), {"transform": 3}, TypeError, "transform"),
    (ide_pairs.pair_batches, (PAIR_X, LABELS, 4), {"pipeline": "torch"}, ValueError, "pipeline"),
    (ide_pairs.pair_batches, (PAIR_X, LABELS, 0), {}, ValueError, "batch_size"),
    # ------------------------------------------------------------------ simulated detector and references
    (det_simulated.simulated_detections, (GT, 0, 3), {}, TypeError, "rng"),
    (det_simulated.simulated_detections, (GT, RNG, 0), {}, ValueError, "num_classes"),
    (det_simulated.simulated_detections, (GT[0], RNG, 3), {}, TypeError, "targets"),
    (det_simulated.simulated_detections, ([{"boxes": INVERTED, "labels": [0]}], RNG, 3), {}, ValueError, "boxes"),
    (det_simulated.simulated_detections, ([{"boxes": BOXES, "labels": [0, 5]}], RNG, 3), {}, ValueError, "labels"),
    (det_simulated.simulated_detections, ([{"boxes": BOXES, "labels": [0]}], RNG, 3), {}, ValueError, "targets[0]"),
    (det_simulated.simulated_detections, (GT, RNG, 3), {"noise": NAN}, ValueError, "noise"),
    (det_simulated.simulated_detections, (GT, RNG, 3), {"wrong_class": 1.5}, ValueError, "wrong_class"),
    (det_simulated.simulated_detections, (GT, RNG, 3), {"miss": -0.1}, ValueError, "miss"),
    (det_simulated.simulated_detections, (GT, RNG, 3), {"copies": 0}, ValueError, "copies"),
    (det_simulated.simulated_detections, (GT, RNG, 3), {"extra": -1.0}, ValueError, "extra"),
    (det_simulated.simulated_detections, (GT, RNG, 3), {"image_size": 4}, ValueError, "image_size"),
    (det_references.reference_nms, (INVERTED, [1.0]), {}, ValueError, "boxes"),
    (det_references.reference_nms, (BOXES, SCORES2[:1]), {}, ValueError, "scores"),
    (det_references.reference_nms, (BOXES, SCORES2, NAN), {}, ValueError, "iou_threshold"),
    (det_references.reference_nms, (BOXES, SCORES2), {"library": "mxnet"}, ValueError, "library"),
    (det_references.pycocotools_map, (DETS, GT, "abc", 64), {}, TypeError, "class_names"),
    (det_references.pycocotools_map, (DETS_NAN, GT, ["a"], 64), {}, ValueError, "scores"),
    (det_references.pycocotools_map, (DETS, GT * 2, ["a"], 64), {}, ValueError, "ground_truths"),
    (det_references.pycocotools_map, (DETS, GT, ["a"], -3), {}, ValueError, "image_size"),
    # ------------------------------------------------------------------ NumPy RNN with clipping
    (rnn_clipping.sgd_char_rnn, (IDS, 1, 3), {}, ValueError, "vocab_size"),
    (rnn_clipping.sgd_char_rnn, (IDS, 4, 0), {}, ValueError, "steps"),
    (rnn_clipping.sgd_char_rnn, (IDS, 4, 3), {"max_norm": 0.0}, ValueError, "max_norm"),
    (rnn_clipping.sgd_char_rnn, (IDS, 4, 3), {"max_norm": NAN}, ValueError, "max_norm"),
    (rnn_clipping.sgd_char_rnn, (IDS, 4, 3), {"lr": -1.0}, ValueError, "lr"),
    (rnn_clipping.sgd_char_rnn, (IDS, 4, 3), {"batch_size": 0}, ValueError, "batch_size"),
    (rnn_clipping.sgd_char_rnn, (IDS, 4, 3), {"seed": -1}, ValueError, "seed"),
    (rnn_clipping.sgd_char_rnn, (IDS.astype(float) + 0.5, 4, 3), {}, TypeError, "ids"),
    (rnn_clipping.sgd_char_rnn, (IDS, 3, 3), {}, ValueError, "ids"),
    (rnn_clipping.sgd_char_rnn, (IDS[:10], 4, 3), {}, ValueError, "seq_len"),
]

EXEMPT = {
    "keras_course.detection.nms_reference": "takes no argument (it says which reference library is installed)",
    "keras_course.segmentation.PixelAccuracy": "takes only name and dtype (Keras checks them); its inputs are "
    "checked in update_state (see test_streaming_metrics_refuse_...)",
    "keras_course.detection.BOX_FORMATS": "a constant tuple, not a callable",
    "keras_course.detection.ROIS_PER_IMAGE": "a constant int, not a callable",
    "keras_course.identification.DISTANCES": "a constant tuple, not a callable",
    "keras_course.identification.MINING": "a constant tuple, not a callable",
    "keras_course.identification.PairFeatures": "a layer with no constructor arguments of its own",
}


def _case_id(case):
    return f"{case[0].__name__}-{case[4]}"


@pytest.mark.parametrize("call, args, kwargs, error, argument", CASES, ids=[_case_id(c) for c in CASES])
def test_bad_argument_is_refused_naming_it(call, args, kwargs, error, argument):
    with pytest.raises(error) as info:
        call(*args, **kwargs)
    assert argument in str(info.value)


# ---------------------------------------------------------------------------- regressions
def test_pixel_accuracy_refuses_float_ids_and_keeps_int_ids():
    """Before: argmax(...).astype(float) was read as scores, 1.0 instead of 0.75."""
    y_true = np.array([[0, 1], [1, 1]])
    scores = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.3, 0.7], [0.6, 0.4]]])
    ids = scores.argmax(-1)
    assert seg.pixel_accuracy(y_true, ids) == 0.75
    assert seg.pixel_accuracy(y_true, scores) == 0.75
    assert seg.pixel_accuracy(np.eye(2)[y_true], scores) == 0.75  # one-hot truth
    assert seg.pixel_accuracy(y_true[..., None], scores) == 0.75  # (H, W, 1) truth
    for metric in (seg.jaccard_per_class, seg.mean_iou, seg.confusion_matrix, seg.boundary_iou):
        with pytest.raises(ValueError, match="y_pred"):
            metric(y_true, ids.astype(float), 2)
    with pytest.raises(ValueError, match="y_pred"):
        seg.pixel_accuracy(y_true, ids.astype(float))


def test_out_of_range_pixel_labels_are_refused_not_ignored():
    """Before: a pixel labelled 5 (3 classes) or -1 added a cross-entropy of 0.0, MeanIoU skipped it."""
    probabilities = np.full((1, 1, 2, 3), 1 / 3, np.float32)
    for bad in (5, -1):
        y_true = np.array([[[bad, 0]]])
        with pytest.raises(ValueError, match=r"y_true must hold class ids in \[0, 3\)"):
            seg.pixel_categorical_crossentropy(y_true, probabilities)
        with pytest.raises(ValueError, match="y_true"):
            seg.MeanIoU(3).update_state(y_true, probabilities)
        with pytest.raises(ValueError, match="y_true"):
            seg.boundary_jaccard_per_class(y_true, np.zeros((1, 1, 2), int), 3)
    good = seg.pixel_categorical_crossentropy(np.array([[[1, 0]]]), probabilities)
    np.testing.assert_allclose(good, [np.log(3)], rtol=1e-5)


def test_loss_objects_called_on_arrays_check_the_labels():
    """The compile-able losses check NumPy inputs by value (tensors in a graph only by shape)."""
    probabilities = np.full((1, 1, 2, 3), 1 / 3, np.float32)
    for loss in (seg.PixelCrossEntropy(), seg.SoftJaccardLoss(), seg.SoftDiceLoss()):
        with pytest.raises(ValueError, match="y_true"):
            loss(np.array([[[5, 0]]]), probabilities)
        assert np.isfinite(float(loss(np.array([[[1, 0]]]), probabilities)))
    with pytest.raises(ValueError, match="y_pred"):
        ide.TripletLoss()(LABELS, EMB_NAN)


def test_streaming_metrics_refuse_ids_in_place_of_scores():
    """A float id map (B, H, W) has no class axis: refused by its static shape, in a graph too."""
    y_true = np.array([[[0, 1], [1, 0]]])
    for metric in (seg.PixelAccuracy(), seg.MeanIoU(2), seg.JaccardPerClass(2)):
        with pytest.raises(ValueError, match="y_pred"):
            metric.update_state(y_true, y_true.astype("float32"))
    with pytest.raises(ValueError, match="y_pred"):
        seg.MeanIoU(3).update_state(y_true, np.eye(2, dtype="float32")[y_true])  # 2 scores for 3 classes


def test_nan_score_detection_is_refused():
    """Before: a NaN score sorted first and ranked as a valid detection (mAP 1.0)."""
    with pytest.raises(ValueError, match="scores"):
        det.evaluate_detections(DETS_NAN, GT)
    assert det.evaluate_detections(DETS, GT)["map"] == 1.0


def test_coco_map_max_detections_minus_one_is_refused():
    """Before: max_detections=-1 sliced off the last detection."""
    two = [
        {
            "boxes": np.array([[20.0, 20, 30, 30], [0, 0, 10, 10]]),
            "scores": np.array([0.9, 0.1]),
            "labels": np.array([0, 0]),
        }
    ]
    with pytest.raises(ValueError, match="max_detections"):
        det.coco_map(two, GT, max_detections=-1)
    assert det.coco_map(two, GT, max_detections=2) > 0 == det.coco_map(two, GT, max_detections=1)


def test_precision_recall_refuses_more_tps_than_ground_truths():
    """Before: num_gt=1 with two TPs gave recall 2.0."""
    with pytest.raises(ValueError, match="num_gt"):
        det.precision_recall([0.9, 0.8], [True, True], 1)
    recall, precision = det.precision_recall([0.9, 0.8], [True, True], 2)
    np.testing.assert_allclose(recall, [0.5, 1.0])
    np.testing.assert_allclose(precision, [1.0, 1.0])


def test_yolo_target_refuses_a_box_outside_the_image():
    """Before: a box wholly left of the image went to grid column 2 (a negative index)."""
    with pytest.raises(ValueError, match="boxes must lie inside the image"):
        det.encode_targets([[-30, 10, -10, 20]], [0], 64, 4, 2, 3)
    target = det.encode_targets([[0, 10, 10, 20]], [0], 64, 4, 2, 3)
    assert target[0, 0, 4] == 1 and target[:, 1:, 4].sum() == 0


def test_inverted_detection_box_is_refused():
    """Before: a detection with x2 < x1 was scored (area 0) unlike pycocotools' COCOeval."""
    with pytest.raises(ValueError, match="x2 >= x1"):
        det.evaluate_detections(DETS_INVERTED, GT)
    with pytest.raises(ValueError, match="x2 >= x1"):
        det.coco_map(DETS_INVERTED, GT)


def test_recall_at_k_of_nan_embeddings_is_refused():
    """Before: all-NaN embeddings gave recall@1 = 1.0 (the stable sort picked neighbours by index)."""
    labels = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="embeddings must be finite"):
        ide.recall_at_k(np.full((4, 2), np.nan), labels)
    assert ide.recall_at_k(np.array([[0.0, 0], [0, 0.1], [5, 5], [5, 5.1]]), labels) == 1.0


def test_batched_nms_max_output_minus_one_is_refused():
    """Before: max_output=-1 sliced off the lowest kept box instead of refusing."""
    boxes = np.array([[0.0, 0, 1, 1], [5, 5, 6, 6]])
    with pytest.raises(ValueError, match="max_output"):
        det.batched_nms(boxes, [1.0, 0.5], [0, 1], max_output=-1)
    np.testing.assert_array_equal(det.batched_nms(boxes, [1.0, 0.5], [0, 1], max_output=2), [0, 1])


def test_corrupt_proposal_cache_names_the_file(tmp_path):
    images = np.random.default_rng(0).random((1, 16, 16, 1)).astype(np.float32)
    _first, _ = det.propose(images, cache_dir=tmp_path, mode="single")
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not an npz file")
    with pytest.raises(ValueError, match=str(path.name)):
        det.propose(images, cache_dir=tmp_path, mode="single")


# ---------------------------------------------------------------------------- properties
@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=4, max_size=12))
def test_float_ids_of_the_truth_shape_are_always_refused(ids):
    y = np.array(ids)
    with pytest.raises(ValueError, match="y_pred"):
        seg.pixel_accuracy(y, y.astype(float))


@settings(max_examples=15, deadline=None)
@given(st.one_of(st.just(NAN), st.floats(-10, -1e-6), st.floats(1 + 1e-6, 10)))
def test_iou_thresholds_outside_the_unit_interval_are_refused(threshold):
    for call in (
        lambda: det.nms(BOXES, SCORES2, threshold),
        lambda: det.match(BOXES, SCORES2, BOXES, threshold),
        lambda: det.evaluate_detections(DETS, GT, (threshold,)),
    ):
        with pytest.raises(ValueError, match="iou_threshold"):
            call()


@settings(max_examples=15, deadline=None)
@given(st.integers(-5, 0))
def test_non_positive_max_output_is_refused(max_output):
    with pytest.raises(ValueError, match="max_output"):
        det.nms(BOXES, SCORES2, max_output=max_output)
    with pytest.raises(ValueError, match="max_detections"):
        det.coco_map(DETS, GT, max_detections=max_output)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 5), st.integers(0, 2), st.sampled_from([NAN, float("inf"), -float("inf")]))
def test_any_non_finite_embedding_is_refused(row, column, value):
    embeddings = EMB.copy()
    embeddings[row, column] = value
    with pytest.raises(ValueError, match="embeddings"):
        ide.recall_at_k(embeddings, LABELS)
    with pytest.raises(ValueError, match="embeddings"):
        ide.triplet_loss(LABELS, embeddings)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([-1, 3, 4, 100]))
def test_any_out_of_range_label_is_refused(bad):
    y = np.array([[[0, bad], [1, 2]]])
    with pytest.raises(ValueError, match="y_true"):
        seg.mean_iou(y, np.zeros_like(y), 3)
    with pytest.raises(ValueError, match="y_true"):
        seg.soft_dice_loss(y, np.full((1, 2, 2, 3), 1 / 3))


def test_keras_models_still_build():  # the checks do not refuse what the recipes build
    assert seg.unet((None, None, 1), 3, base_filters=2, depth=2).output_shape == (None, None, None, 3)
    assert isinstance(keras.Model, type)
