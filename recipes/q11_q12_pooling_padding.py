"""# Max-pooling and padding

Answers Q11 (how a max-pooling layer works, what it is for, how it changes the receptive
field) and Q12 (why conv layers pad their input, and which kinds of padding there are).

## Introduction
Max-pooling keeps the largest value of each window: no parameters, a smaller map, and each
later pixel stands for a whole window, so the receptive field grows (two 2x2 poolings: 4x4).
Padding adds pixels around the image so that a convolution can be centred on the border
pixels and keeps the size: zeros, a mirror image ("reflect") or copies of the edge pixel
("replicate"). We check ``max_pool2d`` / ``MaxPool2D`` against ``keras.layers.MaxPooling2D``,
show each padding on a real photo, and measure how wrong each one makes the responses near
the border: we convolve a crop of a larger photo, where the true surroundings are known.

Errata: the notes say pooling "shrinks the picture n times, where n is the window size"; it
shrinks it by the stride (n only when stride = window), and along each axis (a 2x2 pool
keeps a quarter of the pixels).
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.conv import MaxPool2D, conv2d, max_pool2d, pad2d, receptive_field
from keras_course.data import load_photo
from keras_course.plots import image_grid, save_figure
from keras_course.runner import prepare_out, recipe_main, save_metrics
from keras_course.train import set_seed

QUESTIONS = (11, 12)
MODES = ("zeros", "reflect", "replicate")
KERNEL = 7  # the border band a 7x7 filter needs padding for is 3 pixels wide


def border_errors(photos, filters, crop, crops_per_photo, rng):
    """Mean |padded response - true response| by distance from the crop's border, per mode.

    The true response at every pixel of the crop is the valid convolution of the larger
    photo, which has real pixels where the padded crop has invented ones.
    """
    half = KERNEL // 2
    errors = {mode: np.zeros(half + 1) for mode in MODES}
    counts = np.zeros(half + 1)
    distance = np.minimum.reduce(np.meshgrid(np.arange(crop), np.arange(crop), indexing="ij")
                                 + np.meshgrid(np.arange(crop)[::-1], np.arange(crop)[::-1], indexing="ij"))
    for photo in photos:
        for _ in range(crops_per_photo):
            y, x = rng.integers(half, np.array(photo.shape) - crop - half)
            context = photo[y - half: y + crop + half, x - half: x + crop + half]
            truth = conv2d(context[..., None], filters)  # valid: exactly the crop's size
            image = photo[y: y + crop, x: x + crop, None]
            for mode in MODES:
                err = np.abs(conv2d(image, filters, padding=mode) - truth).mean(axis=-1)
                for d in range(half + 1):
                    errors[mode][d] += err[distance == d].sum()
            for d in range(half + 1):
                counts[d] += (distance == d).sum()
    return {mode: e / counts for mode, e in errors.items()}


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q11_q12_pooling_padding")
    set_seed(seed)
    rng = np.random.default_rng(seed)
    photo = load_photo("astronaut")

    # ## Q11: max-pooling, three ways
    batch = photo[None]
    pooled = max_pool2d(batch, 2)
    keras_pooled = np.asarray(keras.layers.MaxPooling2D(2)(batch))
    diff_keras = float(np.abs(pooled - keras_pooled).max())
    diff_layer = float(np.abs(np.asarray(MaxPool2D(2)(batch)) - keras_pooled).max())
    twice = max_pool2d(pooled, 2)
    strided = max_pool2d(batch, 3, stride=2)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.9))
    for ax, (title, image) in zip(axes, [("photo 512x512", photo), ("2x2 max-pool: 256x256", pooled[0]),
                                         ("twice: 128x128", twice[0])]):
        ax.imshow(image)
        ax.set_title(title)
        ax.axis("off")
    save_figure(fig, out / "max_pooling.png")

    # ## Q11: pooling and the receptive field
    fields = {
        "pool 2x2": [f.size for f in receptive_field([(2, 2)])],
        "pool 2x2 twice": [f.size for f in receptive_field([(2, 2), (2, 2)])],
        "conv 3x3, conv 3x3": [f.size for f in receptive_field([(3, 1), (3, 1)])],
        "conv 3x3, pool 2x2, conv 3x3": [f.size for f in receptive_field([(3, 1), (2, 2), (3, 1)])],
    }

    # ## Q12: each padding on a real photo
    crop = photo[30:190, 150:310]  # the astronaut's face
    padded = [pad2d(crop, 60, mode) for mode in MODES]
    image_grid(np.stack(padded), out / "padding_modes.png", labels=MODES, ncols=3,
               title="60 pixels of padding around a 160x160 crop")

    # ## Q12: how wrong is each padding near the border? (7x7 filters, true context known)
    names = ("astronaut", "coffee", "chelsea", "camera") if not quick else ("astronaut", "camera")
    photos = [load_photo(name).mean(axis=-1) for name in names]
    smooth = np.outer(*[np.exp(-np.linspace(-1.5, 1.5, KERNEL) ** 2)] * 2)
    sobel = np.outer([1, 4, 6, 8, 6, 4, 1], [-3, -2, -1, 0, 1, 2, 3]).astype(float)
    random_filters = rng.normal(size=(KERNEL, KERNEL, 4 if quick else 14))
    filters = np.concatenate([smooth[..., None] / smooth.sum(), sobel[..., None] / np.abs(sobel).sum(),
                              random_filters / np.abs(random_filters).sum(axis=(0, 1))], axis=-1)[:, :, None, :]
    errors = border_errors(photos, filters, crop=48 if quick else 96, crops_per_photo=3 if quick else 20, rng=rng)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for mode, err in errors.items():
        ax.plot(range(len(err)), err, "o-", label=mode)
    ax.set_xlabel("distance from the border (pixels)")
    ax.set_ylabel("mean |response error|")
    ax.set_title(f"{KERNEL}x{KERNEL} filters on photo crops, vs the true context")
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, out / "border_errors.png")

    return save_metrics(out, {
        "max_abs_diff_numpy_vs_keras_maxpool": diff_keras,
        "max_abs_diff_layer_vs_keras_maxpool": diff_layer,
        "pooled_shape": list(pooled.shape[1:3]),
        "pooled_twice_shape": list(twice.shape[1:3]),
        "overlapping_3x3_stride2_shape": list(strided.shape[1:3]),
        "receptive_fields": fields,
        **{f"border_error_{mode}": float(err[0]) for mode, err in errors.items()},
        **{f"edge_band_error_{mode}": float(err[:-1].mean()) for mode, err in errors.items()},
        "error_beyond_half_kernel": max(float(err[-1]) for err in errors.values()),
        "error_by_distance": {mode: err for mode, err in errors.items()},
    })


# ## Conclusion
# Max-pooling halves the map per 2x2 window and doubles the jump, so every later layer sees
# twice as far. All three paddings make up pixels, and only within half a kernel of the
# border; on photos mirroring or repeating the edge errs far less than zeros, which put an
# artificial dark frame around the image.
if __name__ == "__main__":
    recipe_main(run)
