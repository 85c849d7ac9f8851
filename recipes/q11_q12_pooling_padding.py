# %% [markdown]
# # Max-pooling and padding
#
# **Q11.** How does a max-pooling layer work? What is it for? How does it change the receptive field?
# **Q12.** Why do convolutional layers pad their input? Which kinds of padding do you know?
#
# ## Introduction
# A max-pooling layer with a $k \times k$ window and stride $s$ keeps the largest value of each
# window, channel by channel:
#
# $$y_{i,j,c} = \max_{0 \le a, b < k} x_{s i + a,\, s j + b,\, c}.$$
#
# It has no parameters. It makes the map smaller, keeps the strongest response of each window
# (a small shift of a pattern inside the window does not change it), and it multiplies the
# *jump* of the following layers by $s$, so the receptive field grows: one $2 \times 2$ pooling
# sees $2 \times 2$ pixels, two of them $4 \times 4$.
#
# A convolution with a $k \times k$ kernel cannot be centred on the $\lfloor k/2 \rfloor$
# pixels next to the border, so without padding ("valid") the map shrinks at every layer and
# border pixels take part in fewer outputs. Padding adds $p$ pixels on each side first. Along
# one axis of size $n$, a convolution (or pooling) with kernel $k$, stride $s$ and padding $p$ gives
#
# $$o = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$$
#
# outputs: with $s = 1$ and $p = (k - 1)/2$ the size stays $n$ ("same" padding). The new pixels
# can be zeros, a mirror image of the border ("reflect") or copies of the edge pixel
# ("replicate"). We check `max_pool2d` and `MaxPool2D` against `keras.layers.MaxPooling2D`,
# show each padding on a real photo, and measure how wrong each one makes the responses near
# the border: we convolve a crop of a larger photo, where the true surroundings are known.
#
# > **Errata (notes 1.1.11).** The notes say the picture "сократится в $n$ раз, где $n$ – размер
# > сегментов" (shrinks $n$ times, $n$ being the window size). It shrinks by the *stride* $s$
# > (equal to $n$ only for non-overlapping windows; a $3 \times 3$ window with stride 2 halves
# > it), and along each axis: a $2 \times 2$ pooling keeps a quarter of the pixels. Their
# > receptive fields ($2 \times 2$ after one pooling, $4 \times 4$ after two) are right.
#
# The notes on padding (1.1.12) are right; they leave out the output-size formula above, and
# that "same" padding keeps the size only for stride 1 (with stride $s$ it gives
# $\lceil n / s \rceil$ outputs).

# %% tags=["parameters"]
quick = False  # True: two photos and fewer crops, a few seconds
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q11_q12_pooling_padding

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.conv import MaxPool2D, conv2d, max_pool2d, pad2d, receptive_field
from keras_course.data import load_photo
from keras_course.display import show_key_figures, show_table
from keras_course.plots import image_grid, save_figure
from keras_course.runner import recipe_parameters, save_metrics
from keras_course.train import set_seed

QUESTIONS = (11, 12)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "pooled_shape": ("512x512 photo after one 2x2 max-pooling", "px"),
    "overlapping_3x3_stride2_shape": ("after a 3x3 max-pooling with stride 2", "px"),
    "receptive_fields.pool 2x2 twice": ("receptive field after one and two 2x2 poolings", "px"),
    "border_error_zeros": ("response error on the border pixels, zero padding", ""),
    "border_error_reflect": ("response error on the border pixels, reflect padding", ""),
    "border_error_replicate": ("response error on the border pixels, replicate padding", ""),
    "error_beyond_half_kernel": ("largest error more than half a kernel from the border", ""),
}
quick, seed, out = recipe_parameters("q11_q12_pooling_padding", quick, seed, out)
set_seed(seed)
rng = np.random.default_rng(seed)  # draws the crops and the random filters
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
    distance = np.minimum.reduce(
        np.meshgrid(np.arange(crop), np.arange(crop), indexing="ij")
        + np.meshgrid(np.arange(crop)[::-1], np.arange(crop)[::-1], indexing="ij")
    )
    for photo in photos:
        for _ in range(crops_per_photo):
            y, x = rng.integers(half, np.array(photo.shape) - crop - half)
            context = photo[y - half : y + crop + half, x - half : x + crop + half]
            truth = conv2d(context[..., None], filters)  # valid: exactly the crop's size
            image = photo[y : y + crop, x : x + crop, None]
            for mode in MODES:
                err = np.abs(conv2d(image, filters, padding=mode) - truth).mean(axis=-1)
                for d in range(half + 1):
                    errors[mode][d] += err[distance == d].sum()
            for d in range(half + 1):
                counts[d] += (distance == d).sum()
    return {mode: e / counts for mode, e in errors.items()}


