# %% [markdown]
# # Autoencoders: what a code of k numbers keeps
#
# **Q33.** How are autoencoders built? What functional are they trained on?
#
# ## Introduction
# An autoencoder has two parts. The *encoder* $f$ maps an image $x$ to a short code
# $z = f(x) \in \mathbb{R}^k$, and the *decoder* $g$ maps the code back to an image
# $\hat x = g(z)$. Both are trained together, without labels, to minimise the reconstruction
# error over the $l$ training images,
#
# $$\frac{1}{l} \sum_{i=1}^{l} L\left(x_i, g(f(x_i))\right) \to \min_{f, g}, \qquad
# L(x, \hat x) = \frac{1}{d} \sum_{p=1}^{d} (x_p - \hat x_p)^2,$$
#
# here the pixel mean squared error over the $d = 784$ pixels. The code is a *bottleneck*.
# With $k \ll d$ numbers the network cannot copy the image, so it must keep what varies most
# between images. With $k \ge d$ it could learn the identity and learn nothing. The best
# *linear* code of size $k$ is PCA: $f(x) = W^\top (x - \bar x)$ and $g(z) = \bar x + W z$, with
# the $k$ leading principal directions as the columns of $W$. An autoencoder with nonlinear
# layers can do better.
#
# We train dense autoencoders ($784 \to 256 \to 128 \to k \to 128 \to 256 \to 784$) with code
# sizes 2 to 64 on Fashion-MNIST. On the test set we measure the reconstruction error against $k$,
# with PCA of the same size as the reference. We draw the 2-D code coloured by class. And we
# test whether nearby codes mean similar images: $5$-NN classification accuracy on the codes
# against $5$-NN on the raw pixels. The labels are used only to evaluate, never to train.
#
# > **Errata (notes 1.1.33).** The notes say "Нам нужно, чтобы похожие изображения имели похожие
# > представления (их вектора находились рядом). Это достигается, если мы из вектора картинки
# > оказываемся в состоянии +- хорошо восстановить саму картинку." ("We need similar images to get
# > similar representations. This is achieved if we can reconstruct the image well enough from its
# > vector."). A good reconstruction does not promise that: the decoder may use any coordinates,
# > and nothing in the loss measures distances between codes. So we measure it with $k$-NN on the
# > codes. In the full run, codes of 16 or more numbers are as good as the raw pixels for $k$-NN,
# > and 2-D codes fall well short. The notes' functional is right, but they leave out the
# > bottleneck, which is what stops $g(f(x)) = x$ from being learned as a plain copy.

# %% tags=["parameters"]
quick = False  # True: 3,000 images, code sizes 2 and 16, 4 epochs: seconds instead of minutes
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q33_autoencoders

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

from keras_course.autoencoders import autoencoder, reconstruction_loss
from keras_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.plots import image_grid, plot_history, plt, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (33,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "mse_by_code_size.2": ("test reconstruction MSE, code of 2", ""),
    "pca_mse_by_code_size.2": ("PCA with 2 components", ""),
    "mse_by_code_size.16": ("test reconstruction MSE, code of 16", ""),
    "pca_mse_by_code_size.16": ("PCA with 16 components", ""),
    "mse_mean_image_baseline": ("MSE of predicting the mean image", ""),
    "knn_accuracy_by_code_size.2": ("5-NN accuracy on 2-D codes", ""),
    "knn_accuracy_by_code_size.16": ("5-NN accuracy on 16-D codes", ""),
    "knn_accuracy_raw_pixels": ("5-NN accuracy on the 784 raw pixels", ""),
}
quick, seed, out = recipe_parameters("q33_autoencoders", quick, seed, out)
set_seed(seed)
NEIGHBOURS = 5


def knn_accuracy(train_x, train_y, test_x, test_y):
    model = KNeighborsClassifier(NEIGHBOURS).fit(train_x.reshape(len(train_x), -1), train_y)
    return float(model.score(test_x.reshape(len(test_x), -1), test_y))


def error_plot(code_sizes, ae_errors, pca_errors, knn_codes, knn_raw, path, caption):
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
    save_figure(fig, path, caption)


def code_scatter(codes, labels, path, caption):
    fig, ax = plt.subplots(figsize=(6, 5))
    for c, name in enumerate(FASHION_MNIST_CLASSES):
        keep = labels == c
        ax.scatter(codes[keep, 0], codes[keep, 1], s=4, alpha=0.5, label=name)
    ax.legend(fontsize=7, markerscale=3)
    ax.set_title("2-D autoencoder codes of test images (labels only colour them)")
    save_figure(fig, path, caption)


# %% [markdown]
# ## Data: Fashion-MNIST in $[0, 1]$; labels only for evaluation

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, n_test, epochs = (3000, 1000, 4) if quick else (60000, 10000, 10)
code_sizes = (2, 16) if quick else (2, 4, 8, 16, 32, 64)
x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
y_train, y_test = y_train[:n_train], y_test[:n_test]
knn_train = min(n_train, 10000)  # k-NN on 10k reference images keeps it fast
print(f"{n_train} training and {n_test} test images {x_train.shape[1:]}; code sizes {code_sizes}, {epochs} epochs")

