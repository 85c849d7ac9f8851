# %% [markdown]
# # Convolution, filters, and the maximum response
#
# **Q7.** How does the convolution operation work? What is a filter? What does the combination
# of a convolution and taking the maximum response mean?
# **Q8.** What does a convolutional layer take as input and give as output? How many inputs and
# outputs does it have? Write the formula for a convolutional layer.
#
# ## Introduction
# A **filter** (kernel) is a small grid of weights, $k \times k \times C$ for an input with $C$
# channels, $k = 2d + 1$. **Convolving** slides it over the image and writes, at every position,
# the sum of the products with the pixels under it. A conv layer with $T$ filters computes
#
# $$\mathrm{Im}^{out}(y, x, t) = b_t + \sum_{i=-d}^{d} \sum_{j=-d}^{d} \sum_{c=1}^{C}
# k_t(i, j, c)\, \mathrm{Im}^{in}(y + i, x + j, c),$$
#
# a cross-correlation (deep-learning libraries do not flip the kernel). It takes an
# $H \times W \times C$ image and gives an $H' \times W' \times T$ one, one channel per filter:
# $H' = H - k + 1$ without padding, $H' = H$ with "same" padding (Q12). It has $(k^2 C + 1)\, T$
# parameters, however large the image. The response is large where the image looks like the
# filter. Moving the image moves the response map by the same amount (the convolution is
# shift-*equivariant*), so its **maximum** answers "is the pattern anywhere?" with the same
# value wherever the pattern is (shift-*invariant*), while the position of the maximum says where.
#
# We apply hand-made filters (edges, Sobel, Laplacian) to real photos with the NumPy reference
# `conv2d`, check it against our Keras `Conv2D` and `keras.layers.Conv2D`, train a bank of
# $5 \times 5$ filters on Fashion-MNIST, and slide a pattern across a scene to compare
# conv + max with a dense unit.
#
# > **Errata (notes 1.1.7).** The notes say "NB! свертка инвариантна к сдвигам" ("convolution is
# > invariant to shifts"). Convolution is shift-*equivariant*: shifting the input shifts its
# > output, $\operatorname{conv}(S_\delta\, \mathrm{Im}) = S_\delta\, \operatorname{conv}(\mathrm{Im})$.
# > Only convolution followed by a maximum over positions is invariant, as the notes' own next
# > paragraph (the "convolution + maximum" answer) explains.
#
# > **Errata (notes 1.1.8).** The notes count $(2d+1)(2d+1) \cdot c \cdot t$ parameters,
# > "$3^2 \cdot 3 \cdot 10 = 270$" for 10 filters of $3 \times 3$ on an RGB image. That forgets the
# > $T$ biases: $(k^2 C + 1) T = 280$. Their formula for $\mathrm{Im}^{out}$ also has no bias $b_t$.
# > They call $d$ "размер свертки" (the kernel size) while it is the half-width ($k = 2d + 1$), and
# > put $i = j = -1$ at "верхнего правого конца" (the upper *right* corner); it is the upper left.

# %% tags=["parameters"]
quick = False  # True: half-size photos, 2,000 images x 4 epochs, 10 shifts, seconds instead of minutes
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q07_q08_convolution

# %% [markdown]
# ## Setup

# %%
from fractions import Fraction

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.conv import Conv2D, conv2d, conv_params
from keras_course.data import load_fashion_mnist, load_photo, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.nn import Dense
from keras_course.plots import image_grid, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (7, 8)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "params_rgb_3x3_10_filters": ("parameters, 10 filters 3x3 on RGB, (k k C + 1) T", ""),
    "params_rgb_3x3_10_filters_notes_count": ("the notes' count, without biases", ""),
    "max_abs_diff_numpy_vs_keras_conv2d": ("NumPy formula vs keras.layers.Conv2D, max difference", ""),
    "filter_bank_test_accuracy": ("16 learnt 5x5 filters + max, Fashion-MNIST test accuracy", ""),
    "conv_max_relative_spread": ("conv + max: spread of the response over pattern positions", ""),
    "dense_max_relative_response_shift_8plus": ("dense unit: best response once shifted 8+ px", ""),
    "argmax_tracks_pattern_fraction": ("shifts where the argmax sits on the pattern", ""),
}
quick, seed, out = recipe_parameters("q07_q08_convolution", quick, seed, out)
set_seed(seed)
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
FILTERS = {
    "vertical edge": np.array([[-1, 0, 1]] * 3, dtype=float),
    "horizontal edge": np.array([[-1, 0, 1]] * 3, dtype=float).T,
    "Sobel x": SOBEL_X,
    "Sobel y": SOBEL_X.T,
    "Laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "box blur": np.full((3, 3), 1 / 9),
}


