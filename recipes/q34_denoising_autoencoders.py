"""# Denoising autoencoders

Answers Q34: what the idea of denoising autoencoders is.

## Introduction
A denoising autoencoder (Vincent et al., 2008) is trained to map a *corrupted* image back
to the *clean* one: ``min (1/l) sum_i L(x_i, g(f(x_i + noise)))``. It cannot just copy its
input, so its code must capture the structure of the images (what a shirt or a shoe looks
like) that separates signal from noise. Here the noise is added by a ``Corruption`` layer
inside the model that is active only in training, so the same model denoises at inference.

On Fashion-MNIST with Gaussian noise of sigma 0.3 we report the PSNR of the noisy input and
of the output of: a plain autoencoder of the same shape trained on clean images, and
denoising autoencoders trained with pixel MSE, binary cross-entropy and (full run) a
perceptual loss on features of EfficientNet-Lite0's ImageNet weights plus pixel MSE. Then
the same model is trained on patches of real photos and cleans a photo it never saw, patch
by patch.

Errata: the notes motivate denoising by "ordinary autoencoders easily overfit"; the point
of Vincent et al. is rather that reconstructing clean from corrupted input forbids the
identity map (which an autoencoder with a wide code could learn) and forces features that
capture the structure of the data. Denoising is also not only for Gaussian noise: the
original paper masks pixels ("masking noise"), which we also test.
"""

import keras
import numpy as np

from keras_course.autoencoders import Corruption, PerceptualLoss, autoencoder, denoising_autoencoder, psnr
from keras_course.data import load_fashion_mnist, load_photo, make_dataset
from keras_course.plots import image_grid, plot_history, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (34,)
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
        out[n] = images[i][y:y + PATCH, x:x + PATCH]
    return out


def tile(image):
    """Non-overlapping PATCH x PATCH tiles of ``image`` (cropped to a multiple of PATCH) and the grid shape."""
    rows, cols = image.shape[0] // PATCH, image.shape[1] // PATCH
    crop = image[:rows * PATCH, :cols * PATCH]
    tiles = crop.reshape(rows, PATCH, cols, PATCH, -1).swapaxes(1, 2).reshape(-1, PATCH, PATCH, crop.shape[-1])
    return tiles, (rows, cols)


def untile(tiles, grid):
    rows, cols = grid
    return tiles.reshape(rows, cols, PATCH, PATCH, -1).swapaxes(1, 2).reshape(rows * PATCH, cols * PATCH, -1)


