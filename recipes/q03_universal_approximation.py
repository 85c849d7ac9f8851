"""# One hidden layer is enough: universal approximation

Answers Q3: how many fully-connected layers a network needs to model more than a linear
model can.

## Introduction
With no nonlinearity, any number of dense layers is one linear model (see Q2). With one
hidden layer of sigmoid units, Cybenko (1989) proved that a network
``a(x) = sum_j p_j sigma(v_j x + c_j) + b`` can approximate any continuous function on a
closed interval to any accuracy, given enough units. We fit such networks of growing width
to a continuous function and plot the largest error against the width: it falls as the
width grows, as the theorem promises (it says nothing about how many units or how easily
gradient descent finds them).

Errata: the notes call it "Tsybulko's theorem"; it is Cybenko's (1989), and Hornik (1991)
extended it to any non-constant bounded activation.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.data import make_dataset
from keras_course.nn import Dense
from keras_course.plots import save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (3,)


def target_function(x):
    """A continuous, wiggly function on [-1, 1]: two waves and a kink."""
    return np.sin(3 * np.pi * x) + 0.5 * np.cos(7 * x) + np.abs(x) - 0.5


def one_hidden_layer(width):
    """``a(x) = sum_j p_j sigma(v_j x + c_j) + b``. The wide initial ``v`` and ``c`` put the
    sigmoid steps at spread-out places in [-1, 1], so each unit starts with a job to do."""
    # Two initializer objects: one object used twice would draw the same numbers for v and c,
    # putting every step at x = -c / v = -1.
    hidden = Dense(width, activation="sigmoid",
                   kernel_initializer=keras.initializers.RandomUniform(-15.0, 15.0),
                   bias_initializer=keras.initializers.RandomUniform(-15.0, 15.0))
    return keras.Sequential([keras.Input((1,)), hidden, Dense(1)], name=f"width_{width}")


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q03_universal_approximation")
    set_seed(seed)

    widths, steps = ((2, 8, 32, 128), 1500) if quick else ((1, 2, 4, 8, 16, 32, 64, 128, 256), 20000)
    batch_size = 128
    x = np.linspace(-1, 1, 512, dtype="float32")[:, None]
    y = target_function(x).astype("float32")
    x_dense = np.linspace(-1, 1, 4001, dtype="float32")[:, None]
    y_dense = target_function(x_dense)

    max_errors, fits = {}, {}
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
    save_figure(fig, out / "approximation.png")

    return save_metrics(out, {
        "max_error_smallest_width": max_errors[widths[0]],
        "max_error_largest_width": max_errors[widths[-1]],
        "error_ratio": max_errors[widths[0]] / max_errors[widths[-1]],
        "max_error_by_width": {str(w): e for w, e in max_errors.items()},
        "widths": list(widths),
        "steps": steps,
    })


# ## Conclusion
# One hidden layer with a nonlinearity already approximates a continuous function, and the
# worst-case error shrinks as units are added. Depth helps in practice (fewer units for the
# same accuracy), but it is not needed for expressiveness.
if __name__ == "__main__":
    recipe_main(run)
