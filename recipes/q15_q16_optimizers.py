# %% [markdown]
# # Momentum, Nesterov, AdaGrad, RMSProp and Adam
#
# **Q15.** What is momentum for? How does it work? Write down the formulas.
# **Q16.** What is AdaGrad for? How does it work? Write down the formulas.
#
# ## Introduction
# On an elongated valley plain gradient descent zig-zags across the steep direction and
# crawls along the flat one: a step small enough to be stable across the valley is tiny
# along it. **Momentum** (the heavy ball) keeps a velocity $h$, starting at $h_0 = 0$:
#
# $$h_t = \alpha h_{t-1} + \eta_t \nabla Q(w_{t-1}), \qquad w_t = w_{t-1} - h_t.$$
#
# Across the valley the gradient changes sign and the terms cancel; along it they add up, and
# with a constant gradient the step grows to $\eta g / (1 - \alpha)$. **Nesterov** momentum takes
# the gradient at the point $w_{t-1} - \alpha h_{t-1}$ where momentum alone would go, so it brakes
# before it overshoots:
#
# $$h_t = \alpha h_{t-1} + \eta_t \nabla Q(w_{t-1} - \alpha h_{t-1}), \qquad w_t = w_{t-1} - h_t.$$
#
# **AdaGrad** gives every parameter $j$ its own step, divided by the root of the sum of its
# squared gradients so far ($g^t = \nabla Q(w^{t-1})$, $G_j^0 = 0$):
#
# $$G_j^t = G_j^{t-1} + (g_j^t)^2, \qquad w_j^t = w_j^{t-1} - \frac{\eta}{\sqrt{G_j^t + \varepsilon}}\, g_j^t.$$
#
# Directions with large or frequent gradients slow down, rare or flat ones keep large steps,
# which evens out the valley. But $G$ only grows, so every step shrinks like $1/\sqrt{t}$.
# **RMSProp** forgets old gradients, $G_j^t = \rho\, G_j^{t-1} + (1 - \rho)(g_j^t)^2$, with the same
# update. **Adam** combines momentum with RMSProp's scaling, and corrects both averages for
# starting at 0:
#
# $$\begin{aligned} m^t &= \beta_1 m^{t-1} + (1 - \beta_1)\, g^t, & \hat m^t &= \frac{m^t}{1 - \beta_1^t}, \\
# v^t &= \beta_2 v^{t-1} + (1 - \beta_2)\, (g^t)^2, & \hat v^t &= \frac{v^t}{1 - \beta_2^t}, \\
# w^t &= w^{t-1} - \frac{\eta\, \hat m^t}{\sqrt{\hat v^t} + \varepsilon}. \end{aligned}$$
#
# We race all six from `keras_course.optim` on the quadratic $f(w) = \frac{1}{2}(w_1^2 + 25 w_2^2)$
# (condition number 25), drawing each trajectory on the contour plot, then train the same
# Fashion-MNIST MLP with each of them.
#
# The notes give momentum and Nesterov correctly (1.1.15); for Nesterov they leave out the
# weight update, the same $w_t = w_{t-1} - h_t$, and $h$ is an exponentially weighted *sum* of
# past steps rather than their average. They give no formula for Adam (1.1.16).
#
# > **Errata (notes 1.1.16).** The notes write AdaGrad's accumulator as
# > $G_j^t = G_j^t + (\nabla Q(w^{t-1}))_j^2$: the right side needs the previous value,
# > $G_j^t = G_j^{t-1} + (\nabla Q(w^{t-1}))_j^2$. For RMSProp they write
# > $G_j^t = G_j^t + (1 - \alpha)(\nabla Q(w^{t-1}))_j^2$; the decay of the old sum is missing,
# > it is $G_j^t = \alpha G_j^{t-1} + (1 - \alpha)(\nabla Q(w^{t-1}))_j^2$. Without it RMSProp would
# > be AdaGrad with a smaller step, still slowing down forever.

# %% tags=["parameters"]
quick = False  # True: 2,000 training images and 3 epochs for the MLP, under a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q15_q16_optimizers

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np

