"""# What a gradient depends on, and backpropagation

Answers Q4 (given a network and one weight w, which other parameters does dLoss/dw depend
on?) and Q5 (the idea of backpropagation, and what it is for).

## Introduction
``keras_course.nn.autodiff`` is a scalar reverse-mode engine: every ``Value`` remembers its
inputs and local derivatives, and ``backward()`` sweeps the graph once from the loss back
to the weights. On the notes' network a(x) = p11 f(v11 z1 + v21 z2) + p21 h2(x) we read off,
for every weight, the parameters its derivative depends on from the paths between the
weight and the output, and confirm each set by nudging every other parameter. Then we count
the multiplications of summing every path separately against backprop, for growing depth
and width, and train a small MLP with the engine alone.

Errata: the notes say dL/dw depends on "the parameters on the paths from w to the output";
it also depends on every parameter feeding a unit on those paths (through f'(pre-activation),
e.g. dv11 depends on v21 and on all of w), and, for a loss such as (a - y)^2, on every
parameter of the network through L'(a). And backprop computes the gradient; changing the
weights "starting from the output neuron" is the separate gradient-descent step.
"""

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.datasets import make_moons

from keras_course.nn.autodiff import (
    Value,
    backprop_multiplications,
    gradient_dependencies,
    notes_network,
    numeric_dependencies,
    path_sum_gradients,
    path_sum_multiplications,
)
from keras_course.plots import save_figure
from keras_course.runner import prepare_out, recipe_main, save_metrics
from keras_course.train import set_seed

QUESTIONS = (4, 5)


def tape_gradients(network, params, x, y):
    """The same network's gradients from tf.GradientTape (float64), as an independent check."""
    variables = {p: tf.Variable(v, dtype=tf.float64) for p, v in params.items()}
    act = {"tanh": tf.tanh, "sigmoid": tf.sigmoid, "relu": tf.nn.relu, "linear": tf.identity}
    with tf.GradientTape() as tape:
        nodes = {k: tf.constant(v, tf.float64) for k, v in x.items()}
        for unit, (activation, edges) in network.units.items():
            nodes[unit] = act[activation](tf.add_n([variables[p] * nodes[parent] for parent, p in edges.items()]))
        loss = (nodes[network.output] - y) ** 2
    grads = tape.gradient(loss, list(variables.values()))
    return dict(zip(variables, (float(g) for g in grads)))


