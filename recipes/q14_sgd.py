# %% [markdown]
# # Gradient descent, SGD and mini-batch SGD
#
# **Q14.** How do stochastic and mini-batch gradient descent work?
#
# ## Introduction
# The training loss is a mean over the $N$ examples, $Q(w) = \frac{1}{N} \sum_{i=1}^{N} L_i(w)$.
# Full-batch gradient descent (GD) computes its exact gradient and takes one step per pass
# over the data (an epoch):
#
# $$w_t = w_{t-1} - \eta\, \nabla Q(w_{t-1}).$$
#
# Stochastic gradient descent (SGD) steps on the gradient of *one* random example $i_t$,
# $N$ steps per epoch; mini-batch SGD averages over a random batch $B_t$ of $m$ examples,
# $N / m$ steps per epoch:
#
# $$w_t = w_{t-1} - \eta_t\, \nabla L_{i_t}(w_{t-1}), \qquad
# w_t = w_{t-1} - \eta_t\, \frac{1}{m} \sum_{j \in B_t} \nabla L_j(w_{t-1}).$$
#
# Both are unbiased estimates of the full gradient, $\mathbb{E}\left[\nabla L_{i_t}(w)\right] = \nabla Q(w)$,
# but noisy. At the minimum $w^\ast$ the *mean* gradient is 0 while single examples' gradients
# are not, so with a constant step the iterates keep jumping around $w^\ast$. The step must
# decay, fast enough to settle and slowly enough to get there ($\sum_t \eta_t = \infty$,
# $\sum_t \eta_t^2 < \infty$); we use $\eta_t = \eta_0 / (1 + t / T)$ with $T$ = 2 epochs of steps.
#
# We fit L2-regularized softmax regression to the $8 \times 8$ scikit-learn digits with
# `keras_course.optim.SGD`. The loss
# $Q(W, b) = \frac{1}{N} \sum_i -\log \operatorname{softmax}(x_i W + b)_{y_i} + \lambda \lVert W \rVert^2$
# is strictly convex, so it has one minimum $Q^\ast$; we find it independently with scipy's
# L-BFGS and plot the excess loss $Q(w) - Q^\ast$ on the whole training set, against epochs and
# against wall time. A fourth run, SGD with a constant step, stalls at a noise floor.
#
# > **Errata (notes 1.1.14).** (1) The notes write the loss as $Q(w) = \frac{1}{l} \sum (\langle w, x \rangle - y_i^2)$;
# > the square belongs to the residual: $Q(w) = \frac{1}{l} \sum_{i=1}^{l} (\langle w, x_i \rangle - y_i)^2$.
# > (2) Of mini-batches they say "возможно, делает оценку градиента более стабильной, но не факт"
# > (maybe a more stable estimate, but not for sure). It is for sure: the mean of $m$ independently
# > drawn gradients has $1/m$ of the variance of one, $\operatorname{Var}\left[\frac{1}{m} \sum_j g_j\right] = \frac{1}{m} \operatorname{Var}[g]$.
# > (3) They list as SGD's drawback that "сходится он может медленнее" (it may converge more
# > slowly). Per epoch it gets much closer than GD ($N$ steps instead of 1, see below); what is
# > slow is the final approach, which needs the decaying step.

# %% tags=["parameters"]
quick = False  # True: 500 digits and 4 epochs, seconds
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q14_sgd

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np
import scipy.optimize
from scipy.special import log_softmax, softmax

from keras_course import backend
from keras_course.data import load_digits, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.optim import SGD
from keras_course.plots import plt, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import EpochTimer, fit, set_seed

QUESTIONS = (14,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "initial_excess_loss": ("excess loss Q(w) - Q* at the start", ""),
    "gd_final_excess_loss": ("after the last epoch: full-batch GD", ""),
    "mini_batch_32_final_excess_loss": ("mini-batch 32, decaying step", ""),
    "sgd_final_excess_loss": ("SGD (batch 1), decaying step", ""),
    "sgd_constant_final_excess_loss": ("SGD (batch 1), constant step", ""),
    "full_gradient_norm_at_optimum": ("norm of the mean gradient at the optimum", ""),
    "mean_example_gradient_norm_at_optimum": ("mean norm of one example's gradient there", ""),
}
quick, seed, out = recipe_parameters("q14_sgd", quick, seed, out)
set_seed(seed)
L2 = 1e-2  # the penalty L2 * ||W||^2 makes the minimum unique and finite
# label -> (batch size, initial step lr_0, step decays?). GD's gradient is exact: it needs no
# decay and gets the largest constant step under which its loss still falls monotonically
# (at 2.0 it oscillates).
RUNS = {
    "GD (full batch)": (None, 1.5, False),
    "mini-batch 32": (32, 0.5, True),
    "SGD (batch 1)": (1, 0.05, True),
    "SGD (batch 1), constant step": (1, 0.05, False),
}
DECAY_EPOCHS = 2.0  # T, in epochs: lr_t = lr_0 / (1 + epoch / T)