from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.optim import SGD, AdaGrad, Adam, RMSProp
from keras_course.plots import plot_history, plt, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (15, 16)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "quadratic_sgd_steps_to_1e-3": ("steps to f < 1e-3 on the quadratic: SGD", "steps"),
    "quadratic_momentum_steps_to_1e-3": ("momentum", "steps"),
    "quadratic_adagrad_steps_to_1e-3": ("AdaGrad", "steps"),
    "quadratic_momentum_overshoot": ("how far momentum runs past the minimum", ""),
    "quadratic_nesterov_overshoot": ("how far Nesterov runs past the minimum", ""),
    "mlp_sgd_test_accuracy": ("MLP test accuracy: SGD", ""),
    "mlp_adam_test_accuracy": ("MLP test accuracy: Adam", ""),
}
quick, seed, out = recipe_parameters("q15_q16_optimizers", quick, seed, out)
set_seed(seed)
CURVATURE = np.array([1.0, 25.0])  # f(w) = sum(CURVATURE * w^2) / 2
START = np.array([-9.0, 1.6])

# name -> (optimizer on the quadratic, optimizer for the MLP); steps tuned per problem.
OPTIMIZERS = {
    "SGD": (lambda: SGD(0.07), lambda: SGD(0.05)),
    "momentum": (lambda: SGD(0.015, momentum=0.8), lambda: SGD(0.01, momentum=0.9)),
    "Nesterov": (lambda: SGD(0.015, momentum=0.8, nesterov=True), lambda: SGD(0.01, momentum=0.9, nesterov=True)),
    "AdaGrad": (lambda: AdaGrad(2.0), lambda: AdaGrad(0.05)),
    "RMSProp": (lambda: RMSProp(0.2, rho=0.99), lambda: RMSProp(1e-3)),
    "Adam": (lambda: Adam(0.3), lambda: Adam(1e-3)),
}


def quadratic(w):
    return 0.5 * float(np.sum(CURVATURE * w**2))


def trajectory(optimizer, steps):
    """The points ``w_0 .. w_steps`` the optimizer visits on the quadratic (exact gradients)."""
    w = keras.Variable(START.astype("float32"))
    path = [START.copy()]
    for _ in range(steps):
        optimizer.apply_gradients([(CURVATURE.astype("float32") * keras.ops.convert_to_numpy(w), w)])
        path.append(keras.ops.convert_to_numpy(w).astype("float64"))
    return np.array(path)


def steps_to(values, tolerance):
    hits = np.flatnonzero(np.asarray(values) < tolerance)
    return int(hits[0]) if len(hits) else None


def quadratic_figures(points):
    """Final f, steps to f < 1e-3, zig-zags (sign changes of the steep coordinate) and overshoot
    (how far past the minimum the flat coordinate runs; it starts at -9) of one trajectory."""
    values = [quadratic(p) for p in points]
    return {
        "final f": values[-1],
        "steps to 1e-3": steps_to(values, 1e-3),
        "zig-zags": int(np.sum(np.diff(np.sign(points[:, 1])) != 0)),
        "overshoot": float(max(0.0, points[:, 0].max())),
    }


def draw_race(paths, path, caption=None):
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    u, v = np.meshgrid(np.linspace(-10, 3, 300), np.linspace(-2.2, 2.2, 200))
    levels = np.logspace(-2, 2.2, 14)
    ax.contour(u, v, 0.5 * (CURVATURE[0] * u**2 + CURVATURE[1] * v**2), levels=levels, colors="0.75", linewidths=0.8)
    for name, points in paths.items():
        (line,) = ax.plot(points[:, 0], points[:, 1], ".-", lw=1.1, ms=3, label=name)
        ax_loss.semilogy([max(quadratic(p), 1e-12) for p in points], color=line.get_color(), label=name)
    ax.plot(0, 0, "k*", ms=10)
    ax.set_xlabel("w1 (flat, curvature 1)")
    ax.set_ylabel("w2 (steep, curvature 25)")
    ax.legend(fontsize=8, ncol=2)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("f(w)")
    ax_loss.grid(alpha=0.3)
    fig.suptitle("The same start, six optimizers on an elongated quadratic")
    return save_figure(fig, path, caption=caption)


# %% [markdown]
# ## The race on the quadratic
# Exact gradients $\nabla f(w) = (w_1, 25 w_2)$, so there is no noise: only the update rules differ.
# Plain gradient descent multiplies $w_2$ by $1 - 25\eta$ and $w_1$ by $1 - \eta$ at each step; with
# $\eta = 0.07$ the first factor is $-0.75$ (a zig-zag at every step) and the second $0.93$ (a crawl).
# 80 steps each from $w_0 = (-9, 1.6)$.