def grey(image):
    return image.mean(axis=-1)


# %% [markdown]
# ## Hand-made filters on real photos
# Each filter is a $3 \times 3$ pattern. An edge filter has weights summing to 0: on a flat
# region the products cancel, and the response is large only where brightness changes in the
# filter's direction. The Sobel magnitude $\sqrt{G_x^2 + G_y^2}$ combines both directions.

# %%
photos = {name: grey(load_photo(name))[::2, ::2] if quick else grey(load_photo(name)) for name in ("camera", "coins")}
fig, axes = plt.subplots(len(photos), len(FILTERS) + 2, figsize=(2.3 * (len(FILTERS) + 2), 2.5 * len(photos)))
peaks = []  # per photo: {filter: max |response|}
for row, photo in zip(axes, photos.values(), strict=True):
    responses = {name: conv2d(photo, k, padding="replicate") for name, k in FILTERS.items()}
    responses["Sobel magnitude"] = np.hypot(responses["Sobel x"], responses["Sobel y"])
    peaks.append({name: float(np.abs(r).max()) for name, r in responses.items()})
    for ax, (name, image) in zip(row, [("photo", photo)] + list(responses.items()), strict=True):
        if name in ("photo", "box blur", "Sobel magnitude"):
            ax.imshow(image, cmap="gray")
        else:  # signed responses: white is 0, red positive, blue negative
            limit = np.abs(image).max()
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(name, fontsize=9)
        ax.axis("off")
save_figure(
    fig,
    out / "hand_made_filters.png",
    caption="Each filter's response on two photos (red positive, blue negative, white 0). The vertical-edge "
    "and Sobel x filters light up on vertical edges (the tripod legs, the coins' left and right "
    "rims), the horizontal ones on horizontal edges; flat sky and grass stay white. The Laplacian "
    "marks fine detail, the box blur smooths.",
)
photo = photos["camera"]
show_table(
    [
        {
            "filter": name,
            "rows": " / ".join(" ".join(str(Fraction(v).limit_denominator(9)) for v in r) for r in k),
            "sum of weights": round(float(k.sum()), 6),
            **{f"max |response|, {p}": peaks[i][name] for i, p in enumerate(photos)},
        }
        for name, k in FILTERS.items()
    ],
    title="The hand-made filters (photo brightness in [0, 1])",
)

# %% [markdown]
# ## The NumPy formula, our `Conv2D` and `keras.layers.Conv2D` agree
# The six filters stacked into one kernel of shape $(3, 3, C = 1, T = 6)$, loaded into both
# Keras layers: the three must give the same $H \times W \times 6$ output.

# %%
bank = np.stack(list(FILTERS.values()), axis=-1)[:, :, None, :]  # (3, 3, C=1, T=6)
batch = photo[None, :, :, None].astype("float32")
ours = Conv2D(bank.shape[-1], 3, padding="same", use_bias=False)
reference = keras.layers.Conv2D(bank.shape[-1], 3, padding="same", use_bias=False)
for layer in (ours, reference):
    layer.build(batch.shape)
    layer.set_weights([bank])
