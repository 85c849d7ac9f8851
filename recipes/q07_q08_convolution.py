"""# Convolution, filters, and the maximum response

Answers Q7 (how convolution works, what a filter is, what "convolve then take the maximum"
means) and Q8 (a conv layer's inputs, outputs, formula and parameter count).

## Introduction
A filter is a small grid of weights; convolving slides it over the image and writes, at
every position, the sum of the products with the pixels under it:
Im_out(y, x, t) = sum_{i, j, c} k_t(i, j, c) Im_in(y + i, x + j, c) (a cross-correlation: no
flip). The response is large where the image looks like the filter. We apply hand-made
filters (edges, Sobel, Laplacian) to real photos with the NumPy reference ``conv2d``, check
it against our Keras ``Conv2D`` and ``keras.layers.Conv2D``, train a bank of 5x5 filters on
Fashion-MNIST, and show that the maximum of the response map does not depend on where the
pattern sits, while its position moves with the pattern.

Errata: the notes count (2d+1)^2 C T parameters, forgetting the T biases
((k k C + 1) T: 280, not 270, for 10 3x3 filters on RGB); call d the kernel size where it is
the half-width; put i = j = -1 at the "upper right" corner (it is the upper left); and call
convolution shift-invariant, when it is shift-equivariant (only conv + max is invariant).
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.conv import Conv2D, conv2d, conv_params
from keras_course.data import load_fashion_mnist, load_photo, make_dataset
from keras_course.nn import Dense
from keras_course.plots import image_grid, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (7, 8)
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


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q07_q08_convolution")
    set_seed(seed)
    rng = np.random.default_rng(seed)

    # ## Hand-made filters on real photos
    photos = {name: grey(load_photo(name))[::2, ::2] if quick else grey(load_photo(name)) for name in ("camera", "coins")}
    fig, axes = plt.subplots(len(photos), len(FILTERS) + 2, figsize=(2.3 * (len(FILTERS) + 2), 2.5 * len(photos)))
    for row, photo in zip(axes, photos.values()):
        responses = {name: conv2d(photo, k, padding="replicate") for name, k in FILTERS.items()}
        responses["Sobel magnitude"] = np.hypot(responses["Sobel x"], responses["Sobel y"])
        for ax, (name, image) in zip(row, [("photo", photo)] + list(responses.items())):
            if name in ("photo", "box blur", "Sobel magnitude"):
                ax.imshow(image, cmap="gray")
            else:  # signed responses: white is 0, red positive, blue negative
                limit = np.abs(image).max()
                ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(name, fontsize=9)
            ax.axis("off")
    save_figure(fig, out / "hand_made_filters.png")
    photo = photos["camera"]

    # ## The NumPy formula, our Conv2D and keras.layers.Conv2D agree
    bank = np.stack(list(FILTERS.values()), axis=-1)[:, :, None, :]  # (3, 3, C=1, T=6)
    batch = photo[None, :, :, None].astype("float32")
    ours = Conv2D(bank.shape[-1], 3, padding="same", use_bias=False)
    reference = keras.layers.Conv2D(bank.shape[-1], 3, padding="same", use_bias=False)
    for layer in (ours, reference):
        layer.build(batch.shape)
        layer.set_weights([bank])
    numpy_out = conv2d(batch, bank, padding="same")
    diff_ours = float(np.abs(np.asarray(ours(batch)) - numpy_out).max())
    diff_keras = float(np.abs(np.asarray(reference(batch)) - numpy_out).max())

    # ## Q8: inputs (H, W, C), outputs (H', W', T), (k k C + 1) T parameters
    rgb = keras.layers.Conv2D(10, 3)
    rgb.build((None, 224, 224, 3))
    assert rgb.count_params() == conv_params(3, 3, 10) == 280

    # ## A learnt filter bank: 16 filters of 5x5, trained on Fashion-MNIST
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, epochs = (2000, 4) if quick else (20000, 10)
    x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
    x_test = x_test[:1000, :, :, None].astype("float32") / 255.0
    model = keras.Sequential([keras.Input((28, 28, 1)), Conv2D(16, 5, activation="relu", name="filters"),
                              keras.layers.GlobalMaxPooling2D(), Dense(10, activation="softmax", dtype="float32")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train_data = make_dataset(x_train, y_train[:n_train], batch_size=64, seed=seed)
    history = fit(model, train_data, epochs, run_dir=checkpoint_dir(out, "filter_bank"), verbose=0 if quick else 2)
    _, filter_bank_accuracy = model.evaluate(x_test, y_test[:1000], verbose=0)
    learnt = model.get_layer("filters").get_weights()[0][:, :, 0, :].transpose(2, 0, 1)
    learnt = (learnt - learnt.min()) / (learnt.max() - learnt.min())
    image_grid(learnt, out / "learnt_filters.png", ncols=8, cmap="RdBu_r",
               title="16 learnt 5x5 filters (conv -> ReLU -> global max -> dense)")

    # ## Convolve, then take the maximum: the same answer wherever the pattern is
    pattern = grey(load_photo("chelsea"))[130:145, 160:175]  # a 15x15 patch of the cat's face
    pattern = pattern - pattern.mean()  # a zero-mean filter ignores flat background
    size, shifts = 64, range(0, 40, 4 if quick else 1)
    fixed_template = np.zeros((size, size))
    fixed_template[10:25, 10:25] = pattern  # what a dense unit tuned to one position computes
    conv_max, argmax_ok, dense = [], 0, []
    for s in shifts:  # slide the pattern to the right, away from where the dense unit looks
        scene = np.zeros((size, size))
        scene[10:25, 10 + s:25 + s] = pattern
        response = conv2d(scene, pattern)
        conv_max.append(response.max())
        argmax_ok += tuple(np.unravel_index(response.argmax(), response.shape)) == (10, 10 + s)
        dense.append(float((fixed_template * scene).sum()))
    conv_max, dense = np.array(conv_max), np.array(dense)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(list(shifts), conv_max / conv_max.max(), "o-", label="max of the conv response")
    ax.plot(list(shifts), dense / conv_max.max(), "s--", label="dense unit (template at one place)")
    ax.set_xlabel("shift of the pattern (pixels)")
    ax.set_ylabel("response / best response")
    ax.legend()
    ax.grid(alpha=0.3)
    save_figure(fig, out / "conv_max_invariance.png")

    return save_metrics(out, {
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
    })


# ## Conclusion
# A filter responds most where the image looks like it; its maximum over the image answers
# "is the pattern anywhere?" identically for every placement, which is why conv + max
# pooling gives shift invariance and a dense unit does not.
if __name__ == "__main__":
    recipe_main(run)
