# %% [markdown]
# # Classic CNN architectures: AlexNet, VGG, GoogLeNet, ResNet
#
# **Q20.** What are the main differences between the AlexNet and VGG architectures?
# **Q21.** Describe the idea of the Inception module in GoogLeNet.
# **Q22.** What are residual connections? What are they for?
#
# ## Introduction
# **AlexNet** (2012) has five convolutions with large kernels ($11 \times 11$ stride 4, then
# $5 \times 5$, then $3 \times 3$) and three dense layers. **VGG** (2014) uses only $3 \times 3$
# convolutions, stacked 2-4 deep between poolings, in nets of 11 to 19 layers. Three stacked
# $3 \times 3$ convolutions see $7 \times 7$ pixels, like one $7 \times 7$ convolution, but with
# $C$ channels in and out they cost
#
# $$3 \cdot 3^2 C^2 = 27 C^2 \quad \text{instead of} \quad 7^2 C^2 = 49 C^2$$
#
# weights, and they put three ReLUs where there was one. A conv layer has
# $(k^2 C_\text{in} + 1)\, C_\text{out}$ parameters, a dense layer $(n_\text{in} + 1)\, n_\text{out}$.
#
# **Inception** (GoogLeNet, 2014) runs $1 \times 1$, $3 \times 3$, $5 \times 5$ convolutions and a
# $3 \times 3$ max-pool side by side on the same input and concatenates their outputs along the
# channels, so the next layer sees several scales at once. A $1 \times 1$ convolution first
# *reduces* the channels in front of the $3 \times 3$ and $5 \times 5$ ones (and after the pool):
# that keeps the module cheap and its output narrow.
#
# **Residual connections** (ResNet, 2015) add a block's input to its output,
# $y = \operatorname{ReLU}\left(F(x) + x\right)$: the layers learn the residual
# $F(x) = H(x) - x$, and a block that should be (close to) the identity only needs $F \approx 0$.
#
# We build the four networks at ImageNet size from `keras_course.arch` and count where their
# parameters sit, check the VGG and Inception arguments on real layers, and train the small
# ($28 \times 28$) variant of each on Fashion-MNIST (10-epoch full-data figures:
# `benchmarks/fashion_mnist_architectures.py`). Q22's degradation experiment is `q22_degradation`.
#
# > **Errata (notes 1.1.20).** The notes say AlexNet had "60 лямов параметров ... мб из-за больших
# > сверток" (60M parameters, maybe because of the large convolutions). Its five conv layers hold
# > only 2.3M of them; 58.6M are in the three dense layers (VGG-16: 14.7M in convs, 123.6M dense).
#
# > **Errata (notes 1.1.21).** The notes call the $1 \times 1$ reduction PCA-like, "сохраняем всю
# > информацию" (it keeps all the information). It is a *learned* projection to fewer channels
# > followed by a ReLU; it does discard information, and is trained to keep what the task needs.
#
# > **Errata (notes 1.1.22).** The notes explain the problem by the gradient that "теряется"
# > (gets lost) in backpropagation. He et al. trained their plain nets with batch norm, checked that
# > the gradients were healthy, and still saw the deeper plain net reach a *higher training* error:
# > an optimisation difficulty (degradation), which residual blocks ease by making the identity
# > easy to represent. The notes also say more layers should overfit and so do better "на тестовой
# > выборке" (on the test set): they should do better on the *training* set.

# %% tags=["parameters"]
quick = False  # True: AlexNet counts only, 768 images, 2 epochs; about a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q20_q22_architectures

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.arch import InceptionModule, alexnet, googlenet, resnet, vgg
from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plot_history, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (20, 21, 22)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "small_variants.resnet18.test_accuracy": ("small ResNet-18, test accuracy", ""),
    "imagenet_params.alexnet.total": ("AlexNet parameters", ""),
    "imagenet_params.alexnet.dense": ("of them in the three dense layers", ""),
    "stacked_3x3_params": ("three 3x3 convs, 64 channels", "weights"),
    "single_7x7_params": ("one 7x7 conv, 64 channels", "weights"),
    "inception_3a_params": ("Inception 3a with 1x1 reductions", ""),
    "naive_3a_params": ("the same branches without them", ""),
}
quick, seed, out = recipe_parameters("q20_q22_architectures", quick, seed, out)
set_seed(seed)