numpy_out = conv2d(batch, bank, padding="same")
diff_ours = float(np.abs(keras.ops.convert_to_numpy(ours(batch)) - numpy_out).max())
diff_keras = float(np.abs(keras.ops.convert_to_numpy(reference(batch)) - numpy_out).max())
print(
    f"input {batch.shape} -> output {numpy_out.shape}; max |NumPy - ours| = {diff_ours:.2g}, "
    f"max |NumPy - Keras| = {diff_keras:.2g} (float32 round-off)"
)

# %% [markdown]
# ## Q8: inputs $(H, W, C)$, outputs $(H', W', T)$, $(k^2 C + 1)\, T$ parameters
# Ten $3 \times 3$ filters on a $224 \times 224$ RGB image, no padding: the output is
# $222 \times 222 \times 10$, and the layer has $(9 \cdot 3 + 1) \cdot 10 = 280$ parameters.

# %%
rgb = keras.layers.Conv2D(10, 3)
rgb.build((None, 224, 224, 3))
assert rgb.count_params() == conv_params(3, 3, 10) == 280
kernel, bias = rgb.get_weights()
print(
    f"input (224, 224, 3) -> output {rgb.compute_output_shape((None, 224, 224, 3))[1:]}; kernel {kernel.shape} "
    f"+ bias {bias.shape} = {rgb.count_params()} parameters (the notes' count without biases: "
    f"{conv_params(3, 3, 10, use_bias=False)})"
)

# %% [markdown]
# ## A learnt filter bank: 16 filters of $5 \times 5$, trained on Fashion-MNIST
# Conv (16 filters) $\to$ ReLU $\to$ global max $\to$ dense softmax. Each class score sees only
# the strongest response of each filter, so the filters must learn patterns worth looking for.

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, epochs = (2000, 4) if quick else (20000, 10)
x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
x_test = x_test[:1000, :, :, None].astype("float32") / 255.0
model = keras.Sequential(
    [
        keras.Input((28, 28, 1)),
        Conv2D(16, 5, activation="relu", name="filters"),
        keras.layers.GlobalMaxPooling2D(),
        Dense(10, activation="softmax", dtype="float32"),
    ]
)
model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
train_data = make_dataset(x_train, y_train[:n_train], batch_size=64, seed=seed)
history = fit(model, train_data, epochs, run_dir=checkpoint_dir(out, "filter_bank"), verbose=0 if quick else 2)
_, filter_bank_accuracy = model.evaluate(x_test, y_test[:1000], verbose=0)
print(
    f"{model.count_params():,} parameters; loss {history.history['loss'][0]:.3f} -> "
    f"{history.history['loss'][-1]:.3f}; test accuracy {filter_bank_accuracy:.3f} (chance 0.1)"
)

# %% [markdown]
# The 16 learnt filters, each a $5 \times 5$ grid of weights.

# %%
learnt = model.get_layer("filters").get_weights()[0][:, :, 0, :].transpose(2, 0, 1)
learnt = (learnt - learnt.min()) / (learnt.max() - learnt.min())
image_grid(
    learnt,
    out / "learnt_filters.png",
    ncols=8,
    cmap="RdBu_r",
    title="16 learnt 5x5 filters (conv -> ReLU -> global max -> dense)",
    caption="The 16 learnt 5x5 filters (red large weights, blue small): many are red next to blue, "
    "i.e. edge and stripe detectors at various angles, like the hand-made ones above.",
)
print(f"filters {learnt.shape}, scaled to [0, 1] for display")

# %% [markdown]
# ## Convolve, then take the maximum: the same answer wherever the pattern is
# The filter is a $15 \times 15$ patch of a cat's face (mean removed, so flat background gives 0).
# We place it in an empty $64 \times 64$ scene, slide it to the right, and compare
# $\max_{y, x} (\text{scene} \star \text{pattern})$ with a dense unit whose weights are the same
# pattern fixed at the starting position: $\sum \text{template} \odot \text{scene}$.

