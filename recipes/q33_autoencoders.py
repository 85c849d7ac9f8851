"""# Autoencoders: what a code of k numbers keeps

Answers Q33: how autoencoders are built and what functional they are trained on.

## Introduction
An autoencoder is an encoder ``f`` that maps an image to a short code ``z = f(x)`` and a
decoder ``g`` that maps the code back to an image; both are trained together, without
labels, to minimise the reconstruction error ``(1/l) sum_i L(x_i, g(f(x_i)))``, here the
pixel mean squared error. The code is a bottleneck: with ``k`` numbers for 784 pixels the
network must keep what varies most between images. We train dense autoencoders with code
sizes 2 to 64 on Fashion-MNIST and measure, on the test set, the reconstruction error
against the code size (with PCA, the best *linear* code of the same size, as the
reference), a 2-D code coloured by class, and whether nearby codes mean similar images:
k-NN classification accuracy on the codes against k-NN on the raw pixels. The labels are
used only to evaluate, never to train.

Errata: the notes imply that a good reconstruction by itself makes similar images get
nearby codes; it does not promise it (the decoder may use any coordinates), so we measure it
with k-NN on the codes: codes of 8 or more numbers do as well as the raw pixels, 2-D codes
fall well short.
"""

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

from keras_course.autoencoders import autoencoder, reconstruction_loss
from keras_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist, make_dataset
from keras_course.plots import image_grid, plot_history, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (33,)
NEIGHBOURS = 5


def knn_accuracy(train_x, train_y, test_x, test_y):
    model = KNeighborsClassifier(NEIGHBOURS).fit(train_x.reshape(len(train_x), -1), train_y)
    return float(model.score(test_x.reshape(len(test_x), -1), test_y))


def error_plot(code_sizes, ae_errors, pca_errors, knn_codes, knn_raw, path):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(code_sizes, ae_errors, "o-", label="autoencoder")
    left.plot(code_sizes, pca_errors, "s--", label="PCA (best linear code)")
    left.set_xscale("log", base=2)
    left.set_xlabel("code size k")
    left.set_ylabel("test reconstruction MSE")
    left.legend()
    right.plot(code_sizes, knn_codes, "o-", label=f"{NEIGHBOURS}-NN on codes")
    right.axhline(knn_raw, color="k", ls=":", label=f"{NEIGHBOURS}-NN on raw pixels (784)")
    right.set_xscale("log", base=2)
    right.set_xlabel("code size k")
    right.set_ylabel("test accuracy")
    right.legend()
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def code_scatter(codes, labels, path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    for c, name in enumerate(FASHION_MNIST_CLASSES):
        keep = labels == c
        ax.scatter(codes[keep, 0], codes[keep, 1], s=4, alpha=0.5, label=name)
    ax.legend(fontsize=7, markerscale=3)
    ax.set_title("2-D autoencoder codes of test images (labels only colour them)")
    return save_figure(fig, path)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q33_autoencoders")
    set_seed(seed)

    # ## Data: Fashion-MNIST in [0, 1]; labels only for evaluation
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, n_test, epochs = (3000, 1000, 4) if quick else (60000, 10000, 10)
    code_sizes = (2, 16) if quick else (2, 4, 8, 16, 32, 64)
    x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
    x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
    y_train, y_test = y_train[:n_train], y_test[:n_test]
    knn_train = min(n_train, 10000)  # k-NN on 10k reference images keeps it fast

    # ## One dense autoencoder per code size: 784 -> 256 -> 128 -> k -> 128 -> 256 -> 784
    results, histories, reconstructions = {}, {}, {}
    flat_train, flat_test = x_train.reshape(n_train, -1), x_test.reshape(n_test, -1)
    for k in code_sizes:
        model, encoder, _ = autoencoder((28, 28, 1), code_size=k, kind="dense")
        model.compile(optimizer=keras.optimizers.Adam(2e-3 if quick else 1e-3), loss=reconstruction_loss("mse"))
        histories[f"k={k}"] = fit(model, make_dataset(x_train, x_train, 128, seed=seed), epochs,
                                  run_dir=checkpoint_dir(out, f"code_{k}"), validation_data=(x_test, x_test),
                                  verbose=0 if quick else 2)
        reconstructed = model.predict(x_test, verbose=0)
        codes_train, codes_test = encoder.predict(x_train[:knn_train], verbose=0), encoder.predict(x_test, verbose=0)
        pca = PCA(k, random_state=seed).fit(flat_train)
        pca_error = float(np.mean((pca.inverse_transform(pca.transform(flat_test)) - flat_test) ** 2))
        results[k] = {
            "mse": float(np.mean((reconstructed - x_test) ** 2)),
            "pca_mse": pca_error,
            "knn_accuracy": knn_accuracy(codes_train, y_train[:knn_train], codes_test, y_test),
        }
        reconstructions[k] = reconstructed[:8]
        if k == 2:
            code_scatter(codes_test, y_test, out / "codes_2d.png")
    knn_raw = knn_accuracy(x_train[:knn_train], y_train[:knn_train], x_test, y_test)

    # ## Pictures: error and k-NN against k, reconstructions, training curves
    ks = list(code_sizes)
    error_plot(ks, [results[k]["mse"] for k in ks], [results[k]["pca_mse"] for k in ks],
               [results[k]["knn_accuracy"] for k in ks], knn_raw, out / "error_vs_code_size.png")
    rows = [x_test[:8]] + [reconstructions[k] for k in ks]
    image_grid(np.concatenate(rows)[..., 0], out / "reconstructions.png", ncols=8,
               labels=[f"{name}" for name in ["input"] + [f"k={k}" for k in ks] for _ in range(8)],
               title="Test images (top row) and their reconstructions, code size k")
    plot_history(histories, out / "training.png", title="Reconstruction MSE")

    return save_metrics(out, {
        "mse_by_code_size": {str(k): results[k]["mse"] for k in ks},
        "pca_mse_by_code_size": {str(k): results[k]["pca_mse"] for k in ks},
        "knn_accuracy_by_code_size": {str(k): results[k]["knn_accuracy"] for k in ks},
        "knn_accuracy_raw_pixels": knn_raw,
        "mse_mean_image_baseline": float(np.mean((x_test - x_train.mean(0)) ** 2)),
        "chance_accuracy": 0.1,
        "train_examples": n_train,
        "epochs": epochs,
    })


# ## Conclusion
# The error falls steadily with the code size and the nonlinear code beats PCA at every
# size, most where the bottleneck is tightest; from about 8 numbers on, k-NN on the codes is
# as accurate as k-NN on all 784 pixels, and even 2 numbers group the classes (far above
# chance) without the network ever seeing a label.
if __name__ == "__main__":
    recipe_main(run)