def param_split(model):
    """Parameters in dense layers, and in the rest (convs, Inception / residual blocks, BN)."""
    dense = sum(layer.count_params() for layer in model.layers if isinstance(layer, keras.layers.Dense))
    return {"total": model.count_params(), "conv": model.count_params() - dense, "dense": dense}


def imagenet_params(quick):
    """Parameter counts at ImageNet size (models built, then dropped); quick: AlexNet only
    (tests/test_arch.py checks the others against keras.applications)."""
    builders = {"alexnet": alexnet}
    if not quick:
        builders.update({"vgg16": lambda: vgg("D"), "googlenet": googlenet, "resnet50": lambda: resnet(50)})
    counts = {}
    for name, build in builders.items():
        counts[name] = param_split(build())
        keras.backend.clear_session()
    return counts


def small_kernel_argument(channels=64):
    """Q20: three stacked 3x3 convs see 7x7 like one 7x7 conv, with 27 C^2 vs 49 C^2 weights."""
    stacked = keras.Sequential(
        [keras.Input((32, 32, channels))]
        + [keras.layers.Conv2D(channels, 3, padding="same", use_bias=False) for _ in range(3)]
    )
    single = keras.Sequential(
        [keras.Input((32, 32, channels)), keras.layers.Conv2D(channels, 7, padding="same", use_bias=False)]
    )
    # Receptive field: an impulse in the input reaches a (2k+1)-wide square after k 3x3 convs.
    impulse = np.zeros((1, 32, 32, channels), "float32")
    impulse[0, 16, 16, :] = 1.0
    for layer in stacked.layers:
        layer.set_weights([np.abs(w) + 1e-3 for w in layer.get_weights()])
    reach = int((np.abs(keras.ops.convert_to_numpy(stacked(impulse)))[0, :, 16, 0] > 0).sum())
    return {
        "stacked_3x3_params": stacked.count_params(),
        "single_7x7_params": single.count_params(),
        "stacked_3x3_receptive_field": reach,
    }


def inception_argument():
    """Q21: module 3a with its 1x1 reductions, against the same branches without them."""
    with_reduce = InceptionModule(64, 96, 128, 16, 32, 32)
    with_reduce.build((None, 28, 28, 192))
    c = 192  # the naive module convolves all 192 input channels with 3x3 and 5x5 kernels
    naive = (c + 1) * 64 + (9 * c + 1) * 128 + (25 * c + 1) * 32
    return {
        "inception_3a_params": with_reduce.count_params(),
        "naive_3a_params": naive,
        "inception_3a_output_channels": with_reduce.compute_output_shape((None, 28, 28, 192))[-1],
        "naive_3a_output_channels": 64 + 128 + 32 + c,
    }


# %% [markdown]
# ## Q20: where the parameters are, at ImageNet size
# Each network is built at $224 \times 224$ ($227 \times 227$ for AlexNet) with 1000 classes, its
# parameters split into dense layers and the rest. AlexNet's first dense layer alone has
# $(6 \cdot 6 \cdot 256 + 1) \cdot 4096 \approx 37.8$M. Quick mode counts AlexNet only.

# %%
counts = imagenet_params(quick)
fig, ax = plt.subplots(figsize=(6, 3.4))
names = list(counts)
ax.bar(names, [counts[n]["conv"] / 1e6 for n in names], label="conv layers (and blocks, BN)")
ax.bar(
    names,
    [counts[n]["dense"] / 1e6 for n in names],
    bottom=[counts[n]["conv"] / 1e6 for n in names],
    label="dense layers",
)
ax.set_ylabel("parameters (millions)")
ax.legend()
ax.set_title("Parameters at 224x224 (AlexNet 227x227), 1000 classes")
save_figure(
    fig,
    out / "params.png",
    caption="Millions of parameters in conv layers (bottom) and dense layers (top): AlexNet's and VGG's "
    "sit almost all in the dense layers; GoogLeNet and ResNet-50 replace them by global "
    "average pooling (quick mode draws AlexNet only).",
)
show_table(
    [
        {
            "network": n,
            "total": c["total"],
            "conv layers and blocks": c["conv"],
            "dense layers": c["dense"],
            "dense share": c["dense"] / c["total"],
        }
        for n, c in counts.items()
    ],
    title="Parameters at ImageNet size",
)

# %% [markdown]
# ## Q20: small kernels, as in VGG
# Three $3 \times 3$ convolutions against one $7 \times 7$, 64 channels in and out, no biases:
# $27 \cdot 64^2 = 110{,}592$ weights against $49 \cdot 64^2 = 200{,}704$. With positive weights an
# impulse in the input reaches a $(2k + 1)$-wide square after $k$ layers: we count its width.

