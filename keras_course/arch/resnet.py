"""Q22: residual connections: ResidualBlock, BottleneckBlock, ResNet (He et al., 2015)."""

import keras
from keras import layers, ops

from keras_course.arch._common import (
    BN_MOMENTUM,
    check_bool,
    check_input_shape,
    check_positive_int,
    check_width,
    classifier,
    default,
    scaled,
)
from keras_course.checks import check_choice, check_int

# depth -> (block type, blocks per stage); Table 1 of the paper.
RESNET_STAGES = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
SHORTCUTS = ("projection", "pad", "none")
BN_EPSILON = 1.001e-5  # keras.applications' value, so its ResNet weight files would fit


class _ResidualBase(keras.layers.Layer):
    """Shared machinery: the residual branch F(x), the shortcut, and ``relu(F(x) + shortcut(x))``."""

    expansion = 1

    def __init__(self, filters, strides=1, shortcut="projection", use_bias=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int("filters", filters)
        self.strides = check_positive_int("strides", strides)
        self.shortcut = check_choice("shortcut", shortcut, SHORTCUTS)
        self.shortcut = shortcut
        self.use_bias = check_bool("use_bias", use_bias)
        self.out_channels = filters * self.expansion
        self.branch = self._make_branch()
        self.projection = None

    def _conv(self, filters, kernel, strides, name):
        return layers.Conv2D(
            filters,
            kernel,
            strides=strides,
            padding="same",
            use_bias=self.use_bias,
            kernel_initializer="he_normal",
            name=name,
        )

    def _bn(self, name):
        # gamma starts at 1, as in the paper and Keras (not at 0 for the last BN of the
        # branch, a later trick), so plain and residual nets start alike.
        return layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)

    def _needs_projection(self, in_channels):
        return self.shortcut == "projection" and (self.strides != 1 or in_channels != self.out_channels)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if self.shortcut == "pad" and in_channels > self.out_channels:
            raise ValueError(f"shortcut='pad' needs in_channels <= {self.out_channels}, got {in_channels}")
        shape = tuple(input_shape)
        for layer in self.branch:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        if self._needs_projection(in_channels):
            # Option B of the paper: a strided 1x1 conv (+ BN) where the shape changes.
            self.projection = [self._conv(self.out_channels, 1, self.strides, "shortcut_conv"), self._bn("shortcut_bn")]
            self.projection[0].build(tuple(input_shape))
            self.projection[1].build(self.projection[0].compute_output_shape(tuple(input_shape)))

    def _shortcut(self, inputs, training):
        if self.projection is not None:
            return self.projection[1](self.projection[0](inputs), training=training)
        if self.shortcut == "pad" and (self.strides != 1 or inputs.shape[-1] != self.out_channels):
            # Option A: subsample and pad the extra channels with zeros; no parameters.
            x = inputs[:, :: self.strides, :: self.strides, :]
            extra = self.out_channels - inputs.shape[-1]
            return ops.pad(x, [[0, 0], [0, 0], [0, 0], [extra // 2, extra - extra // 2]])
        return inputs

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.branch:
            x = layer(x, training=training) if isinstance(layer, layers.BatchNormalization) else layer(x)
        if self.shortcut != "none":
            x = x + self._shortcut(inputs, training)
        return ops.relu(x)

    def compute_output_shape(self, input_shape):
        def down(size):
            return None if size is None else -(-size // self.strides)

        return (input_shape[0], down(input_shape[1]), down(input_shape[2]), self.out_channels)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "strides": self.strides,
            "shortcut": self.shortcut,
            "use_bias": self.use_bias,
        }


@keras.saving.register_keras_serializable(package="keras_course")
class ResidualBlock(_ResidualBase):
    """The basic residual block of ResNet-18/34: ``relu(F(x) + x)``, F = two 3x3 convs.

    ``F(x) = BN(conv3x3(relu(BN(conv3x3(x)))))``. The block only has to learn the residual
    ``F(x) = H(x) - x`` of the mapping ``H`` it stands for: when the identity is nearly
    right, pushing F towards 0 is easier than fitting an identity with a stack of
    nonlinear layers, and the gradient reaches earlier layers through the "+ x" unchanged.

    Args:
        filters: positive int, channels of both convs (and of the output).
        strides: stride of the first conv (2 halves H and W at the start of a stage).
        shortcut: "projection" (option B: 1x1 conv + BN where the shape changes, identity
            elsewhere), "pad" (option A: subsample and zero-pad channels, no parameters) or
            "none" (no shortcut: the "plain" net of the paper's degradation experiment).
        use_bias: biases in the convs (redundant before BN; the paper has none).

    Shapes: (batch, H, W, C) -> (batch, ceil(H / strides), ceil(W / strides), filters).
    """

    def _make_branch(self):
        f = self.filters
        return [
            self._conv(f, 3, self.strides, "conv1"),
            self._bn("bn1"),
            layers.ReLU(name="relu1"),
            self._conv(f, 3, 1, "conv2"),
            self._bn("bn2"),
        ]


@keras.saving.register_keras_serializable(package="keras_course")
class BottleneckBlock(_ResidualBase):
    """The bottleneck block of ResNet-50/101/152: 1x1 (reduce), 3x3, 1x1 (expand x4).

    The 1x1 convs shrink the channels to ``filters`` for the costly 3x3 conv and grow them
    back to ``4 * filters``: at 256 channels it costs ~70k weights against ~1.2M for two
    3x3 convs at 256. The stride sits on the first 1x1 conv, as in the paper and
    ``keras.applications.ResNet50`` (ResNet "v1"; torchvision's "v1.5" puts it on the 3x3).

    Args: as ``ResidualBlock``; the output has ``4 * filters`` channels.

    Shapes: (batch, H, W, C) -> (batch, ceil(H / strides), ceil(W / strides), 4 * filters).
    """

    expansion = 4

    def _make_branch(self):
        f = self.filters
        return [
            self._conv(f, 1, self.strides, "conv1"),
            self._bn("bn1"),
            layers.ReLU(name="relu1"),
            self._conv(f, 3, 1, "conv2"),
            self._bn("bn2"),
            layers.ReLU(name="relu2"),
            self._conv(4 * f, 1, 1, "conv3"),
            self._bn("bn3"),
        ]


def resnet(
    depth=50,
    input_shape=None,
    num_classes=None,
    include_top=True,
    small=False,
    use_bias=None,
    width=1.0,
    pooling=None,
    name=None,
):
    """ResNet-18/34/50/101/152: a stem, four stages of residual blocks, global average pooling.

    ``resnet(50)`` is ``keras.applications.ResNet50`` layer for layer and has its exact
    25,636,712 parameters: Keras (from the authors' Caffe model) keeps biases in the convs,
    so at full size ``use_bias`` defaults to True. ``use_bias=False`` gives the paper's
    network, with the 25,557,032 trainable parameters torchvision reports for ResNet-50
    (11,689,512 for ResNet-18).

    Args:
        depth: 18 or 34 (``ResidualBlock``), 50, 101 or 152 (``BottleneckBlock``).
        input_shape: (H, W, C); default (224, 224, 3), or (28, 28, 1) when ``small``.
        num_classes: outputs of the softmax layer; default 1000, or 10 when ``small``.
        include_top: add global average pooling and the softmax layer; else return the
            last feature maps (or pooled features, see ``pooling``).
        small: the 28x28 / 32x32 variant: the 7x7/2 conv and the max-pool of the stem become
            one 3x3/1 conv, so the stages run at 28, 14, 7 and 4 pixels.
        use_bias: biases in the convs; default True at full size (as Keras), False when small.
        width: multiplies every channel count (1.0 = the paper's 64-128-256-512).
        pooling: with ``include_top=False``: None, "avg" or "max".
    """
    check_choice("depth", depth, tuple(RESNET_STAGES))
    for arg in ("include_top", "small"):
        check_bool(arg, locals()[arg])
    use_bias = (not small) if use_bias is None else check_bool("use_bias", use_bias)
    input_shape = check_input_shape(default(input_shape, small, (28, 28, 1), (224, 224, 3)))
    num_classes = check_positive_int("num_classes", default(num_classes, small, 10, 1000))
    width = check_width(width)
    check_choice("pooling", pooling, (None, "avg", "max"))

    kind, stages = RESNET_STAGES[depth]
    block = ResidualBlock if kind == "basic" else BottleneckBlock
    inputs = keras.Input(input_shape)
    if small:
        x = layers.Conv2D(scaled(64, width), 3, padding="same", use_bias=use_bias, name="conv1_conv")(inputs)
    else:
        x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
        x = layers.Conv2D(scaled(64, width), 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.ReLU(name="conv1_relu")(x)
    if not small:
        x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for s, blocks in enumerate(stages):
        for b in range(blocks):
            x = block(
                scaled(64 * 2**s, width),
                strides=2 if s > 0 and b == 0 else 1,
                use_bias=use_bias,
                name=f"conv{s + 2}_block{b + 1}",
            )(x)
    if include_top or pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    if include_top:
        x = classifier(x, num_classes)
    return keras.Model(inputs, x, name=name if name is not None else f"resnet{depth}{'_small' if small else ''}")


def resnet_cifar(depth=20, residual=True, input_shape=(28, 28, 1), num_classes=10, width=16, name=None):
    """The 6n+2-layer nets of the paper's CIFAR-10 experiment (section 4.2), plain or residual.

    A 3x3 conv, then three stages of n basic blocks (2n convs each) at ``width``,
    ``2 width`` and ``4 width`` channels (strides 1, 2, 2), global average pooling and a
    softmax layer: 6n + 2 weighted layers. With ``residual=False`` the blocks have no
    shortcut: the "plain" net, with exactly the same parameters, since the residual net
    uses parameter-free shortcuts (option A).

    Args:
        depth: 6n + 2 for n >= 1 (20, 32, 44, 56, 110 in the paper).
        residual: shortcuts on (ResNet) or off (plain net).
        input_shape, num_classes: as for ``resnet``.
        width: positive int, channels of the first stage (the paper's 16).
    """
    if check_int("depth", depth, minimum=8) and (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110), got {depth!r}")
    check_bool("residual", residual)
    input_shape = check_input_shape(input_shape)
    check_positive_int("num_classes", num_classes)
    check_positive_int("width", width)
    n = (depth - 2) // 6
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, kernel_initializer="he_normal", name="conv1")(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.ReLU(name="conv1_relu")(x)
    for s in range(3):
        for b in range(n):
            x = ResidualBlock(
                width * 2**s,
                strides=2 if s > 0 and b == 0 else 1,
                shortcut="pad" if residual else "none",
                name=f"stage{s + 1}_block{b + 1}",
            )(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = classifier(x, num_classes)
    default_name = f"{'resnet' if residual else 'plain'}{depth}"
    return keras.Model(inputs, outputs, name=default_name if name is None else name)
