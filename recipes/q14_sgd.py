"""# Gradient descent, SGD and mini-batch SGD

Answers Q14: how stochastic and mini-batch gradient descent work, and why the step size
must decay.

## Introduction
Full-batch gradient descent (GD) computes the exact gradient of the mean loss over all N
examples and takes one step per pass (epoch). Stochastic gradient descent (SGD) takes a
step on the gradient of *one* random example, N steps per epoch; mini-batch SGD averages
over m examples, N / m steps per epoch. Each small-batch gradient is an unbiased but noisy
estimate of the full one.

We fit L2-regularized softmax regression to the 8x8 scikit-learn digits with
``keras_course.optim.SGD``; the stochastic runs use a decaying step size
``lr_t = lr_0 / (1 + t / T)``. The
objective is strictly convex, so it has one minimum ``L*``; we find it independently with
scipy's L-BFGS and plot the excess loss ``L(w) - L*`` on the whole training set, against
epochs and against wall time. A fourth run, SGD with a constant step, stalls at a noise
floor: at the optimum the *mean* gradient is 0, but the gradient of a single example is
not (we measure both), so constant-size steps keep jumping around the minimum.

Errata: the notes list as SGD's drawback that "it may converge more slowly"; per epoch
it converges much faster than GD (N steps instead of 1), what is slower is the final
approach, which needs the decaying step size.
"""

import keras
import numpy as np
import scipy.optimize
from scipy.special import log_softmax, softmax

from keras_course.data import load_digits, make_dataset
from keras_course.optim import SGD
from keras_course.plots import plt, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import EpochTimer, fit, set_seed

QUESTIONS = (14,)
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
    lr = (keras.optimizers.schedules.InverseTimeDecay(lr0, steps_per_epoch * DECAY_EPOCHS, 1.0)
          if decay else lr0)
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(
        10, activation="softmax", dtype="float32", kernel_regularizer=keras.regularizers.L2(L2))],
        name="softmax_regression")
    model.compile(optimizer=SGD(lr), loss="sparse_categorical_crossentropy",
                  steps_per_execution=min(steps_per_epoch, 100))
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


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q14_sgd")
    set_seed(seed)

    # ## Data: 8x8 digits, 64 pixel features in [0, 1], 10 classes
    x, y = load_digits()
    x = x.reshape(len(x), -1).astype("float64")
    n_train, epochs = (500, 4) if quick else (1500, 30)
    x, y = x[:n_train], y[:n_train]

    # ## The exact minimum L*, found independently by L-BFGS on the same objective
    result = scipy.optimize.minimize(objective, np.zeros(64 * 10 + 10), args=(x, y), jac=True,
                                     method="L-BFGS-B", options={"maxiter": 5000, "gtol": 1e-10})
    best, theta_star = result.fun, result.x
    full_gradient_at_optimum = float(np.linalg.norm(objective(theta_star, x, y)[1]))
    example_gradient_at_optimum = per_example_gradient_norm(theta_star, x, y)

    # ## The race: the same initial weights, the same number of epochs
    initial = [np.zeros((64, 10), "float32"), np.zeros(10, "float32")]
    xf, excess, seconds, final = x.astype("float32"), {}, {}, {}
    for label, (batch_size, lr0, decay) in RUNS.items():
        run_dir = checkpoint_dir(out, f"batch_{batch_size or 'all'}" + ("_decay" if decay else "_constant"))
        excess[label], seconds[label], final[label] = train(xf, y, batch_size, lr0, decay, epochs, best, initial,
                                                            seed, run_dir)

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
    save_figure(fig, out / "excess_loss.png")

    def tail(label):  # the last third of the epochs: where the run sits near the optimum
        values = np.asarray(excess[label][1:])
        return values[-max(2, len(values) // 3):]

    figures = {}
    for label in RUNS:
        key = label.split(" (")[0].lower().replace(" ", "_").replace("-", "_")
        key += "_constant" if "constant" in label else ""
        figures[f"{key}_final_excess_loss"] = excess[label][-1]
        figures[f"{key}_seconds"] = seconds[label][-1]
        figures[f"{key}_tail_std"] = float(np.std(tail(label)))
        figures[f"{key}_distance_to_optimum"] = float(np.linalg.norm(final[label] - theta_star))
    return save_metrics(out, {
        **figures,
        "optimum_loss": best,
        "full_gradient_norm_at_optimum": full_gradient_at_optimum,
        "mean_example_gradient_norm_at_optimum": example_gradient_at_optimum,
        "initial_excess_loss": excess["GD (full batch)"][0],
        "train_examples": n_train,
        "epochs": epochs,
    })


# ## Conclusion
# Per epoch, batch-1 SGD and mini-batches get far closer to the minimum than full-batch GD,
# which takes one step per pass. With a constant step SGD stops improving at a noise floor,
# because single-example gradients stay large at the optimum; the decaying step size lets
# it settle.
if __name__ == "__main__":
    recipe_main(run)
