# %% [markdown]
# # Batch normalization
#
# **Q18.** What is batch normalization? Which problem does it try to solve?
#
# ## Introduction
# A batch-norm layer normalizes each feature $j$ over the current batch of $m$ examples, then
# rescales it by a learned $\gamma_j$ and shifts it by a learned $\beta_j$. In training:
#
# $$\mu_B = \frac{1}{m} \sum_{i=1}^{m} x_i, \qquad \sigma_B^2 = \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu_B)^2, \qquad
# \hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}}, \qquad z_i = \gamma \hat x_i + \beta,$$
#
# feature by feature, while running averages follow the batch statistics,
# $\hat\mu \leftarrow \lambda \hat\mu + (1 - \lambda) \mu_B$ and
# $\hat\sigma^2 \leftarrow \lambda \hat\sigma^2 + (1 - \lambda) \sigma_B^2$ (momentum $\lambda$, 0.9 here).
# At inference the layer uses them instead, so an example's prediction does not depend on its batch:
#
# $$z = \gamma\, \frac{x - \hat\mu}{\sqrt{\hat\sigma^2 + \varepsilon}} + \beta.$$
#
# It was proposed against "internal covariate shift": every layer's input distribution moves
# as the layers before it learn. Whether that is why it works is disputed, but it reliably makes
# deep networks train faster and tolerate far larger steps: the layer after it sees inputs on
# the same scale whatever the weights before it do, so a large step cannot blow the activations up.
#
# We train a deep ReLU MLP (10 hidden layers of 128 units) on Fashion-MNIST with plain SGD
# from `keras_course.optim`, with and without `keras_course.nn.BatchNormalization` after each
# hidden dense layer: a sweep of step sizes to find the largest one that still trains, and the
# learning curves at the same step size.
#
# > **Errata (notes 1.1.18).** The notes say that after batch norm the outputs have mean $\beta_j$
# > and standard deviation $\gamma_j$ "независимо от того, что было до батчнорма" (whatever came
# > before). Over a training batch the mean is $\beta_j$, but the standard deviation is
# > $|\gamma_j| \sqrt{\sigma_B^2 / (\sigma_B^2 + \varepsilon)}$, slightly below $|\gamma_j|$ (far below for a
# > feature with $\sigma_B^2 \lesssim \varepsilon$); at inference, with the running averages, neither holds
# > exactly. The notes also call the problem "internal covariance shift"; the term is *covariate* shift.

# %% tags=["parameters"]
quick = False  # True: 2,000 training images, 3 step sizes, a minute or two
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q18_batchnorm

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np

from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.nn.batchnorm import BatchNormalization
from keras_course.optim import SGD
from keras_course.plots import plot_history, plt, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (18,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "largest_lr_no_bn": ("largest SGD step that still trains, no batch norm", ""),
    "largest_lr_bn": ("largest SGD step that still trains, batch norm", ""),
    "no_bn_final_loss": ("training loss after the last epoch at lr 0.03, no batch norm", ""),
    "bn_final_loss": ("the same with batch norm", ""),
    "no_bn_test_accuracy": ("test accuracy at lr 0.03, no batch norm", ""),
    "bn_test_accuracy": ("test accuracy at lr 0.03, batch norm", ""),
    "bn_test_accuracy_at_largest_lr": ("test accuracy, batch norm at its largest step", ""),
}
quick, seed, out = recipe_parameters("q18_batchnorm", quick, seed, out)
set_seed(seed)
DEPTH, WIDTH = 10, 128
COMMON_LR = 0.03
SWEEP = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
QUICK_SWEEP = (0.03, 0.3, 1.0)
TRAINS = 0.5  # "still trains": training accuracy above 0.5 (chance is 0.1) and a finite loss


def deep_mlp(batch_norm):
    layers = [keras.Input((784,))]
    for _ in range(DEPTH):
        # With batch norm the dense bias is redundant (beta shifts the same way).
        layers.append(keras.layers.Dense(WIDTH, use_bias=not batch_norm, kernel_initializer="he_normal"))
        if batch_norm:
            # momentum 0.9: the moving statistics catch up within tens of steps (short runs).
            layers.append(BatchNormalization(momentum=0.9))
        layers.append(keras.layers.ReLU())
    layers.append(keras.layers.Dense(10, activation="softmax", dtype="float32"))
    return keras.Sequential(layers)


# %% [markdown]
# ## Data and the two networks
# One compiled model per variant. Every run below restarts from the same initial weights (the
# moving statistics included), and only the optimizer's learning-rate variable changes, so
# nothing is retraced between runs.

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, n_test, epochs, sweep_epochs = (2000, 1000, 3, 2) if quick else (20000, 10000, 15, 3)
x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
y_train, y_test = y_train[:n_train], y_test[:n_test]