# %%
pattern = grey(load_photo("chelsea"))[130:145, 160:175]  # a 15x15 patch of the cat's face
pattern = pattern - pattern.mean()  # a zero-mean filter ignores flat background
size, shifts = 64, range(0, 40, 4 if quick else 1)
fixed_template = np.zeros((size, size))
fixed_template[10:25, 10:25] = pattern  # what a dense unit tuned to one position computes
conv_max, argmax_ok, dense, where = [], 0, [], []
for s in shifts:  # slide the pattern to the right, away from where the dense unit looks
    scene = np.zeros((size, size))
    scene[10:25, 10 + s : 25 + s] = pattern
    response = conv2d(scene, pattern)
    conv_max.append(response.max())
    where.append(tuple(int(i) for i in np.unravel_index(response.argmax(), response.shape)))
    argmax_ok += where[-1] == (10, 10 + s)
    dense.append(float((fixed_template * scene).sum()))
conv_max, dense = np.array(conv_max), np.array(dense)
show_table(
    [
        {
            "shift (px)": s,
            "max of conv response": conv_max[i],
            "argmax (row, col)": str(where[i]),
            "dense unit": dense[i],
        }
        for i, s in enumerate(shifts)
        if s % 4 == 0
    ],
    title="Sliding the pattern to the right",
)

# %% [markdown]
# The two responses against the shift, relative to the best response.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(list(shifts), conv_max / conv_max.max(), "o-", label="max of the conv response")
ax.plot(list(shifts), dense / conv_max.max(), "s--", label="dense unit (template at one place)")
ax.set_xlabel("shift of the pattern (pixels)")
ax.set_ylabel("response / best response")
ax.legend()
ax.grid(alpha=0.3)
save_figure(
    fig,
    out / "conv_max_invariance.png",
    caption="The maximum of the convolution stays at 1 wherever the pattern is (invariance); the dense "
    "unit, a template fixed at one place, responds fully only at shift 0, weaker with every pixel "
    "the pattern moves, and not at all once the pattern has left its 15-pixel window.",
)
print(
    f"conv max spread {np.ptp(conv_max) / conv_max.max():.2g}; argmax on the pattern for "
    f"{argmax_ok} of {len(shifts)} shifts; dense unit at 8+ px: at most "
    f"{np.abs(dense[np.array(shifts) >= 8]).max() / conv_max.max():.2f} of the best response"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "max_abs_diff_numpy_vs_our_conv2d": diff_ours,
        "max_abs_diff_numpy_vs_keras_conv2d": diff_keras,
        "params_rgb_3x3_10_filters": conv_params(3, 3, 10),
        "params_rgb_3x3_10_filters_notes_count": conv_params(3, 3, 10, use_bias=False),
        "filter_bank_test_accuracy": float(filter_bank_accuracy),
        "filter_bank_first_loss": history.history["loss"][0],
        "filter_bank_last_loss": history.history["loss"][-1],
        "conv_max_relative_spread": float(np.ptp(conv_max) / conv_max.max()),
        "dense_relative_response_shift0": float(dense[0] / conv_max.max()),
        "dense_max_relative_response_shift_8plus": float(np.abs(dense[np.array(shifts) >= 8]).max() / conv_max.max()),
        "argmax_tracks_pattern_fraction": argmax_ok / len(shifts),
        "shifts_tried": len(shifts),
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# A filter responds most where the image looks like it. Its maximum over the image answers "is
# the pattern anywhere?" identically for every placement, and the argmax moves with the pattern:
# that is why conv + max pooling gives shift invariance and a dense unit does not. A conv layer
# with $T$ filters of $k \times k$ on $C$ channels has $(k^2 C + 1) T$ parameters, 280 for ten
# $3 \times 3$ filters on RGB.
#
# **Try a variation.** Add your own filter to `FILTERS`, e.g. a diagonal edge
# `np.array([[0, 1, 1], [-1, 0, 1], [-1, -1, 0]], dtype=float)`, and see which edges of the photo
# it finds. Or convolve with a stride, `conv2d(scene, pattern, stride=2)` in the last section:
# the maximum then drops for odd shifts, because a strided convolution is equivariant only to
# shifts by multiples of its stride (the argmax check fails too, as positions are halved).