# %% [markdown]
# ## One dense autoencoder per code size: 784 -> 256 -> 128 -> k -> 128 -> 256 -> 784
# For each $k$: train it, reconstruct the test images, encode them, and compare with PCA of
# $k$ components fitted on the same training images. A $5$-NN classifier on the codes of
# (up to) 10,000 training images then labels the test codes.

# %%
results, histories, reconstructions = {}, {}, {}
flat_train, flat_test = x_train.reshape(n_train, -1), x_test.reshape(n_test, -1)
for k in code_sizes:
    model, encoder, _ = autoencoder((28, 28, 1), code_size=k, kind="dense")
    model.compile(optimizer=keras.optimizers.Adam(2e-3 if quick else 1e-3), loss=reconstruction_loss("mse"))
    histories[f"k={k}"] = fit(
        model,
        make_dataset(x_train, x_train, 128, seed=seed),
        epochs,
        run_dir=checkpoint_dir(out, f"code_{k}"),
        validation_data=(x_test, x_test),
        verbose=0 if quick else 2,
    )
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
        code_scatter(
            codes_test,
            y_test,
            out / "codes_2d.png",
            caption="The 2-D codes of the test images, coloured by their class: the network never saw "
            "a label, yet classes such as trousers, bags and footwear form their own regions.",
        )
knn_raw = knn_accuracy(x_train[:knn_train], y_train[:knn_train], x_test, y_test)
show_table(
    [
        {
            "code size k": k,
            "autoencoder MSE": r["mse"],
            "PCA MSE": r["pca_mse"],
            f"{NEIGHBOURS}-NN accuracy on codes": r["knn_accuracy"],
        }
        for k, r in results.items()
    ],
    title="Test set, per code size",
)
print(f"{NEIGHBOURS}-NN accuracy on the raw pixels: {knn_raw:.3f} (chance: 0.1)")

# %% [markdown]
# ## Error and k-NN accuracy against the code size
# The simplest baseline ignores the input and predicts the mean training image: every code
# should beat its error.

# %%
ks = list(code_sizes)
mean_image_mse = float(np.mean((x_test - x_train.mean(0)) ** 2))
error_plot(
    ks,
    [results[k]["mse"] for k in ks],
    [results[k]["pca_mse"] for k in ks],
    [results[k]["knn_accuracy"] for k in ks],
    knn_raw,
    out / "error_vs_code_size.png",
    caption="Left: the test reconstruction error falls as the code grows, for the autoencoder and for "
    "PCA. Right: k-NN accuracy on the codes rises towards k-NN on all 784 pixels (dotted).",
)
print(
    f"predicting the mean image: MSE {mean_image_mse:.4f}; autoencoder beats PCA at k = "
    f"{[k for k in ks if results[k]['mse'] < results[k]['pca_mse']]}"
)

# %% [markdown]
# ## Reconstructions and training curves

# %%
rows = [x_test[:8]] + [reconstructions[k] for k in ks]
image_grid(
    np.concatenate(rows)[..., 0],
    out / "reconstructions.png",
    ncols=8,
    labels=[f"{name}" for name in ["input"] + [f"k={k}" for k in ks] for _ in range(8)],
    title="Test images (top row) and their reconstructions, code size k",
    caption="Test images (top row) and their reconstructions: with 2 numbers only the rough shape "
    "and brightness survive; larger codes bring back outlines and some pattern.",
)
plot_history(
    histories,
    out / "training.png",
    title="Reconstruction MSE",
    caption="Training (solid) and test (dashed) reconstruction MSE per epoch, one pair per code size.",
)
show_table(
    [
        {
            "code size": name,
            "first epoch loss": h.history["loss"][0],
            "last epoch loss": h.history["loss"][-1],
            "last test loss": h.history["val_loss"][-1],
        }
        for name, h in histories.items()
    ],
    title="Training",
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "mse_by_code_size": {str(k): results[k]["mse"] for k in ks},
        "pca_mse_by_code_size": {str(k): results[k]["pca_mse"] for k in ks},
        "knn_accuracy_by_code_size": {str(k): results[k]["knn_accuracy"] for k in ks},
        "knn_accuracy_raw_pixels": knn_raw,
        "mse_mean_image_baseline": mean_image_mse,
        "chance_accuracy": 0.1,
        "train_examples": n_train,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# The error falls steadily with the code size. In the full run (60,000 images, 10 epochs)
# the nonlinear code beats PCA at every size, most where the bottleneck is tightest (MSE 0.026
# against 0.046 at $k = 2$). Quick mode trains too briefly for that at $k = 16$. From 16
# numbers on, $5$-NN on the codes is as accurate as $5$-NN on all 784 pixels (0.825 against
# 0.818). Even 2 numbers group the classes far above chance (0.695), and the network never
# saw a label.
#
# **Try a variation.** Add `kind="conv"` to the `autoencoder(...)` call: a convolutional encoder
# should reconstruct better at the same $k$. Or pass `hidden=(64,)`: a weaker encoder and decoder
# lose most at large $k$, where the gap to PCA shrinks.
