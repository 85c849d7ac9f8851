"""Q21: the Inception module and GoogLeNet (Szegedy et al., 2014)."""

import keras
from keras import layers, ops

from keras_course.arch._common import (
    apply_layers,
    check_bool,
    check_dropout,
    check_input_shape,
    check_positive_int,
    check_width,
    classifier,
    conv_unit,
    default,
    scaled,
)

# Table 1 of the paper: (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj) per module;
# "pool" is a 3x3/2 max-pool between stages.
GOOGLENET_MODULES = (
    ("3a", (64, 96, 128, 16, 32, 32)),
    ("3b", (128, 128, 192, 32, 96, 64)),
    "pool",
    ("4a", (192, 96, 208, 16, 48, 64)),
    ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)),
    ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)),
    "pool",
    ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
)
# Parameters at 224x224x3 with 1000 classes, derived in ``googlenet``'s docstring.
GOOGLENET_PARAMS = 6_998_552
GOOGLENET_AUX_PARAMS = 13_378_280


def inception_params(
    in_channels, filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5, pool_proj
):
    """Weights + biases of one Inception module (without batch norm): six convs."""
    for arg, value in (
        ("in_channels", in_channels),
        ("filters_1x1", filters_1x1),
        ("filters_3x3_reduce", filters_3x3_reduce),
        ("filters_3x3", filters_3x3),
        ("filters_5x5_reduce", filters_5x5_reduce),
        ("filters_5x5", filters_5x5),
        ("pool_proj", pool_proj),
    ):
        check_positive_int(arg, value)
    c = in_channels
    return (
        (c + 1) * filters_1x1
        + (c + 1) * filters_3x3_reduce
        + (9 * filters_3x3_reduce + 1) * filters_3x3
        + (c + 1) * filters_5x5_reduce
        + (25 * filters_5x5_reduce + 1) * filters_5x5
        + (c + 1) * pool_proj
    )


@keras.saving.register_keras_serializable(package="keras_course")
class InceptionModule(keras.layers.Layer):
    """The Inception module with dimension reductions (figure 2b of the paper).

    Four branches see the same input and their outputs are concatenated along channels:

    - 1x1 conv (``filters_1x1``);
    - 1x1 conv down to ``filters_3x3_reduce`` channels, then 3x3 conv (``filters_3x3``);
    - 1x1 conv down to ``filters_5x5_reduce`` channels, then 5x5 conv (``filters_5x5``);
    - 3x3/1 max-pool, then 1x1 conv (``pool_proj``).

    So the next layer sees features at several scales at once, and the cheap 1x1 "reduce"
    convs keep the 3x3 and 5x5 convs affordable: a 5x5 conv from 480 to 48 channels costs
    25*480*48 = 576k weights, and only 25*16*48 + 480*16 = 27k with a 1x1 reduction to 16.
    Every conv has "same" padding and ReLU, so the spatial size is kept.

    Args:
        filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5,
        pool_proj: positive ints, the channel counts of Table 1.
        batch_norm: conv + batch norm + ReLU (Inception v2) instead of conv + ReLU.

    Shapes: (batch, H, W, C) -> (batch, H, W, filters_1x1 + filters_3x3 + filters_5x5 + pool_proj).
    """

    def __init__(
        self,
        filters_1x1,
        filters_3x3_reduce,
        filters_3x3,
        filters_5x5_reduce,
        filters_5x5,
        pool_proj,
        batch_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = dict(
            filters_1x1=filters_1x1,
            filters_3x3_reduce=filters_3x3_reduce,
            filters_3x3=filters_3x3,
            filters_5x5_reduce=filters_5x5_reduce,
            filters_5x5=filters_5x5,
            pool_proj=pool_proj,
        )
        for arg, value in self.filters.items():
            check_positive_int(arg, value)
        self.batch_norm = check_bool("batch_norm", batch_norm)
        bn = batch_norm
        self.branch_1x1 = conv_unit(filters_1x1, 1, batch_norm=bn, name="b1_1x1")
        self.branch_3x3 = conv_unit(filters_3x3_reduce, 1, batch_norm=bn, name="b2_reduce") + conv_unit(
            filters_3x3, 3, batch_norm=bn, name="b2_3x3"
        )
        self.branch_5x5 = conv_unit(filters_5x5_reduce, 1, batch_norm=bn, name="b3_reduce") + conv_unit(
            filters_5x5, 5, batch_norm=bn, name="b3_5x5"
        )
        self.branch_pool = [layers.MaxPooling2D(3, strides=1, padding="same", name="b4_pool")] + conv_unit(
            pool_proj, 1, batch_norm=bn, name="b4_proj"
        )

    @property
    def branches(self):
        return (self.branch_1x1, self.branch_3x3, self.branch_5x5, self.branch_pool)

    def build(self, input_shape):
        for branch in self.branches:
            shape = tuple(input_shape)
            for layer in branch:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=None):
        outputs = [apply_layers(branch, inputs, training=training) for branch in self.branches]
        return ops.concatenate(outputs, axis=-1)

    def compute_output_shape(self, input_shape):
        f = self.filters
        channels = f["filters_1x1"] + f["filters_3x3"] + f["filters_5x5"] + f["pool_proj"]
        return tuple(input_shape[:-1]) + (channels,)

    def get_config(self):
        return {**super().get_config(), **self.filters, "batch_norm": self.batch_norm}


