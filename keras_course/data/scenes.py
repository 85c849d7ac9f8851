"""Synthetic scenes of real Fashion-MNIST items, and a loader for image/mask PNG folders.

A scene is a dark canvas with a few Fashion-MNIST items pasted at random scale and position;
later items occlude earlier ones. One placement function, ``compose_scene``, returns the
image, the per-pixel class mask *and* one tight box per item, so segmentation
(``segmentation_scenes``) and detection data are drawn the same way.

Mask convention: 0 is background, ``k + 1`` is Fashion-MNIST class ``k`` (11 classes in all).
"""

import functools
from pathlib import Path

import keras
import numpy as np
from scipy import ndimage

from keras_course.checks import (
    check_array,
    check_choice,
    check_image,
    check_int,
    check_rng,
    check_same_length,
    describe,
)
from keras_course.data.images import FASHION_MNIST_CLASSES, load_fashion_mnist

SEGMENTATION_CLASSES = ("background",) + FASHION_MNIST_CLASSES
# An item pixel belongs to the item's silhouette when it is brighter than this (in [0, 1]).
# A closing then bridges dark prints that reach the outline (stripes) and holes are filled,
# so the mask is the whole garment, not just its bright parts.
SILHOUETTE_THRESHOLD = 0.05
_CLOSING = np.ones((3, 3), bool)
SPLITS = ("train", "test")


def item_silhouette(item):
    """The filled outline of one item: bool (h, w), from a float image (h, w) in [0, 1]."""
    padded = np.pad(item > SILHOUETTE_THRESHOLD, 2)  # so the closing is not cut at the edges
    closed = ndimage.binary_closing(padded, _CLOSING, iterations=2)
    return ndimage.binary_fill_holes(closed)[2:-2, 2:-2]


def _check_scale_range(scale_range):
    try:
        low, high = (float(s) for s in scale_range)
    except (TypeError, ValueError) as err:
        raise ValueError(f"scale_range must be a pair (low, high) of positive numbers, got {scale_range!r}") from err
    if not 0 < low <= high or not np.isfinite(high):
        raise ValueError(f"scale_range must satisfy 0 < low <= high (finite), got {scale_range!r}")
    return low, high


def _check_objects(min_objects, max_objects):
    check_int("min_objects", min_objects, minimum=0)
    check_int("max_objects", max_objects, minimum=max(min_objects, 1))


def check_scene_arguments(n, size, min_objects, max_objects, seed, scale_range):
    """Validate the arguments every scene generator shares; return ``scale_range`` as floats."""
    check_int("n", n, minimum=1)
    check_int("size", size, minimum=8)
    _check_objects(min_objects, max_objects)
    check_int("seed", seed, minimum=0)
    return _check_scale_range(scale_range)


