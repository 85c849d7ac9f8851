"""Detection scenes: real Fashion-MNIST items at random scale and position, with tight boxes.

Drawn by the same placement function as the segmentation scenes (``scenes.compose_scene``),
which already returns one tight box per item around its whole silhouette. A scene in which an
item is hidden by later ones beyond ``min_visible`` is drawn again (a detector cannot be
asked to find a garment it cannot see), so the data stay deterministic for a seed.
"""

import functools

import numpy as np

from keras_course.checks import check_choice, check_real
from keras_course.data.images import FASHION_MNIST_CLASSES
from keras_course.data.scenes import check_scene_arguments, compose_scene, scene_items

DETECTION_CLASSES = FASHION_MNIST_CLASSES
_MAX_TRIES = 1000


@functools.lru_cache(maxsize=2)
def _items(split):
    # Reading and checking Fashion-MNIST takes seconds; scenes are drawn often (tests, recipes).
    return scene_items(split)


def detection_scenes(
    n, size=128, max_objects=5, seed=0, split="train", min_objects=1, scale_range=(0.9, 1.6), min_visible=0.5
):
    """``n`` scenes of Fashion-MNIST items with their exact tight boxes and classes.

    Args:
        n: number of scenes; size: their side in pixels.
        max_objects, min_objects: items per scene, drawn uniformly in between.
        seed: the same arguments give the same scenes.
        split: "train" or "test": scenes from disjoint Fashion-MNIST splits.
        scale_range: each 28 x 28 item is resized by a factor drawn from it.
        min_visible: every item keeps at least this fraction of its silhouette unoccluded.

    Returns:
        ``(images, targets)``: images float32 (n, size, size, 1) in [0, 1]; targets a list of
        n dicts ``{"boxes": float32 (k, 4) xyxy in pixels, "labels": int32 (k,)}``, labels
        being Fashion-MNIST classes 0..9 (``DETECTION_CLASSES``).
    """
    scale_range = check_scene_arguments(n, size, min_objects, max_objects, seed, scale_range)
    check_real("min_visible", min_visible, minimum=0, maximum=1)
    check_choice("split", split, ("train", "test"))
    items, labels = _items(split)
    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 1), np.float32)
    targets = []
    for i in range(n):
        for _ in range(_MAX_TRIES):
            scene = compose_scene(items, labels, size, rng, max_objects, min_objects, scale_range)
            if np.all(scene["visible"] >= min_visible):
                break
        else:
            raise ValueError(
                f"no scene with every item at least {min_visible:.0%} visible in {_MAX_TRIES} tries; "
                f"lower min_visible or max_objects, or raise size"
            )
        images[i, ..., 0] = scene["image"]
        targets.append({"boxes": scene["boxes"].astype(np.float32), "labels": scene["classes"].astype(np.int32)})
    return images, targets
