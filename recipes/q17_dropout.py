"""# Dropout: training versus inference

Answers Q17: what dropout does while a network trains and when it is applied.

## Introduction
While training, dropout zeroes each unit of its input with probability ``p`` (a fresh
random mask every step) and scales the survivors by ``1 / (1 - p)``; at inference it is
the identity. The scale keeps every unit's expected value unchanged, so the next layer
sees the same scale in both modes (this is "inverted" dropout; the original paper instead
multiplied by the keep probability ``1 - p`` at inference). A unit cannot rely on any
particular other unit being present, which discourages co-adapted, memorizing features.

We check ``keras_course.nn.Dropout`` (fraction zeroed, expectation, identity at inference),
then train a wide MLP on only 1,000 Fashion-MNIST images, where it over-fits, with and
without dropout, and plot the train/test gap.

Errata: the notes scale by ``1 / p`` with ``p`` the probability of *zeroing*; the scale is
``1 / (1 - p)``. With ``p = 0.2`` the notes' scale would multiply every activation's mean
by 4 (we measure it). The original paper's test-time factor is likewise the keep
probability ``1 - p``, not ``p``.
"""

import keras
import numpy as np

from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.nn.dropout import Dropout
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (17,)
RATE = 0.5


def mlp(rate, seed):
    """784 -> 512 -> 512 -> 10, far more parameters than 1,000 examples can pin down."""
    layers = [keras.Input((784,))]
    for i in range(2):
        layers.append(keras.layers.Dense(512, activation="relu"))
        if rate:
            layers.append(Dropout(rate, seed=seed + i))
    layers.append(keras.layers.Dense(10, activation="softmax", dtype="float32"))
    return keras.Sequential(layers)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q17_dropout")
    set_seed(seed)

    # ## The layer: what training and inference do to a batch of activations
    p = 0.2
    x = np.random.default_rng(seed).uniform(0, 1, size=(1000, 500)).astype("float32")
    dropped = keras.ops.convert_to_numpy(Dropout(p, seed=seed)(x, training=True))
    zeroed_fraction = float(np.mean(dropped == 0))
    mean_ratio = float(dropped.mean() / x.mean())  # inverted dropout: 1
    mean_ratio_notes_scale = float((dropped * (1 - p) / p).mean() / x.mean())  # 1/p instead: (1-p)/p = 4
    inference_max_change = float(np.abs(keras.ops.convert_to_numpy(Dropout(p)(x, training=False)) - x).max())

    # ## Over-fitting on a small training set, with and without dropout
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, n_test, epochs = (500, 1000, 15) if quick else (1000, 10000, 40)
    x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
    x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
    y_train, y_test = y_train[:n_train], y_test[:n_test]
    histories, results = {}, {}
    for label, rate in (("no dropout", 0.0), (f"dropout {RATE}", RATE)):
        keras.utils.set_random_seed(seed)  # the same initial weights for both
        model = mlp(rate, seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
        train = make_dataset(x_train, y_train, batch_size=64, seed=seed)
        histories[label] = fit(model, train, epochs, run_dir=checkpoint_dir(out, label.replace(" ", "_")),
                               validation_data=(x_test, y_test), verbose=0 if quick else "auto")
        # Both accuracies with training=False: inference mode, dropout off.
        train_loss, train_accuracy = model.evaluate(x_train, y_train, verbose=0)
        test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
        results[label] = {"train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
                          "gap": train_accuracy - test_accuracy, "train_loss": train_loss, "test_loss": test_loss}
    plot_history(histories, out / "train_test_gap.png", metrics=("loss", "accuracy"),
                 title=f"MLP 784-512-512-10 on {n_train} Fashion-MNIST images (dashed: test)")

    plain, dropout = results["no dropout"], results[f"dropout {RATE}"]
    return save_metrics(out, {
        "no_dropout_train_accuracy": plain["train_accuracy"],
        "no_dropout_test_accuracy": plain["test_accuracy"],
        "no_dropout_gap": plain["gap"],
        "no_dropout_test_loss": plain["test_loss"],
        "dropout_train_accuracy": dropout["train_accuracy"],
        "dropout_test_accuracy": dropout["test_accuracy"],
        "dropout_gap": dropout["gap"],
        "dropout_test_loss": dropout["test_loss"],
        "dropout_rate": RATE,
        "layer_p": p,
        "layer_zeroed_fraction": zeroed_fraction,
        "layer_mean_ratio": mean_ratio,
        "layer_mean_ratio_with_notes_scale": mean_ratio_notes_scale,
        "layer_inference_max_change": inference_max_change,
        "train_examples": n_train,
        "epochs": epochs,
    })


# ## Conclusion
# Without dropout the MLP reaches about 99-100% training accuracy on 1,000 images within 25-40
# epochs and its test loss climbs as it memorizes; with dropout, after the same 40 epochs,
# the train/test gap is smaller and the test loss lower. Dropout delays memorization rather
# than forbidding it: trained for 150 epochs, both nets fit every training image and reach
# the same test accuracy (dropout keeps the lower test loss). At inference the layer does
# nothing, and the 1 / (1 - p) scale during training keeps the activations' mean unchanged.
if __name__ == "__main__":
    recipe_main(run)