def compose_scene(items, labels, size, rng, max_objects=4, min_objects=1, scale_range=(0.9, 1.6)):
    """Paste between ``min_objects`` and ``max_objects`` items onto a blank ``size`` x ``size`` canvas.

    Each item is drawn at random from ``items``, resized by a factor drawn uniformly from
    ``scale_range`` (1.0 keeps 28 x 28) and placed so it lies wholly inside the canvas.
    Within its silhouette a later item overwrites whatever is below (occlusion).

    Args:
        items: float array (N, h, w) in [0, 1], the item images.
        labels: int array (N,), the item classes ``k``.
        size: int, the canvas side in pixels.
        rng: a ``numpy.random.Generator``; the scene depends on nothing else.

    Returns:
        A dict with ``image`` float32 (size, size) in [0, 1]; ``mask`` int32 (size, size) with
        0 for background and ``k + 1`` for class ``k``; ``boxes`` float32 (m, 4) tight boxes
        ``(x_min, y_min, x_max, y_max)`` in pixel-edge coordinates (a pixel ``(row, col)``
        spans ``[col, col + 1)``) around each item's whole silhouette, in placing order;
        ``classes`` int32 (m,) the items' classes ``k``; and ``visible`` float32 (m,) the
        fraction of each silhouette left unoccluded by later items.
    """
    # items is often all of Fashion-MNIST: check its dtype and shape here, the range of each picked item below
    items = check_array("items", items, ndim=3, kind="real", finite=False)
    if items.dtype.kind in "iu":
        raise TypeError(f"items must be float images in [0, 1], got {describe(items)}; divide by 255 first")
    labels = check_array("labels", labels, ndim=1, kind="int")
    check_same_length(items=items, labels=labels)
    check_int("size", size, minimum=1)
    check_rng("rng", rng)
    _check_objects(min_objects, max_objects)
    scale_range = _check_scale_range(scale_range)
    image = np.zeros((size, size), np.float32)
    mask = np.zeros((size, size), np.int32)
    owner = np.full((size, size), -1, np.int32)  # which placed item each pixel shows
    low, high = scale_range
    count = int(rng.integers(min_objects, max_objects + 1))
    boxes, classes, areas = [], [], []
    for _index in range(count):
        pick = int(rng.integers(len(items)))
        check_image(f"items[{pick}]", items[pick])  # not clipped: a 0..255 item would be a white block
        scale = rng.uniform(low, high)
        item = np.clip(ndimage.zoom(items[pick], scale, order=1), 0.0, 1.0)
        h, w = item.shape
        if h > size or w > size:
            raise ValueError(
                f"an item scaled by {scale:.2f} ({h}x{w}) does not fit a {size}x{size} scene; "
                f"use a larger size or a smaller scale_range"
            )
        top, left = int(rng.integers(size - h + 1)), int(rng.integers(size - w + 1))
        silhouette = item_silhouette(item)
        rows, cols = np.nonzero(silhouette)
        if len(rows) == 0:  # a blank item (none in Fashion-MNIST, but be safe) adds nothing
            continue
        window = (slice(top, top + h), slice(left, left + w))
        image[window][silhouette] = item[silhouette]
        mask[window][silhouette] = int(labels[pick]) + 1
        owner[window][silhouette] = len(boxes)
        boxes.append((left + cols.min(), top + rows.min(), left + cols.max() + 1, top + rows.max() + 1))
        classes.append(int(labels[pick]))
        areas.append(len(rows))
    shown = np.bincount(owner[owner >= 0], minlength=len(boxes))[: len(boxes)]
    return {
        "image": image,
        "mask": mask,
        "boxes": np.asarray(boxes, np.float32).reshape(-1, 4),
        "classes": np.asarray(classes, np.int32),
        "visible": (shown / np.maximum(areas, 1)).astype(np.float32) if boxes else np.zeros(0, np.float32),
    }


@functools.lru_cache(maxsize=2)
def scene_items(split="train"):
    """Fashion-MNIST items for scenes: ``(float32 (N, 28, 28) in [0, 1], labels int32 (N,))``.

    ``"train"`` and ``"test"`` scenes are built from disjoint Fashion-MNIST splits, so a model
    is tested on garments it never saw. Loaded (and checksummed) once per split, then cached;
    the arrays are read-only for that reason.
    """
    check_choice("split", split, SPLITS)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    x, y = x.astype(np.float32) / 255.0, y.astype(np.int32)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def segmentation_scenes(n, size=64, max_objects=4, seed=0, split="train", min_objects=1, scale_range=(0.9, 1.6)):
    """``n`` scenes of real Fashion-MNIST items with their per-pixel class masks.

    Items are placed at random scale and position, later ones occluding earlier ones
    (see ``compose_scene``). The same arguments give the same scenes.

    Returns:
        ``(images float32 (n, size, size, 1) in [0, 1], masks int32 (n, size, size))``; mask 0
        is background and ``k + 1`` is Fashion-MNIST class ``k`` (``SEGMENTATION_CLASSES``).
    """
    scale_range = check_scene_arguments(n, size, min_objects, max_objects, seed, scale_range)
    items, labels = scene_items(split)
    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 1), np.float32)
    masks = np.empty((n, size, size), np.int32)
    for i in range(n):
        scene = compose_scene(items, labels, size, rng, max_objects, min_objects, scale_range)
        images[i, ..., 0], masks[i] = scene["image"], scene["mask"]
    return images, masks


