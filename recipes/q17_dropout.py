# %% [markdown]
# # Dropout: training versus inference
#
# **Q17.** How does dropout work: what does it do while the network trains, and when it is applied?
#
# ## Introduction
# A dropout layer has one hyperparameter, the probability $p$ of zeroing a unit. While
# training, every step draws a fresh random mask $m$ of independent Bernoulli variables, each
# unit kept with probability $1 - p$, and scales the survivors by $1 / (1 - p)$ ("inverted"
# dropout); at inference the layer is the identity:
#
# $$\text{training: } d(x) = \frac{m \odot x}{1 - p}, \quad m_i \sim \operatorname{Bernoulli}(1 - p);
# \qquad \text{inference: } d(x) = x.$$
#
# The scale keeps every unit's expected value, $\mathbb{E}[d(x)_i] = \frac{(1 - p)\, x_i}{1 - p} = x_i$,
# so the next layer sees the same scale in both modes. The original paper instead left the
# training step unscaled, $d(x) = m \odot x$, and multiplied by the keep probability at
# inference, $d(x) = (1 - p)\, x$: the same expectations, but extra work at every prediction.
# Since any unit may vanish at any step, no unit can rely on a particular other one being
# present, which discourages co-adapted features that memorize the training set.
#
# We check `keras_course.nn.Dropout` (fraction zeroed, expectation, identity at inference),
# then train a wide MLP on only 500 (quick) or 1,000 (full) Fashion-MNIST images, where it
# over-fits, with and without dropout, and compare the train/test gap.
#
# > **Errata (notes 1.1.17).** The notes define $p$ as the probability of zeroing
# > ("вероятность зануления") and write inverted dropout as $d(x) = \frac{1}{p} m \times x$. The
# > scale is one over the probability of *keeping* a unit: $d(x) = \frac{1}{1 - p}\, m \odot x$.
# > With $p = 0.2$ the notes' $1/p$ would multiply every activation's mean by
# > $\frac{1 - p}{p} = 4$ (we measure it below). Likewise the original paper's test-time factor,
# > "домножение на $p$" in the notes, is the keep probability $1 - p$.

# %% tags=["parameters"]
quick = False  # True: 500 training images and 15 epochs, under a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q17_dropout

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np

from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.nn.dropout import Dropout
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (17,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "layer_zeroed_fraction": ("fraction zeroed by Dropout(0.2) in training", ""),
    "layer_mean_ratio": ("mean after / mean before, scale 1/(1-p)", ""),
    "layer_mean_ratio_with_notes_scale": ("the same with the notes' scale 1/p", ""),
    "no_dropout_gap": ("train - test accuracy, no dropout", ""),
    "dropout_gap": ("train - test accuracy, dropout 0.5", ""),
    "no_dropout_test_loss": ("test loss, no dropout", ""),
    "dropout_test_loss": ("test loss, dropout 0.5", ""),
}
quick, seed, out = recipe_parameters("q17_dropout", quick, seed, out)
set_seed(seed)
RATE = 0.5  # dropout rate of the MLP


def mlp(rate, seed):
    """784 -> 512 -> 512 -> 10, far more parameters than 1,000 examples can pin down."""
    layers = [keras.Input((784,))]
    for i in range(2):
        layers.append(keras.layers.Dense(512, activation="relu"))
        if rate:
            layers.append(Dropout(rate, seed=seed + i))
    layers.append(keras.layers.Dense(10, activation="softmax", dtype="float32"))
    return keras.Sequential(layers)


# %% [markdown]
# ## The layer: what training and inference do to a batch of activations
# 1,000 x 500 activations drawn uniformly from $[0, 1]$, through `Dropout(0.2)`. In training a
# fraction $p$ should be zeroed and the mean kept; with the notes' scale $1/p$ instead of
# $1/(1 - p)$ the mean would grow by $(1 - p)/p = 4$. In inference nothing may change.

