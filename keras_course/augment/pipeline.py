"""Augmentation pipelines: a ``keras.Sequential`` of random preprocessing layers, one per named step."""

import math

import keras
import numpy as np

from keras_course.augment.layers import RandomRGBShift, check_value_range
from keras_course.checks import check_choice, check_int, check_real, describe

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
FILL_MODES = ("constant", "reflect", "wrap", "nearest")

# A moderate strength for every step: what `make_pipeline(["flip", "zoom"])` uses.
DEFAULT_STRENGTHS = {
    "flip": "horizontal",
    "rotation": 0.05,  # fraction of a full turn: +-18 degrees
    "translation": 0.1,  # fraction of height / width
    "zoom": 0.15,  # fraction of height / width
    "contrast": 0.3,
    "brightness": 0.2,  # fraction of the value range
    "rgb_shift": 0.1,  # fraction of the value range, per channel
    "noise": 0.08,  # standard deviation, as a fraction of the value range
    "blur": 1.0,  # sigma of the Gaussian kernel in pixels (Keras allows at most 1)
    "erasing": 0.5,  # probability of erasing one random patch
}
AUGMENTATIONS = tuple(DEFAULT_STRENGTHS)


def _layer(name, strength, seed, value_range, fill_mode):
    """One Keras layer for the step ``name`` at ``strength``."""
    lo, hi = value_range
    L = keras.layers
    if name == "flip":
        return L.RandomFlip(strength, seed=seed, name="flip")
    if name == "rotation":
        return L.RandomRotation(strength, fill_mode=fill_mode, seed=seed, name="rotation")
    if name == "translation":
        return L.RandomTranslation(strength, strength, fill_mode=fill_mode, seed=seed, name="translation")
    if name == "zoom":
        return L.RandomZoom(strength, fill_mode=fill_mode, seed=seed, name="zoom")
    if name == "contrast":
        return L.RandomContrast(strength, value_range=value_range, seed=seed, name="contrast")
    if name == "brightness":
        return L.RandomBrightness(strength, value_range=value_range, seed=seed, name="brightness")
    if name == "rgb_shift":
        return RandomRGBShift(strength, value_range=value_range, seed=seed, name="rgb_shift")
    if name == "noise":
        return L.GaussianNoise(strength * (hi - lo), seed=seed, name="noise")
    if name == "blur":
        # Keras draws one sigma per batch in `sigma`, and blurs each image with a
        # probability drawn from U(0, factor): about half the images at factor 1.
        kernel_size = 2 * math.ceil(2 * strength) + 1  # +-2 sigma
        return L.RandomGaussianBlur(
            1.0,
            kernel_size=kernel_size,
            sigma=(strength / 2, strength),
            value_range=value_range,
            seed=seed,
            name="blur",
        )
    if name == "erasing":
        # factor=(p, p): erase with probability exactly p; a mid-grey patch.
        return L.RandomErasing(
            (strength, strength), fill_value=(lo + hi) / 2, value_range=value_range, seed=seed, name="erasing"
        )
    raise AssertionError(name)


def _check_strength(name, strength):
    if name == "flip":
        if strength not in FLIP_MODES:
            raise ValueError(f"the strength of 'flip' must be one of {FLIP_MODES}, got {strength!r}")
        return strength
    bounded = name in ("brightness", "rgb_shift", "erasing", "contrast", "blur", "translation")
    return check_real(
        f"steps[{name!r}] (the strength of {name!r})",
        strength,
        minimum=0.0,
        maximum=1.0 if bounded else None,
        low_open=True,
    )


def make_pipeline(steps, seed=0, value_range=(0.0, 1.0), fill_mode="constant", name="augment"):
    """A ``keras.Sequential`` that augments a batch of images, one random layer per step.

    Args:
        steps: the steps in order, either names (each at ``DEFAULT_STRENGTHS[name]``) or a
            dict ``{name: strength}``. Names: ``AUGMENTATIONS`` = flip, rotation,
            translation, zoom, contrast, brightness, rgb_shift, noise, blur, erasing.
        seed: int; every layer gets its own seed derived from it, so the same ``seed``
            gives the same random transformations (batch after batch, in ``tf.data`` too;
            ``keras_course.data.ArrayBatches`` reseeds them for every batch from its own seed).
        value_range: (lo, hi), the range of the pixel values.
        fill_mode: how rotation / translation / zoom fill pixels from outside the image.
        name: the model's name.

    Returns:
        ``keras.Sequential``: call it with ``training=True`` (as
        ``keras_course.data.make_dataset(augment=...)`` does) to augment; with
        ``training=False`` it is the identity. Shapes (N, H, W, C) -> the same.
    """
    if isinstance(steps, (list, tuple)):
        unhashable = next((s for s in steps if not isinstance(s, str)), None)
        if unhashable is not None:
            raise TypeError(f"steps must hold augmentation names (str), got {describe(unhashable)}")
        if len(set(steps)) != len(steps):
            raise ValueError(f"steps must not repeat a name, got {list(steps)}")
        steps = {step: DEFAULT_STRENGTHS.get(step) for step in steps}
    if not isinstance(steps, dict) or not steps:
        raise TypeError(f"steps must be a non-empty list of names or dict {{name: strength}}, got {steps!r}")
    unknown = [s for s in steps if s not in DEFAULT_STRENGTHS]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r} in steps; expected names from {AUGMENTATIONS}")
    seed = check_int("seed", seed, minimum=0)
    value_range = check_value_range(value_range)
    check_choice("fill_mode", fill_mode, FILL_MODES)
    for step, strength in steps.items():
        _check_strength(step, strength)
    # Independent, repeatable seeds for the layers (seed + i would overlap between pipelines).
    seeds = np.random.SeedSequence(int(seed)).generate_state(len(steps)) % (2**31 - 1)
    value_range = tuple(float(v) for v in value_range)
    layers = [
        _layer(step, _check_strength(step, strength), int(s), value_range, fill_mode)
        for (step, strength), s in zip(steps.items(), seeds, strict=True)
    ]
    return keras.Sequential(layers, name=name)
