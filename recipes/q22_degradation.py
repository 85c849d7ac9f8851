"""# The degradation problem: plain vs residual nets of 20 and 56 layers

Answers Q22: what residual connections are and what they are for, with the experiment of
He et al. (2015, section 4.2 and figure 6).

## Introduction
Stacking more layers should never hurt the *training* error: the deeper net could copy
the shallower one and make its extra layers the identity. Yet plain nets of 56 layers
train worse than nets of 20 layers, even with batch norm (so the gradients do not
vanish): the solver does not find that solution. A residual block computes
``relu(F(x) + x)``, so a layer that should be (close to) the identity only needs F = 0.
We train the paper's CIFAR-style nets (6n + 2 layers: 16-32-64 channels, here at reduced
width and 14x14 Fashion-MNIST images) with and without shortcuts, at 20 and 56 layers, and
compare their training loss curves side by side. The shortcuts are option A (subsample +
zero channels), so plain and residual nets have exactly the same parameters.

Errata: the notes explain the problem by gradients "getting lost" in backpropagation;
He et al. rule that out (batch norm keeps the signals healthy) and call it an
optimisation difficulty. They also say a residual layer learns "the deviation from the
training sample"; it learns H(x) - x, the deviation of the wanted mapping from the identity.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.arch import resnet_cifar
from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.plots import save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (22,)
DEPTHS = (20, 56)  # as in figure 6 of the paper
QUICK_DEPTHS = (8, 20)  # tracing a 56-layer net alone takes ~12 s on 2 cores


def downsample(images):
    """(N, 28, 28) uint8 -> (N, 14, 14, 1) float32 in [0, 1] by 2x2 averaging (4x cheaper nets)."""
    x = images.astype("float32").reshape(len(images), 14, 2, 14, 2).mean(axis=(2, 4)) / 255.0
    return x[..., None]


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q22_degradation")
    set_seed(seed)
    n_train, n_test, epochs, width = (512, 0, 2, 4) if quick else (10000, 10000, 12, 8)
    depths = QUICK_DEPTHS if quick else DEPTHS
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train, y_train = downsample(x_train[:n_train]), y_train[:n_train]
    x_test, y_test = downsample(x_test[:n_test]), y_test[:n_test]

    # ## Four nets: plain / residual x 20 / 56 layers, same data, same optimiser
    results, logs = {}, {}
    for residual in (False, True):
        for depth in depths:
            keras.backend.clear_session()
            set_seed(seed)
            name = f"{'resnet' if residual else 'plain'}{depth}"
            model = resnet_cifar(depth, residual=residual, input_shape=(14, 14, 1), width=width)
            model.compile(optimizer=keras.optimizers.Adam(1e-3),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
            history = fit(model, make_dataset(x_train, y_train, batch_size=32 if quick else 64, seed=seed), epochs,
                          run_dir=checkpoint_dir(out, name), verbose=0 if quick else 2)
            logs[name] = history.history
            results[name] = {"params": model.count_params(), "final_train_loss": history.history["loss"][-1],
                             "final_train_accuracy": history.history["accuracy"][-1]}
            if n_test:  # (after a few quick steps batch norm's moving statistics are not settled yet)
                results[name]["test_accuracy"] = model.evaluate(x_test, y_test, verbose=0)[1]

    # ## Training loss side by side, as in figure 6 of the paper
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, kind in zip(axes, ("plain", "resnet")):
        for depth in depths:
            loss = logs[f"{kind}{depth}"]["loss"]
            ax.plot(np.arange(1, len(loss) + 1), loss, "-o", ms=3, label=f"{kind}-{depth}")
        ax.set_title("plain nets" if kind == "plain" else "residual nets")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_ylabel("training loss")
    save_figure(fig, out / "degradation.png")

    shallow, deep = depths
    return save_metrics(out, {
        **{f"{name}_{k}": v for name, r in results.items() for k, v in r.items()},
        "plain_deeper_minus_shallower_loss": results[f"plain{deep}"]["final_train_loss"] - results[f"plain{shallow}"]["final_train_loss"],
        "resnet_deeper_minus_shallower_loss": results[f"resnet{deep}"]["final_train_loss"] - results[f"resnet{shallow}"]["final_train_loss"],
        "depths": list(depths),
        "train_examples": n_train,
        "epochs": epochs,
        "width": width,
    })


# ## Conclusion
# Without shortcuts the 56-layer net ends with a higher training loss than the 20-layer one
# (degradation); with them the deeper net trains at least as well. Same parameters, same
# optimiser: only the "+ x" differs.
if __name__ == "__main__":
    recipe_main(run)
