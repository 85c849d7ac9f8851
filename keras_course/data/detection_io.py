"""Bring your own detection data: Pascal VOC XML folders and COCO JSON, read and written.

A data set here is what ``detection_scenes`` returns: images float32 (N, H, W, C) in [0, 1]
and targets, a list of ``{"boxes": float32 (k, 4) xyxy in pixels, "labels": int32 (k,)}``,
with class names ``class_names[label]``.

Coordinate conventions on disk:
- VOC: 1-based pixel indices, both ends inclusive, so an xyxy box ``(x1, y1, x2, y2)`` in
  pixel-edge coordinates is written ``xmin = x1 + 1, ymin = y1 + 1, xmax = x2, ymax = y2``.
- COCO: ``bbox = [x, y, width, height]`` in pixel-edge coordinates; category ids start at 1
  (``label + 1``).
"""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from keras_course.checks import (
    check_boxes,
    check_choice,
    check_file,
    check_folder,
    check_image,
    check_int,
    check_labels,
    check_same_length,
    check_tokens,
    describe,
)

VOC_IMAGES, VOC_ANNOTATIONS = "JPEGImages", "Annotations"


def _check_targets(targets, class_names, scores=False):
    """Each target a dict of boxes (k, 4) and as many labels (and scores) in [0, len(class_names))."""
    class_names = check_tokens("class_names", class_names)
    if not class_names:
        raise ValueError("class_names must name at least one class, got none")
    if not isinstance(targets, (list, tuple)):
        raise TypeError(f"targets must be a list of dicts {{'boxes', 'labels'}}, got {describe(targets)}")
    for i, t in enumerate(targets):
        if not isinstance(t, dict) or "boxes" not in t or "labels" not in t or (scores and "scores" not in t):
            wanted = "'boxes', 'labels' and 'scores'" if scores else "'boxes' and 'labels'"
            raise ValueError(f"targets[{i}] must be a dict with {wanted}, got {describe(t)}")
        boxes = check_boxes(f"targets[{i}]['boxes']", t["boxes"])
        labels = check_labels(f"targets[{i}]['labels']", t["labels"], len(class_names), ndim=1)
        # zip() would silently write only the shorter of the two
        lengths = {f"targets[{i}]['boxes']": boxes, f"targets[{i}]['labels']": labels}
        if scores:
            lengths[f"targets[{i}]['scores']"] = np.atleast_1d(np.asarray(t["scores"]))
        check_same_length(**lengths)
    return class_names


def _check_dataset(images, targets, class_names):
    # a uint8 image in 0..255 would be clipped to white: refused, not clipped
    images = check_image("images", images, ndim=(3, 4))
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[-1] not in (1, 3):
        raise ValueError(f"images must be (N, H, W[, 1 or 3]), got {describe(images)}")
    _check_targets(targets, class_names)
    if len(targets) != len(images):
        raise ValueError(f"targets must be a list with one dict per image ({len(images)}), got {len(targets)}")
    return images


def _save_png(image, path):
    from PIL import Image

    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(path)


def _load_png(path, channels):
    from PIL import Image

    try:
        image = Image.open(path).convert("L" if channels == 1 else "RGB")
    except (OSError, SyntaxError, ValueError) as error:  # missing, corrupt or cut files
        raise ValueError(f"{path}: not a readable image file ({error})") from error
    return np.asarray(image, np.float32).reshape(image.size[1], image.size[0], channels) / 255.0


def _target(boxes, labels):
    return {"boxes": np.asarray(boxes, np.float32).reshape(-1, 4), "labels": np.asarray(labels, np.int32)}


def _check_prefix(prefix):
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {describe(prefix)}")
    return prefix