def _aux_head(x, num_classes, name, batch_norm):
    """Auxiliary classifier: 5x5/3 avg-pool, 1x1 conv 128, FC 1024, dropout 0.7, softmax."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    for layer in conv_unit(128, 1, batch_norm=batch_norm, name=f"{name}_conv"):
        x = layer(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return classifier(x, num_classes, name=f"{name}_predictions")


def googlenet(
    input_shape=None,
    num_classes=None,
    aux_heads=False,
    small=False,
    batch_norm=False,
    dropout=0.4,
    width=1.0,
    name=None,
):
    """GoogLeNet (Inception v1): a stem, nine Inception modules, global average pooling.

    Parameter count at 224x224x3, 1000 classes, without the auxiliary heads (local response
    normalisation left out: it has no parameters)::

        stem   conv 7x7/2, 64:   7*7*3*64 + 64     =     9,472
               conv 1x1, 64:     64*64 + 64        =     4,160
               conv 3x3, 192:    3*3*64*192 + 192  =   110,784
        9 Inception modules: inception_params(c_in, *Table 1 row) each
               3a 163,696   3b 388,736   4a 376,176   4b 449,160   4c 510,104
               4d 605,376   4e 868,352   5a 1,043,456 5b 1,444,080  = 5,849,136
        fc     1024*1000 + 1000                    = 1,025,000
        total                                        6,998,552

    (Table 1 of the paper lists per-layer counts rounded to thousands, "about 6.8M").
    Each auxiliary head adds (c_in + 1)*128 + (4*4*128 + 1)*1024 + (1024 + 1)*1000
    = 128*c_in + 3,123,304: 3,188,840 after 4a (c_in = 512) and 3,190,888 after 4d
    (c_in = 528), 13,378,280 in all with both heads.

    Args:
        input_shape: (H, W, C); default (224, 224, 3), or (28, 28, 1) when ``small``.
        num_classes: outputs of the softmax layer; default 1000, or 10 when ``small``.
        aux_heads: also return the two auxiliary classifiers' outputs (after 4a and 4d):
            the model then has outputs ``[main, aux1, aux2]``; the paper adds their losses
            with weight 0.3 during training and drops them at inference.
        small: the 28x28 / 32x32 variant: a 3x3/1 stem conv and no stem pooling, so the
            Inception stages run at 28, 14 and 7 pixels, as in the paper at 224x224.
        batch_norm: conv + batch norm + ReLU everywhere (as in Inception v2).
        dropout: rate before the last dense layer (the paper's 0.4).
        width: multiplies every channel count (1.0 = the paper's).
    """
    for arg in ("aux_heads", "small", "batch_norm"):
        check_bool(arg, locals()[arg])
    input_shape = check_input_shape(default(input_shape, small, (28, 28, 1), (224, 224, 3)))
    num_classes = check_positive_int("num_classes", default(num_classes, small, 10, 1000))
    width = check_width(width)
    check_dropout(dropout)

    inputs = keras.Input(input_shape)
    stem = conv_unit(
        scaled(64, width), 3 if small else 7, strides=1 if small else 2, batch_norm=batch_norm, name="stem_conv1"
    )
    if not small:
        stem.append(layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool1"))
    stem += conv_unit(scaled(64, width), 1, batch_norm=batch_norm, name="stem_conv2")
    stem += conv_unit(scaled(192, width), 3, batch_norm=batch_norm, name="stem_conv3")
    if not small:
        stem.append(layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool2"))
    x = inputs
    for layer in stem:
        x = layer(x)
    aux = []
    for p, module in enumerate(GOOGLENET_MODULES):
        if module == "pool":
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{p}")(x)
            continue
        label, filters = module
        x = InceptionModule(*(scaled(f, width) for f in filters), batch_norm=batch_norm, name=f"inception_{label}")(x)
        if aux_heads and label in ("4a", "4d"):
            aux.append(_aux_head(x, num_classes, f"aux{len(aux) + 1}", batch_norm))
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = classifier(x, num_classes)
    name = default(name, small, "googlenet_small", "googlenet")
    return keras.Model(inputs, [outputs, *aux] if aux_heads else outputs, name=name)
