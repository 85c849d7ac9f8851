# %% [markdown]
# # Why neural networks need nonlinearities
#
# **Q2.** Why do neural networks need nonlinearities? Give an example of a nonlinear function.
#
# ## Introduction
# A stack of linear (dense) layers is still one linear map. For two layers,
#
# $$(\mathbf{x} W_1 + \mathbf{b}_1) W_2 + \mathbf{b}_2 = \mathbf{x} (W_1 W_2) + (\mathbf{b}_1 W_2 + \mathbf{b}_2),$$
#
# so adding layers adds parameters but not expressive power: the network stays a linear model.
# A nonlinearity $f$ after each hidden layer, $\mathbf{h} = f(\mathbf{x} W + \mathbf{b})$, breaks
# this collapse. Common choices:
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \operatorname{ReLU}(x) = \max(0, x), \qquad
# \operatorname{LeakyReLU}(x) = \max(0, x) + \alpha \min(0, x).$$
#
# We check the collapse numerically with `keras_course.nn.Dense`, draw the three functions and
# their derivatives, and train the same three-layer network twice on a real nonlinear task, once
# without activations and once with ReLU. The task: learn a photo (scikit-image's `camera`) as a
# function $(\text{row}, \text{column}) \mapsto \text{brightness}$. Without nonlinearities the
# network can only draw a tilted plane; with ReLU it draws the picture.
#
# > **Errata (notes 1.1.2).** The notes say "после каждого нелинейного слоя нужно применять
# > нелинейность" ("a nonlinearity must follow every *nonlinear* layer"); it must follow every
# > *linear* (dense or convolutional) layer. Their formulas for the sigmoid, ReLU and leaky ReLU are
# > right. What they leave out is the derivatives, which decide how well a deep network trains:
# > $\sigma'(x) = \sigma(x)(1 - \sigma(x)) \le 1/4$, so gradients shrink through many sigmoid
# > layers; ReLU has derivative 1 for $x > 0$ but 0 for $x < 0$ (a unit that is always negative
# > stops learning), and leaky ReLU keeps a slope $\alpha$ there.

# %% tags=["parameters"]
quick = False  # True: a 32x32 photo and 100 epochs, seconds instead of minutes
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q02_nonlinearities

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from skimage.transform import resize

from keras_course.data import load_photo, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.nn import Dense
from keras_course.nn.activations import ACTIVATIONS
from keras_course.plots import save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (2,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "r2_relu": ("$R^2$ on the photo, 3x128 network with ReLU", ""),
    "r2_linear": ("$R^2$ on the photo, the same network without activations", ""),
    "r2_gap": ("$R^2$ gained by the nonlinearity", ""),
    "max_collapse_error": ("three linear layers vs the single map W1 W2 W3, max difference", ""),
    "collapse_output_scale": ("size of those outputs (max |output|)", ""),
    "image_side": ("photo side", "px"),
}
quick, seed, out = recipe_parameters("q02_nonlinearities", quick, seed, out)
set_seed(seed)


def mlp(hidden, activation):
    """(N, 2) pixel coordinates -> (N, 1) brightness, with ``len(hidden)`` hidden layers."""
    layers = [keras.Input((2,))] + [Dense(units, activation=activation) for units in hidden]
    return keras.Sequential(layers + [Dense(1)], name=f"mlp_{activation or 'linear'}")


def collapse_error(seed):
    """Max |stack(x) - single(x)| where single has W = W1 W2 W3 and the matching bias."""
    rng = np.random.default_rng(seed)
    stack = mlp((16, 16), activation=None)
    for layer in stack.layers:
        layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    (w1, b1), (w2, b2), (w3, b3) = (layer.get_weights() for layer in stack.layers)
    w = w1 @ w2 @ w3
    b = (b1 @ w2 + b2) @ w3 + b3
    x = rng.uniform(-1, 1, size=(1000, 2)).astype("float32")
    return float(np.max(np.abs(keras.ops.convert_to_numpy(stack(x)) - (x @ w + b)))), float(np.max(np.abs(x @ w + b)))


def plot_activations(path):
    x = np.linspace(-4, 4, 401).astype("float32")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, (function, derivative) in ACTIVATIONS.items():
        kwargs = {"alpha": 0.1} if name == "leaky_relu" else {}
        axes[0].plot(x, function(x, **kwargs), label=name)
        axes[1].plot(x, derivative(x, **kwargs), label=name)
    for ax, title in zip(axes, ("f(x)", "f'(x)"), strict=True):
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    return save_figure(
        fig,
        path,
        caption="Left: sigmoid, ReLU and leaky ReLU (alpha = 0.1). Right: their "
        "derivatives (ReLU and leaky ReLU coincide for x > 0). The sigmoid's slope never exceeds "
        "1/4 and dies away for large |x|; ReLU's is 1 or 0; leaky ReLU keeps a small slope alpha "
        "for negative inputs.",
    )


# %% [markdown]
# ## Stacked linear layers collapse into one
# A $2 \to 16 \to 16 \to 1$ network without activations, with random weights, against the single
# map $W = W_1 W_2 W_3$, $\mathbf{b} = (\mathbf{b}_1 W_2 + \mathbf{b}_2) W_3 + \mathbf{b}_3$ on
# 1000 random inputs. The two agree up to float32 round-off.

