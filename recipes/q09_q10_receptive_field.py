# %% [markdown]
# # Receptive field
#
# **Q9.** What is a receptive field?
# **Q10.** Typical problem: a network of two convolutional layers, each with a known kernel size
# (say $3 \times 3$) and stride (say 2). What is the receptive field of each position after
# the two layers?
#
# ## Introduction
# The receptive field of an output is the block of input pixels it can see. Layer by layer,
#
# $$r_k = r_{k-1} + (\hat f_k - 1)\, j_{k-1}, \qquad j_k = j_{k-1}\, s_k, \qquad r_0 = j_0 = 1,$$
#
# where $s_k$ is the stride of layer $k$, the *jump* $j_{k-1} = \prod_{i<k} s_i$ is how far
# apart (in input pixels) neighbouring inputs of layer $k$ are, and
# $\hat f_k = d_k (f_k - 1) + 1$ is the footprint of a kernel of size $f_k$ with dilation $d_k$.
# `keras_course.conv.receptive_field` applies this recurrence to a list of layers or to a
# Keras model; `empirical_receptive_field` measures the same thing from where the gradient
# of one output with respect to the input is non-zero. We solve the notes' task (two
# $3 \times 3$ stride-2 convolutions: $7 \times 7$), draw the field, compare strides,
# dilation and pooling as ways to grow it, and tabulate LeNet, VGG16 and the ResNet-50 stem.
#
# > **Errata (notes 1.1.10).** The notes give
# > $l_k = l_{k-1} + (f_k - 1) \prod_{i=1}^{k-1} s_i$ and say it "works for layer 2 and on".
# > It holds for layer 1 too, with $l_0 = 1$ (then $l_1 = f_1$). With dilation $d_k$ the
# > kernel size $f_k$ must be replaced by its footprint $d_k (f_k - 1) + 1$; a max-pooling
# > layer enters the same recurrence as a convolution with its window and stride.

# %% tags=["parameters"]
quick = False  # True: fewer gradient probes, seconds instead of a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q09_q10_receptive_field

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from keras_course.conv import Conv2D, MaxPool2D, empirical_receptive_field, lenet, receptive_field
from keras_course.display import show_key_figures, show_table
from keras_course.plots import save_figure
from keras_course.runner import recipe_parameters, save_metrics
from keras_course.train import set_seed

QUESTIONS = (9, 10)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "notes_example_field": ("receptive field of two 3x3 stride-2 convolutions", "px"),
    "notes_example_jump": ("jump after them (distance between neighbouring outputs)", "px"),
    "lenet_field": ("LeNet, last pooling layer", "px"),
    "vgg16_field": ("VGG16, last pooling layer", "px"),
    "resnet50_stem_field": ("ResNet-50 stem (conv 7x7/2 + max-pool 3x3/2)", "px"),
}
quick, seed, out = recipe_parameters("q09_q10_receptive_field", quick, seed, out)
set_seed(seed)
samples = 8 if quick else 32  # random inputs the empirical field averages over


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


# %% [markdown]
# ## Q10: the notes' task, two $3 \times 3$ convolutions with stride 2
# By the recurrence: $r_1 = 1 + (3 - 1) \cdot 1 = 3$, $j_1 = 2$; $r_2 = 3 + (3 - 1) \cdot 2 = 7$,
# $j_2 = 4$. To check it without the formula we set every kernel weight to 1: then the
# gradient of one output with respect to each input pixel counts the paths from that pixel to
# the output, and it is non-zero exactly on the receptive field.

# %%
notes = [(3, 2, 1), (3, 2, 1)]  # (kernel, stride, dilation) per layer
fields = receptive_field(notes)
model = stack([("conv", 3, 2, 1)] * 2, input_size=15)
for layer in model.layers:  # all-ones kernels: the gradient counts the paths to each pixel
    layer.set_weights([np.ones_like(w) if w.ndim == 4 else np.zeros_like(w) for w in layer.get_weights()])
measured = empirical_receptive_field(model, samples=samples, seed=seed)
show_table(
    [
        {"layer": i + 1, "field (px)": f.size, "jump (px)": f.jump, "first centre": f.start}
        for i, f in enumerate(fields)
    ],
    title="Two 3x3 stride-2 convolutions, layer by layer",
)
print(f"measured from the gradient: {measured.size[0]}x{measured.size[1]} at output {measured.position}")
print(f"the notes' formula: {notes_formula([(3, 2), (3, 2)])}")

fig, ax = plt.subplots(figsize=(4.6, 4.6))
ax.imshow(measured.gradient, cmap="Blues")
for (row, col), paths in np.ndenumerate(measured.gradient):
    if paths:
        ax.text(col, row, f"{paths:.0f}", ha="center", va="center", fontsize=7)