# %% [markdown]
# ## Q11: max-pooling, three ways
# Our NumPy `max_pool2d`, our layer `MaxPool2D` and Keras's `MaxPooling2D` pool the same
# $512 \times 512$ photo. With $k = s = 2$ the output-size formula gives $\lfloor (512 - 2)/2 \rfloor + 1 = 256$;
# with $k = 3$, $s = 2$ (overlapping windows) it gives $\lfloor 509/2 \rfloor + 1 = 255$.

# %%
photo = load_photo("astronaut")
batch = photo[None]
pooled = max_pool2d(batch, 2)
keras_pooled = np.asarray(keras.layers.MaxPooling2D(2)(batch))
diff_keras = float(np.abs(pooled - keras_pooled).max())
diff_layer = float(np.abs(np.asarray(MaxPool2D(2)(batch)) - keras_pooled).max())
twice = max_pool2d(pooled, 2)
strided = max_pool2d(batch, 3, stride=2)
fig, axes = plt.subplots(1, 3, figsize=(11, 3.9))
for ax, (title, image) in zip(
    axes, [("photo 512x512", photo), ("2x2 max-pool: 256x256", pooled[0]), ("twice: 128x128", twice[0])], strict=True
):
    ax.imshow(image)
    ax.set_title(title)
    ax.axis("off")
save_figure(
    fig,
    out / "max_pooling.png",
    caption="Each 2x2 max-pooling halves the width and the height; the picture stays readable, "
    "because every window keeps its brightest value.",
)
show_table(
    [
        {"pooling": "2x2, stride 2", "shape": list(pooled.shape[1:3])},
        {"pooling": "2x2, stride 2, twice", "shape": list(twice.shape[1:3])},
        {"pooling": "3x3, stride 2", "shape": list(strided.shape[1:3])},
    ],
    title=f"Max-pooling a {photo.shape[0]}x{photo.shape[1]} photo",
)
print(f"largest difference from keras.layers.MaxPooling2D: max_pool2d {diff_keras}, MaxPool2D {diff_layer}")

# %% [markdown]
# ## Q11: pooling and the receptive field
# In the recurrence $r_k = r_{k-1} + (f_k - 1)\, j_{k-1}$, $j_k = j_{k-1} s_k$ (see Q9-Q10) a
# pooling layer counts like a convolution with its window and stride. A $2 \times 2$ pooling
# between two $3 \times 3$ convolutions doubles the jump, so the second convolution adds
# $2 \cdot 2 = 4$ pixels instead of 2.

# %%
fields = {
    "pool 2x2": [f.size for f in receptive_field([(2, 2)])],
    "pool 2x2 twice": [f.size for f in receptive_field([(2, 2), (2, 2)])],
    "conv 3x3, conv 3x3": [f.size for f in receptive_field([(3, 1), (3, 1)])],
    "conv 3x3, pool 2x2, conv 3x3": [f.size for f in receptive_field([(3, 1), (2, 2), (3, 1)])],
}
show_table(
    [{"layers": name, "field after each layer (px)": sizes} for name, sizes in fields.items()],
    title="Receptive field, layer by layer",
)

# %% [markdown]
# ## Q12: each padding on a real photo
# 60 pixels of each padding around a $160 \times 160$ crop (the astronaut's face): zeros draw a
# black frame, reflect mirrors the picture across the border, replicate smears the edge pixels
# outwards.

