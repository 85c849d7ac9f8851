"""Region proposals from a real library: selective search (Uijlings et al., 2013) in OpenCV.

``cv2.ximgproc.segmentation`` (opencv-contrib-python-headless) over-segments the image
(Felzenszwalb-Huttenlocher) and greedily merges similar neighbours by colour, texture, size and
fill; every region formed along the way is a proposal. R-CNN and Fast R-CNN both start here.
"""

import numpy as np

PROPOSAL_MODES = ("fast", "single")


def selective_search(image, mode="fast", scale=1, max_proposals=200, min_size=4):
    """Selective-search boxes of one image.

    Args:
        image: float (H, W) or (H, W, 1 or 3) in [0, 1].
        mode: "fast" (OpenCV's fast strategy: 2 colour spaces, 2 strategies) or "single".
        scale: upsampling factor first (small images give too few regions otherwise).
        max_proposals: keep the first this many (OpenCV returns them roughly best first).
        min_size: drop boxes narrower or lower than this many pixels.

    Returns:
        float32 (n, 4) xyxy boxes in the image's pixels.
    """
    import cv2

    if mode not in PROPOSAL_MODES:
        raise ValueError(f"mode must be one of {PROPOSAL_MODES}, got {mode!r}")
    image = np.asarray(image, np.float32)
    if image.ndim == 3 and image.shape[-1] in (1, 3):
        image = image[..., 0] if image.shape[-1] == 1 else image
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, -1)
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W) or (H, W, 1 or 3), got shape {image.shape}")
    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    if scale != 1:
        pixels = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    search = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
    search.setBaseImage(pixels)
    if mode == "fast":
        search.switchToSelectiveSearchFast(base_k=50, inc_k=50, sigma=0.8)
    else:
        search.switchToSingleStrategy(k=50, sigma=0.8)
    rects = search.process()[:max_proposals].astype(np.float32) / scale  # (x, y, w, h)
    boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], 1).reshape(-1, 4)
    return boxes[(boxes[:, 2] - boxes[:, 0] >= min_size) & (boxes[:, 3] - boxes[:, 1] >= min_size)]


def propose(images, n_jobs=1, cache_dir=None, **kwargs):
    """``selective_search`` over a batch: a list of (n_i, 4) arrays, and the wall seconds per image.

    ``n_jobs`` > 1 spreads the images over processes (joblib; -1: all cores). With
    ``cache_dir`` the proposals are saved there, keyed by the images and ``kwargs``, and read
    back next time together with the seconds per image measured when they were computed
    (R-CNN and Fast R-CNN also computed proposals once, offline).
    """
    import hashlib
    import time
    from pathlib import Path

    images = np.ascontiguousarray(images, np.float32)
    path = None
    # The key is the batch's shape and the arguments; a fingerprint (each image's mean) checks
    # the images themselves, tolerating float round-off between library versions.
    fingerprint = images.reshape(len(images), -1).mean(1)
    if cache_dir is not None:
        key = hashlib.sha1(repr((images.shape, sorted(kwargs.items()))).encode()).hexdigest()[:20]
        path = Path(cache_dir) / f"proposals_{key}.npz"
        if path.is_file():
            saved = np.load(path)
            if np.allclose(saved["fingerprint"], fingerprint, atol=1e-4):
                return np.split(saved["boxes"], saved["counts"].cumsum()[:-1]), float(saved["seconds"])
    start = time.perf_counter()
    if n_jobs == 1:
        boxes = [selective_search(image, **kwargs) for image in images]
    else:
        from joblib import Parallel, delayed

        boxes = Parallel(n_jobs=n_jobs, batch_size=32)(delayed(selective_search)(image, **kwargs) for image in images)
    seconds = (time.perf_counter() - start) / max(len(images), 1)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, boxes=np.concatenate(boxes).reshape(-1, 4), counts=np.array([len(b) for b in boxes]),
                 seconds=seconds, fingerprint=fingerprint)
    return boxes, seconds


def proposal_recall(proposals, targets, iou_threshold=0.5):
    """The fraction of true boxes that some proposal overlaps by IoU >= ``iou_threshold``."""
    from keras_course.detection.boxes import iou

    hits = [iou(t["boxes"], p).max(1, initial=0) >= iou_threshold for p, t in zip(proposals, targets)]
    return float(np.mean(np.concatenate(hits))) if hits else float("nan")
