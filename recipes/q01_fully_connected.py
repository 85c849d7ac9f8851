# %% [markdown]
# # The fully-connected layer
#
# **Q1.** What is a fully-connected layer? How many inputs and outputs can it have? Write the
# formula for its output.
#
# ## Introduction
# A fully-connected (dense) layer takes $n$ numbers $x_1, \dots, x_n$ and returns $m$ numbers
# $z_1, \dots, z_m$. We choose $n$ and $m$ freely: $n$ is the size of the input, $m$ is how many
# outputs we want (the next layer then takes $m$ inputs). Each output is its own linear model of
# *all* the inputs:
#
# $$z_j = \sum_{i=1}^{n} w_{ij}\, x_i + b_j, \qquad j = 1, \dots, m, \qquad
# \text{or} \qquad \mathbf{z} = \mathbf{x} W + \mathbf{b},$$
#
# with $W$ an $n \times m$ matrix and $\mathbf{b}$ a vector of $m$ biases. Each output has $n$
# weights and one bias, so the layer has $m (n + 1)$ parameters. An activation $f$ is usually
# applied afterwards, $\mathbf{h} = f(\mathbf{z})$ (Q2). We check the count against Keras on the
# notes' examples, check our from-scratch `keras_course.nn.Dense` against `keras.layers.Dense`,
# and train one dense layer with a softmax (multinomial logistic regression) on Fashion-MNIST
# images, drawing the 10 weight templates it learns.
#
# > **Errata (notes 1.1.1).** The notes write the output as $z_j = \sum_{i=1}^n (w_{ij}x_i + b_j)$.
# > With the bias inside the sum it is added $n$ times, i.e. the bias would be $n b_j$. The bias
# > sits outside the sum: $z_j = \sum_{i=1}^n w_{ij} x_i + b_j$. The notes also say
# > "Цель слоя – классификация" ("the purpose of the layer is classification"): a dense layer is a
# > general linear map used for regression, for hidden features and for classification alike;
# > only a softmax on top makes it a classifier.

# %% tags=["parameters"]
quick = False  # True: 3,000 training images and 3 epochs, seconds instead of minutes
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q01_fully_connected

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np

from keras_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.nn import Dense, dense_params
from keras_course.plots import image_grid, plot_history
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (1,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "test_accuracy": ("softmax regression, Fashion-MNIST test accuracy", ""),
    "params_1000_to_2": ("parameters, 1000 features -> 2 outputs", ""),
    "params_784_to_1000": ("parameters, a 28x28 image -> 1000 units", ""),
    "max_abs_difference_vs_keras_dense": ("our Dense vs keras.layers.Dense, max output difference", ""),
    "params_model": ("parameters of the softmax regression (784 -> 10)", ""),
    "chance_accuracy": ("chance accuracy (10 classes)", ""),
}
quick, seed, out = recipe_parameters("q01_fully_connected", quick, seed, out)
set_seed(seed)
# The notes' examples: 1000 features -> 2 predictions (height, weight); a 28x28 image -> 1000.
EXAMPLES = ((1000, 2), (784, 1000))

# %% [markdown]
# ## The parameter formula $m (n + 1)$, checked against Keras
# For each of the notes' examples we build a `keras.layers.Dense` and our `Dense` and compare
# their parameter counts with $m (n + 1)$: $2 \cdot 1001 = 2002$ and $1000 \cdot 785 = 785{,}000$.

# %%
counts, rows = {}, []
for n, m in EXAMPLES:
    keras_layer = keras.layers.Dense(m)
    keras_layer.build((None, n))
    ours = Dense(m)
    ours.build((None, n))
    assert dense_params(n, m) == keras_layer.count_params() == ours.count_params()
    counts[f"params_{n}_to_{m}"] = dense_params(n, m)
    rows.append(
        {
            "inputs n": n,
            "outputs m": m,
            "m (n + 1)": dense_params(n, m),
            "keras.layers.Dense": keras_layer.count_params(),
            "our Dense": ours.count_params(),
        }
    )
show_table(rows, title="Parameters of a dense layer")

# %% [markdown]
# ## Data: real Fashion-MNIST images, flattened to $n = 784$ features
# A dense layer sees a vector, not a picture: each $28 \times 28$ image becomes 784 numbers in
# $[0, 1]$. The layout of the pixels is lost (Q6 shows why that matters).

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, n_test, epochs = (3000, 2000, 3) if quick else (60000, 10000, 15)
x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
y_train, y_test = y_train[:n_train], y_test[:n_test]
print(f"train {x_train.shape}, test {x_test.shape}, pixel values in [{x_train.min():g}, {x_train.max():g}]")

