"""Region proposals from a real library: selective search (Uijlings et al., 2013) in OpenCV.

``cv2.ximgproc.segmentation`` (opencv-contrib-python-headless) over-segments the image
(Felzenszwalb-Huttenlocher) and greedily merges similar neighbours by colour, texture, size and
fill; every region formed along the way is a proposal. R-CNN and Fast R-CNN both start here.
"""

from pathlib import Path

import numpy as np

from keras_course.checks import check_choice, check_image, check_int, check_real, check_same_length, describe

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

    check_choice("mode", mode, PROPOSAL_MODES)
    scale = check_real("scale", scale, minimum=0, low_open=True)
    max_proposals = check_int("max_proposals", max_proposals, minimum=1)
    check_real("min_size", min_size, minimum=0)
    # uint8 (0..255) would be clipped to a white image: refused, as are values outside [0, 1]
    image = np.asarray(check_image("image", image, ndim=(2, 3)), np.float32)
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

    images = np.ascontiguousarray(check_image("images", images, ndim=(3, 4)), np.float32)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be an int >= 1, or -1 for all cores, got {describe(n_jobs)}")
    if cache_dir is not None and not isinstance(cache_dir, (str, Path)):
        raise TypeError(f"cache_dir must be None or a folder path (str or Path), got {describe(cache_dir)}")
    selective_search(images[0], **kwargs)  # bad keyword arguments fail here, not in a worker
    path = None
    # The key is the batch's shape and the arguments; a fingerprint (each image's mean) checks
    # the images themselves, tolerating float round-off between library versions.
    fingerprint = images.reshape(len(images), -1).mean(1)
    if cache_dir is not None:
        key = hashlib.sha1(repr((images.shape, sorted(kwargs.items()))).encode()).hexdigest()[:20]
        path = Path(cache_dir) / f"proposals_{key}.npz"
        if path.is_file():
            try:
                saved = np.load(path)
                cached = (saved["fingerprint"], saved["boxes"], saved["counts"], float(saved["seconds"]))
            except (OSError, ValueError, KeyError, EOFError) as error:
                raise ValueError(f"{path}: not a valid proposals cache file ({error}); delete it") from error
            if np.allclose(cached[0], fingerprint, atol=1e-4):
                return np.split(cached[1], cached[2].cumsum()[:-1]), cached[3]
    start = time.perf_counter()
    if n_jobs == 1:
        boxes = [selective_search(image, **kwargs) for image in images]
    else:
        from joblib import Parallel, delayed

        boxes = Parallel(n_jobs=n_jobs, batch_size=32)(delayed(selective_search)(image, **kwargs) for image in images)
    seconds = (time.perf_counter() - start) / max(len(images), 1)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            boxes=np.concatenate(boxes).reshape(-1, 4),
            counts=np.array([len(b) for b in boxes]),
            seconds=seconds,
            fingerprint=fingerprint,
        )
    return boxes, seconds


def proposal_recall(proposals, targets, iou_threshold=0.5):
    """The fraction of true boxes that some proposal overlaps by IoU >= ``iou_threshold``."""
    from keras_course.detection.boxes import iou

    iou_threshold = check_real("iou_threshold", iou_threshold, minimum=0, maximum=1)
    if not isinstance(proposals, (list, tuple)) or not isinstance(targets, (list, tuple)):
        raise TypeError(
            f"proposals and targets must be lists (one entry per image), got {describe(proposals)} "
            f"and {describe(targets)}"
        )
    check_same_length(proposals=proposals, targets=targets)
    if not proposals:
        raise ValueError("proposals and targets must hold at least one image, got none")
    hits = [iou(t["boxes"], p).max(1, initial=0) >= iou_threshold for p, t in zip(proposals, targets, strict=True)]
    return float(np.mean(np.concatenate(hits))) if hits else float("nan")