def stream_seed(seed, epoch, index):
    """The scene seed of batch ``index`` in ``epoch`` of a stream started from ``seed`` (an int < 2**32).

    Mixed by ``numpy.random.SeedSequence``, so nearby (seed, epoch, index) triples give
    unrelated scenes and never reuse the plain ``segmentation_scenes(seed=...)`` streams.
    """
    return int(np.random.SeedSequence([seed, epoch, index, 0x5CE7E]).generate_state(1)[0])


class EpochStream(keras.utils.PyDataset):
    """New examples every epoch, for ``model.fit``: the base of ``SceneStream`` and the detection
    scene stream.

    An epoch is ``n`` examples in batches of ``batch_size`` (the last may be smaller). Batch
    ``index`` of epoch ``e`` is ``self.draw(count, stream_seed(seed, e, index))`` and depends
    on nothing else, so a run is deterministic for a seed whatever order Keras asks for the
    batches in, and a resumed ``fit`` (which replays ``on_epoch_end``) sees what an
    uninterrupted run saw. Subclasses define ``draw(count, seed) -> batch``.
    """

    def __init__(self, n, batch_size, seed=0):
        super().__init__()  # workers=1: batches are made in order, in the training thread
        check_int("n", n, minimum=1)
        check_int("batch_size", batch_size, minimum=1)
        check_int("seed", seed, minimum=0, maximum=2**32 - 1)  # SeedSequence words
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.epoch = 0

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        count = min(self.batch_size, self.n - index * self.batch_size)
        return self.draw(count, stream_seed(self.seed, self.epoch, index))

    def draw(self, count, seed):
        raise NotImplementedError("a stream defines draw(count, seed) -> one batch")

    def on_epoch_end(self):
        self.epoch += 1  # the next epoch draws new examples


class SceneStream(EpochStream):
    """Fresh segmentation scenes every epoch, for ``model.fit``: batches ``(images, masks)``.

    A fixed set of scenes is memorised after a few epochs (the training IoU keeps rising while
    the validation IoU stalls); drawing new scenes each epoch from the same items turns every
    epoch into new data at the cost of ~2 ms per scene. Batch ``index`` of epoch ``e`` is
    ``segmentation_scenes(batch_size, seed=stream_seed(seed, e, index), ...)`` (see
    ``EpochStream``).

    Args:
        n: scenes per epoch (the last batch may be smaller).
        batch_size: scenes per batch.
        seed: int >= 0, the stream's seed.
        mask_dtype: dtype of the masks (``"uint8"`` is a quarter of the memory of int32).
        size, max_objects, split, min_objects, scale_range: as for ``segmentation_scenes``.

    Shapes: ``images`` float32 (batch, size, size, 1), ``masks`` (batch, size, size).
    """

    def __init__(
        self,
        n,
        batch_size,
        seed=0,
        size=64,
        max_objects=4,
        split="train",
        min_objects=1,
        scale_range=(0.9, 1.6),
        mask_dtype="uint8",
    ):
        self.scale_range = check_scene_arguments(n, size, min_objects, max_objects, seed, scale_range)
        super().__init__(n, batch_size, seed)
        check_choice("split", split, SPLITS)
        self.size, self.max_objects, self.min_objects, self.split = size, max_objects, min_objects, split
        try:
            self.mask_dtype = np.dtype(mask_dtype)
        except TypeError:
            raise TypeError(
                f"mask_dtype must be a NumPy integer dtype such as 'uint8', got {describe(mask_dtype)}"
            ) from None
        if self.mask_dtype.kind not in "iu":
            raise ValueError(f"mask_dtype must be an integer dtype (masks hold class ids), got {self.mask_dtype}")

    def draw(self, count, seed):
        images, masks = segmentation_scenes(
            count, self.size, self.max_objects, seed, self.split, self.min_objects, self.scale_range
        )
        return images, masks.astype(self.mask_dtype)


# ---------------------------------------------------------------------------- PNG folders
IMAGE_SUFFIXES = (".png",)


def _pngs(folder, name):
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"{name} must be a folder path (str or Path), got {describe(folder)}")
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{name} must be a folder of PNG files, {folder} is not a folder")
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def _open_png(path):
    """The PNG at ``path``, fully read: a corrupt or cut file names itself."""
    from PIL import Image

    try:
        image = Image.open(path)
        image.load()
    except (OSError, SyntaxError, ValueError) as error:  # PIL raises all three for broken files
        raise ValueError(f"{path}: not a valid PNG file ({error})") from error
    return image


