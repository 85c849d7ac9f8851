"""# Why neural networks need nonlinearities

Answers Q2: why nonlinearities are needed, with examples (sigmoid, ReLU, leaky ReLU).

## Introduction
A stack of linear layers is still one linear map: ``(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)``.
We check this numerically with ``keras_course.nn.Dense``, draw the three nonlinearities and
their derivatives, and then train the same three-layer network twice on a real nonlinear
task, once without activations and once with ReLU. The task: learn a real photo
(scikit-image's ``camera``) as a function ``(row, column) -> brightness``. Without
nonlinearities the network can only draw a tilted plane; with ReLU it draws the picture.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np
from skimage.transform import resize

from keras_course.data import load_photo, make_dataset
from keras_course.nn import Dense
from keras_course.nn.activations import ACTIVATIONS
from keras_course.plots import save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (2,)


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
    return float(np.max(np.abs(np.asarray(stack(x)) - (x @ w + b)))), float(np.max(np.abs(x @ w + b)))


def plot_activations(path):
    x = np.linspace(-4, 4, 401).astype("float32")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, (function, derivative) in ACTIVATIONS.items():
        kwargs = {"alpha": 0.1} if name == "leaky_relu" else {}
        axes[0].plot(x, function(x, **kwargs), label=name)
        axes[1].plot(x, derivative(x, **kwargs), label=name)
    for ax, title in zip(axes, ("f(x)", "f'(x)")):
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    return save_figure(fig, path)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q02_nonlinearities")
    set_seed(seed)

    # ## Stacked linear layers collapse into one
    max_collapse_error, output_scale = collapse_error(seed)
    plot_activations(out / "activations.png")

    # ## Data: a real photo as a function of the pixel coordinates
    side, epochs = (32, 100) if quick else (96, 600)
    image = resize(load_photo("camera")[..., 0], (side, side), anti_aliasing=True).astype("float32")
    rows, cols = np.meshgrid(np.linspace(-1, 1, side), np.linspace(-1, 1, side), indexing="ij")
    coords = np.stack([rows.ravel(), cols.ravel()], axis=1).astype("float32")
    target = image.reshape(-1, 1)

    # ## The same network with and without nonlinearities
    results, pictures = {}, {"photo": image}
    for activation in (None, "relu"):
        model = mlp((128, 128, 128), activation)
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
        name = activation or "linear"
        history = fit(model, make_dataset(coords, target, batch_size=256, seed=seed), epochs,
                      run_dir=checkpoint_dir(out, name))
        prediction = np.asarray(model.predict(coords, verbose=0)).reshape(side, side)
        pictures[name] = prediction
        mse = float(np.mean((prediction - image) ** 2))
        results[name] = {"mse": mse, "r2": 1.0 - mse / float(np.var(image)),
                         "first_loss": history.history["loss"][0], "last_loss": history.history["loss"][-1]}

    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    for ax, (name, picture) in zip(axes, pictures.items()):
        ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
        ax.set_title(name if name == "photo" else f"{name} net, R^2 = {results[name]['r2']:.2f}")
        ax.axis("off")
    save_figure(fig, out / "fit_photo.png")

    return save_metrics(out, {
        "r2_linear": results["linear"]["r2"],
        "r2_relu": results["relu"]["r2"],
        "r2_gap": results["relu"]["r2"] - results["linear"]["r2"],
        "max_collapse_error": max_collapse_error,
        "collapse_output_scale": output_scale,
        "mse_linear": results["linear"]["mse"],
        "mse_relu": results["relu"]["mse"],
        "image_side": side,
        "epochs": epochs,
    })


# ## Conclusion
# Without nonlinearities three hidden layers of 128 units are one 2 -> 1 linear map (a plane,
# R^2 near 0 on a photo); with ReLU the same network draws the picture.
if __name__ == "__main__":
    recipe_main(run)