# %%
crop = photo[30:190, 150:310]  # the astronaut's face
padded = [pad2d(crop, 60, mode) for mode in MODES]
image_grid(
    np.stack(padded),
    out / "padding_modes.png",
    labels=MODES,
    ncols=3,
    title="60 pixels of padding around a 160x160 crop",
    caption="Zero padding puts a black frame around the face, reflect mirrors it across the border, "
    "replicate stretches the edge pixels into stripes.",
)
print(f"crop {crop.shape[:2]} -> padded {padded[0].shape[:2]} with each of {', '.join(MODES)}")

# %% [markdown]
# ## Q12: how wrong is each padding near the border?
# We cut crops out of larger grey photos and convolve them with 7x7 filters (a blur, a Sobel-like
# edge filter and random ones), padded with each mode. The true response is the valid
# convolution of the crop *with* its real surroundings. Outputs farther than
# $\lfloor 7/2 \rfloor = 3$ pixels from the border never touch padding, so their error must be 0.

# %%
names = ("astronaut", "coffee", "chelsea", "camera") if not quick else ("astronaut", "camera")
photos = [load_photo(name).mean(axis=-1) for name in names]
smooth = np.outer(*[np.exp(-(np.linspace(-1.5, 1.5, KERNEL) ** 2))] * 2)
sobel = np.outer([1, 4, 6, 8, 6, 4, 1], [-3, -2, -1, 0, 1, 2, 3]).astype(float)
random_filters = rng.normal(size=(KERNEL, KERNEL, 4 if quick else 14))
filters = np.concatenate(
    [
        smooth[..., None] / smooth.sum(),
        sobel[..., None] / np.abs(sobel).sum(),
        random_filters / np.abs(random_filters).sum(axis=(0, 1)),
    ],
    axis=-1,
)[:, :, None, :]
errors = border_errors(photos, filters, crop=48 if quick else 96, crops_per_photo=3 if quick else 20, rng=rng)
fig, ax = plt.subplots(figsize=(5.5, 3.6))
for mode, err in errors.items():
    ax.plot(range(len(err)), err, "o-", label=mode)
ax.set_xlabel("distance from the border (pixels)")
ax.set_ylabel("mean |response error|")
ax.set_title(f"{KERNEL}x{KERNEL} filters on photo crops, vs the true context")
ax.grid(alpha=0.3)
ax.legend()
save_figure(
    fig,
    out / "border_errors.png",
    caption="Padding errs only within 3 pixels (half the 7x7 kernel) of the border, most on the border "
    "itself; zeros err several times more than reflect or replicate.",
)
show_table(
    [
        {"distance from border (px)": d, **{mode: float(errors[mode][d]) for mode in MODES}}
        for d in range(KERNEL // 2 + 1)
    ],
    title="Mean |response error| by distance from the border",
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "max_abs_diff_numpy_vs_keras_maxpool": diff_keras,
        "max_abs_diff_layer_vs_keras_maxpool": diff_layer,
        "pooled_shape": list(pooled.shape[1:3]),
        "pooled_twice_shape": list(twice.shape[1:3]),
        "overlapping_3x3_stride2_shape": list(strided.shape[1:3]),
        "receptive_fields": fields,
        **{f"border_error_{mode}": float(err[0]) for mode, err in errors.items()},
        **{f"edge_band_error_{mode}": float(err[:-1].mean()) for mode, err in errors.items()},
        "error_beyond_half_kernel": max(float(err[-1]) for err in errors.values()),
        "error_by_distance": dict(errors.items()),
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Max-pooling with stride 2 halves the map along each axis and doubles the jump, so every later
# layer sees twice as far. All three paddings make up pixels, and only within half a kernel of
# the border. On photos, mirroring or repeating the edge errs far less than zeros, which put an
# artificial dark frame around the image that the filters respond to.
#
# **Try a variation.** In the Q11 pooling cell, pool with `max_pool2d(batch, 2, stride=1)`: the
# formula predicts $\lfloor (512 - 2)/1 \rfloor + 1 = 511$, barely smaller. In the receptive-field
# cell, add a second `(2, 2)` before the last `(3, 1)` and predict the field first (14 pixels).