# ---------------------------------------------------------------------------- Pascal VOC
def save_voc(folder, images, targets, class_names, prefix="scene"):
    """Write a VOC folder: ``JPEGImages/<stem>.png`` and ``Annotations/<stem>.xml``. Returns the stems."""
    images = _check_dataset(images, targets, class_names)
    folder, prefix = check_folder("folder", folder), _check_prefix(prefix)
    (folder / VOC_IMAGES).mkdir(parents=True, exist_ok=True)
    (folder / VOC_ANNOTATIONS).mkdir(parents=True, exist_ok=True)
    stems = [f"{prefix}{i:05d}" for i in range(len(images))]
    for stem, image, target in zip(stems, images, targets, strict=True):
        _save_png(image, folder / VOC_IMAGES / f"{stem}.png")
        root = ET.Element("annotation")
        ET.SubElement(root, "folder").text = VOC_IMAGES
        ET.SubElement(root, "filename").text = f"{stem}.png"
        size = ET.SubElement(root, "size")
        for tag, value in zip(
            ("width", "height", "depth"), (image.shape[1], image.shape[0], image.shape[2]), strict=True
        ):
            ET.SubElement(size, tag).text = str(value)
        for (x1, y1, x2, y2), label in zip(np.asarray(target["boxes"], np.float64), target["labels"], strict=True):
            obj = ET.SubElement(root, "object")
            ET.SubElement(obj, "name").text = class_names[int(label)]
            ET.SubElement(obj, "difficult").text = "0"
            box = ET.SubElement(obj, "bndbox")
            for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), (x1 + 1, y1 + 1, x2, y2), strict=True):
                ET.SubElement(box, tag).text = f"{value:g}"
        ET.ElementTree(root).write(folder / VOC_ANNOTATIONS / f"{stem}.xml")
    return stems


def load_voc(folder, class_names=None, channels=1):
    """Read a VOC folder (``Annotations/*.xml`` naming images in ``JPEGImages``).

    Args:
        class_names: the classes in label order; None: the sorted names found.
        channels: 1 or 3, what the images are converted to.

    Returns:
        ``(images float32 (N, H, W, channels), targets, class_names)``; all images must share
        one size. Objects marked ``difficult`` are kept.
    """
    check_choice("channels", channels, (1, 3))
    if class_names is not None:
        class_names = check_tokens("class_names", class_names)
    folder = check_folder("folder", folder)
    xmls = sorted((folder / VOC_ANNOTATIONS).glob("*.xml"))
    if not xmls:
        raise FileNotFoundError(f"{folder / VOC_ANNOTATIONS} holds no .xml annotation files")
    parsed = []
    for path in xmls:
        try:
            root = ET.parse(path).getroot()
            objects = []
            for obj in root.iter("object"):
                box = obj.find("bndbox")
                xmin, ymin, xmax, ymax = (float(box.find(t).text) for t in ("xmin", "ymin", "xmax", "ymax"))
                objects.append((obj.find("name").text, (xmin - 1, ymin - 1, xmax, ymax)))
            parsed.append((root.find("filename").text, objects))
        except (ET.ParseError, AttributeError, TypeError, ValueError) as error:  # cut XML, a missing tag or number
            raise ValueError(f"{path}: not a valid VOC annotation file ({type(error).__name__}: {error})") from error
    if class_names is None:
        class_names = tuple(sorted({name for _, objects in parsed for name, _ in objects}))
    index = {name: i for i, name in enumerate(class_names)}
    images, targets = [], []
    for filename, objects in parsed:
        unknown = [name for name, _ in objects if name not in index]
        if unknown:
            raise ValueError(f"{filename}: class {unknown[0]!r} is not in class_names")
        images.append(_load_png(folder / VOC_IMAGES / filename, channels))
        targets.append(_target([b for _, b in objects], [index[name] for name, _ in objects]))
    if len({image.shape for image in images}) > 1:
        raise ValueError("the VOC images differ in size; resize them to one size first")
    return np.stack(images), targets, tuple(class_names)


# ---------------------------------------------------------------------------- COCO JSON
def _check_scores_flag(scores):
    if not isinstance(scores, (bool, np.bool_)):
        raise TypeError(f"scores must be a bool, got {describe(scores)}")
    return bool(scores)


def _check_image_size(image_size):
    if not isinstance(image_size, (tuple, list)) or len(image_size) != 2:
        raise TypeError(f"image_size must be (height, width), got {describe(image_size)}")
    return check_int("image_size[0]", image_size[0], minimum=1), check_int("image_size[1]", image_size[1], minimum=1)


def _check_file_names(file_names, targets):
    if not file_names:  # None or empty: the default names
        return [f"scene{i:05d}.png" for i in range(len(targets))]
    file_names = check_tokens("file_names", file_names)
    check_same_length(file_names=file_names, targets=targets)
    return file_names


