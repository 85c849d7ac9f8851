# %% [markdown]
# # One hidden layer is enough: universal approximation
#
# **Q3.** How many fully-connected layers does a neural network need to model patterns more
# complex than a linear model can?
#
# ## Introduction
# Without a nonlinearity, any number of dense layers is one linear model (Q2). With **one hidden
# layer** followed by a nonlinearity (two dense layers in all) the network
#
# $$a(x) = \sum_{j=1}^{N} p_j\, \sigma(v_j x + c_j) + b$$
#
# is already a *universal approximator*. Cybenko (1989) proved it for the sigmoid $\sigma$: for
# every continuous $f$ on a closed interval (more generally, a compact set in $\mathbb{R}^d$) and
# every $\varepsilon > 0$ there are $N$ and parameters $p_j, v_j, c_j, b$ with
#
# $$\max_{x} |a(x) - f(x)| < \varepsilon.$$
#
# Each unit $\sigma(v_j x + c_j)$ is a smooth step at $x = -c_j / v_j$; a weighted sum of enough
# steps follows any continuous curve. We fit such networks of growing width $N$ to a wiggly
# continuous function and plot the largest error against $N$: it falls as $N$ grows, as the
# theorem promises.
#
# > **Errata (notes 1.1.3).** The notes call it "Теорема Цыбулько" ("Tsybulko's theorem"); it is
# > **Cybenko's** theorem (G. Cybenko, 1989), and Hornik (1991) extended it to any non-constant
# > bounded activation. The notes' reading, "a two-layer network with at least one nonlinearity
# > gets high enough accuracy", leaves out what the theorem does *not* say: it only shows that
# > good parameters exist. It gives no bound on how many units $N$ are needed (it can be huge),
# > and it does not promise that gradient descent finds those parameters. Deeper networks often
# > reach the same accuracy with far fewer units, which is why practice uses depth.

# %% tags=["parameters"]
quick = False  # True: widths 2, 8, 32, 128 and 1,500 steps each, seconds instead of minutes
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q03_universal_approximation

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.data import make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.nn import Dense
from keras_course.plots import save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (3,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "max_error_smallest_width": ("max error on [-1, 1], narrowest hidden layer", ""),
    "max_error_largest_width": ("max error on [-1, 1], widest hidden layer", ""),
    "max_error_by_width.32": ("max error on [-1, 1], 32 hidden units", ""),
    "error_ratio": ("narrowest / widest error", ""),
    "steps": ("Adam steps per width", ""),
}
quick, seed, out = recipe_parameters("q03_universal_approximation", quick, seed, out)
set_seed(seed)


def target_function(x):
    """A continuous, wiggly function on [-1, 1]: two waves and a kink."""
    return np.sin(3 * np.pi * x) + 0.5 * np.cos(7 * x) + np.abs(x) - 0.5


def one_hidden_layer(width):
    """``a(x) = sum_j p_j sigma(v_j x + c_j) + b``. The wide initial ``v`` and ``c`` put the
    sigmoid steps at spread-out places in [-1, 1], so each unit starts with a job to do."""
    # Two initializer objects: one object used twice would draw the same numbers for v and c,
    # putting every step at x = -c / v = -1.
    hidden = Dense(
        width,
        activation="sigmoid",
        kernel_initializer=keras.initializers.RandomUniform(-15.0, 15.0),
        bias_initializer=keras.initializers.RandomUniform(-15.0, 15.0),
    )
    return keras.Sequential([keras.Input((1,)), hidden, Dense(1)], name=f"width_{width}")


# %% [markdown]
# ## Data: a continuous target on $[-1, 1]$
# $f(x) = \sin(3 \pi x) + 0.5 \cos(7 x) + |x| - 0.5$: three periods of a sine, a slower wave and a kink at 0.
# We train on 512 evenly spaced points and measure the worst error on 4001 points.

