# %% [markdown]
# # What a gradient depends on, and backpropagation
#
# **Q4.** Typical problem: given a neural network and one parameter $w$ (the weight of a
# particular edge), show which other parameters the derivative of the loss with respect to $w$
# depends on.
# **Q5.** What is the idea of backpropagation? What is it for?
#
# ## Introduction
# The notes' network has two inputs, two hidden layers of two units and one linear output:
#
# $$a(x) = p_{11}\, f(v_{11} z_1 + v_{21} z_2) + p_{21}\, h_2, \qquad
# h_j = f(v_{1j} z_1 + v_{2j} z_2), \qquad z_j = g(w_{1j} x_1 + w_{2j} x_2),$$
#
# with $f = g = \tanh$. By the chain rule, for an edge $w$ from node $u$ into unit $v$,
#
# $$\frac{\partial L}{\partial w} = L'(a)\; u\; f_v'(s_v) \sum_{\text{paths } v \to a}\;
# \prod_{\text{edges } e \text{ on the path}} w_e\, f_{n_e}'(s_{n_e}),$$
#
# where $s_n$ is the pre-activation of unit $n$ and $n_e$ the unit edge $e$ leads into. So
# $\partial L / \partial w$ depends on the weights on the paths from $w$ to the output, on every
# parameter that feeds $u$ (through the value $u$), on every parameter feeding a unit on those
# paths (through $f'(s)$), and, through $L'(a) = 2(a - y)$ for the squared error, on every
# parameter of the network. **Backpropagation** computes all these derivatives in one backward
# sweep, computing each edge's factor once and reusing it for every path through that edge,
# instead of multiplying out each path separately.
#
# `keras_course.nn.autodiff` is a scalar reverse-mode engine: every `Value` remembers its inputs
# and local derivatives, and `backward()` sweeps the graph once from the loss to the weights. We
# read off the dependency sets from the paths, confirm each by nudging every other parameter,
# count the multiplications of summing paths against backprop, and train a small MLP with the
# engine alone.
#
# > **Errata (notes 1.1.4).** The notes say $\partial L / \partial w$ depends on "тех параметров,
# > которые находятся на пути этого веса к выходу модели" ("the parameters on the path from this
# > weight to the model's output"). That misses most of the set. Take $v_{11}$:
# > $\partial a / \partial v_{11} = p_{11}\, f'(v_{11} z_1 + v_{21} z_2)\, z_1$. The only weight on
# > its path is $p_{11}$, but the derivative also depends on $v_{21}$ (inside $f'$) and on all
# > four $w_{ij}$ (through $z_1$ and $z_2$). For a loss such as $(a - y)^2$ the factor
# > $2(a - y)$ makes it depend on every parameter of the network.
#
# > **Errata (notes 1.1.5).** The notes' summary says backpropagation "заключается в том, чтобы
# > последовательно менять веса нейронной сети, начиная с весов выходного нейрона" ("consists in
# > changing the network's weights one after another, starting from the output neuron's").
# > Backpropagation only *computes* the gradient $\nabla_\theta L$ (from the output back to the
# > inputs); changing the weights, $\theta \leftarrow \theta - \eta \nabla_\theta L$, is the
# > separate gradient-descent step (Q14), and it updates all weights at once.

# %% tags=["parameters"]
quick = False  # True: depths 1-6 and 60 points x 60 steps of engine training, seconds instead of a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q04_q05_backprop

# %% [markdown]
# ## Setup

# %%
import matplotlib.pyplot as plt
import numpy as np
from keras import ops
from sklearn.datasets import make_moons

from keras_course.backend import gradients
from keras_course.display import show_key_figures, show_table
from keras_course.nn import (
    Value,
    backprop_multiplications,
    gradient_dependencies,
    notes_network,
    numeric_dependencies,
    path_sum_gradients,
    path_sum_multiplications,
)
from keras_course.plots import save_figure
from keras_course.runner import recipe_parameters, save_metrics
from keras_course.train import set_seed