# %% [markdown]
# ## Same outputs as `keras.layers.Dense` given the same weights
# Our layer computes $\mathbf{z} = \mathbf{x} W + \mathbf{b}$ with `keras.ops.matmul`. Copying its
# $W$ and $\mathbf{b}$ into a Keras `Dense` must give the same 10 outputs for every image.

# %%
ours = Dense(10)
reference = keras.layers.Dense(10)
ours.build((None, 784))
reference.build((None, 784))
reference.set_weights(ours.get_weights())
max_difference = float(keras.ops.max(keras.ops.abs(ours(x_test[:256]) - reference(x_test[:256]))))
print(
    f"W {ours.get_weights()[0].shape}, b {ours.get_weights()[1].shape}; "
    f"max |ours - Keras| over 256 images: {max_difference:.3g}"
)

# %% [markdown]
# ## Model: one dense layer with softmax = multinomial logistic regression
# Ten outputs, one per class, turned into probabilities by the softmax
# $p_j = e^{z_j} / \sum_k e^{z_k}$ and trained with the cross-entropy $-\log p_y$. The whole
# model is one dense layer: $10 \cdot 785 = 7850$ parameters.

# %%
model = keras.Sequential([keras.Input((784,)), Dense(10, activation="softmax", dtype="float32")])
model.compile(
    optimizer=keras.optimizers.Adam(1e-3 if not quick else 3e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
n_val = n_train // 10
# make_dataset reshuffles every epoch (fit(shuffle=True) on arrays repeats one order
# once the TF seed is set).
train_data = make_dataset(x_train[n_val:], y_train[n_val:], batch_size=64, seed=seed)
history = fit(
    model,
    train_data,
    epochs,
    run_dir=checkpoint_dir(out, "softmax_regression"),
    validation_data=(x_train[:n_val], y_train[:n_val]),
    verbose=0 if quick else "auto",
)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
plot_history(
    history,
    out / "training.png",
    metrics=("loss", "accuracy"),
    title="Softmax regression",
    caption="Loss falls and accuracy rises every epoch for a single dense layer with softmax; the "
    "validation curves (dashed) stay at or above the training ones: this small model does "
    "not overfit.",
)
print(f"{model.count_params():,} parameters; test accuracy {test_accuracy:.3f} (chance 0.1), test loss {test_loss:.3f}")

# %% [markdown]
# ## Each output $j$ is a linear model: its weights $W_{:, j}$ form a $28 \times 28$ template
# $z_j = \sum_i w_{ij} x_i + b_j$ is large when the image is bright where $w_{ij}$ is positive.
# Reshaping column $j$ of $W$ to $28 \times 28$ shows what class $j$ "looks for". As a number, we
# correlate each column with its class's mean image minus the mean of all training images.

# %%
weights = model.layers[-1].get_weights()[0]  # W, shape (784, 10)
templates = weights.T.reshape(10, 28, 28)
templates = (templates - templates.min()) / (templates.max() - templates.min())
image_grid(
    templates,
    out / "weight_templates.png",
    labels=FASHION_MNIST_CLASSES,
    ncols=5,
    title="W[:, j] of the dense layer, one per class",
    cmap="RdBu_r",
    caption="The 784 weights of each output reshaped to 28x28: red pixels raise the class score, "
    "blue ones lower it. The shapes show through: the gap between a trouser's legs, the body "
    "of a coat, the soles of sandals and sneakers; each output is one template for the whole image.",
)
typical = np.stack([x_train[y_train == j].mean(axis=0) for j in range(10)]) - x_train.mean(axis=0)
show_table(
    [
        {"class": name, "corr(W[:, j], class mean - mean image)": np.corrcoef(weights[:, j], typical[j])[0, 1]}
        for j, name in enumerate(FASHION_MNIST_CLASSES)
    ],
    title="Each template resembles how its class differs from the average image",
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "chance_accuracy": 0.1,
        "max_abs_difference_vs_keras_dense": max_difference,
        **counts,
        "params_model": model.count_params(),
        "train_examples": n_train,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# A dense layer with $n$ inputs and $m$ outputs is $m$ linear models side by side and has
# $m (n + 1)$ parameters: 785,000 for a $28 \times 28$ image into 1000 units. One such layer
# with a softmax already classifies Fashion-MNIST far above chance (0.84 test accuracy in the
# full run, 15 epochs on 54,000 images), and its weights can be read as one template per class.
#
# **Try a variation.** Change `n_train, n_test, epochs` in the Data cell (e.g. 10,000 images,
# 5 epochs in quick mode) and watch the accuracy creep towards the full run's 0.84; it stays
# there, because a single linear template per class cannot do better. Or change an entry of
# `EXAMPLES` to `(224 * 224 * 3, 1000)` to see a colour photo need 150 million parameters.