# %%
max_collapse_error, output_scale = collapse_error(seed)
print(
    f"max |stack(x) - (x W + b)| = {max_collapse_error:.3g} for outputs up to {output_scale:.3g} "
    f"(relative {max_collapse_error / output_scale:.1g}: float32 round-off)"
)

# %% [markdown]
# ## Three nonlinearities and their derivatives
# Backpropagation (Q5) multiplies the derivatives $f'$ of every layer, so their size matters:
# $\sigma' \le 1/4$, $\operatorname{ReLU}' \in \{0, 1\}$, $\operatorname{LeakyReLU}' \in \{\alpha, 1\}$.

# %%
plot_activations(out / "activations.png")
points = np.array([-3.0, -0.5, 0.5, 3.0], dtype="float32")
slopes = {
    name: np.asarray(derivative(points, **({"alpha": 0.1} if name == "leaky_relu" else {})))
    for name, (_, derivative) in ACTIVATIONS.items()
}
show_table(
    [
        {"f": name, **{f"f'({p:g})": float(v) for p, v in zip(points, values, strict=True)}}
        for name, values in slopes.items()
    ],
    title="Derivatives at a few points",
)

# %% [markdown]
# ## Data: a real photo as a function of the pixel coordinates
# Every pixel is one training example: input its coordinates $(\text{row}, \text{col})$ scaled to
# $[-1, 1]$, target its brightness in $[0, 1]$. A linear model can only fit a plane
# $a \cdot \text{row} + b \cdot \text{col} + c$ to this.

# %%
side, epochs = (32, 100) if quick else (96, 600)
image = resize(load_photo("camera")[..., 0], (side, side), anti_aliasing=True).astype("float32")
rows, cols = np.meshgrid(np.linspace(-1, 1, side), np.linspace(-1, 1, side), indexing="ij")
coords = np.stack([rows.ravel(), cols.ravel()], axis=1).astype("float32")
target = image.reshape(-1, 1)
print(f"{len(coords)} pixels: inputs {coords.shape}, targets {target.shape}, brightness variance {np.var(image):.4f}")

# %% [markdown]
# ## The same network with and without nonlinearities
# Three hidden layers of 128 units, trained with Adam on the mean squared error. We report
# $R^2 = 1 - \text{MSE} / \operatorname{Var}(\text{photo})$: 1 is a perfect copy, 0 is no better
# than painting every pixel the mean grey.

# %%
results, pictures = {}, {"photo": image}
for activation in (None, "relu"):
    model = mlp((128, 128, 128), activation)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    name = activation or "linear"
    history = fit(
        model, make_dataset(coords, target, batch_size=256, seed=seed), epochs, run_dir=checkpoint_dir(out, name)
    )
    prediction = np.asarray(model.predict(coords, verbose=0)).reshape(side, side)
    pictures[name] = prediction
    mse = float(np.mean((prediction - image) ** 2))
    results[name] = {
        "mse": mse,
        "r2": 1.0 - mse / float(np.var(image)),
        "first_loss": history.history["loss"][0],
        "last_loss": history.history["loss"][-1],
    }
show_table(
    [{"network": f"3 x 128, {name}", **r} for name, r in results.items()],
    title=f"Fitting the {side}x{side} photo, {epochs} epochs, {model.count_params():,} parameters each",
)

# %% [markdown]
# ## What each network draws

# %%
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, (name, picture) in zip(axes, pictures.items(), strict=True):
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
    ax.set_title(name if name == "photo" else f"{name} net, R^2 = {results[name]['r2']:.2f}")
    ax.axis("off")
save_figure(
    fig,
    out / "fit_photo.png",
    caption="The photo, the network without activations, and the same network with ReLU. The linear "
    "network can only draw a brightness ramp (a plane); with ReLU the cameraman appears.",
)
print(f"R^2: linear {results['linear']['r2']:.3f}, ReLU {results['relu']['r2']:.3f}")

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "r2_linear": results["linear"]["r2"],
        "r2_relu": results["relu"]["r2"],
        "r2_gap": results["relu"]["r2"] - results["linear"]["r2"],
        "max_collapse_error": max_collapse_error,
        "collapse_output_scale": output_scale,
        "mse_linear": results["linear"]["mse"],
        "mse_relu": results["relu"]["mse"],
        "image_side": side,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Without nonlinearities three hidden layers of 128 units are one $2 \to 1$ linear map: a plane,
# which only captures the photo's overall brightness ramp ($R^2 \approx 0.4$ here, 0.37 in the
# full $96 \times 96$ run). With ReLU the same network draws the picture ($R^2$ 0.98 in the full
# run). The nonlinearity, not the number of layers, is what lets the network go beyond a linear model.
#
# **Try a variation.** Replace `"relu"` in the loop `for activation in (None, "relu")` by
# `"sigmoid"` or `"tanh"`: any nonlinearity lifts the network above the plane; compare how
# far each gets in the same epochs (the sigmoid's derivative is at most 1/4). Or give `mlp` a
# single hidden layer, `mlp((128,), activation)`: one nonlinear layer is already enough (Q3).