def load_segmentation_folder(images_dir, masks_dir, size=None, channels=1):
    """Your own segmentation data: image PNGs and mask PNGs paired by file name.

    ``images_dir/cat1.png`` goes with ``masks_dir/cat1.png``. A mask is a single-channel PNG
    (mode "L", or "P" palette indices) whose pixel values are class ids (0 = background).

    Args:
        size: None (all images must then share one size), or ``(height, width)`` to resize
            to: images bilinearly, masks by nearest neighbour (class ids are never blended).
        channels: 1 (grey) or 3 (RGB); images are converted to it.

    Returns:
        ``(images float32 (N, H, W, channels) in [0, 1], masks int32 (N, H, W), names)``.
    """
    from PIL import Image

    check_choice("channels", channels, (1, 3))
    if size is not None:
        if not isinstance(size, (tuple, list)) or len(size) != 2:
            raise TypeError(f"size must be None or (height, width), got {describe(size)}")
        check_int("size[0]", size[0], minimum=1)
        check_int("size[1]", size[1], minimum=1)
    images, masks = _pngs(images_dir, "images_dir"), _pngs(masks_dir, "masks_dir")
    if not images:
        raise FileNotFoundError(f"images_dir {images_dir} holds no PNG files")
    missing = sorted(set(images) - set(masks))
    if missing:
        raise FileNotFoundError(f"masks_dir {masks_dir} has no mask for {len(missing)} image(s), e.g. {missing[0]}.png")
    names = sorted(images)
    x, y = [], []
    for name in names:
        image, mask = _open_png(images[name]).convert("L" if channels == 1 else "RGB"), _open_png(masks[name])
        if mask.mode not in ("L", "P", "I", "I;16"):
            raise ValueError(f"mask {masks[name]} must be a single-channel PNG of class ids, got mode {mask.mode}")
        if image.size != mask.size:
            raise ValueError(f"{name}: image is {image.size} but its mask is {mask.size} (width, height)")
        if size is not None:
            image = image.resize((size[1], size[0]), Image.BILINEAR)
            mask = mask.resize((size[1], size[0]), Image.NEAREST)
        x.append(np.asarray(image, np.float32).reshape(image.size[1], image.size[0], channels) / 255.0)
        y.append(np.asarray(mask, np.int32))
    shapes = {a.shape for a in x}
    if len(shapes) > 1:
        raise ValueError(f"images differ in size ({sorted(shapes)[:3]}...); pass size=(height, width)")
    return np.stack(x), np.stack(y), names


def save_segmentation_folder(images, masks, images_dir, masks_dir, prefix="scene"):
    """Write ``images`` (N, H, W[, 1 or 3]) in [0, 1] and int ``masks`` (N, H, W) as PNG pairs.

    Masks are saved as 8-bit single-channel PNGs of class ids (so at most 256 classes); the
    result reads back with ``load_segmentation_folder``. Returns the file stems.
    """
    from PIL import Image

    # a uint8 image in 0..255 would be clipped to white: refused, not clipped
    images = check_image("images", images, ndim=(3, 4))
    masks = check_array("masks", masks, ndim=3, kind="int")
    if images.ndim == 4 and images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels on their last axis, got {describe(images)}")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.shape[:3] != masks.shape:
        raise ValueError(
            f"images must be (N, H, W[, C]) matching masks (N, H, W), got {images.shape} and {masks.shape}"
        )
    if masks.min() < 0 or masks.max() > 255:
        raise ValueError(f"masks must hold class ids in [0, 255], got [{masks.min()}, {masks.max()}]")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {describe(prefix)}")
    for folder in (images_dir, masks_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)
    stems = [f"{prefix}{i:05d}" for i in range(len(images))]
    for stem, image, mask in zip(stems, images, masks, strict=True):
        Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)).save(Path(images_dir, stem + ".png"))
        Image.fromarray(mask.astype(np.uint8)).save(Path(masks_dir, stem + ".png"))
    return stems