models, initial = {}, {}
for label, batch_norm in (("no batch norm", False), ("batch norm", True)):
    keras.utils.set_random_seed(seed)
    models[label] = deep_mlp(batch_norm)
    models[label].compile(optimizer=SGD(COMMON_LR), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    initial[label] = models[label].get_weights()


def train(label, lr, n_epochs, validation=True):
    model = models[label]
    model.set_weights(initial[label])  # includes the moving statistics
    model.optimizer.learning_rate.assign(lr)
    model.optimizer.iterations.assign(0)
    # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
    # The sweep diverges on purpose at large steps: a NaN loss is a result there, not an error.
    history = fit(
        model,
        make_dataset(x_train, y_train, batch_size=64, seed=seed),
        n_epochs,
        run_dir=checkpoint_dir(out, f"{label.replace(' ', '_')}_lr{lr:g}_{n_epochs}ep"),
        validation_data=(x_test, y_test) if validation else None,
        stop_on_nan=False,
    )
    return history, model.evaluate(x_train, y_train, verbose=0), model.evaluate(x_test, y_test, verbose=0)


show_table(
    [
        {"network": label, "layers": len(model.layers), "parameters": model.count_params()}
        for label, model in models.items()
    ],
    title=f"{DEPTH} hidden layers of {WIDTH} units; {n_train} training, {n_test} test images",
)

# %% [markdown]
# ## The largest step that still trains
# For each step size, a short run from the initial weights; it "still trains" when its loss is
# finite and its training accuracy in the last epoch (the mean over the batches as seen during
# training) is above 0.5. Once a step diverges, larger ones are skipped.

# %%
lrs = QUICK_SWEEP if quick else SWEEP
sweep = {label: [] for label in models}
for label in models:
    for lr in lrs:
        logs = train(label, lr, sweep_epochs, validation=False)[0].history
        finite = bool(np.isfinite(logs["loss"][-1]))
        sweep[label].append(logs["accuracy"][-1] if finite else 0.0)
        if not finite:
            break  # diverged: larger steps diverge too
largest = {  # accs stops at the first step that diverged: zip ends there
    label: max([lr for lr, acc in zip(lrs, accs, strict=False) if acc > TRAINS], default=None)
    for label, accs in sweep.items()
}

fig, ax = plt.subplots(figsize=(5.5, 3.6))
for label, accs in sweep.items():
    ax.semilogx(lrs[: len(accs)], accs, "o-", label=label)
ax.axhline(TRAINS, color="0.6", ls=":", label="trains (> 0.5)")
ax.set_xlabel("SGD learning rate")
ax.set_ylabel(f"training accuracy after {sweep_epochs} epoch(s)")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
save_figure(
    fig,
    out / "learning_rate_sweep.png",
    caption="Training accuracy after a short run per SGD step size (log scale; 0 means the loss "
    "diverged). Without batch norm the deep MLP diverges once the step grows past a few hundredths; "
    "with batch norm it still trains at steps many times larger.",
)
show_table(
    [
        {"learning rate": lr, **{label: (accs[i] if i < len(accs) else "skipped") for label, accs in sweep.items()}}
        for i, lr in enumerate(lrs)
    ],
    title=f"Training accuracy after {sweep_epochs} epoch(s) (0: diverged)",
)
print("largest step that still trains:", ", ".join(f"{label} {lr}" for label, lr in largest.items()))

# %% [markdown]
# ## Convergence: both at the same step, and batch norm at its largest step
# Both networks at $\eta = 0.03$ for the full number of epochs, and the batch-normalized one
# again at the largest step it survived.

# %%
histories, results = {}, {}
runs = [("no batch norm", COMMON_LR), ("batch norm", COMMON_LR)]
if largest["batch norm"] and largest["batch norm"] != COMMON_LR:
    runs.append(("batch norm", largest["batch norm"]))
for label, lr in runs:
    history, _, (test_loss, test_accuracy) = train(label, lr, epochs)
    histories[f"{label}, lr {lr:g}"] = history
    results[f"{label}, lr {lr:g}"] = (history.history["loss"], test_accuracy)
plot_history(
    histories,
    out / "convergence.png",
    metrics=("loss", "accuracy"),
    title=f"{DEPTH}-hidden-layer ReLU MLP, SGD, {n_train} Fashion-MNIST images (dashed: test)",
    caption="Training (solid) and test (dashed) loss and accuracy per epoch. At the same step 0.03 the "
    "batch-normalized network's loss falls faster; at its largest step its training loss starts "
    "lowest, but the test curves (computed with the running averages) lag behind.",
)
show_table(
    [
        {
            "run": name,
            "training loss, first epoch": loss[0],
            "training loss, last epoch": loss[-1],
            "test accuracy": accuracy,
        }
        for name, (loss, accuracy) in results.items()
    ],
    title=f"After {epochs} epochs",
)

# %% [markdown]
# ## Results

# %%
plain_loss, plain_accuracy = results[f"no batch norm, lr {COMMON_LR:g}"]
bn_loss, bn_accuracy = results[f"batch norm, lr {COMMON_LR:g}"]
metrics = save_metrics(
    out,
    {
        "common_lr": COMMON_LR,
        "no_bn_first_epoch_loss": plain_loss[0],
        "no_bn_final_loss": plain_loss[-1],
        "no_bn_test_accuracy": plain_accuracy,
        "bn_first_epoch_loss": bn_loss[0],
        "bn_final_loss": bn_loss[-1],
        "bn_test_accuracy": bn_accuracy,
        "largest_lr_no_bn": largest["no batch norm"],
        "largest_lr_bn": largest["batch norm"],
        "bn_test_accuracy_at_largest_lr": results.get(f"batch norm, lr {largest['batch norm']:g}", (0, bn_accuracy))[1]
        if largest["batch norm"]
        else None,
        "sweep_lrs": list(lrs),
        "sweep_train_accuracy_no_bn": sweep["no batch norm"],
        "sweep_train_accuracy_bn": sweep["batch norm"],
        "train_examples": n_train,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# At the same step size the batch-normalized network's loss falls faster, and it still trains
# at steps many times larger than the largest one the plain network survives.
#
# **Try a variation.** Set `DEPTH = 3` in the setup cell: a shallow network survives larger
# steps without batch norm too, and the gap between the two sweeps narrows. Or pass
# `momentum=0.99` to `BatchNormalization` in `deep_mlp`: in these short runs the running
# averages lag behind, and the test accuracy (computed with them) falls.