top_left = fields[-1].centre(measured.position[0]) - (fields[-1].size - 1) / 2 - 0.5
ax.add_patch(Rectangle((top_left, top_left), fields[-1].size, fields[-1].size, fill=False, ec="red", lw=2))
ax.set_xticks(range(15))
ax.set_yticks(range(15))
ax.set_title(
    f"Paths from each pixel to output {measured.position}, two 3x3/2 convs:\n"
    f"{measured.size[0]}x{measured.size[1]} measured, {fields[-1].size}x{fields[-1].size} by formula"
)
save_figure(
    fig,
    out / "notes_example_field.png",
    caption="The pixels one output of two 3x3 stride-2 convolutions sees: the numbers count the "
    "paths from each pixel to it. The red square is the 7x7 field of the formula; centre "
    "pixels are seen along more paths (4) than corners (1).",
)

# %% [markdown]
# ## Ways to grow the field with 3 layers: plain, strided, dilated, pooled
# Plain $3 \times 3$ convolutions add 2 pixels per layer. A stride or a pooling layer
# multiplies the jump, so every *later* layer adds more; dilation widens the kernel's
# footprint without losing resolution. For each design we compare the recurrence with the
# field measured from the gradient of a randomly initialised Keras model.

# %%
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
show_table(
    [{"design": name, "field per layer (px)": ", ".join(map(str, sizes))} for name, sizes in growth.items()],
    title="Receptive field after each layer",
)
print("formula and gradient agree on every design:", bool(agree))

fig, ax = plt.subplots(figsize=(5.5, 3.6))
for name, sizes in growth.items():
    ax.plot(range(1, len(sizes) + 1), sizes, "o-", label=name)
ax.set_xlabel("layer")
ax.set_ylabel("receptive field (pixels)")
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
save_figure(
    fig,
    out / "field_growth.png",
    caption="Receptive field after each layer: plain convolutions grow it linearly; strides and "
    "pooling make each later layer add more, dilation grows it at full resolution.",
)

# %% [markdown]
# ## LeNet, VGG16 and the ResNet-50 stem
# Architectures only: no weights are needed to compute a receptive field. The full per-layer
# table is written to `receptive_fields.md`.

# %%
vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
resnet = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(None, None, 3))
resnet_stem = keras.Model(resnet.input, resnet.get_layer("pool1_pool").output)
table = {}
for name, net in (("LeNet", lenet()), ("VGG16", vgg), ("ResNet-50 stem", resnet_stem)):
    table[name] = [
        {"layer": f.name, "size": f.size, "jump": f.jump, "start": f.start}
        for f in receptive_field(net, input_size=224 if name != "LeNet" else None)
    ]
net = lenet()
lenet_features = keras.Model(net.inputs, net.get_layer("pool2").output)  # the spatial part
lenet_measured = empirical_receptive_field(lenet_features, samples=samples, seed=seed).size[0]
stem_measured = empirical_receptive_field(resnet_stem, input_size=96, samples=2, seed=seed).size[0]
lines = ["| network | layer | field | jump | start |", "|---|---|---|---|---|"]
for name, rows in table.items():
    lines += [f"| {name} | {r['layer']} | {r['size']} | {r['jump']} | {r['start']:g} |" for r in rows]
(out / "receptive_fields.md").write_text("\n".join(lines) + "\n")
show_table(
    [
        {
            "network": name,
            "last layer": rows[-1]["layer"],
            "field (px)": rows[-1]["size"],
            "jump (px)": rows[-1]["jump"],
        }
        for name, rows in table.items()
    ],
    title="Receptive field of the last layer (full table: receptive_fields.md)",
)
show_table(
    [{"layer": r["layer"], "field (px)": r["size"], "jump (px)": r["jump"]} for r in table["LeNet"]],
    title="LeNet, layer by layer",
)
print(f"measured from the gradient: LeNet {lenet_measured} px, ResNet-50 stem {stem_measured} px")

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
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
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Two $3 \times 3$ stride-2 convolutions see $7 \times 7$ pixels. Strides and pooling multiply
# the jump and so make every later layer's field grow faster; dilation grows it without
# losing resolution. VGG16's last pooling layer sees 212 pixels of a 224-pixel image.
#
# **Try a variation.** Change `notes` in the Q10 cell to `[(5, 1, 1), (3, 2, 1)]` (a $5 \times 5$
# convolution, then a $3 \times 3$ one with stride 2) and predict the field before running
# it; or add a `("pool", 2, 2, 1)` layer to a design and watch the later layers' growth.
