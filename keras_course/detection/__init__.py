"""Q28-Q31: object detection. Boxes, NMS, AP/mAP, R-CNN, Fast R-CNN, YOLO v1.

Boxes are ``(x1, y1, x2, y2)`` in pixels unless a function says otherwise. Box geometry, NMS
and evaluation are NumPy (they run outside the graph); the models and losses are Keras 3
(``keras.ops`` only, no TensorFlow-only op anywhere in this package).
"""

from keras_course.detection.boxes import (
    BOX_FORMATS,
    box_area,
    clip_boxes,
    convert_boxes,
    decode_deltas,
    encode_deltas,
    iou,
)
from keras_course.detection.evaluate import (
    average_precision,
    coco_map,
    evaluate_detections,
    match,
    mean_average_precision,
    precision_recall,
)
from keras_course.detection.fast_rcnn import ROIS_PER_IMAGE, FastRCNNLoss, RoIPooling, RoIStream, fast_rcnn, sample_rois
from keras_course.detection.nms import batched_nms, nms
from keras_course.detection.proposals import proposal_recall, propose, selective_search
from keras_course.detection.rcnn import RCNN, region_cnn, warp_regions
from keras_course.detection.references import NMS_REFERENCES, nms_reference, pycocotools_map, reference_nms
from keras_course.detection.simulated import simulated_detections
from keras_course.detection.yolo import YoloOutput, YoloV1Loss, decode_predictions, encode_targets, yolo_v1

__all__ = [
    "BOX_FORMATS",
    "NMS_REFERENCES",
    "RCNN",
    "ROIS_PER_IMAGE",
    "FastRCNNLoss",
    "RoIPooling",
    "RoIStream",
    "YoloOutput",
    "YoloV1Loss",
    "average_precision",
    "batched_nms",
    "box_area",
    "clip_boxes",
    "coco_map",
    "convert_boxes",
    "decode_deltas",
    "decode_predictions",
    "encode_deltas",
    "encode_targets",
    "evaluate_detections",
    "fast_rcnn",
    "iou",
    "match",
    "mean_average_precision",
    "nms",
    "nms_reference",
    "precision_recall",
    "proposal_recall",
    "propose",
    "pycocotools_map",
    "reference_nms",
    "region_cnn",
    "sample_rois",
    "selective_search",
    "simulated_detections",
    "warp_regions",
    "yolo_v1",
]
