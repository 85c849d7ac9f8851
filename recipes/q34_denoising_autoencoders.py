# %% [markdown]
# # Denoising autoencoders
#
# **Q34.** What is the idea of denoising autoencoders?
#
# ## Introduction
# A denoising autoencoder (Vincent et al., 2008) is trained to map a *corrupted* image
# $\tilde x \sim q(\tilde x \mid x)$ back to the *clean* one $x$:
#
# $$\frac{1}{l} \sum_{i=1}^{l} L\left(x_i, g(f(\tilde x_i))\right) \to \min_{f, g}, \qquad
# \tilde x_i = \operatorname{clip}(x_i + \sigma \varepsilon_i, 0, 1), \quad \varepsilon_i \sim \mathcal{N}(0, I).$$
#
# It cannot just copy its input, since the input is not the target. So its code must capture the
# structure of the images (what a shirt or a shoe looks like) that separates signal from noise.
# Here the noise comes from a `Corruption` layer inside the model that is active only in
# training, so the same model denoises at inference. Quality is the peak signal-to-noise ratio
# (pixels in $[0, 1]$):
#
# $$\mathrm{PSNR}(x, \hat x) = 10 \log_{10} \frac{1}{\mathrm{MSE}(x, \hat x)} \ \text{dB},$$
#
# so $+6$ dB means the squared error fell 4-fold. On Fashion-MNIST with Gaussian noise of
# $\sigma = 0.3$ we report the PSNR of the noisy input and of the outputs of several models. The
# first is a plain autoencoder of the same shape, trained on clean images. The others are
# denoising autoencoders trained with pixel MSE, with binary cross-entropy, and (full run) with
# a perceptual loss on features of EfficientNet-Lite0's ImageNet weights plus pixel MSE.
# We then try the masking noise of the original paper. Finally the same model, trained on
# patches of real photos, cleans a photo it never saw, patch by patch.
#
# > **Errata (notes 1.1.34).** The notes motivate denoising with "Обычные автокодировщики легко
# > переобучаются" ("ordinary autoencoders overfit easily"). That is not the point of Vincent et
# > al. Reconstructing the clean image from a corrupted one rules out the identity map, which an
# > autoencoder with a wide code could learn, and forces features that capture the structure of
# > the data. A plain autoencoder is kept from copying only by its bottleneck. The notes also
# > speak only of "random noise". The original paper sets a random share of the pixels to 0
# > ("masking noise"), which we also test.

# %% tags=["parameters"]
quick = False  # True: 2,000 images, 3 epochs, no BCE / perceptual models: a minute instead of several
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q34_denoising_autoencoders

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np

from keras_course.autoencoders import Corruption, PerceptualLoss, autoencoder, denoising_autoencoder, psnr
from keras_course.data import load_fashion_mnist, load_photo, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.plots import image_grid, plot_history, plt, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (34,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "psnr_noisy_input": ("noisy input, sigma 0.3", "dB"),
    "psnr_plain_ae": ("plain autoencoder (trained on clean images)", "dB"),
    "psnr_dae_mse": ("denoising autoencoder, MSE loss", "dB"),
    "psnr_masked_input": ("input with 40% of pixels masked", "dB"),
    "psnr_dae_masking": ("denoising autoencoder on masked input", "dB"),
    "photo_psnr_noisy": ("unseen photo, noisy", "dB"),
    "photo_psnr_denoised": ("unseen photo, denoised patch by patch", "dB"),
}
quick, seed, out = recipe_parameters("q34_denoising_autoencoders", quick, seed, out)
set_seed(seed)
SIGMA = 0.3
FILTERS = (16, 32)  # a light conv autoencoder: six of them train in one run
PATCH = 28
# Not "cat": it is the same cat as the test photo "chelsea".
TRAIN_PHOTOS = ("astronaut", "coffee", "camera", "rocket", "china", "flower", "coins")
TEST_PHOTO = "chelsea"


def grey(name):
    photo = load_photo(name)
    return (photo @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]