# %%
kernels = small_kernel_argument()
print(
    f"3 x conv 3x3: {kernels['stacked_3x3_params']:,} weights, receptive field "
    f"{kernels['stacked_3x3_receptive_field']} px; 1 x conv 7x7: {kernels['single_7x7_params']:,} weights "
    f"(ratio {kernels['stacked_3x3_params'] / kernels['single_7x7_params']:.3f} = 27/49)"
)

# %% [markdown]
# ## Q21: the Inception module's $1 \times 1$ reductions
# Module 3a takes 192 channels. Without reductions its branches would cost
# $(C + 1) \cdot 64 + (9C + 1) \cdot 128 + (25C + 1) \cdot 32$ with $C = 192$, and the pool branch
# would pass all 192 channels on: $64 + 128 + 32 + 192 = 416$ output channels, growing every stage.

# %%
inception = inception_argument()
show_table(
    [
        {
            "module 3a": "with 1x1 reductions",
            "parameters": inception["inception_3a_params"],
            "output channels": inception["inception_3a_output_channels"],
        },
        {
            "module 3a": "without (naive)",
            "parameters": inception["naive_3a_params"],
            "output channels": inception["naive_3a_output_channels"],
        },
    ],
    title="Inception module 3a on 28x28x192",
)

# %% [markdown]
# ## The small variants on real Fashion-MNIST
# The $28 \times 28$ variant of each network (at a fraction `width` of its channels), trained with
# Adam on the same images; VGG and GoogLeNet get batch norm (VGG-11 "A", Inception v2 style).

# %%
n_train, n_test, epochs, width = (768, 500, 2, 0.125) if quick else (6000, 10000, 4, 0.25)
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
x_train = x_train[:n_train, ..., None].astype("float32") / 255.0
x_test = x_test[:n_test, ..., None].astype("float32") / 255.0
y_train, y_test = y_train[:n_train], y_test[:n_test]
print(f"train {x_train.shape}, test {x_test.shape}, {epochs} epochs, width x{width}")

# %%
builders = {
    "alexnet": lambda: alexnet(small=True, width=width),
    "vgg11_bn": lambda: vgg("A", small=True, batch_norm=True, width=width),
    "googlenet_bn": lambda: googlenet(small=True, batch_norm=True, width=width),
    "resnet18": lambda: resnet(18, small=True, width=width),
}
trained, histories = {}, {}
for name, build in builders.items():
    keras.backend.clear_session()
    set_seed(seed)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
    histories[name] = fit(
        model,
        make_dataset(x_train, y_train, batch_size=32, seed=seed),
        epochs,
        run_dir=checkpoint_dir(out, name),
        verbose=0 if quick else 2,
    )
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    trained[name] = {
        "params": model.count_params(),
        "test_accuracy": float(accuracy),
        "first_loss": float(histories[name].history["loss"][0]),
        "last_loss": float(histories[name].history["loss"][-1]),
    }
plot_history(
    histories,
    out / "training.png",
    metrics=("loss", "accuracy"),
    title=f"Small variants (width x{width}), {n_train} Fashion-MNIST images",
    caption="Training loss and accuracy per epoch of the four small variants, same images and "
    "optimiser: every loss falls; compare how fast each net gets there.",
)
show_table([{"network": name, **row} for name, row in trained.items()], title="Small variants (chance accuracy 0.1)")

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "imagenet_params": counts,
        **kernels,
        **inception,
        "small_variants": trained,
        "train_examples": n_train,
        "test_examples": n_test,
        "epochs": epochs,
        "width": width,
        "chance_accuracy": 0.1,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# AlexNet's and VGG's parameters sit in their dense layers; VGG's $3 \times 3$ stacks buy depth
# and a $7 \times 7$ view for $27/49$ of the weights. Inception's $1 \times 1$ reductions cut module
# 3a from 0.39M to 0.16M weights and its output from 416 to 256 channels. GoogLeNet and ResNet
# replace the big dense layers by global average pooling. All four small variants learn
# Fashion-MNIST well above chance.
#
# **Try a variation.** Set `width` in the Fashion-MNIST cell to 0.5 (twice the channels): the
# parameter counts grow about four times, and the accuracies rise; or replace `resnet(18, ...)` by
# `resnet(34, ...)` to see whether a deeper residual net still trains as easily.