def to_coco(targets, class_names, image_size, file_names=None, scores=False):
    """A COCO dict (``images``, ``annotations``, ``categories``) for ``targets``; with
    ``scores=True`` the list of results (``image_id``, ``category_id``, ``bbox``, ``score``)
    COCOeval's ``loadRes`` takes, from detections that carry "scores". Image ids start at 1.
    """
    _check_targets(targets, class_names, scores=_check_scores_flag(scores))
    height, width = _check_image_size(image_size)
    file_names = _check_file_names(file_names, targets)
    images = [
        {"id": i, "file_name": name, "width": int(width), "height": int(height)} for i, name in enumerate(file_names, 1)
    ]
    annotations = []
    for image_id, target in enumerate(targets, 1):
        boxes = np.asarray(target["boxes"], np.float64).reshape(-1, 4)
        extra = np.asarray(target["scores"], np.float64) if scores else np.zeros(len(boxes))
        for (x1, y1, x2, y2), label, score in zip(boxes, target["labels"], extra, strict=True):
            entry = {"image_id": image_id, "category_id": int(label) + 1, "bbox": [x1, y1, x2 - x1, y2 - y1]}
            if scores:
                entry["score"] = float(score)
            else:
                entry.update(id=len(annotations) + 1, area=(x2 - x1) * (y2 - y1), iscrowd=0)
            annotations.append(entry)
    if scores:
        return annotations
    return {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i + 1, "name": name} for i, name in enumerate(class_names)],
    }


def save_coco(path, targets, class_names, image_size, images=None, images_dir=None, file_names=None):
    """Write ``targets`` as a COCO JSON file at ``path`` (and the images as PNGs in
    ``images_dir`` when both are given). Returns the file names."""
    _check_targets(targets, class_names)
    _check_image_size(image_size)
    file_names = _check_file_names(file_names, targets)
    path = check_folder("path", path)
    if images is not None:
        images = _check_dataset(images, targets, class_names)
        if images_dir is None:
            raise ValueError("images_dir is needed to write the images")
        Path(images_dir).mkdir(parents=True, exist_ok=True)
        for name, image in zip(file_names, images, strict=True):
            _save_png(image, Path(images_dir) / name)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(to_coco(targets, class_names, image_size, file_names)))
    return file_names


def load_coco(path, images_dir=None, channels=1):
    """Read a COCO JSON file: ``(targets, class_names, file_names)``, and the images float32
    (N, H, W, channels) first when ``images_dir`` is given. Labels are the categories' ranks
    by id (so ids 1, 2, 5 become labels 0, 1, 2); crowd annotations are skipped."""
    path = check_file("path", path)
    check_choice("channels", channels, (1, 3))
    if images_dir is not None:
        images_dir = check_folder("images_dir", images_dir)
    try:
        data = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:  # a cut or binary file
        raise ValueError(f"{path}: not a valid COCO JSON file ({error})") from error
    for key in ("images", "annotations", "categories"):
        if not isinstance(data, dict) or key not in data:
            raise ValueError(f"{path} is not COCO JSON: it has no {key!r} list")
    try:
        categories = sorted(data["categories"], key=lambda c: c["id"])
        label_of = {c["id"]: i for i, c in enumerate(categories)}
        per_image = {image["id"]: ([], []) for image in data["images"]}
        for ann in data["annotations"]:
            if ann.get("iscrowd", 0):
                continue
            x, y, w, h = ann["bbox"]
            per_image[ann["image_id"]][0].append((x, y, x + w, y + h))
            per_image[ann["image_id"]][1].append(label_of[ann["category_id"]])
        ordered = sorted(data["images"], key=lambda image: image["id"])
        targets = [_target(*per_image[image["id"]]) for image in ordered]
        names = [image["file_name"] for image in ordered]
        class_names = tuple(c["name"] for c in categories)
    except (KeyError, TypeError, ValueError) as error:  # an annotation naming an unknown image or category
        raise ValueError(f"{path}: not a valid COCO JSON file ({type(error).__name__}: {error})") from error
    if images_dir is None:
        return targets, class_names, names
    images = np.stack([_load_png(Path(images_dir) / name, channels) for name in names])
    return images, targets, class_names, names
