"""Q20: VGG (Simonyan and Zisserman, 2014), configurations A to E."""

import keras
from keras import layers

from keras_course.arch._common import (
    BN_MOMENTUM,
    check_bool,
    check_dropout,
    check_input_shape,
    check_positive_int,
    check_width,
    classifier,
    default,
    scaled,
)
from keras_course.checks import check_choice

# Table 1 of the paper: per block, the conv layers as (filters, kernel); a 2x2 max-pool ends
# each block. C differs from D only in its 1x1 convs.
VGG_CONFIGS = {
    "A": ((64,), (128,), (256, 256), (512, 512), (512, 512)),
    "B": ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
    "C": ((64, 64), (128, 128), (256, 256, "256x1"), (512, 512, "512x1"), (512, 512, "512x1")),
    "D": ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
    "E": ((64, 64), (128, 128), (256,) * 4, (512,) * 4, (512,) * 4),
}
VGG_DEPTHS = {"A": 11, "B": 13, "C": 16, "D": 16, "E": 19}


def _conv_spec(spec):
    """(filters, kernel) of one entry of ``VGG_CONFIGS`` (``"256x1"`` is a 1x1 conv)."""
    if isinstance(spec, str):
        filters, kernel = spec.split("x")
        return int(filters), int(kernel)
    return spec, 3


def vgg(
    config="D",
    input_shape=None,
    num_classes=None,
    include_top=True,
    small=False,
    batch_norm=False,
    dropout=0.5,
    width=1.0,
    pooling=None,
    name=None,
):
    """VGG: stacks of 3x3 convs (stride 1, "same") and 2x2 max-pools, then 3 dense layers.

    Two 3x3 convs see a 5x5 window, three see 7x7, with fewer parameters (27 c^2 against
    49 c^2) and more ReLUs than one 7x7 conv: the paper's argument for small kernels.
    Layer names follow ``keras.applications`` (``block1_conv1``, ..., ``fc1``, ``fc2``,
    ``predictions``), so VGG16/VGG19 weight files load by name; ``vgg("D")`` has exactly
    the 138,357,544 parameters of ``keras.applications.VGG16`` and ``vgg("E")`` the
    143,667,240 of VGG19.

    Args:
        config: "A" (VGG-11), "B" (13), "C" (16 with 1x1 convs), "D" (VGG-16) or "E" (VGG-19).
        input_shape: (H, W, C); default (224, 224, 3), or (28, 28, 1) when ``small``
            (with ``include_top=False`` H and W may be None).
        num_classes: outputs of the softmax layer; default 1000, or 10 when ``small``.
        include_top: add flatten + fc1 + fc2 + predictions; else return the conv features
            (or pooled features, see ``pooling``).
        small: the 28x28 / 32x32 variant: pools pad ("same") so 28 -> 14 -> 7 -> 4 -> 2 -> 1,
            and the dense layers have 512 units instead of 4096.
        batch_norm: add batch normalisation after every conv (the later "VGG-BN"; the paper
            trained without it, starting the deep configs from the trained config A).
        dropout: rate after fc1 and fc2 (the paper's 0.5).
        width: multiplies every channel count (1.0 = the paper's).
        pooling: with ``include_top=False``: None (feature maps), "avg" or "max".
    """
    check_choice("config", config, tuple(VGG_CONFIGS))
    for arg in ("include_top", "small", "batch_norm"):
        check_bool(arg, locals()[arg])
    input_shape = check_input_shape(default(input_shape, small, (28, 28, 1), (224, 224, 3)))
    if include_top and None in input_shape[:2]:
        raise ValueError(f"input_shape must have a fixed height and width with include_top=True, got {input_shape}")
    num_classes = check_positive_int("num_classes", default(num_classes, small, 10, 1000))
    width = check_width(width)
    check_choice("pooling", pooling, (None, "avg", "max"))
    check_dropout(dropout)

    inputs = keras.Input(input_shape)
    x = inputs
    for b, block in enumerate(VGG_CONFIGS[config], 1):
        for i, spec in enumerate(block, 1):
            filters, kernel = _conv_spec(spec)
            conv_name = f"block{b}_conv{i}"
            if batch_norm:
                x = layers.Conv2D(scaled(filters, width), kernel, padding="same", use_bias=False, name=conv_name)(x)
                x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{conv_name}_bn")(x)
                x = layers.ReLU(name=f"{conv_name}_relu")(x)
            else:
                x = layers.Conv2D(scaled(filters, width), kernel, padding="same", activation="relu", name=conv_name)(x)
        x = layers.MaxPooling2D(2, strides=2, padding="same" if small else "valid", name=f"block{b}_pool")(x)
    if include_top:
        units = scaled(512 if small else 4096, width)
        x = layers.Flatten(name="flatten")(x)
        for i in (1, 2):
            x = layers.Dense(units, activation="relu", name=f"fc{i}")(x)
            x = layers.Dropout(dropout, name=f"fc{i}_dropout")(x)
        x = classifier(x, num_classes)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return keras.Model(
        inputs, x, name=name if name is not None else f"vgg{VGG_DEPTHS[config]}{'_small' if small else ''}"
    )
