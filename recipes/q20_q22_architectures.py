"""# Classic CNN architectures: AlexNet, VGG, GoogLeNet, ResNet

Answers Q20 (how AlexNet and VGG differ), Q21 (the idea of the Inception module) and Q22
(what residual connections are and why they are needed).

## Introduction
We build the four networks at ImageNet size from ``keras_course.arch`` and count where
their parameters sit; we measure the two arguments of the VGG and GoogLeNet papers with
real layers (three 3x3 convs against one 7x7; an Inception module with and without its
1x1 reductions); then we train the small (28x28) variant of each on real Fashion-MNIST.
The 10-epoch, full-data figures are in ``benchmarks/fashion_mnist_architectures.py``.
Q22's degradation experiment (plain vs residual nets of 20 and 56 layers) is the recipe
``q22_degradation``.

Errata: the notes blame AlexNet's 60M parameters on its large convolutions, but its five
conv layers hold only 2.3M of them; 58.6M are in the three dense layers (VGG-16: 14.7M in
convs, 123.6M dense). They describe a 1x1 reduction as PCA-like, "keeping all the
information": it is a learned projection followed by ReLU, and it does discard some. And
they explain ResNet's motivation by vanishing gradients, while He et al. trained their
plain nets with batch norm, checked that the gradients were healthy, and still saw the
deeper plain net reach a *higher training* error: an optimisation difficulty
(degradation), which residual blocks ease by making the identity easy to represent.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_course.arch import InceptionModule, alexnet, googlenet, resnet, vgg
from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.plots import plot_history, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (20, 21, 22)


def param_split(model):
    """Parameters in dense layers, and in the rest (convs, Inception / residual blocks, BN)."""
    dense = sum(l.count_params() for l in model.layers if isinstance(l, keras.layers.Dense))
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
    stacked = keras.Sequential([keras.Input((32, 32, channels))] +
                               [keras.layers.Conv2D(channels, 3, padding="same", use_bias=False) for _ in range(3)])
    single = keras.Sequential([keras.Input((32, 32, channels)), keras.layers.Conv2D(channels, 7, padding="same", use_bias=False)])
    # Receptive field: an impulse in the input reaches a (2k+1)-wide square after k 3x3 convs.
    impulse = np.zeros((1, 32, 32, channels), "float32")
    impulse[0, 16, 16, :] = 1.0
    for layer in stacked.layers:
        layer.set_weights([np.abs(w) + 1e-3 for w in layer.get_weights()])
    reach = int((np.abs(keras.ops.convert_to_numpy(stacked(impulse)))[0, :, 16, 0] > 0).sum())
    return {"stacked_3x3_params": stacked.count_params(), "single_7x7_params": single.count_params(),
            "stacked_3x3_receptive_field": reach}


def inception_argument():
    """Q21: module 3a with its 1x1 reductions, against the same branches without them."""
    with_reduce = InceptionModule(64, 96, 128, 16, 32, 32)
    with_reduce.build((None, 28, 28, 192))
    c = 192  # the naive module convolves all 192 input channels with 3x3 and 5x5 kernels
    naive = (c + 1) * 64 + (9 * c + 1) * 128 + (25 * c + 1) * 32
    return {"inception_3a_params": with_reduce.count_params(), "naive_3a_params": naive,
            "inception_3a_output_channels": with_reduce.compute_output_shape((None, 28, 28, 192))[-1],
            "naive_3a_output_channels": 64 + 128 + 32 + c}


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q20_q22_architectures")
    set_seed(seed)

    # ## Where the parameters are, at ImageNet size
    counts = imagenet_params(quick)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    names = list(counts)
    ax.bar(names, [counts[n]["conv"] / 1e6 for n in names], label="conv layers (and blocks, BN)")
    ax.bar(names, [counts[n]["dense"] / 1e6 for n in names], bottom=[counts[n]["conv"] / 1e6 for n in names],
           label="dense layers")
    ax.set_ylabel("parameters (millions)")
    ax.legend()
    ax.set_title("Parameters at 224x224 (AlexNet 227x227), 1000 classes")
    save_figure(fig, out / "params.png")

    # ## Small kernels (VGG) and 1x1 reductions (Inception)
    kernels = small_kernel_argument()
    inception = inception_argument()

    # ## The small variants on real Fashion-MNIST
    n_train, n_test, epochs, width = (768, 500, 2, 0.125) if quick else (6000, 10000, 4, 0.25)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train = x_train[:n_train, ..., None].astype("float32") / 255.0
    x_test = x_test[:n_test, ..., None].astype("float32") / 255.0
    y_train, y_test = y_train[:n_train], y_test[:n_test]
    builders = {"alexnet": lambda: alexnet(small=True, width=width),
                "vgg11_bn": lambda: vgg("A", small=True, batch_norm=True, width=width),
                "googlenet_bn": lambda: googlenet(small=True, batch_norm=True, width=width),
                "resnet18": lambda: resnet(18, small=True, width=width)}
    trained, histories = {}, {}
    for name, build in builders.items():
        keras.backend.clear_session()
        set_seed(seed)
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        # make_dataset reshuffles every epoch (fit(shuffle=True) after set_seed repeats one order).
        histories[name] = fit(model, make_dataset(x_train, y_train, batch_size=32, seed=seed), epochs,
                              run_dir=checkpoint_dir(out, name), verbose=0 if quick else 2)
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        trained[name] = {"params": model.count_params(), "test_accuracy": float(accuracy),
                         "first_loss": float(histories[name].history["loss"][0]),
                         "last_loss": float(histories[name].history["loss"][-1])}
    plot_history(histories, out / "training.png", metrics=("loss", "accuracy"),
                 title=f"Small variants (width x{width}), {n_train} Fashion-MNIST images")

    return save_metrics(out, {
        "imagenet_params": counts,
        **kernels,
        **inception,
        "small_variants": trained,
        "train_examples": n_train,
        "test_examples": n_test,
        "epochs": epochs,
        "width": width,
        "chance_accuracy": 0.1,
    })


# ## Conclusion
# AlexNet's and VGG's parameters sit in their dense layers; VGG's 3x3 stacks buy depth and
# a 7x7 view for 27/49 of the weights; Inception's 1x1 reductions cut module 3a from 0.39M
# to 0.16M weights and its output from 416 to 256 channels (the pool branch alone would pass
# all 192 on, and grow every stage); GoogLeNet and ResNet replace the big dense layers by
# global average pooling. All four small variants learn Fashion-MNIST well above chance.
if __name__ == "__main__":
    recipe_main(run)