def train_mlp_with_engine(x, y, hidden, steps, lr, rng):
    """Full-batch gradient descent on a 2-hidden-unit-layer MLP, every gradient from Value.backward()."""
    w1 = [[Value(rng.normal() / np.sqrt(2)) for _ in range(hidden)] for _ in range(2)]
    b1 = [Value(0.0) for _ in range(hidden)]
    w2 = [Value(rng.normal() / np.sqrt(hidden)) for _ in range(hidden)]
    b2 = Value(0.0)
    params = [v for row in w1 for v in row] + b1 + w2 + [b2]
    losses, accuracy = [], 0.0
    for _ in range(steps):
        total, correct = Value(0.0), 0
        for (x1, x2), target in zip(x, y):
            h = [(w1[0][j] * x1 + w1[1][j] * x2 + b1[j]).tanh() for j in range(hidden)]
            p = (sum((hj * wj for hj, wj in zip(h, w2)), b2)).sigmoid()
            total = total - (p.log() if target else (1 - p).log())  # binary cross-entropy
            correct += (p.data > 0.5) == bool(target)
        loss = total / len(x)
        loss.backward()
        for v in params:
            v.data -= lr * v.grad
        losses.append(loss.data)
        accuracy = correct / len(x)
    return losses, accuracy


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q04_q05_backprop")
    set_seed(seed)
    rng = np.random.default_rng(seed)

    # ## The notes' network, with random (generic, non-zero) parameters
    network = notes_network()
    params = {p: float(rng.normal()) for p in network.parameters}
    x, y = {"x1": 0.5, "x2": -1.2}, 0.3
    ours = network.gradients(params, x, y)
    reference = tape_gradients(network, params, x, y)
    max_diff = max(abs(ours[p] - reference[p]) for p in params)

    # ## Q4: which parameters dL/dw depends on, from the paths; confirmed by nudging the others
    names = list(network.parameters)
    matrix = np.zeros((2, len(names), len(names)))
    dependencies, confirmed = {}, True
    for k, loss in enumerate(("output", "mse")):
        for i, w in enumerate(names):
            found = gradient_dependencies(network, w, loss)
            confirmed &= found == numeric_dependencies(network, w, params, x, y, loss)
            matrix[k, i] = [name in found for name in names]
            dependencies[f"{loss}:{w}"] = sorted(found)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    for ax, k, title in zip(axes, (0, 1), ("d a(x) / dw", "d (a(x) - y)^2 / dw")):
        ax.imshow(matrix[k], cmap="Blues", vmin=0, vmax=1.4)
        ax.set_xticks(range(len(names)), names, rotation=90)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("depends on")
        ax.set_ylabel("w")
        ax.set_title(title)
    fig.suptitle("Which parameters each derivative depends on (notes' network; confirmed numerically)")
    save_figure(fig, out / "dependencies.png")

    # ## Q5: one product per path vs backprop, multiplications counted
    path_grads, path_mults = path_sum_gradients(network, params, x)
    forward_grads = network.gradients(params, x, loss="output")
    path_max_diff = max(abs(path_grads[p] - forward_grads[p]) for p in params)
    widths, depths = (2, 4, 8), range(1, 7 if quick else 9)
    cost = {w: [(path_sum_multiplications([w] * (d + 1) + [1]), backprop_multiplications([w] * (d + 1) + [1]))
                for d in depths] for w in widths}
    fig, ax = plt.subplots(figsize=(6, 4))
    for w in widths:
        ax.semilogy(list(depths), [c[0] for c in cost[w]], "o-", label=f"sum over paths, width {w}")
        ax.semilogy(list(depths), [c[1] for c in cost[w]], "s--", label=f"backprop, width {w}")
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("multiplications for the whole gradient")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, out / "backprop_savings.png")

    # ## Training with nothing but the engine
    points, steps = (60, 60) if quick else (200, 300)
    data_x, data_y = make_moons(points, noise=0.15, random_state=seed)
    losses, accuracy = train_mlp_with_engine(data_x, data_y, hidden=8, steps=steps, lr=0.5, rng=rng)
    fig, ax = plt.subplots(figsize=(5, 3.3))
    ax.plot(losses)
    ax.set_xlabel("full-batch step")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title("2-8-1 MLP on moons, gradients from Value.backward()")
    ax.grid(alpha=0.3)
    save_figure(fig, out / "engine_training.png")

    deepest = max(depths)
    return save_metrics(out, {
        "max_abs_diff_vs_gradient_tape": max_diff,
        "max_abs_diff_path_sum_vs_backprop": path_max_diff,
        "dependencies_confirmed_numerically": bool(confirmed),
        "v11_output_depends_on": dependencies["output:v11"],
        "notes_network_multiplications_paths": path_mults,
        "notes_network_multiplications_backprop": backprop_multiplications([2, 2, 2, 1]),
        f"saving_factor_width8_depth{deepest}": cost[8][-1][0] / cost[8][-1][1],
        "cost_table": {f"width{w}": {f"depth{d}": list(c) for d, c in zip(depths, cost[w])} for w in widths},
        "engine_first_loss": losses[0],
        "engine_final_loss": losses[-1],
        "engine_train_accuracy": accuracy,
        "dependencies": dependencies,
    })


# ## Conclusion
# A derivative depends on everything on or feeding the paths from its weight to the output
# (and, through the loss, on every parameter); backprop reuses each edge's product once, so
# its cost grows linearly with depth where summing paths grows like width ** depth.
if __name__ == "__main__":
    recipe_main(run)
