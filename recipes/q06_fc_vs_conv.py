"""# Why fully-connected nets are a bad fit for images

Answers Q6: why applying fully-connected networks to images is a bad idea.

## Introduction
Two reasons, both measured here. Parameters: a dense layer from a 28x28 image to 1000 units
has (784 + 1) * 1000 = 785,000 weights, and the count grows with the image; a conv layer's
count, (k * k * C + 1) * T, does not depend on the image size at all. Structure: a dense
layer gives every pixel position its own weight, so a pattern learnt in one place is unknown
one pixel away. We train an MLP and a small CNN (ending in global max pooling) on the same
Fashion-MNIST subset, then test both on test images shifted by 0..6 pixels.

Errata: the notes' third point puts shifts and mirror images together; weight sharing
helps with shifts only: a CNN is no more invariant to a left-right flip than an MLP (that
takes augmentation, Q19), as the flipped-test figures show. And convolution itself is
shift-equivariant; the invariance comes from pooling its map, here with a global max.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.conv import Conv2D, MaxPool2D, conv_params
from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.nn import Dense, dense_params
from keras_course.plots import image_grid, plot_history, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (6,)
SHIFTS = tuple(range(7))


def shift_images(images, dy, dx):
    """Move the content of (N, H, W, C) images by (dy, dx) pixels, filling with zeros (background)."""
    out = np.zeros_like(images)
    h, w = images.shape[1:3]
    out[:, max(dy, 0): h + min(dy, 0), max(dx, 0): w + min(dx, 0)] = \
        images[:, max(-dy, 0): h - max(dy, 0), max(-dx, 0): w - max(dx, 0)]
    return out


def mlp():
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), Dense(256, activation="relu"),
                             Dense(10, activation="softmax", dtype="float32")], name="mlp")


def small_cnn():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        Conv2D(16, 3, padding="same", activation="relu"), MaxPool2D(2),
        Conv2D(32, 3, padding="same", activation="relu"), MaxPool2D(2),
        Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.GlobalMaxPooling2D(),  # the strongest response anywhere: position drops out
        Dense(10, activation="softmax", dtype="float32"),
    ], name="cnn")


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q06_fc_vs_conv")
    set_seed(seed)

    # ## Parameter counts: dense layers grow with the image, conv layers do not
    counts = {}
    for side, channels in ((28, 1), (224, 3)):
        counts[f"dense_{side}x{side}x{channels}_to_1000"] = dense_params(side * side * channels, 1000)
        counts[f"conv3x3_{side}x{side}x{channels}_to_64_filters"] = conv_params(3, channels, 64)

    # ## Data: a Fashion-MNIST subset
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, n_test, epochs = (2000, 500, 4) if quick else (20000, 10000, 15)
    x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
    x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
    y_train, y_test = y_train[:n_train], y_test[:n_test]

    # ## Train both on centred images only
    models, histories = {"MLP": mlp(), "CNN": small_cnn()}, {}
    n_fit = n_train - n_train // 10  # the last 10% validate
    for name, model in models.items():
        model.compile(optimizer=keras.optimizers.Adam(3e-3 if quick else 1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        train_data = make_dataset(x_train[:n_fit], y_train[:n_fit], batch_size=64, seed=seed)
        histories[name] = fit(model, train_data, epochs, run_dir=checkpoint_dir(out, name.lower()),
                              validation_data=(x_train[n_fit:], y_train[n_fit:]), verbose=0 if quick else 2)

    # ## Test on shifted copies: right, left, down and up, averaged
    accuracy = {name: [] for name in models}
    for s in SHIFTS:
        shifted = [shift_images(x_test, dy, dx) for dy, dx in ((0, s), (0, -s), (s, 0), (-s, 0))]
        batch = np.concatenate(shifted)
        labels = np.tile(y_test, len(shifted))
        for name, model in models.items():
            accuracy[name].append(float(model.evaluate(batch, labels, verbose=0, batch_size=512)[1]))

    flipped = {name: float(model.evaluate(x_test[:, :, ::-1], y_test, verbose=0, batch_size=512)[1])
               for name, model in models.items()}

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for name, acc in accuracy.items():
        ax.plot(SHIFTS, acc, "o-", label=f"{name} ({models[name].count_params():,} params)")
    ax.axhline(0.1, color="gray", ls=":", label="chance")
    ax.set_xlabel("shift (pixels)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Trained on centred images, tested shifted")
    save_figure(fig, out / "accuracy_vs_shift.png")
    image_grid(np.concatenate([shift_images(x_test[:1], 0, s) for s in SHIFTS]), out / "shifted_examples.png",
               labels=[f"shift {s}" for s in SHIFTS], ncols=7)
    plot_history(histories, out / "training.png", metrics=("loss", "accuracy"), title="MLP vs CNN")

    return save_metrics(out, {
        "mlp_accuracy_shift0": accuracy["MLP"][0],
        "cnn_accuracy_shift0": accuracy["CNN"][0],
        "mlp_accuracy_shift4": accuracy["MLP"][4],
        "cnn_accuracy_shift4": accuracy["CNN"][4],
        "mlp_accuracy_shift6": accuracy["MLP"][-1],
        "cnn_accuracy_shift6": accuracy["CNN"][-1],
        "mlp_accuracy_flipped": flipped["MLP"],
        "cnn_accuracy_flipped": flipped["CNN"],
        "mlp_accuracy_vs_shift": accuracy["MLP"],
        "cnn_accuracy_vs_shift": accuracy["CNN"],
        "mlp_params": models["MLP"].count_params(),
        "cnn_params": models["CNN"].count_params(),
        **counts,
        "train_examples": n_train,
        "epochs": epochs,
    })


# ## Conclusion
# The CNN has fewer parameters than the MLP's first layer and keeps most of its accuracy
# when the object moves; the MLP, which learnt each pixel position separately, falls apart.
if __name__ == "__main__":
    recipe_main(run)
