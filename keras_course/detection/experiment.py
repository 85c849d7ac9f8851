"""What the detection recipes share: one scene setting, timing + evaluation, drawings."""

import time

import numpy as np

from keras_course.data.detection_scenes import DETECTION_CLASSES, detection_scenes
from keras_course.data.scenes import EpochStream
from keras_course.detection.evaluate import coco_map, evaluate_detections
from keras_course.detection.nms import nms

# 64 x 64 scenes with up to 3 items at 0.8-1.3x (22-36 px): small enough for a 2-core CPU.
SCENE_KWARGS = {"size": 64, "max_objects": 3, "scale_range": (0.8, 1.3), "min_visible": 0.6}


def scene_splits(n_train, n_test, seed=0, **overrides):
    """Train scenes from Fashion-MNIST's train split, test scenes from its test split."""
    train = detection_scenes(n_train, seed=seed, split="train", **{**SCENE_KWARGS, **overrides})
    return train, held_out_scenes(n_test, seed, **overrides)


def held_out_scenes(n_test, seed=0, **overrides):
    """The test scenes of ``scene_splits`` alone (for detectors trained on a ``DetectionStream``)."""
    return detection_scenes(n_test, seed=seed + 1, split="test", **{**SCENE_KWARGS, **overrides})


def timed_detect(detect, images, repeat=1):
    """``(detections, images per second)`` of ``detect(images) -> list of dicts``, best of ``repeat``."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        detections = detect(images)
        best = min(best, time.perf_counter() - start)
    return detections, len(images) / best


def score_detections(detections, targets):
    """mAP@0.5 (VOC all-point), COCO mAP@[.5:.95], AP@0.5 per class name, and the
    class-agnostic AP@0.5 (every box one class: how well objects are found, whatever their class)."""
    result = evaluate_detections(detections, targets, (0.5,), "all-point", "voc")
    per_class = {DETECTION_CLASSES[int(c)]: float(a) for c, a in zip(result["classes"], result["ap"][0], strict=True)}
    # class-agnostic: one class for all, after class-agnostic NMS (the per-class detectors report
    # one box per class for the same object, which would otherwise count as duplicates)
    found = []
    for d in detections:
        keep = nms(d["boxes"], d["scores"], 0.5)
        found.append(
            {
                "boxes": np.asarray(d["boxes"])[keep],
                "scores": np.asarray(d["scores"])[keep],
                "labels": np.zeros(len(keep), int),
            }
        )
    agnostic = evaluate_detections(found, [dict(t, labels=np.zeros(len(t["labels"]), int)) for t in targets])["map"]
    return {
        "map_50": result["map"],
        "coco_map": coco_map(detections, targets),
        "ap_50_per_class": per_class,
        "ap_50_class_agnostic": agnostic,
    }


def proposal_kwargs(quick):
    """Selective search settings: OpenCV's "fast" strategy (about 16 boxes per 64 x 64 scene,
    recall@0.5 about 0.96); quick runs use the cheaper "single" strategy (5x faster, fewer boxes)."""
    return {"mode": "single" if quick else "fast"}


def draw_detections(images, detections, targets, path, title=None, min_score=0.3, ncols=4, caption=None):
    """Test images with their true boxes (green, dashed) and detections above ``min_score`` (red);
    ``caption`` (what to see) goes to ``save_figure``."""
    import matplotlib.patches as patches

    from keras_course.plots import plt, save_figure

    n = len(images)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.7 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, det, target in zip(axes.flat, images, detections, targets, strict=True):
        ax.imshow(np.clip(image[..., 0], 0, 1), cmap="gray")
        for x1, y1, x2, y2 in target["boxes"]:
            ax.add_patch(patches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="lime", ls="--", lw=1))
        for (x1, y1, x2, y2), score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True):
            if score < min_score:
                continue
            ax.add_patch(patches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="red", lw=1.2))
            ax.text(
                x1,
                y1,
                f"{DETECTION_CLASSES[int(label)][:7]} {score:.2f}",
                color="yellow",
                fontsize=6,
                va="bottom",
                bbox={"facecolor": "black", "alpha": 0.5, "pad": 0.5, "lw": 0},
            )
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, caption)


def flip_boxes(boxes, width):
    """xyxy boxes of an image mirrored left-right (``image[:, ::-1]``) of the given width."""
    boxes = np.asarray(boxes)
    return np.stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]], 1).astype(boxes.dtype)


def flip_scenes(images, targets):
    """Horizontal-flip augmentation: the images (N, H, W, C) and targets followed by their mirror images."""
    width = images.shape[2]
    flipped = [{"boxes": flip_boxes(t["boxes"], width), "labels": t["labels"]} for t in targets]
    return np.concatenate([images, images[:, :, ::-1]]), list(targets) + flipped


class DetectionStream(EpochStream):
    """Fresh detection scenes every epoch, for ``model.fit``: batches ``encode(images, targets)``.

    A fixed set of scenes is memorised within a few epochs (the training loss keeps falling
    while the validation loss stalls). Drawing new scenes from Fashion-MNIST's 60,000 train
    items each epoch (~0.4 ms a scene) shows the detector far more garments. Batch ``index`` of
    epoch ``e`` is ``detection_scenes(batch_size, seed=stream_seed(seed, e, index), ...)`` with
    a random half of it mirrored left-right (see ``EpochStream`` for why this makes runs
    deterministic and resumable).

    Args:
        n: scenes per epoch (the last batch may be smaller).
        batch_size: scenes per batch.
        encode: ``encode(images, targets) -> batch``, e.g. ``(images, yolo_targets)``; images
            float32 (B, H, W, 1), targets a list of B dicts ``{"boxes", "labels"}``.
        seed: int >= 0, the stream's seed.
        flip: mirror a random half of each batch (boxes mirrored with it).
        **scene_kwargs: for ``detection_scenes`` (default ``SCENE_KWARGS``), split included.
    """

    def __init__(self, n, batch_size, encode, seed=0, flip=True, **scene_kwargs):
        super().__init__(n, batch_size, seed)
        if not callable(encode):
            raise TypeError(f"encode must be a callable encode(images, targets), got {type(encode).__name__}")
        if not isinstance(flip, bool):
            raise TypeError(f"flip must be a bool, got {flip!r}")
        self.encode, self.flip = encode, flip
        self.scene_kwargs = {**SCENE_KWARGS, **scene_kwargs}
        detection_scenes(1, seed=seed, **self.scene_kwargs)  # bad scene arguments fail here, not mid-fit

    def draw(self, count, seed):
        images, targets = detection_scenes(count, seed=seed, **self.scene_kwargs)
        if self.flip:
            mirrored = np.random.default_rng([seed, 1]).random(count) < 0.5  # not the scenes' own stream
            images[mirrored] = images[mirrored, :, ::-1]
            width = images.shape[2]
            targets = [
                {"boxes": flip_boxes(t["boxes"], width), "labels": t["labels"]} if m else t
                for t, m in zip(targets, mirrored, strict=True)
            ]
        return self.encode(images, targets)