def random_patches(images, count, seed):
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(images), count)
    out = np.empty((count, PATCH, PATCH, 1), np.float32)
    for n, i in enumerate(picks):
        h, w = images[i].shape[:2]
        y, x = rng.integers(0, h - PATCH), rng.integers(0, w - PATCH)
        out[n] = images[i][y : y + PATCH, x : x + PATCH]
    return out


def tile(image):
    """Non-overlapping PATCH x PATCH tiles of ``image`` (cropped to a multiple of PATCH) and the grid shape."""
    rows, cols = image.shape[0] // PATCH, image.shape[1] // PATCH
    crop = image[: rows * PATCH, : cols * PATCH]
    tiles = crop.reshape(rows, PATCH, cols, PATCH, -1).swapaxes(1, 2).reshape(-1, PATCH, PATCH, crop.shape[-1])
    return tiles, (rows, cols)


def untile(tiles, grid):
    rows, cols = grid
    return tiles.reshape(rows, cols, PATCH, PATCH, -1).swapaxes(1, 2).reshape(rows * PATCH, cols * PATCH, -1)


def photo_panels(images, titles, path, title, caption):
    fig, axes = plt.subplots(1, len(images), figsize=(4.5 * len(images), 3.6))
    for ax, image, name in zip(axes, images, titles, strict=True):
        ax.imshow(np.clip(image[..., 0], 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(title)
    save_figure(fig, path, caption)


def mean_psnr(clean, other):
    return float(np.mean(keras.ops.convert_to_numpy(psnr(clean, other))))


def train(model, loss, x, epochs, quick, seed, run_dir):
    """Fit ``model`` to give back ``x`` (the corruption is inside the model); checkpoints in ``run_dir``."""
    # Quick runs take smaller, faster steps to learn something from 2,000 images.
    model.compile(optimizer=keras.optimizers.Adam(3e-3 if quick else 2e-3), loss=loss)
    data = make_dataset(x, x, 32 if quick else 64, seed=seed)
    return fit(model, data, epochs, run_dir=run_dir, verbose=0 if quick else 2)


# %% [markdown]
# ## Data: clean Fashion-MNIST in $[0, 1]$, and a fixed noisy copy of the test images
# The `Corruption` layers, called with `training=True`, make one noisy copy of the test set
# for each kind of noise. Every model is scored on the same copy.

# %%
n_train, n_test, epochs, code = (2000, 500, 3, 32) if quick else (20000, 2000, 5, 64)
(x_train, _), (x_test, _) = load_fashion_mnist()
x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
noise = {kind: Corruption(kind, amount, seed=seed + 1) for kind, amount in (("gaussian", SIGMA), ("masking", 0.4))}
noisy = {kind: keras.ops.convert_to_numpy(layer(x_test, training=True)) for kind, layer in noise.items()}
shape = (28, 28, 1)
metrics = {"psnr_noisy_input": mean_psnr(x_test, noisy["gaussian"])}
print(
    f"{n_train} training and {n_test} test images, code size {code}, {epochs} epochs; "
    f"noisy test input (sigma {SIGMA}): {metrics['psnr_noisy_input']:.2f} dB"
)

# %% [markdown]
# ## A plain autoencoder, trained on clean images
# The reference: the same convolutional autoencoder, trained to copy clean images, then fed
# the noisy ones. Its bottleneck has no room for the noise, so it removes some of it anyway.

# %%
plain, _, _ = autoencoder(shape, code, kind="conv", filters=FILTERS)
histories = {"plain AE": train(plain, "mse", x_train, epochs, quick, seed, checkpoint_dir(out, "plain_ae"))}
outputs = {"plain AE": plain.predict(noisy["gaussian"], verbose=0)}
print(f"plain autoencoder on the noisy test images: {mean_psnr(x_test, outputs['plain AE']):.2f} dB")

# %% [markdown]
# ## Denoising autoencoders with different losses
# The same architecture with a `Corruption` layer in front: the loss compares the output with
# the *clean* image. Pixel MSE; in a full run also binary cross-entropy and a perceptual loss
# $\|\phi(x) - \phi(\hat x)\|^2 + \|x - \hat x\|^2$ on frozen EfficientNet-Lite0 features $\phi$.

# %%
losses = {"DAE mse": "mse"}
if not quick:  # the loss comparison (and building the pretrained extractor) takes a while
    losses["DAE bce"] = "binary_crossentropy"
    losses["DAE perceptual"] = PerceptualLoss("efficientnet_lite0", pixel_weight=1.0)
models = {}
for label, loss in losses.items():
    models[label], _, _ = denoising_autoencoder(
        shape, code, kind="conv", noise="gaussian", amount=SIGMA, seed=seed, filters=FILTERS
    )
    histories[label] = train(
        models[label], loss, x_train, epochs, quick, seed, checkpoint_dir(out, label.replace(" ", "_").lower())
    )
    outputs[label] = models[label].predict(noisy["gaussian"], verbose=0)
for label, output in outputs.items():
    metrics[f"psnr_{label.replace(' ', '_').lower()}"] = mean_psnr(x_test, output)
metrics["psnr_gain_dae_mse_db"] = metrics["psnr_dae_mse"] - metrics["psnr_noisy_input"]
metrics["psnr_gain_plain_ae_db"] = metrics["psnr_plain_ae"] - metrics["psnr_noisy_input"]
show_table(
    [{"model": "noisy input", "PSNR (dB)": metrics["psnr_noisy_input"], "gain (dB)": 0.0}]
    + [
        {
            "model": label,
            "PSNR (dB)": metrics[f"psnr_{label.replace(' ', '_').lower()}"],
            "gain (dB)": metrics[f"psnr_{label.replace(' ', '_').lower()}"] - metrics["psnr_noisy_input"],
        }
        for label in outputs
    ],
    title=f"Gaussian noise, sigma {SIGMA}: PSNR on the test images",
)

# %% [markdown]
# ## Masking noise (Vincent et al.): 40% of the pixels set to 0
# The noise of the original paper. The model has to fill in what is missing from the pixels
# around it.

# %%
masked, _, _ = denoising_autoencoder(shape, code, kind="conv", noise="masking", amount=0.4, seed=seed, filters=FILTERS)
histories["DAE masking"] = train(masked, "mse", x_train, epochs, quick, seed, checkpoint_dir(out, "dae_masking"))
metrics["psnr_masked_input"] = mean_psnr(x_test, noisy["masking"])
metrics["psnr_dae_masking"] = mean_psnr(x_test, masked.predict(noisy["masking"], verbose=0))
print(f"masked input {metrics['psnr_masked_input']:.2f} dB -> denoised {metrics['psnr_dae_masking']:.2f} dB")

# %% [markdown]
# ## Pictures: inputs, outputs and training curves

# %%
rows = [x_test[:8], noisy["gaussian"][:8]] + [o[:8] for o in outputs.values()]
names = ["clean", f"noisy sigma={SIGMA}"] + list(outputs)
image_grid(
    np.concatenate(rows)[..., 0],
    out / "denoising_grid.png",
    ncols=8,
    labels=[n for n in names for _ in range(8)],
    title="Gaussian noise: inputs and outputs",
    caption="Clean test images, their noisy copies, and each model's output for the noisy copy: the "
    "plain autoencoder leaves a grey haze, the denoising autoencoder a cleaner, blurred garment.",
)
image_grid(
    np.concatenate([x_test[:8], noisy["masking"][:8], masked.predict(noisy["masking"][:8], verbose=0)])[..., 0],
    out / "masking_grid.png",
    ncols=8,
    labels=[n for n in ("clean", "40% masked", "DAE") for _ in range(8)],
    title="Masking noise",
    caption="Clean images, the same with 40% of the pixels set to 0, and the denoising autoencoder's "
    "output: the holes are filled in from the shape around them.",
)
plot_history(
    histories,
    out / "training.png",
    title="Training loss (each model's own loss)",
    caption="Training loss per epoch of each model, each in its own loss (so the curves of "
    "different losses are not comparable with each other).",
)
show_table(
    [
        {"model": label, "first epoch": h.history["loss"][0], "last epoch": h.history["loss"][-1]}
        for label, h in histories.items()
    ],
    title="Training loss",
)

# %% [markdown]
# ## Real photos: train on patches of 7 photos, clean an unseen one (the cat "chelsea")
# Random $28 \times 28$ patches of seven photos (scikit-image and scikit-learn samples, in grey) train the
# same denoiser. The unseen photo is cut into non-overlapping tiles, each tile is corrupted
# and cleaned, and the tiles are put back together.

# %%
photos = [grey(name) for name in TRAIN_PHOTOS]
patches = random_patches(photos, 2000 if quick else 15000, seed)
photo_model, _, _ = denoising_autoencoder(
    shape, code, kind="conv", noise="gaussian", amount=SIGMA, seed=seed, filters=FILTERS
)
histories_photo = train(photo_model, "mse", patches, epochs, quick, seed, checkpoint_dir(out, "photo_dae"))
tiles, grid = tile(grey(TEST_PHOTO))
noisy_tiles = keras.ops.convert_to_numpy(noise["gaussian"](tiles, training=True))
clean_image, noisy_image = untile(tiles, grid), untile(noisy_tiles, grid)
denoised_image = untile(photo_model.predict(noisy_tiles, verbose=0), grid)
metrics["photo_psnr_noisy"] = mean_psnr(clean_image[None], noisy_image[None])
metrics["photo_psnr_denoised"] = mean_psnr(clean_image[None], denoised_image[None])
metrics["photo_psnr_gain_db"] = metrics["photo_psnr_denoised"] - metrics["photo_psnr_noisy"]
metrics["photo_train_loss_first_last"] = [histories_photo.history["loss"][0], histories_photo.history["loss"][-1]]
photo_panels(
    [clean_image, noisy_image, denoised_image],
    [
        "clean (unseen photo)",
        f"noisy, sigma={SIGMA}: {metrics['photo_psnr_noisy']:.1f} dB",
        f"denoised patch by patch: {metrics['photo_psnr_denoised']:.1f} dB",
    ],
    out / "photo_denoising.png",
    f"Denoising autoencoder trained on patches of {len(TRAIN_PHOTOS)} other photos",
    caption="An unseen photo, its noisy copy and the denoiser's output, tile by tile: the noise is "
    "gone and the shapes stay, at the cost of some blur and visible seams between the tiles.",
)
print(
    f"{len(patches)} patches, {len(tiles)} tiles ({grid[0]} x {grid[1]}); unseen photo "
    f"{metrics['photo_psnr_noisy']:.2f} dB -> {metrics['photo_psnr_denoised']:.2f} dB"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(out, {**metrics, "sigma": SIGMA, "code_size": code, "train_examples": n_train, "epochs": epochs})
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# A plain autoencoder removes some noise only because its bottleneck cannot store it. Trained
# on corrupted inputs, the same network removes much more. In the full run (20,000 images,
# 5 epochs) the PSNR goes from 12.80 dB (noisy) to 16.25 dB (plain) and 19.61 dB (denoising,
# MSE), and 40% masking goes from 11.72 to 19.71 dB. The perceptual loss scores lower in PSNR
# (18.78 dB) but keeps textures (stripes, checks) that the pixel losses blur away. What the
# model learned on other photos carries over to a photo it never saw (11.42 to 24.79 dB). The
# seams between the $28 \times 28$ tiles would disappear with overlapping patches.
#
# **Try a variation.** Set `SIGMA = 0.5` in the Setup cell: the noisy input drops to about
# 8 dB, and the gain of the denoiser over the plain autoencoder grows. Or pass
# `noise="salt_and_pepper"` (with `amount=0.2`) to `denoising_autoencoder` for a model that
# learns to remove isolated black and white pixels.