# %%
widths, steps = ((2, 8, 32, 128), 1500) if quick else ((1, 2, 4, 8, 16, 32, 64, 128, 256), 20000)
batch_size = 128
x = np.linspace(-1, 1, 512, dtype="float32")[:, None]
y = target_function(x).astype("float32")
x_dense = np.linspace(-1, 1, 4001, dtype="float32")[:, None]
y_dense = target_function(x_dense)
print(
    f"{len(x)} training points, {len(x_dense)} test points; f ranges over "
    f"[{y_dense.min():.2f}, {y_dense.max():.2f}]; widths {widths}, {steps} steps each"
)

# %% [markdown]
# ## One sigmoid hidden layer of growing width
# Each width gets the same budget: `steps` Adam steps of 128 points, with the learning rate
# decayed along a cosine from 0.02 to 0. A network of width $N$ has $3N + 1$ parameters
# ($v_j, c_j, p_j$ per unit and one $b$).

# %%
max_errors, fits, sizes = {}, {}, {}
for width in widths:
    model = one_hidden_layer(width)
    # A cosine-decayed Adam: large early steps to place the units, then fine ones.
    schedule = keras.optimizers.schedules.CosineDecay(0.02, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    # Five long epochs over the tiled points (a checkpoint every fifth of the run),
    # rather than steps / 4 short ones, each paying fit's per-epoch overhead.
    repeats = steps * batch_size // len(x) // 5
    data = make_dataset(np.tile(x, (repeats, 1)), np.tile(y, (repeats, 1)), batch_size, seed=seed)
    fit(model, data, 5, run_dir=checkpoint_dir(out, f"width_{width}"))
    prediction = np.asarray(model.predict(x_dense, verbose=0, batch_size=4001))
    max_errors[width] = float(np.max(np.abs(prediction - y_dense)))
    fits[width] = prediction
    sizes[width] = model.count_params()
show_table(
    [{"hidden units N": w, "parameters": sizes[w], "max |a(x) - f(x)|": max_errors[w]} for w in widths],
    title="Worst-case error of one sigmoid hidden layer",
)

# %% [markdown]
# ## The fits and the error against the width
# Left: the target and a few of the fits. Right: the worst error on a log-log scale.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(x_dense, y_dense, "k", lw=2, label="target")
for width in sorted(set(widths[:: max(1, len(widths) // 4)]) | {widths[-1]}):
    axes[0].plot(x_dense, fits[width], label=f"{width} units")
axes[0].legend(fontsize=8)
axes[0].set_title("one hidden sigmoid layer")
axes[1].loglog(widths, [max_errors[w] for w in widths], "o-")
axes[1].set_xlabel("hidden units")
axes[1].set_ylabel("max |a(x) - f(x)| on [-1, 1]")
axes[1].grid(alpha=0.3, which="both")
save_figure(
    fig,
    out / "approximation.png",
    caption="Left: with 2 units the fit follows only the broad trend of the target (black) and 8 units "
    "miss waves; 32 and more follow every wave and the kink. Right: the worst-case error falls "
    "as units are added (log-log scale).",
)
print(
    f"max error: {max_errors[widths[0]]:.3f} with {widths[0]} units, "
    f"{max_errors[widths[-1]]:.3f} with {widths[-1]} units"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "max_error_smallest_width": max_errors[widths[0]],
        "max_error_largest_width": max_errors[widths[-1]],
        "error_ratio": max_errors[widths[0]] / max_errors[widths[-1]],
        "max_error_by_width": {str(w): e for w, e in max_errors.items()},
        "widths": list(widths),
        "steps": steps,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# One hidden layer with a nonlinearity already approximates a continuous function, and the
# worst-case error shrinks as units are added (here about 40 times from 2 to 128 units). The
# theorem only promises that good parameters exist: in the full run the error falls from 1.28
# with 1 unit to 0.013 with 32, but 256 units end at 0.017, because the optimiser, not the
# width, is then the limit. Depth helps in practice (fewer units for the same accuracy), but it
# is not needed for expressiveness.
#
# **Try a variation.** Change `widths, steps` in the Data cell, e.g. `(4, 16, 64), 5000`: more
# steps lower the error of the wide networks. Or make `target_function` rougher, such as
# `np.sin(10 * np.pi * x)`, and see how many more units the same error then takes.