def objective(theta, x, y):
    """Mean cross-entropy of softmax(x W + b) plus L2 ||W||^2, and its gradient (numpy)."""
    W, b = theta[:-10].reshape(x.shape[1], 10), theta[-10:]
    z = x @ W + b
    loss = -log_softmax(z, axis=1)[np.arange(len(y)), y].mean() + L2 * np.sum(W**2)
    r = softmax(z, axis=1)
    r[np.arange(len(y)), y] -= 1
    r /= len(y)
    return loss, np.concatenate([(x.T @ r + 2 * L2 * W).ravel(), r.sum(0)])


def per_example_gradient_norm(theta, x, y):
    """Mean norm of the gradient of one example's loss (with the penalty) at ``theta``."""
    W, b = theta[:-10].reshape(x.shape[1], 10), theta[-10:]
    r = softmax(x @ W + b, axis=1)
    r[np.arange(len(y)), y] -= 1
    grads = np.concatenate([(x[:, :, None] * r[:, None, :]).reshape(len(x), -1) + 2 * L2 * W.ravel(), r], axis=1)
    return float(np.linalg.norm(grads, axis=1).mean())


class ExcessLoss(keras.callbacks.Callback):
    """Adds to each epoch's logs ``excess_loss``, L(w) - L* on the whole training set. In the
    logs it is checkpointed with the epoch, so a resumed run has them all."""

    def __init__(self, x, y, best):
        super().__init__()
        self.x, self.y, self.best = x, y, best

    def on_epoch_end(self, epoch, logs=None):
        W, b = self.model.layers[-1].get_weights()
        theta = np.concatenate([W.ravel(), b]).astype("float64")
        logs["excess_loss"] = objective(theta, self.x, self.y)[0] - self.best