QUESTIONS = (4, 5)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "max_abs_diff_vs_gradient_tape": (
        "our engine vs the backend's autodiff (tf.GradientTape, jax.grad or torch.autograd), max gradient difference",
        "",
    ),
    "dependencies_confirmed_numerically": ("every dependency set confirmed by nudging", ""),
    "notes_network_multiplications_paths": ("multiplications, one product per path (notes' network)", ""),
    "notes_network_multiplications_backprop": ("multiplications, backprop (notes' network)", ""),
    "engine_final_loss": ("engine-trained MLP on moons, final cross-entropy", ""),
    "engine_train_accuracy": ("engine-trained MLP on moons, training accuracy", ""),
}
quick, seed, out = recipe_parameters("q04_q05_backprop", quick, seed, out)
set_seed(seed)
rng = np.random.default_rng(seed)


def autodiff_gradients(network, params, x, y):
    """The same network's gradients from the backend's autodiff, in float64 where the backend has it
    (JAX without jax_enable_x64 computes in float32), as an independent check: ``({w: dL/dw}, dtype)``."""
    act = {"tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu, "linear": lambda s: s}

    def loss(*weights):
        weights, nodes = dict(zip(params, weights, strict=True)), dict(x)
        for unit, (activation, edges) in network.units.items():
            products = [weights[p] * nodes[parent] for parent, p in edges.items()]
            nodes[unit] = act[activation](sum(products[1:], products[0]))
        return (nodes[network.output] - y) ** 2

    _, grads = gradients(loss, [np.float64(v) for v in params.values()])
    return dict(zip(params, (float(g) for g in grads), strict=True)), grads[0].dtype


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
        for (x1, x2), target in zip(x, y, strict=True):
            h = [(w1[0][j] * x1 + w1[1][j] * x2 + b1[j]).tanh() for j in range(hidden)]
            p = (sum((hj * wj for hj, wj in zip(h, w2, strict=True)), b2)).sigmoid()
            total = total - (p.log() if target else (1 - p).log())  # binary cross-entropy
            correct += (p.data > 0.5) == bool(target)
        loss = total / len(x)
        loss.backward()
        for v in params:
            v.data -= lr * v.grad
        losses.append(loss.data)
        accuracy = correct / len(x)
    return losses, accuracy


# %% [markdown]
# ## The notes' network, with random (generic, non-zero) parameters
# We draw the 10 parameters at random, feed $x = (0.5, -1.2)$ with target $y = 0.3$, and compute
# $\partial (a - y)^2 / \partial w$ for every $w$ twice: with our engine's `backward()` and with
# the backend's autodiff (`tf.GradientTape`, `jax.grad` or `torch.autograd`, through
# `keras_course.backend.gradients`), in float64.

# %%
network = notes_network()
params = {p: float(rng.normal()) for p in network.parameters}
x, y = {"x1": 0.5, "x2": -1.2}, 0.3
ours = network.gradients(params, x, y)
reference, dtype = autodiff_gradients(network, params, x, y)
max_diff = max(abs(ours[p] - reference[p]) for p in params)
rows = [(p, params[p], " -> ".join(network.edges[p]), ours[p], reference[p]) for p in params]
columns = ("w", "value", "edge", "dL/dw, engine", "dL/dw, backend autodiff")
show_table([dict(zip(columns, row, strict=True)) for row in rows], title="Gradients of $(a - y)^2$")
print(f"max |engine - backend autodiff| = {max_diff:.3g} (autodiff in {dtype})")

# %% [markdown]
# ## Q4: which parameters $\partial L / \partial w$ depends on
# For each weight, `gradient_dependencies` reads the set off the graph (the rule of the
# introduction); `numeric_dependencies` confirms it by nudging every other parameter by $10^{-3}$
# and seeing whether the derivative moves. The first column is the notes' rule (only the weights
# on the paths $w \to a$), for comparison. For the output itself ($L = a$) the sets differ per
# weight; for the squared error every set is all the other parameters.

# %%
names = list(network.parameters)
matrix = np.zeros((2, len(names), len(names)))
dependencies, confirmed = {}, True
for k, loss in enumerate(("output", "mse")):
    for i, w in enumerate(names):
        found = gradient_dependencies(network, w, loss)
        confirmed &= found == numeric_dependencies(network, w, params, x, y, loss)
        matrix[k, i] = [name in found for name in names]
        dependencies[f"{loss}:{w}"] = sorted(found)

listed = lambda found: "all the others" if len(found) == len(names) - 1 else ", ".join(found) or "-"
show_table(
    [
        {
            "w": w,
            "notes' rule: weights on the paths $w \\to a$": listed(
                sorted({p for path in network.paths(network.edges[w][1]) for p in path})
            ),
            "d a / dw depends on": listed(dependencies[f"output:{w}"]),
            "$\\partial (a - y)^2 / \\partial w$ depends on": listed(dependencies[f"mse:{w}"]),
        }
        for w in names
    ],
    title="Q4: the parameters each derivative depends on (notes' network)",
)
print("every set confirmed by nudging the other parameters:", bool(confirmed))

# %% [markdown]
# The same sets as a matrix: row $w$, a dark cell where $\partial L / \partial w$ depends on that column.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
for ax, k, title in zip(axes, (0, 1), ("d a(x) / dw", "d (a(x) - y)^2 / dw"), strict=True):
    ax.imshow(matrix[k], cmap="Blues", vmin=0, vmax=1.4)
    ax.set_xticks(range(len(names)), names, rotation=90)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="depends on", ylabel="w", title=title)
