"""# Momentum, Nesterov, AdaGrad, RMSProp and Adam

Answers Q15 (why momentum, how it works, Nesterov's look-ahead) and Q16 (AdaGrad, and its
descendants RMSProp and Adam).

## Introduction
On an elongated valley plain gradient descent zig-zags across the steep direction and
crawls along the flat one: a step small enough to be stable across the valley is tiny
along it. Momentum ``h <- a h + lr g; w <- w - h`` averages successive steps, so the
zig-zag cancels and the steps along the valley add up; Nesterov takes the gradient at
the look-ahead point ``w - a h`` and brakes earlier. AdaGrad divides each coordinate's
step by the root of its accumulated squared gradients, which equalizes the two directions
(and then slows down forever); RMSProp forgets old gradients; Adam combines momentum with
RMSProp's scaling.

We race all six from ``keras_course.optim`` on the quadratic
``f(w) = (w_1^2 + 25 w_2^2) / 2`` (condition number 25), drawing each trajectory on the
contour plot, then train the same Fashion-MNIST MLP with each of them.

Errata: the notes write RMSProp as ``G <- G + (1 - a) g^2``; the decay is missing, it is
``G <- a G + (1 - a) g^2``. They also write AdaGrad's accumulator as ``G^t = G^t + g^2``
(it is ``G^t = G^{t-1} + g^2``).
"""

import keras
import numpy as np

from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.optim import SGD, AdaGrad, Adam, RMSProp
from keras_course.plots import plot_history, plt, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (15, 16)
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


def draw_race(paths, path):
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    u, v = np.meshgrid(np.linspace(-10, 3, 300), np.linspace(-2.2, 2.2, 200))
    levels = np.logspace(-2, 2.2, 14)
    ax.contour(u, v, 0.5 * (CURVATURE[0] * u**2 + CURVATURE[1] * v**2), levels=levels, colors="0.75", linewidths=0.8)
    for name, points in paths.items():
        line, = ax.plot(points[:, 0], points[:, 1], ".-", lw=1.1, ms=3, label=name)
        ax_loss.semilogy([max(quadratic(p), 1e-12) for p in points], color=line.get_color(), label=name)
    ax.plot(0, 0, "k*", ms=10)
    ax.set_xlabel("w1 (flat, curvature 1)")
    ax.set_ylabel("w2 (steep, curvature 25)")
    ax.legend(fontsize=8, ncol=2)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("f(w)")
    ax_loss.grid(alpha=0.3)
    fig.suptitle("The same start, six optimizers on an elongated quadratic")
    return save_figure(fig, path)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q15_q16_optimizers")
    set_seed(seed)

    # ## The race on the quadratic (exact gradients, so no noise: only the update rules differ)
    steps = 80
    paths = {name: trajectory(make(), steps) for name, (make, _) in OPTIMIZERS.items()}
    draw_race(paths, out / "quadratic_race.png")

    # ## Fashion-MNIST: the same MLP and initial weights, one run per optimizer
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, n_test, epochs = (2000, 1000, 3) if quick else (60000, 10000, 10)
    x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
    x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
    y_train, y_test = y_train[:n_train], y_test[:n_test]
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax", dtype="float32")])
    initial = model.get_weights()
    histories, results = {}, {}
    for name, (_, make) in OPTIMIZERS.items():
        model = keras.models.clone_model(model)
        model.set_weights(initial)
        model.compile(optimizer=make(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
        train = make_dataset(x_train, y_train, batch_size=64, seed=seed)
        histories[name] = fit(model, train, epochs, run_dir=checkpoint_dir(out, f"mlp_{name.lower()}"),
                              validation_data=(x_test, y_test), verbose=0 if quick else "auto")
        results[name] = model.evaluate(x_test, y_test, verbose=0)
    plot_history(histories, out / "fashion_mnist_mlp.png", metrics=("loss", "accuracy"),
                 title=f"MLP 784-128-10 on {n_train} Fashion-MNIST images (dashed: test)")

    figures = {}
    for name, points in paths.items():
        key = name.lower()
        values = [quadratic(p) for p in points]
        figures[f"quadratic_{key}_final_f"] = values[-1]
        figures[f"quadratic_{key}_steps_to_1e-3"] = steps_to(values, 1e-3)
        # Zig-zags: sign changes of the steep coordinate; overshoot: how far past the
        # minimum the flat coordinate runs (it starts at -9).
        figures[f"quadratic_{key}_zigzags"] = int(np.sum(np.diff(np.sign(points[:, 1])) != 0))
        figures[f"quadratic_{key}_overshoot"] = float(max(0.0, points[:, 0].max()))
        figures[f"mlp_{key}_test_accuracy"] = results[name][1]
        figures[f"mlp_{key}_train_loss_first_epoch"] = histories[name].history["loss"][0]
        figures[f"mlp_{key}_train_loss_last_epoch"] = histories[name].history["loss"][-1]
    return save_metrics(out, {
        **figures,
        "quadratic_start_f": quadratic(START),
        "quadratic_steps": steps,
        "train_examples": n_train,
        "epochs": epochs,
    })


# ## Conclusion
# Plain SGD zig-zags across the steep direction at every step and needs 74 of the 80 steps
# to get f below 1e-3; momentum needs about half as many, and Nesterov, braking on the
# look-ahead gradient, overshoots the minimum about 6 times less. AdaGrad and RMSProp rescale
# each coordinate and head almost straight for the minimum; Adam's momentum makes it swing
# past it. On the MLP every momentum or adaptive method beats plain SGD, and Adam and
# RMSProp drop the training loss fastest at their default steps.
if __name__ == "__main__":
    recipe_main(run)
