"""Q29: R-CNN (Girshick et al., 2014): proposals, a CNN per warped region, SVMs, box regression.

Three stages, trained separately:
1. region proposals (selective search, ``proposals.py``);
2. a CNN, fine-tuned to classify regions warped to a fixed size (K classes + background);
   its penultimate layer is the region's feature vector;
3. one linear SVM per class on those features (positives: the true boxes; negatives:
   proposals overlapping no box of the class by IoU >= 0.3), and one ridge regression per
   class from the features to the box deltas (proposals with IoU >= 0.6).
At test time every proposal is warped and sent through the CNN on its own: the cost that
Fast R-CNN removes.
"""

import itertools

import keras
import numpy as np
from keras import layers

from keras_course.checks import check_array, check_int, check_real, describe
from keras_course.detection.backbone import small_backbone
from keras_course.detection.boxes import as_boxes, clip_boxes, decode_deltas, encode_deltas, iou
from keras_course.detection.nms import batched_nms

FEATURES_LAYER = "features"


def warp_regions(image, boxes, size=32, context=2):
    """Crop each box (grown by ``context`` pixels a side, as R-CNN's context padding) and resize
    it to ``size`` x ``size``, ignoring the aspect ratio (the paper's "warp").

    Shapes: image (H, W, C), boxes (n, 4) -> float32 (n, size, size, C).
    """
    import cv2

    # any float values warp the same; a uint8 image (0..255) would reach a CNN trained on [0, 1]
    image = np.asarray(check_array("image", image, ndim=3, kind="float"), np.float32)
    size = check_int("size", size, minimum=1)
    context = check_int("context", context, minimum=0)
    height, width, channels = image.shape
    boxes = as_boxes(boxes, "boxes")
    outside = (boxes[:, 0] > width) | (boxes[:, 1] > height) | (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
    if outside.any():  # nothing of the image to crop
        k = int(np.flatnonzero(outside)[0])
        raise ValueError(f"boxes must overlap the image ({width} x {height}), got box {k} = {boxes[k].tolist()}")
    out = np.zeros((len(boxes), size, size, channels), np.float32)
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        c0, r0 = int(max(np.floor(x1) - context, 0)), int(max(np.floor(y1) - context, 0))
        c1, r1 = int(min(np.ceil(x2) + context, width)), int(min(np.ceil(y2) + context, height))
        crop = image[r0 : max(r1, r0 + 1), c0 : max(c1, c0 + 1)]
        out[k] = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR).reshape(size, size, channels)
    return out


def check_input_shape(input_shape):
    """(height, width, channels), positive ints (height and width may be None)."""
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {describe(input_shape)}")
    for side in input_shape[:2]:
        if side is not None:
            check_int("input_shape height and width", side, minimum=1)
    check_int("input_shape channels", input_shape[2], minimum=1)
    return tuple(input_shape)