def photo_panels(images, titles, path, title):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(images), figsize=(4.5 * len(images), 3.6))
    for ax, image, name in zip(axes, images, titles):
        ax.imshow(np.clip(image[..., 0], 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(title)
    return save_figure(fig, path)


def mean_psnr(clean, other):
    return float(np.mean(keras.ops.convert_to_numpy(psnr(clean, other))))


def train(model, loss, x, epochs, quick, seed, run_dir):
    """Fit ``model`` to give back ``x`` (the corruption is inside the model); checkpoints in ``run_dir``."""
    # Quick runs take smaller, faster steps to learn something from 2,000 images.
    model.compile(optimizer=keras.optimizers.Adam(3e-3 if quick else 2e-3), loss=loss)
    data = make_dataset(x, x, 32 if quick else 64, seed=seed)
    return fit(model, data, epochs, run_dir=run_dir, verbose=0 if quick else 2)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q34_denoising_autoencoders")
    set_seed(seed)
    n_train, n_test, epochs, code = (2000, 500, 3, 32) if quick else (20000, 2000, 5, 64)

    # ## Data: clean Fashion-MNIST in [0, 1], and a fixed noisy copy of the test images
    (x_train, _), (x_test, _) = load_fashion_mnist()
    x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
    x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
    noise = {kind: Corruption(kind, amount, seed=seed + 1) for kind, amount in
             (("gaussian", SIGMA), ("masking", 0.4))}
    noisy = {kind: keras.ops.convert_to_numpy(layer(x_test, training=True)) for kind, layer in noise.items()}
    shape = (28, 28, 1)
    metrics = {"psnr_noisy_input": mean_psnr(x_test, noisy["gaussian"])}

    # ## Plain autoencoder vs denoising autoencoders with different losses
    plain, _, _ = autoencoder(shape, code, kind="conv", filters=FILTERS)
    histories = {"plain AE": train(plain, "mse", x_train, epochs, quick, seed, checkpoint_dir(out, "plain_ae"))}
    outputs = {"plain AE": plain.predict(noisy["gaussian"], verbose=0)}
    losses = {"DAE mse": "mse"}
    if not quick:  # the loss comparison (and building the pretrained extractor) takes a while
        losses["DAE bce"] = "binary_crossentropy"
        losses["DAE perceptual"] = PerceptualLoss("efficientnet_lite0", pixel_weight=1.0)
    models = {}
    for label, loss in losses.items():
        models[label], _, _ = denoising_autoencoder(shape, code, kind="conv", noise="gaussian", amount=SIGMA,
                                                    seed=seed, filters=FILTERS)
        histories[label] = train(models[label], loss, x_train, epochs, quick, seed,
                                 checkpoint_dir(out, label.replace(" ", "_").lower()))
        outputs[label] = models[label].predict(noisy["gaussian"], verbose=0)
    for label, output in outputs.items():
        metrics[f"psnr_{label.replace(' ', '_').lower()}"] = mean_psnr(x_test, output)
    metrics["psnr_gain_dae_mse_db"] = metrics["psnr_dae_mse"] - metrics["psnr_noisy_input"]
    metrics["psnr_gain_plain_ae_db"] = metrics["psnr_plain_ae"] - metrics["psnr_noisy_input"]

    # ## Masking noise (Vincent et al.): 40% of the pixels set to 0
    masked, _, _ = denoising_autoencoder(shape, code, kind="conv", noise="masking", amount=0.4, seed=seed,
                                       filters=FILTERS)
    histories["DAE masking"] = train(masked, "mse", x_train, epochs, quick, seed, checkpoint_dir(out, "dae_masking"))
    metrics["psnr_masked_input"] = mean_psnr(x_test, noisy["masking"])
    metrics["psnr_dae_masking"] = mean_psnr(x_test, masked.predict(noisy["masking"], verbose=0))

    rows = [x_test[:8], noisy["gaussian"][:8]] + [o[:8] for o in outputs.values()]
    names = ["clean", f"noisy sigma={SIGMA}"] + list(outputs)
    image_grid(np.concatenate(rows)[..., 0], out / "denoising_grid.png", ncols=8,
               labels=[n for n in names for _ in range(8)], title="Gaussian noise: inputs and outputs")
    image_grid(np.concatenate([x_test[:8], noisy["masking"][:8], masked.predict(noisy["masking"][:8], verbose=0)])
               [..., 0], out / "masking_grid.png", ncols=8,
               labels=[n for n in ("clean", "40% masked", "DAE") for _ in range(8)], title="Masking noise")
    plot_history(histories, out / "training.png", title="Training loss (each model's own loss)")

    # ## Real photos: train on patches of 7 photos, clean an unseen one (the cat "chelsea")
    photos = [grey(name) for name in TRAIN_PHOTOS]
    patches = random_patches(photos, 2000 if quick else 15000, seed)
    photo_model, _, _ = denoising_autoencoder(shape, code, kind="conv", noise="gaussian", amount=SIGMA, seed=seed,
                                             filters=FILTERS)
    histories_photo = train(photo_model, "mse", patches, epochs, quick, seed, checkpoint_dir(out, "photo_dae"))
    tiles, grid = tile(grey(TEST_PHOTO))
    noisy_tiles = keras.ops.convert_to_numpy(noise["gaussian"](tiles, training=True))
    clean_image, noisy_image = untile(tiles, grid), untile(noisy_tiles, grid)
    denoised_image = untile(photo_model.predict(noisy_tiles, verbose=0), grid)
    metrics["photo_psnr_noisy"] = mean_psnr(clean_image[None], noisy_image[None])
    metrics["photo_psnr_denoised"] = mean_psnr(clean_image[None], denoised_image[None])
    metrics["photo_psnr_gain_db"] = metrics["photo_psnr_denoised"] - metrics["photo_psnr_noisy"]
    metrics["photo_train_loss_first_last"] = [histories_photo.history["loss"][0], histories_photo.history["loss"][-1]]
    photo_panels([clean_image, noisy_image, denoised_image],
                 ["clean (unseen photo)", f"noisy, sigma={SIGMA}: {metrics['photo_psnr_noisy']:.1f} dB",
                  f"denoised patch by patch: {metrics['photo_psnr_denoised']:.1f} dB"],
                 out / "photo_denoising.png",
                 f"Denoising autoencoder trained on patches of {len(TRAIN_PHOTOS)} other photos")

    return save_metrics(out, {**metrics, "sigma": SIGMA, "code_size": code, "train_examples": n_train,
                              "epochs": epochs})


# ## Conclusion
# A plain autoencoder removes some noise only because its bottleneck cannot store it; trained
# on corrupted inputs the same network removes much more (about 3 dB more PSNR in the full
# run, 7 dB over the noisy input). The perceptual loss scores lower in PSNR but keeps
# textures (stripes, checks) that the pixel losses blur away. What the model learned on
# other photos carries over to a photo it never saw; the seams between the 28 x 28 tiles
# would disappear with overlapping patches.
if __name__ == "__main__":
    recipe_main(run)