# %%
steps = 80
paths = {name: trajectory(make(), steps) for name, (make, _) in OPTIMIZERS.items()}
draw_race(
    paths,
    out / "quadratic_race.png",
    caption="Left: the six trajectories on the contours of f. SGD zig-zags across the steep w2 axis at "
    "every step; momentum swings across the valley in wide arcs, Nesterov damps them sooner; AdaGrad "
    "and RMSProp head almost straight for the minimum, Adam circles it. Right: f per step, log scale.",
)
show_table(
    [{"optimizer": name, **quadratic_figures(points)} for name, points in paths.items()],
    title=f"{steps} steps on f(w) = (w1^2 + 25 w2^2) / 2, starting from f = {quadratic(START):g}",
)

# %% [markdown]
# ## Fashion-MNIST: the same MLP and initial weights, one run per optimizer
# An MLP 784-128-10 on flattened images, batch 64; every optimizer starts from the same initial
# weights and sees the same batches. The test set is the validation curve (dashed).

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, n_test, epochs = (2000, 1000, 3) if quick else (60000, 10000, 10)
x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
y_train, y_test = y_train[:n_train], y_test[:n_test]
model = keras.Sequential(
    [
        keras.Input((784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),
    ]
)
initial = model.get_weights()
histories, results = {}, {}
for name, (_, make) in OPTIMIZERS.items():
    model = keras.models.clone_model(model)
    model.set_weights(initial)
    model.compile(optimizer=make(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
    train = make_dataset(x_train, y_train, batch_size=64, seed=seed)
    histories[name] = fit(
        model,
        train,
        epochs,
        run_dir=checkpoint_dir(out, f"mlp_{name.lower()}"),
        validation_data=(x_test, y_test),
        verbose=0 if quick else "auto",
    )
    results[name] = model.evaluate(x_test, y_test, verbose=0)
plot_history(
    histories,
    out / "fashion_mnist_mlp.png",
    metrics=("loss", "accuracy"),
    title=f"MLP 784-128-10 on {n_train} Fashion-MNIST images (dashed: test)",
    caption="Training (solid) and test (dashed) loss and accuracy per epoch, one colour per optimizer: "
    "plain SGD learns slowest, the momentum and adaptive methods faster.",
)
show_table(
    [
        {
            "optimizer": name,
            "train loss, first epoch": histories[name].history["loss"][0],
            "train loss, last epoch": histories[name].history["loss"][-1],
            "test accuracy": results[name][1],
        }
        for name in OPTIMIZERS
    ],
    title=f"MLP after {epochs} epochs on {n_train} images",
)

# %% [markdown]
# ## Results

# %%
figures = {}
for name, points in paths.items():
    key = name.lower()
    quad = quadratic_figures(points)
    figures[f"quadratic_{key}_final_f"] = quad["final f"]
    figures[f"quadratic_{key}_steps_to_1e-3"] = quad["steps to 1e-3"]
    figures[f"quadratic_{key}_zigzags"] = quad["zig-zags"]
    figures[f"quadratic_{key}_overshoot"] = quad["overshoot"]
    figures[f"mlp_{key}_test_accuracy"] = results[name][1]
    figures[f"mlp_{key}_train_loss_first_epoch"] = histories[name].history["loss"][0]
    figures[f"mlp_{key}_train_loss_last_epoch"] = histories[name].history["loss"][-1]
metrics = save_metrics(
    out,
    {
        **figures,
        "quadratic_start_f": quadratic(START),
        "quadratic_steps": steps,
        "train_examples": n_train,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Plain SGD zig-zags across the steep direction at every step and needs 74 of the 80 steps
# to get $f$ below $10^{-3}$; momentum needs about half as many, and Nesterov, braking on the
# look-ahead gradient, overshoots the minimum about 6 times less. AdaGrad and RMSProp rescale
# each coordinate and head almost straight for the minimum; Adam's momentum makes it swing
# past it. On the MLP every momentum or adaptive method beats plain SGD, and Adam and
# RMSProp drop the training loss fastest at their default steps.
#
# **Try a variation.** In `OPTIMIZERS`, give plain SGD on the quadratic a step of 0.085: then
# $|1 - 25\eta| > 1$ and it diverges along $w_2$. Or raise the momentum to 0.95: it swings
# past the minimum more and needs more steps to settle.