def region_cnn(input_shape, num_classes, base_filters=32, feature_size=128, name="region_cnn"):
    """The region classifier: backbone, global average pooling, a ``features`` layer (the R-CNN
    descriptor) and a (K + 1)-way softmax (index 0 = background)."""
    input_shape = check_input_shape(input_shape)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    base_filters = check_int("base_filters", base_filters, minimum=1)
    feature_size = check_int("feature_size", feature_size, minimum=1)
    inputs = keras.Input(input_shape)
    x = small_backbone(inputs, 3, base_filters)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(feature_size, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(inputs, layers.Dense(num_classes + 1, activation="softmax", dtype="float32")(x), name=name)


def label_regions(proposals, gt_boxes, gt_labels, positive_iou=0.5):
    """Fine-tuning labels of proposals: the class + 1 of the best-overlapping true box when
    IoU >= ``positive_iou``, else 0 (background). Returns (labels int (n,), best IoU (n,), index (n,))."""
    if len(gt_boxes) == 0:
        return np.zeros(len(proposals), np.int64), np.zeros(len(proposals)), np.zeros(len(proposals), np.int64)
    overlaps = iou(proposals, gt_boxes)
    best, best_iou = overlaps.argmax(1), overlaps.max(1)
    return np.where(best_iou >= positive_iou, np.asarray(gt_labels)[best] + 1, 0), best_iou, best


class RCNN:
    """The R-CNN pipeline around a trained ``region_cnn``: ``fit`` the SVMs and box regressors
    on training images, then ``detect``.

    Args:
        cnn: a trained ``region_cnn`` model.
        num_classes: K.
        warp_size: the side regions are warped to (the CNN's input).
        svm_c: the SVMs' C; ridge_alpha: the box regressors' L2 weight.
    """

    def __init__(self, cnn, num_classes, warp_size=32, svm_c=0.01, ridge_alpha=10.0):
        if not isinstance(cnn, keras.Model):
            raise TypeError(f"cnn must be a keras.Model (see region_cnn), got {type(cnn).__name__}")
        self.cnn, self.num_classes = cnn, check_int("num_classes", num_classes, minimum=1)
        self.warp_size = check_int("warp_size", warp_size, minimum=1)
        self.svm_c = check_real("svm_c", svm_c, minimum=0, low_open=True)
        self.ridge_alpha = check_real("ridge_alpha", ridge_alpha, minimum=0)
        self.extractor = keras.Model(cnn.inputs, cnn.get_layer(FEATURES_LAYER).output)
        self.svms, self.regressors = {}, {}

    def features(self, images, boxes_per_image):
        """CNN features of every region: a list of (n_i, F) arrays, one CNN pass per region."""
        regions = [
            warp_regions(image, boxes, self.warp_size) for image, boxes in zip(images, boxes_per_image, strict=True)
        ]
        counts = np.cumsum([0] + [len(r) for r in regions])
        empty = np.zeros((0, self.warp_size, self.warp_size, images.shape[-1]), np.float32)
        stacked = np.concatenate(regions) if counts[-1] else empty
        feats = self.extractor.predict(stacked, batch_size=256, verbose=0) if len(stacked) else np.zeros((0, 1))
        return [feats[a:b] for a, b in itertools.pairwise(counts)]

    def fit(self, images, targets, proposals, negative_iou=0.3, regression_iou=0.6):
        """Train one LinearSVC and one Ridge regressor per class (scikit-learn)."""
        from sklearn.linear_model import Ridge
        from sklearn.svm import LinearSVC

        boxes = [
            np.concatenate([np.asarray(t["boxes"]).reshape(-1, 4), np.asarray(p).reshape(-1, 4)])
            for t, p in zip(targets, proposals, strict=True)
        ]
        feats = self.features(images, boxes)
        for c in range(self.num_classes):
            pos, neg, reg_x, reg_y = [], [], [], []
            for f, b, t in zip(feats, boxes, targets, strict=True):
                gt = np.asarray(t["boxes"]).reshape(-1, 4)[np.asarray(t["labels"]) == c]
                n_gt = len(np.asarray(t["labels"]))
                is_gt = np.arange(len(b)) < n_gt
                pos.append(f[is_gt][np.asarray(t["labels"]) == c])
                overlaps = iou(b, gt).max(1, initial=0) if len(gt) else np.zeros(len(b))
                neg.append(f[~is_gt & (overlaps < negative_iou)])
                if len(gt):
                    best = iou(b, gt).argmax(1)
                    close = overlaps >= regression_iou
                    reg_x.append(f[close])
                    reg_y.append(encode_deltas(b[close], gt[best[close]]))
            pos, neg = np.concatenate(pos), np.concatenate(neg)
            if len(pos) == 0:
                continue
            x = np.concatenate([pos, neg])
            y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
            self.svms[c] = LinearSVC(C=self.svm_c, class_weight="balanced", max_iter=5000).fit(x, y)
            if reg_x:
                self.regressors[c] = Ridge(alpha=self.ridge_alpha).fit(np.concatenate(reg_x), np.concatenate(reg_y))
        return self

    def detect(self, images, proposals, iou_threshold=0.3, max_output=100):
        """Per image: SVM scores for every class, the box regressed, per-class NMS (0.3)."""
        if not self.svms:
            raise ValueError("call fit(...) before detect(...)")
        size = images.shape[1]
        detections = []
        for f, p in zip(self.features(images, proposals), proposals, strict=True):
            all_boxes, all_scores, all_labels = [], [], []
            for c, svm in self.svms.items():
                all_scores.append(svm.decision_function(f) if len(f) else np.zeros(0))
                refined = decode_deltas(p, self.regressors[c].predict(f)) if c in self.regressors and len(f) else p
                all_boxes.append(clip_boxes(refined, size, size))
                all_labels.append(np.full(len(p), c))
            boxes, scores, labels = (np.concatenate(a) for a in (all_boxes, all_scores, all_labels))
            keep = batched_nms(boxes, scores, labels, iou_threshold, max_output=max_output)
            detections.append({"boxes": boxes[keep].astype(np.float32), "scores": scores[keep], "labels": labels[keep]})
        return detections
