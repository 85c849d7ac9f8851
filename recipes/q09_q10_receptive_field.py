"""# Receptive field

Answers Q9 (what the receptive field is) and Q10 (the receptive field after two conv layers
with known kernel size and stride, e.g. two 3x3 convolutions with stride 2).

## Introduction
The receptive field of an output is the block of input pixels it can see. Layer by layer,
size_k = size_{k-1} + (span_k - 1) * jump_{k-1}, where the jump (the product of the strides so
far) is how far apart neighbouring outputs look, and span_k = d_k (f_k - 1) + 1 is the
dilated kernel's footprint. ``keras_course.conv.receptive_field`` computes size, jump and the
centre of the first field for a list of layers or a Keras model;
``empirical_receptive_field`` measures the same from where the gradient of one output with
respect to the input is non-zero. We solve the notes' task (two 3x3 stride-2 convs: 7x7),
draw the field, compare strides, dilation and pooling as ways to grow it, and tabulate
LeNet, VGG16 and the ResNet-50 stem.

Errata: the notes' formula l_k = l_{k-1} + (f_k - 1) prod_{i<k} s_i holds for layer 1 too
(with l_0 = 1), not only "from layer 2"; with dilation d_k the kernel size f_k becomes
d_k (f_k - 1) + 1.
"""

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from keras_course.conv import Conv2D, MaxPool2D, empirical_receptive_field, lenet, receptive_field
from keras_course.plots import save_figure
from keras_course.runner import prepare_out, recipe_main, save_metrics
from keras_course.train import set_seed

QUESTIONS = (9, 10)


def notes_formula(kernels_and_strides):
    """The notes' l_k = l_{k-1} + (f_k - 1) prod_{i<k} s_i, transcribed literally."""
    sizes, field, product = [], 1, 1
    for f, s in kernels_and_strides:
        field += (f - 1) * product
        product *= s
        sizes.append(field)
    return sizes


def stack(specs, input_size):
    """A Keras model from (kind, kernel, stride, dilation) specs; weights random, 1 channel."""
    layers = [keras.Input((input_size, input_size, 1))]
    for kind, k, s, d in specs:
        layers.append(MaxPool2D(k, s) if kind == "pool" else Conv2D(1, k, strides=s, dilation_rate=d))
    return keras.Sequential(layers)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q09_q10_receptive_field")
    set_seed(seed)
    samples = 8 if quick else 32

    # ## Q10: the notes' task, two 3x3 convolutions with stride 2
    notes = [(3, 2, 1), (3, 2, 1)]
    fields = receptive_field(notes)
    model = stack([("conv", 3, 2, 1)] * 2, input_size=15)
    for layer in model.layers:  # all-ones kernels: the gradient counts the paths to each pixel
        layer.set_weights([np.ones_like(w) if w.ndim == 4 else np.zeros_like(w) for w in layer.get_weights()])
    measured = empirical_receptive_field(model, samples=samples, seed=seed)
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    ax.imshow(measured.gradient, cmap="Blues")
    for (row, col), paths in np.ndenumerate(measured.gradient):
        if paths:
            ax.text(col, row, f"{paths:.0f}", ha="center", va="center", fontsize=7)
    top_left = fields[-1].centre(measured.position[0]) - (fields[-1].size - 1) / 2 - 0.5
    ax.add_patch(Rectangle((top_left, top_left), fields[-1].size, fields[-1].size, fill=False, ec="red", lw=2))
    ax.set_xticks(range(15))
    ax.set_yticks(range(15))
    ax.set_title(f"Paths from each pixel to output {measured.position}, two 3x3/2 convs:\n"
                 f"{measured.size[0]}x{measured.size[1]} measured, {fields[-1].size}x{fields[-1].size} by formula")
    save_figure(fig, out / "notes_example_field.png")

    # ## Ways to grow the field with 3 layers: plain, strided, dilated, pooled
    designs = {
        "3x conv 3x3": [("conv", 3, 1, 1)] * 3,
        "3x conv 3x3 stride 2": [("conv", 3, 2, 1)] * 3,
        "3x conv 3x3 dilation 2": [("conv", 3, 1, 2)] * 3,
        "(conv 3x3 + pool 2) x 3": [("conv", 3, 1, 1), ("pool", 2, 2, 1)] * 3,
    }
    growth, agree = {}, True
    for name, specs in designs.items():
        theory = receptive_field([(k, s, d) for _, k, s, d in specs])
        measured_design = empirical_receptive_field(stack(specs, 64), samples=samples, seed=seed)
        agree &= measured_design.size == (theory[-1].size,) * 2
        growth[name] = [f.size for f in theory]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for name, sizes in growth.items():
        ax.plot(range(1, len(sizes) + 1), sizes, "o-", label=name)
    ax.set_xlabel("layer")
    ax.set_ylabel("receptive field (pixels)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, out / "field_growth.png")

    # ## LeNet, VGG16 and the ResNet-50 stem (architectures only, no weights needed)
    vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
    resnet = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(None, None, 3))
    resnet_stem = keras.Model(resnet.input, resnet.get_layer("pool1_pool").output)
    table = {}
    for name, net in (("LeNet", lenet()), ("VGG16", vgg), ("ResNet-50 stem", resnet_stem)):
        table[name] = [{"layer": f.name, "size": f.size, "jump": f.jump, "start": f.start}
                       for f in receptive_field(net, input_size=224 if name != "LeNet" else None)]
    net = lenet()
    lenet_features = keras.Model(net.inputs, net.get_layer("pool2").output)  # the spatial part
    lenet_measured = empirical_receptive_field(lenet_features, samples=samples, seed=seed).size[0]
    stem_measured = empirical_receptive_field(resnet_stem, input_size=96, samples=2, seed=seed).size[0]
    lines = ["| network | layer | field | jump | start |", "|---|---|---|---|---|"]
    for name, rows in table.items():
        lines += [f"| {name} | {r['layer']} | {r['size']} | {r['jump']} | {r['start']:g} |" for r in rows]
    (out / "receptive_fields.md").write_text("\n".join(lines) + "\n")

    return save_metrics(out, {
        "notes_example_field": fields[-1].size,
        "notes_example_jump": fields[-1].jump,
        "notes_example_measured": list(measured.size),
        "notes_formula_sizes": notes_formula([(3, 2), (3, 2)]),
        "formula_and_gradient_agree_on_designs": bool(agree),
        "growth_after_3_layers": {name: sizes[-1] for name, sizes in growth.items()},
        "lenet_field": table["LeNet"][-1]["size"],
        "lenet_field_measured": lenet_measured,
        "vgg16_field": table["VGG16"][-1]["size"],
        "vgg16_jump": table["VGG16"][-1]["jump"],
        "resnet50_stem_field": table["ResNet-50 stem"][-1]["size"],
        "resnet50_stem_field_measured": stem_measured,
        "table": table,
    })


# ## Conclusion
# Two 3x3 stride-2 convs see 7x7 pixels; strides and pooling multiply the jump and so make
# every later layer's field grow faster, dilation grows it without losing resolution. VGG16's
# last pool sees 212 pixels of a 224-pixel image.
if __name__ == "__main__":
    recipe_main(run)
