"""Q12: padding an image before a convolution: zeros, reflect, replicate.

``pad2d`` is the NumPy reference, written as index maps (which input pixel every padded
pixel copies); ``pad_images`` does the same with ``keras.ops`` inside layers. ``same_padding``
is how much a "same" convolution pads on each side (TensorFlow's convention: the odd pixel
goes after).
"""

import numbers

import numpy as np
from keras import ops

from keras_course.checks import check_array, check_choice, check_int, describe

PAD_MODES = ("zeros", "reflect", "replicate")


def check_int_pair(value, name, minimum=1):
    """``value`` (an int or a pair of ints, each >= ``minimum``) as a tuple ``(h, w)``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be an int >= {minimum} or a pair (h, w) of them, got {describe(value)}")
    return check_int(f"{name}[0]", value[0], minimum=minimum), check_int(f"{name}[1]", value[1], minimum=minimum)


def normalize_pad(pad):
    """``pad`` as ``((top, bottom), (left, right))``.

    Accepts an int (all four sides), ``(ph, pw)`` or ``((top, bottom), (left, right))``.
    """
    if isinstance(pad, numbers.Integral) and not isinstance(pad, bool):
        pad = ((pad, pad), (pad, pad))
    elif isinstance(pad, (tuple, list)) and len(pad) == 2 and all(isinstance(p, numbers.Integral) for p in pad):
        pad = ((pad[0], pad[0]), (pad[1], pad[1]))
    if (
        not isinstance(pad, (tuple, list))
        or len(pad) != 2
        or any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in pad)
        or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 for p in pad for v in p)
    ):
        raise ValueError(f"pad must be an int >= 0, (ph, pw) or ((top, bottom), (left, right)), got {pad!r}")
    return (int(pad[0][0]), int(pad[0][1])), (int(pad[1][0]), int(pad[1][1]))


def check_mode(mode, name="mode"):
    return check_choice(name, mode, PAD_MODES)


def same_padding(size, kernel_size, stride=1, dilation=1):
    """``(before, after)`` padding that gives ``ceil(size / stride)`` outputs along one axis."""
    size = check_int("size", size, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride, dilation = check_int("stride", stride, minimum=1), check_int("dilation", dilation, minimum=1)
    span = dilation * (kernel_size - 1) + 1  # the kernel's footprint once dilated
    outputs = -(-size // stride)
    total = max((outputs - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _source_index(size, before, after, mode):
    """For each padded position along one axis, the input index it copies (-1: a zero)."""
    index = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(index, 0, size - 1)
    if mode == "reflect":  # mirror about the edge pixel, which is not repeated
        index = np.abs(index)
        return np.where(index > size - 1, 2 * (size - 1) - index, index)
    return np.where((index >= 0) & (index < size), index, -1)


def _spatial_axes(x, name="x"):
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"{name} must be (H, W), (H, W, C) or (N, H, W, C), got shape {x.shape}")
    return (1, 2) if x.ndim == 4 else (0, 1)


def pad2d(x, pad, mode="zeros"):
    """Pad the two spatial axes of ``x`` (NumPy reference).

    Args:
        x: array (H, W), (H, W, C) or (N, H, W, C).
        pad: int, ``(ph, pw)`` or ``((top, bottom), (left, right))``.
        mode: "zeros" (constant 0), "reflect" (mirror without repeating the edge:
            ``c b | a b c``) or "replicate" (repeat the edge pixel: ``a a | a b c``).

    Returns an array with H + top + bottom rows and W + left + right columns.
    """
    x = check_array("x", x, ndim=(2, 3, 4), kind="numeric", finite=False)
    axes = _spatial_axes(x)
    check_mode(mode)
    pads = normalize_pad(pad)
    for axis, (before, after) in zip(axes, pads, strict=True):
        size = x.shape[axis]
        if mode == "reflect" and max(before, after) > size - 1:
            raise ValueError(f"reflect padding needs pad <= size - 1, got pad {(before, after)} for size {size}")
        index = _source_index(size, before, after, mode)
        taken = np.take(x, np.maximum(index, 0), axis=axis)
        if mode == "zeros":
            shape = [1] * x.ndim
            shape[axis] = len(index)
            taken = np.where((index >= 0).reshape(shape), taken, np.zeros((), x.dtype))
        x = taken
    return x


def pad_images(images, pad, mode="zeros"):
    """``pad2d`` for a batch tensor (N, H, W, C) with ``keras.ops`` (differentiable).

    "replicate" repeats the edge row/column (``ops.pad`` has no edge mode on every backend);
    for pads of at most one pixel it is ``ops.pad``'s "symmetric" mode, which then coincides.
    """
    check_mode(mode)
    (top, bottom), (left, right) = normalize_pad(pad)
    if len(images.shape) != 4:  # static shapes only: this runs inside traced layers
        raise ValueError(f"images must be a batch (N, H, W, C), got shape {tuple(images.shape)}")
    height, width = images.shape[1], images.shape[2]
    if mode == "reflect" and any(
        size is not None and p > size - 1
        for size, p in ((height, top), (height, bottom), (width, left), (width, right))
    ):
        raise ValueError(f"reflect padding needs pad <= size - 1, got pad {pad!r} for images {(height, width)}")
    if mode == "zeros":
        return ops.pad(images, ((0, 0), (top, bottom), (left, right), (0, 0)))
    if mode == "reflect":
        return ops.pad(images, ((0, 0), (top, bottom), (left, right), (0, 0)), mode="reflect")
    if max(top, bottom, left, right) <= 1:
        # One pixel of "symmetric" padding (mirror including the edge) is the edge pixel: one fused op.
        return ops.pad(images, ((0, 0), (top, bottom), (left, right), (0, 0)), mode="symmetric")
    parts = []
    if top:
        parts.append(ops.repeat(images[:, :1], top, axis=1))
    parts.append(images)
    if bottom:
        parts.append(ops.repeat(images[:, -1:], bottom, axis=1))
    images = ops.concatenate(parts, axis=1) if len(parts) > 1 else images
    parts = []
    if left:
        parts.append(ops.repeat(images[:, :, :1], left, axis=2))
    parts.append(images)
    if right:
        parts.append(ops.repeat(images[:, :, -1:], right, axis=2))
    return ops.concatenate(parts, axis=2) if len(parts) > 1 else images