def train(x, y, batch_size, lr0, decay, epochs, best, initial, seed, run_dir):
    """One run from the ``initial`` weights: ``(excess loss per epoch, from epoch 0; cumulative
    training seconds; the final weights as one float64 vector)``."""
    batch_size = batch_size or len(x)
    steps_per_epoch = -(-len(x) // batch_size)
    lr = keras.optimizers.schedules.InverseTimeDecay(lr0, steps_per_epoch * DECAY_EPOCHS, 1.0) if decay else lr0
    model = keras.Sequential(
        [
            keras.Input((x.shape[1],)),
            keras.layers.Dense(10, activation="softmax", dtype="float32", kernel_regularizer=keras.regularizers.L2(L2)),
        ],
        name="softmax_regression",
    )
    per_call = backend.steps_per_execution(min(steps_per_epoch, 100))  # 1 on PyTorch, which runs one step per call
    model.compile(optimizer=SGD(lr), loss="sparse_categorical_crossentropy", steps_per_execution=per_call)
    # Warm up with one untimed epoch (it traces the train step, also for the smaller last
    # batch), then restart from the common initial point: the timed epochs measure steps.
    # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
    data = make_dataset(x, y, batch_size=batch_size, seed=seed)
    fit(model, data, 1, run_dir=run_dir.with_name(run_dir.name + "_warm_up"))
    model.set_weights(initial)
    model.optimizer.iterations.assign(0)
    # The timer comes first, so this evaluation and the checkpoint are not timed.
    callbacks = [EpochTimer("train_seconds"), ExcessLoss(x, y, best)]
    logs = fit(model, data, epochs, run_dir=run_dir, callbacks=callbacks).history
    start = np.concatenate([w.ravel() for w in initial]).astype("float64")
    excess = [objective(start, x, y)[0] - best] + logs["excess_loss"]
    seconds = np.cumsum([0.0] + logs["train_seconds"])
    return excess, seconds, np.concatenate([w.ravel() for w in model.get_weights()]).astype("float64")


# %% [markdown]
# ## Data: 8x8 digits
# 64 pixel features in $[0, 1]$ and 10 classes; the first `n_train` images form the training set.

# %%
x, y = load_digits()
x = x.reshape(len(x), -1).astype("float64")
n_train, epochs = (500, 4) if quick else (1500, 30)
x, y = x[:n_train], y[:n_train]
print(f"{n_train} examples with {x.shape[1]} features, {epochs} epochs per run")

# %% [markdown]
# ## The exact minimum $Q^\ast$, found independently by L-BFGS
# On the same objective, in float64. At its minimum $\nabla Q(w^\ast) = \frac{1}{N} \sum_i \nabla L_i(w^\ast) = 0$,
# but the single terms $\nabla L_i(w^\ast)$ are not 0: this is what keeps constant-step SGD moving.

# %%
result = scipy.optimize.minimize(
    objective,
    np.zeros(64 * 10 + 10),
    args=(x, y),
    jac=True,
    method="L-BFGS-B",
    options={"maxiter": 5000, "gtol": 1e-10},
)
best, theta_star = result.fun, result.x
full_gradient_at_optimum = float(np.linalg.norm(objective(theta_star, x, y)[1]))
example_gradient_at_optimum = per_example_gradient_norm(theta_star, x, y)
print(
    f"Q* = {best:.6f}; at the optimum |mean gradient| = {full_gradient_at_optimum:.2e}, "
    f"mean |one example's gradient| = {example_gradient_at_optimum:.3f}"
)

# %% [markdown]
# ## The race: the same initial weights, the same number of epochs
# GD takes 1 step per epoch, mini-batch 32 takes $\lceil N / 32 \rceil$, SGD takes $N$. Each
# run first traces its training step in an untimed warm-up epoch, then restarts from the
# common zero weights.

# %%
initial = [np.zeros((64, 10), "float32"), np.zeros(10, "float32")]
xf, excess, seconds, final = x.astype("float32"), {}, {}, {}
for label, (batch_size, lr0, decay) in RUNS.items():
    run_dir = checkpoint_dir(out, f"batch_{batch_size or 'all'}" + ("_decay" if decay else "_constant"))
    excess[label], seconds[label], final[label] = train(
        xf, y, batch_size, lr0, decay, epochs, best, initial, seed, run_dir
    )

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for label in RUNS:
    style = ":" if "constant" in label else "-"
    axes[0].semilogy(np.arange(len(excess[label])), np.maximum(excess[label], 1e-7), style, label=label)
    axes[1].semilogy(seconds[label], np.maximum(excess[label], 1e-7), style, marker=".", label=label)
axes[0].set_xlabel("epoch (passes over the training set)")
axes[1].set_xlabel("training wall time, s")
for ax in axes:
    ax.set_ylabel("L(w) - L*  (whole training set)")
    ax.grid(alpha=0.3, which="both")
axes[0].legend(fontsize=8)
fig.suptitle(f"Softmax regression on {n_train} digits; SGD steps decay as lr0 / (1 + epoch / {DECAY_EPOCHS:g})")
save_figure(
    fig,
    out / "excess_loss.png",
    caption="Excess loss (log scale) against epochs (left) and training seconds (right). Per epoch, SGD "
    "and mini-batches get far closer to the minimum than full-batch GD, which takes one step; per "
    "second mini-batches win, since a batch of 32 costs little more than one example. Near the "
    "minimum the dotted constant-step SGD falls behind the decaying one: its noise floor.",
)
show_table(
    [
        {
            "run": label,
            "steps per epoch": -(-n_train // (RUNS[label][0] or n_train)),
            "excess loss after the last epoch": excess[label][-1],
            "training seconds": seconds[label][-1],
        }
        for label in RUNS
    ],
    title=f"After {epochs} epochs (Q(w) - Q* started at {excess['GD (full batch)'][0]:.3f})",
)

# %% [markdown]
# ## Near the optimum: the noise floor
# Over the last third of the epochs, the standard deviation of the excess loss shows how much a
# run still jumps around; $\lVert w - w^\ast \rVert$ is how far its final weights are from the
# L-BFGS optimum.


# %%
def tail(label):  # the last third of the epochs: where the run sits near the optimum
    values = np.asarray(excess[label][1:])
    return values[-max(2, len(values) // 3) :]


figures = {}
for label in RUNS:
    key = label.split(" (")[0].lower().replace(" ", "_").replace("-", "_")
    key += "_constant" if "constant" in label else ""
    figures[f"{key}_final_excess_loss"] = excess[label][-1]
    figures[f"{key}_seconds"] = seconds[label][-1]
    figures[f"{key}_tail_std"] = float(np.std(tail(label)))
    figures[f"{key}_distance_to_optimum"] = float(np.linalg.norm(final[label] - theta_star))
show_table(
    [
        {
            "run": label,
            "std of the excess loss, last third": float(np.std(tail(label))),
            "distance to the optimum": float(np.linalg.norm(final[label] - theta_star)),
        }
        for label in RUNS
    ],
    title="How settled each run is",
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        **figures,
        "optimum_loss": best,
        "full_gradient_norm_at_optimum": full_gradient_at_optimum,
        "mean_example_gradient_norm_at_optimum": example_gradient_at_optimum,
        "initial_excess_loss": excess["GD (full batch)"][0],
        "train_examples": n_train,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Per epoch, batch-1 SGD and mini-batches get far closer to the minimum than full-batch GD,
# which takes one step per pass. With a constant step SGD stops improving at a noise floor,
# because single-example gradients stay large at the optimum (orders of magnitude larger than
# the mean gradient, which is 0 there); the decaying step size lets it settle.
#
# **Try a variation.** In `RUNS`, give the constant-step SGD a 4 times larger step (0.2): its
# noise floor rises, since the jitter around $w^\ast$ grows with $\eta$. Or set `DECAY_EPOCHS = 0.5`:
# the step shrinks sooner, which damps the noise but also slows the progress; compare
# `sgd_final_excess_loss` with the run above.