# %%
p = 0.2
x = np.random.default_rng(seed).uniform(0, 1, size=(1000, 500)).astype("float32")
dropped = keras.ops.convert_to_numpy(Dropout(p, seed=seed)(x, training=True))
zeroed_fraction = float(np.mean(dropped == 0))
mean_ratio = float(dropped.mean() / x.mean())  # inverted dropout: 1
mean_ratio_notes_scale = float((dropped * (1 - p) / p).mean() / x.mean())  # 1/p instead: (1-p)/p = 4
inference_max_change = float(np.abs(keras.ops.convert_to_numpy(Dropout(p)(x, training=False)) - x).max())
show_table(
    [
        {"figure": "fraction of units zeroed (training)", "measured": zeroed_fraction, "expected": p},
        {"figure": "mean after / mean before, scale 1/(1-p)", "measured": mean_ratio, "expected": 1.0},
        {
            "figure": "mean after / mean before, the notes' 1/p",
            "measured": mean_ratio_notes_scale,
            "expected": (1 - p) / p,
        },
        {"figure": "largest change at inference", "measured": inference_max_change, "expected": 0.0},
    ],
    title=f"Dropout({p}) on {x.size:,} activations",
)

# %% [markdown]
# ## Data: a small Fashion-MNIST training set
# Few training images and a wide network: without regularization it memorizes them.

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, n_test, epochs = (500, 1000, 15) if quick else (1000, 10000, 40)
x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
y_train, y_test = y_train[:n_train], y_test[:n_test]
print(f"{n_train} training and {n_test} test images, {epochs} epochs")

# %% [markdown]
# ## Over-fitting, with and without dropout
# The MLP 784-512-512-10, with a `Dropout(0.5)` after each hidden layer or without; both start
# from the same initial weights. The accuracies below are evaluated in inference mode
# (`training=False`, dropout off), also on the training set.

# %%
histories, results = {}, {}
for label, rate in (("no dropout", 0.0), (f"dropout {RATE}", RATE)):
    keras.utils.set_random_seed(seed)  # the same initial weights for both
    model = mlp(rate, seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
    train = make_dataset(x_train, y_train, batch_size=64, seed=seed)
    histories[label] = fit(
        model,
        train,
        epochs,
        run_dir=checkpoint_dir(out, label.replace(" ", "_")),
        validation_data=(x_test, y_test),
        verbose=0 if quick else "auto",
    )
    # Both accuracies with training=False: inference mode, dropout off.
    train_loss, train_accuracy = model.evaluate(x_train, y_train, verbose=0)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    results[label] = {
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "gap": train_accuracy - test_accuracy,
        "train_loss": train_loss,
        "test_loss": test_loss,
    }
plot_history(
    histories,
    out / "train_test_gap.png",
    metrics=("loss", "accuracy"),
    title=f"MLP 784-512-512-10 on {n_train} Fashion-MNIST images (dashed: test)",
    caption="Training (solid) and test (dashed) curves. Without dropout the training loss falls towards "
    "0 while the test loss stops falling and creeps up; with dropout the training curves (measured "
    "with dropout on) stay close to the test ones, and the test loss ends lower.",
)
show_table([{"run": label, **r} for label, r in results.items()], title="After training, in inference mode")

# %% [markdown]
# ## Results

# %%
plain, dropout = results["no dropout"], results[f"dropout {RATE}"]
metrics = save_metrics(
    out,
    {
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
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Without dropout the MLP reaches about 99-100% training accuracy on 1,000 images within 25-40
# epochs and its test loss climbs as it memorizes; with dropout, after the same 40 epochs,
# the train/test gap is smaller and the test loss lower. Dropout delays memorization rather
# than forbidding it: trained for 150 epochs, both nets fit every training image and reach
# the same test accuracy (dropout keeps the lower test loss). At inference the layer does
# nothing, and the $1 / (1 - p)$ scale during training keeps the activations' mean unchanged.
#
# **Try a variation.** Set `RATE = 0.2` in the setup cell: the gap narrows less than with 0.5.
# Or set `p = 0.5` in the layer cell: the notes' scale $1/p$ and the right one $1/(1 - p)$
# coincide there, and the measured ratio with the notes' scale drops to 1.