fig.suptitle("Which parameters each derivative depends on (notes' network; confirmed numerically)")
save_figure(
    fig,
    out / "dependencies.png",
    caption="Left: the derivative of the output. A first-layer weight w depends on all nine other "
    "parameters; a weight v or p only on the first layer and its own branch (h1 or h2). Right: "
    "with the squared error the factor 2 (a - y) makes every derivative depend on every parameter.",
)
print(
    f"dependencies per weight, output: {matrix[0].sum(axis=1).astype(int).tolist()}; "
    f"squared error: {matrix[1].sum(axis=1).astype(int).tolist()} (of {len(names) - 1} others)"
)

# %% [markdown]
# ## Q5: one product per path against backprop, on the notes' network
# Summing one product per path, as the notes' formulas for $\partial p / \partial x_1$ do,
# multiplies the shared factors (such as $\partial a / \partial h_1$) again for every path.
# Backprop computes each unit's $\delta_v = \partial a / \partial s_v$ once,
# $\delta_v = f_v'(s_v) \sum_{c} w_{v \to c}\, \delta_c$, and then
# $\partial a / \partial w_{u \to v} = u\, \delta_v$.

# %%
path_grads, path_mults = path_sum_gradients(network, params, x)
forward_grads = network.gradients(params, x, loss="output")
path_max_diff = max(abs(path_grads[p] - forward_grads[p]) for p in params)
print(
    f"same gradients (max difference {path_max_diff:.2g}); multiplications: "
    f"{path_mults} summing paths, {backprop_multiplications([2, 2, 2, 1])} by backprop"
)

# %% [markdown]
# ## Q5: the cost as the network grows
# In a dense network of width $n$ and depth $d$ there are about $n^d$ paths from a first-layer
# weight to the output, so summing paths costs exponentially many multiplications; backprop
# spends a few per edge, so its cost grows linearly with depth.

# %%
widths, depths = (2, 4, 8), range(1, 7 if quick else 9)
cost = {
    w: [(path_sum_multiplications([w] * (d + 1) + [1]), backprop_multiplications([w] * (d + 1) + [1])) for d in depths]
    for w in widths
}
fig, ax = plt.subplots(figsize=(6, 4))
for w in widths:
    ax.semilogy(list(depths), [c[0] for c in cost[w]], "o-", label=f"sum over paths, width {w}")
    ax.semilogy(list(depths), [c[1] for c in cost[w]], "s--", label=f"backprop, width {w}")
