# %% [markdown]
# # The degradation problem: plain vs residual nets of 20 and 56 layers
#
# **Q22.** What are residual connections? What are they for?
#
# ## Introduction
# Stacking more layers should never hurt the *training* error: the deeper net could copy the
# shallower one and make its extra layers the identity. Yet plain nets of 56 layers train worse
# than nets of 20 layers, even with batch norm (so the gradients do not vanish): the solver does
# not find that solution (He et al., 2015, section 4.2 and figure 6). A residual block computes
#
# $$y = \operatorname{ReLU}\left(F(x) + x\right),$$
#
# so its layers learn the residual $F(x) = H(x) - x$ of the wanted mapping $H$, and a block that
# should be (close to) the identity only needs $F = 0$, which is easy to reach from small weights.
#
# We train the paper's CIFAR-style nets ($6n + 2$ layers: three stages of $2n$ convolutions with
# 16, 32 and 64 channels, here at reduced width on $14 \times 14$ Fashion-MNIST images) with and
# without shortcuts, at 20 and 56 layers, and compare their training loss curves side by side.
# The shortcuts are option A (subsample, pad the new channels with zeros), so plain and residual
# nets have exactly the same parameters: only the "$+\,x$" differs.
#
# > **Errata (notes 1.1.22).** The notes explain the problem "с лекции": "при обратном
# > распространении ошибки во время обучения градиент теряется" (the gradient gets lost in
# > backpropagation). He et al. rule that out (their plain nets have batch norm, and the forward
# > and backward signals stay healthy) and call it an optimisation difficulty. The notes also say
# > the layers learn $R(x) = H(x) - x$, "отклонение от обучающей выборки" (the deviation from the
# > training sample): $H(x) - x$ is the deviation of the wanted mapping from the *identity*.

# %% tags=["parameters"]
quick = False  # True: 8 and 20 layers, 512 images, 2 epochs; about a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q22_degradation

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.arch import resnet_cifar
from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.plots import save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (22,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "plain_deeper_minus_shallower_loss": ("plain nets: deeper minus shallower training loss", ""),
    "resnet_deeper_minus_shallower_loss": ("residual nets: deeper minus shallower training loss", ""),
    "plain20_final_train_loss": ("plain-20, final training loss", ""),
    "resnet20_final_train_loss": ("ResNet-20, final training loss", ""),
    "plain20_params": ("plain-20 parameters", ""),
    "resnet20_params": ("ResNet-20 parameters (the same)", ""),
}
quick, seed, out = recipe_parameters("q22_degradation", quick, seed, out)
set_seed(seed)
DEPTHS = (20, 56)  # as in figure 6 of the paper
QUICK_DEPTHS = (8, 20)  # tracing a 56-layer net alone takes ~12 s on 2 cores


def downsample(images):
    """(N, 28, 28) uint8 -> (N, 14, 14, 1) float32 in [0, 1] by 2x2 averaging (4x cheaper nets)."""
    x = images.astype("float32").reshape(len(images), 14, 2, 14, 2).mean(axis=(2, 4)) / 255.0
    return x[..., None]


# %% [markdown]
# ## Data: Fashion-MNIST at $14 \times 14$
# Each image is averaged over $2 \times 2$ blocks: the nets get 4 times cheaper and the
# comparison is the same. Quick mode trains on 512 images and does not test.

# %%
n_train, n_test, epochs, width = (512, 0, 2, 4) if quick else (10000, 10000, 12, 8)
depths = QUICK_DEPTHS if quick else DEPTHS
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
x_train, y_train = downsample(x_train[:n_train]), y_train[:n_train]
x_test, y_test = downsample(x_test[:n_test]), y_test[:n_test]
print(
    f"train {x_train.shape}, test {x_test.shape}; depths {depths}, {epochs} epochs, "
    f"channels {width}-{2 * width}-{4 * width} (the paper: 16-32-64)"
)

# %% [markdown]
# ## Four nets: plain / residual $\times$ shallow / deep, same data, same optimiser
# Every net starts from the same seed and sees the same batches; Adam at $10^{-3}$ on the
# cross-entropy. We record the training loss and accuracy of each epoch.

# %%
results, logs = {}, {}
for residual in (False, True):
    for depth in depths:
        keras.backend.clear_session()
        set_seed(seed)
        name = f"{'resnet' if residual else 'plain'}{depth}"
        model = resnet_cifar(depth, residual=residual, input_shape=(14, 14, 1), width=width)
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
        history = fit(
            model,
            make_dataset(x_train, y_train, batch_size=32 if quick else 64, seed=seed),
            epochs,
            run_dir=checkpoint_dir(out, name),
            verbose=0 if quick else 2,
        )
        logs[name] = history.history
        results[name] = {
            "params": model.count_params(),
            "final_train_loss": history.history["loss"][-1],
            "final_train_accuracy": history.history["accuracy"][-1],
        }
        if n_test:  # (after a few quick steps batch norm's moving statistics are not settled yet)
            results[name]["test_accuracy"] = model.evaluate(x_test, y_test, verbose=0)[1]
show_table([{"net": name, **row} for name, row in results.items()], title="After the last epoch")

# %% [markdown]
# ## Training loss side by side, as in figure 6 of the paper
# Left the plain nets, right the residual ones. Degradation is the deeper plain curve lying
# *above* the shallower one on the training data, where overfitting cannot be the cause.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, kind in zip(axes, ("plain", "resnet"), strict=True):
    for depth in depths:
        loss = logs[f"{kind}{depth}"]["loss"]
        ax.plot(np.arange(1, len(loss) + 1), loss, "-o", ms=3, label=f"{kind}-{depth}")
    ax.set_title("plain nets" if kind == "plain" else "residual nets")
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
    ax.legend()
axes[0].set_ylabel("training loss")
save_figure(
    fig,
    out / "degradation.png",
    caption="Training loss per epoch. Plain nets (left): the deeper one trains worse, which is "
    "degradation. Residual nets (right), same layers plus shortcuts: the deeper one trains "
    "at least as well.",
)
shallow, deep = depths
gaps = {
    kind: results[f"{kind}{deep}"]["final_train_loss"] - results[f"{kind}{shallow}"]["final_train_loss"]
    for kind in ("plain", "resnet")
}
print(f"final training loss, {deep} minus {shallow} layers: plain {gaps['plain']:+.3f}, residual {gaps['resnet']:+.3f}")

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        **{f"{name}_{k}": v for name, r in results.items() for k, v in r.items()},
        "plain_deeper_minus_shallower_loss": results[f"plain{deep}"]["final_train_loss"]
        - results[f"plain{shallow}"]["final_train_loss"],
        "resnet_deeper_minus_shallower_loss": results[f"resnet{deep}"]["final_train_loss"]
        - results[f"resnet{shallow}"]["final_train_loss"],
        "depths": list(depths),
        "train_examples": n_train,
        "epochs": epochs,
        "width": width,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Without shortcuts the deeper net ends with a higher training loss than the shallower one
# (degradation); with them the deeper net trains at least as well. Same parameters, same
# optimiser, same batches: only the "$+\,x$" differs. Quick mode shows it with 8 and 20 layers
# after two epochs; the full run repeats the paper's 20 and 56.
#
# **Try a variation.** Set `epochs` in the data cell to 6: the gap between the plain nets
# stays while every curve goes lower. Or set `DEPTHS = (20, 110)` in the setup cell (a full run,
# slow): the 110-layer plain net degrades further, the residual one does not.