ax.set(xlabel="hidden layers", ylabel="multiplications for the whole gradient")
ax.grid(alpha=0.3)
ax.legend(fontsize=7)
save_figure(
    fig,
    out / "backprop_savings.png",
    caption="Multiplications for the whole gradient, log scale: summing every path separately grows "
    "exponentially with depth (straight solid lines), backprop only linearly (flat dashed lines).",
)
show_table(
    [
        {
            "hidden layers": d,
            **{f"width {w}: paths / backprop": f"{cost[w][i][0]:,} / {cost[w][i][1]:,}" for w in widths},
        }
        for i, d in enumerate(depths)
    ],
    title="Multiplications for the whole gradient",
)

# %% [markdown]
# ## Training with nothing but the engine
# A 2-8-1 MLP (tanh hidden layer, sigmoid output) on the two-moons data, full-batch gradient
# descent on the binary cross-entropy $-\frac{1}{N}\sum \left(y \log p + (1 - y) \log (1 - p)\right)$,
# every gradient from one `loss.backward()` per step.

# %%
points, steps = (60, 60) if quick else (200, 300)
data_x, data_y = make_moons(points, noise=0.15, random_state=seed)
losses, accuracy = train_mlp_with_engine(data_x, data_y, hidden=8, steps=steps, lr=0.5, rng=rng)
fig, ax = plt.subplots(figsize=(5, 3.3))
ax.plot(losses)
ax.set(
    xlabel="full-batch step", ylabel="binary cross-entropy", title="2-8-1 MLP on moons, gradients from Value.backward()"
)
ax.grid(alpha=0.3)
save_figure(
    fig,
    out / "engine_training.png",
    caption="The loss of an MLP trained only with our scalar engine's gradients falls step by step: "
    "backprop written from scratch is enough to train a network.",
)
print(f"{points} points, {steps} steps: loss {losses[0]:.3f} -> {losses[-1]:.3f}, training accuracy {accuracy:.2f}")

# %% [markdown]
# ## Results

# %%
deepest = max(depths)
metrics = save_metrics(
    out,
    {
        "max_abs_diff_vs_gradient_tape": max_diff,
        "max_abs_diff_path_sum_vs_backprop": path_max_diff,
        "dependencies_confirmed_numerically": bool(confirmed),
        "v11_output_depends_on": dependencies["output:v11"],
        "notes_network_multiplications_paths": path_mults,
        "notes_network_multiplications_backprop": backprop_multiplications([2, 2, 2, 1]),
        f"saving_factor_width8_depth{deepest}": cost[8][-1][0] / cost[8][-1][1],
        "cost_table": {
            f"width{w}": {f"depth{d}": list(c) for d, c in zip(depths, cost[w], strict=True)} for w in widths
        },
        "engine_first_loss": losses[0],
        "engine_final_loss": losses[-1],
        "engine_train_accuracy": accuracy,
        "dependencies": dependencies,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# A derivative $\partial L / \partial w$ depends on everything on or feeding the paths from $w$ to
# the output, and, through the loss, on every parameter; on the notes' network
# $\partial a / \partial v_{11}$ depends on $p_{11}$, $v_{21}$ and all four $w_{ij}$. Backprop
# computes each edge's factor once, so its cost grows linearly with depth, where summing paths
# grows like $\text{width}^{\text{depth}}$ (2.56 billion against 1040 multiplications for width 8,
# depth 8, in the full run).
#
# **Try a variation.** In the first cell set `x = {"x1": 0.0, "x2": -1.2}`: the input $x_1$
# multiplies $\partial L / \partial w_{11}$ and $\partial L / \partial w_{12}$, so they become 0
# whatever the other parameters, nudging finds fewer dependencies than the graph, and
# `dependencies_confirmed_numerically` turns false. The graph's sets hold for generic values; a
# zero can hide a dependency. Or change `lr=0.5` in the training cell to 2.0 and watch the loss curve.
