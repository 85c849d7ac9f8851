"""Bad input gives a clear error naming the argument (issue #20): nn, conv, optim, arch,
augment, rnn and autoencoders. ``CASES``: (callable, args, kwargs, error type, argument name)."""

import math
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_course.arch as arch
import keras_course.augment as augment
import keras_course.autoencoders as ae
import keras_course.conv as conv
import keras_course.nn as nn
import keras_course.optim as optim
import keras_course.rnn as rnn
from keras_course.nn import activations

NAN, INF = float("nan"), float("inf")
_DIR = Path(tempfile.mkdtemp(prefix="kc_validation_"))
(_DIR / "corrupt.pth").write_bytes(b"\x80\x02this is not a torch file")
(_DIR / "corrupt.h5").write_bytes(b"not an HDF5 file")
MISSING = str(_DIR / "missing.weights.h5")

NET = nn.notes_network()
PARAMS = {p: 0.3 + 0.1 * i for i, p in enumerate(NET.parameters)}
X_IN = {"x1": 0.5, "x2": -0.2}
# Small models, cheap to build once at import: a conv backbone, a char LM.
TINY = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3, name="c1")], name="tiny")
LM = rnn.char_language_model(5, units=4, embedding_dim=3)
VOCAB = rnn.CharVocab("abcde")
RNG = np.random.default_rng(0)
RNN_PARAMS = rnn.init_rnn_params(3, 4, 5, np.random.default_rng(0))
SEQ = RNG.normal(size=(2, 6, 3))
IDS = np.zeros((4, 5), np.int32)
IMAGE = RNG.uniform(size=(8, 8, 3)).astype("float32")
IMAGE_U8 = (IMAGE * 255).astype("uint8")
FLIP = augment.make_pipeline(["flip"])

CASES = [
    # ------------------------------------------------------------------ nn
    (nn.BatchNormalization, (), {"momentum": NAN}, ValueError, "momentum"),
    (nn.BatchNormalization, (), {"momentum": "0.9"}, TypeError, "momentum"),
    (nn.BatchNormalization, (), {"epsilon": 0.0}, ValueError, "epsilon"),
    (nn.Dense, (0,), {}, ValueError, "units"),
    (nn.Dense, ("4",), {}, TypeError, "units"),
    (nn.Dense, (4,), {"use_bias": 1}, TypeError, "use_bias"),
    (nn.Dropout, (NAN,), {}, ValueError, "rate"),
    (nn.Dropout, (1.0,), {}, ValueError, "rate"),
    (nn.Dropout, ("0.5",), {}, TypeError, "rate"),
    (nn.Dropout, (0.5,), {"seed": 1.5}, TypeError, "seed"),
    (nn.Network, ((), {"a": ("linear", {"x": "w"})}, "a"), {}, ValueError, "inputs"),
    (nn.Network, (("x",), [], "a"), {}, TypeError, "units"),
    (nn.Network, (("x",), {"a": ("linear", {"x": "w"})}, "b"), {}, ValueError, "output"),
    (nn.Value, ("2",), {}, TypeError, "data"),
    (nn.Value, (NAN,), {}, ValueError, "data"),
    (nn.backprop_multiplications, ([3],), {}, ValueError, "layer_sizes"),
    (nn.backprop_multiplications, ([3, 0, 1],), {}, ValueError, "layer_sizes"),
    (nn.backprop_multiplications, ("31",), {}, TypeError, "layer_sizes"),
    (nn.dense_params, (0, 3), {}, ValueError, "in_features"),
    (nn.dense_params, (3, 2.5), {}, TypeError, "units"),
    (nn.dense_params, (3, 2), {"use_bias": "yes"}, TypeError, "use_bias"),
    (nn.gradient_dependencies, (None, "w11"), {}, TypeError, "network"),
    (nn.gradient_dependencies, (NET, "nope"), {}, ValueError, "wrt"),
    (nn.gradient_dependencies, (NET, "w11"), {"loss": "mae"}, ValueError, "loss"),
    (nn.numeric_dependencies, (NET, "w11", PARAMS, X_IN, 0.5), {"step": NAN}, ValueError, "step"),
    (nn.numeric_dependencies, (NET, "w11", PARAMS, X_IN, 0.5), {"step": -1e-3}, ValueError, "step"),
    (nn.numeric_dependencies, (NET, "w11", PARAMS, X_IN, 0.5), {"tol": NAN}, ValueError, "tol"),
    (nn.numeric_dependencies, (NET, "w11", PARAMS, [0.5, -0.2], 0.5), {}, TypeError, "x"),
    (nn.numeric_dependencies, (NET, "w11", {**PARAMS, "w21": NAN}, X_IN, 0.5), {}, ValueError, "params"),
    (nn.path_sum_gradients, (None, PARAMS, X_IN), {}, TypeError, "network"),
    (nn.path_sum_gradients, (NET, {}, X_IN), {}, ValueError, "params"),
    (nn.path_sum_multiplications, ([2, 2, 2],), {}, ValueError, "layer_sizes"),
    (nn.path_sum_multiplications, ([True, 1],), {}, TypeError, "layer_sizes"),
    (activations.sigmoid, ("x",), {}, TypeError, "x"),
    (activations.sigmoid_derivative, (None,), {}, TypeError, "x"),
    (activations.relu, ("x",), {}, TypeError, "x"),
    (activations.relu_derivative, ("x",), {}, TypeError, "x"),
    (activations.leaky_relu, ([1.0],), {"alpha": NAN}, ValueError, "alpha"),
    (activations.leaky_relu_derivative, ([1.0],), {"alpha": 1.0}, ValueError, "alpha"),
    # ------------------------------------------------------------------ conv
    (conv.Conv2D, (0, 3), {}, ValueError, "filters"),
    (conv.Conv2D, (4, 0), {}, ValueError, "kernel_size"),
    (conv.Conv2D, (4, 3), {"strides": (1, 0)}, ValueError, "strides"),
    (conv.Conv2D, (4, 3), {"dilation_rate": -1}, ValueError, "dilation_rate"),
    (conv.Conv2D, (4, 3), {"padding": "full"}, ValueError, "padding"),
    (conv.Conv2D, (4, 3), {"use_bias": "no"}, TypeError, "use_bias"),
    (conv.Conv2D, (4, "3"), {}, TypeError, "kernel_size"),
    (conv.MaxPool2D, (0,), {}, ValueError, "pool_size"),
    (conv.MaxPool2D, (2,), {"strides": -1}, ValueError, "strides"),
    (conv.MaxPool2D, (2,), {"padding": "full"}, ValueError, "padding"),
    (conv.conv2d, ("abc", np.ones((3, 3))), {}, TypeError, "x"),
    (conv.conv2d, (np.ones(5), np.ones((3, 3))), {}, ValueError, "x"),
    (conv.conv2d, (np.ones((0, 5)), np.ones((3, 3))), {}, ValueError, "x"),
    (conv.conv2d, (np.ones((5, 5)), np.full((3, 3), NAN)), {}, ValueError, "kernel"),
    (conv.conv2d, (np.ones((5, 5)), np.ones((3, 3))), {"stride": 0}, ValueError, "stride"),
    (conv.conv2d, (np.ones((5, 5)), np.ones((3, 3))), {"dilation": 0}, ValueError, "dilation"),
    (conv.conv2d, (np.ones((5, 5)), np.ones((3, 3))), {"padding": "full"}, ValueError, "padding"),
    (conv.conv_output_size, (28, 0), {}, ValueError, "kernel_size"),
    (conv.conv_output_size, (28, 3), {"stride": 0}, ValueError, "stride"),
    (conv.conv_output_size, (-1, 3), {}, ValueError, "size"),
    (conv.conv_output_size, (28, 3), {"padding": "full"}, ValueError, "padding"),
    (conv.conv_output_size, (28, 3), {"dilation": 0}, ValueError, "dilation"),
    (conv.conv_params, (0, 3, 8), {}, ValueError, "kernel_size"),
    (conv.conv_params, (3, 0, 8), {}, ValueError, "in_channels"),
    (conv.conv_params, (3, 3, 0), {}, ValueError, "filters"),
    (conv.conv_params, (3, 3, 8), {"use_bias": 1}, TypeError, "use_bias"),
    (conv.empirical_receptive_field, (None,), {}, TypeError, "model"),
    (conv.empirical_receptive_field, (TINY,), {"samples": 0}, ValueError, "samples"),
    (conv.empirical_receptive_field, (TINY,), {"position": (-1, 0)}, ValueError, "position"),
    (conv.empirical_receptive_field, (TINY,), {"seed": -1}, ValueError, "seed"),
    (conv.empirical_receptive_field, (TINY,), {"input_size": 0}, ValueError, "input_size"),
    (conv.lenet, (), {"input_shape": (8, 8, 1)}, ValueError, "input_shape"),
    (conv.lenet, (), {"input_shape": (28, 28)}, ValueError, "input_shape"),
    (conv.lenet, (), {"num_classes": 1}, ValueError, "num_classes"),
    (conv.lenet, (), {"activation": "gelu"}, ValueError, "activation"),
    (conv.lenet, (), {"pooling": "median"}, ValueError, "pooling"),
    (conv.max_pool2d, ("abc", 2), {}, TypeError, "x"),
    (conv.max_pool2d, (np.ones(5), 2), {}, ValueError, "x"),
    (conv.max_pool2d, (np.ones((4, 4)), 0), {}, ValueError, "pool_size"),
    (conv.max_pool2d, (np.ones((4, 4)), 2), {"stride": 0}, ValueError, "stride"),
    (conv.max_pool2d, (np.ones((4, 4)), 2), {"padding": "full"}, ValueError, "padding"),
    (conv.pad2d, (np.ones(5), 1), {}, ValueError, "x"),
    (conv.pad2d, (np.ones((4, 4)), -1), {}, ValueError, "pad"),
    (conv.pad2d, (np.ones((4, 4)), 1, "circular"), {}, ValueError, "mode"),
    (conv.pad_images, (np.ones((4, 4, 1), "float32"), 1), {}, ValueError, "images"),
    (conv.pad_images, (np.ones((1, 4, 4, 1), "float32"), 1, "circular"), {}, ValueError, "mode"),
    (conv.pad_images, (np.ones((1, 4, 4, 1), "float32"), -1), {}, ValueError, "pad"),
    (conv.pad_images, (np.ones((1, 2, 2, 1), "float32"), 3, "reflect"), {}, ValueError, "pad"),
    (conv.receptive_field, ("conv",), {}, TypeError, "layers"),
    (conv.receptive_field, ([(0, 1)],), {}, ValueError, "kernel_size"),
    (conv.receptive_field, ([(3, 0)],), {}, ValueError, "stride"),
    (conv.receptive_field, ([(3, 1)],), {"input_size": 0}, ValueError, "input_size"),
    (conv.receptive_field, ([(3, 1, 1, "full")],), {}, ValueError, "padding"),
    (conv.receptive_field, ([(3, 2, 1, "same")],), {}, ValueError, "input_size"),
    (conv.same_padding, (0, 3), {}, ValueError, "size"),
    (conv.same_padding, (5, 0), {}, ValueError, "kernel_size"),
    (conv.same_padding, (5, 3, 0), {}, ValueError, "stride"),
    (conv.same_padding, (5, 3, 1, 0), {}, ValueError, "dilation"),
    # ------------------------------------------------------------------ optim
    (optim.SGD, (), {"momentum": NAN}, ValueError, "momentum"),
    (optim.SGD, (), {"momentum": 1.0}, ValueError, "momentum"),
    (optim.SGD, (-0.1,), {}, ValueError, "learning_rate"),
    (optim.SGD, ("0.1",), {}, TypeError, "learning_rate"),
    (optim.SGD, (), {"nesterov": 1}, TypeError, "nesterov"),
    (optim.Adam, (), {"beta_1": NAN}, ValueError, "beta_1"),
    (optim.Adam, (), {"beta_2": 1.0}, ValueError, "beta_2"),
    (optim.Adam, (), {"epsilon": 0.0}, ValueError, "epsilon"),
    (optim.Adam, (0.0,), {}, ValueError, "learning_rate"),
    (optim.RMSProp, (), {"rho": NAN}, ValueError, "rho"),
    (optim.RMSProp, (), {"epsilon": 0.0}, ValueError, "epsilon"),
    (optim.RMSProp, (NAN,), {}, ValueError, "learning_rate"),
    (optim.AdaGrad, (), {"epsilon": NAN}, ValueError, "epsilon"),
    (optim.AdaGrad, (), {"initial_accumulator_value": -1.0}, ValueError, "initial_accumulator_value"),
    (optim.AdaGrad, (INF,), {}, ValueError, "learning_rate"),
    # ------------------------------------------------------------------ arch
    (arch.BottleneckBlock, (0,), {}, ValueError, "filters"),
    (arch.BottleneckBlock, (4,), {"strides": 0}, ValueError, "strides"),
    (arch.ResidualBlock, (4,), {"shortcut": "skip"}, ValueError, "shortcut"),
    (arch.ResidualBlock, (4,), {"use_bias": 1}, TypeError, "use_bias"),
    (arch.InceptionModule, (0, 1, 1, 1, 1, 1), {}, ValueError, "filters_1x1"),
    (arch.InceptionModule, (1, 1, 1, 1, 1, 1), {"batch_norm": "yes"}, TypeError, "batch_norm"),
    (arch.alexnet, (), {"num_classes": 0}, ValueError, "num_classes"),
    (arch.alexnet, (), {"input_shape": ()}, ValueError, "input_shape"),
    (arch.alexnet, (), {"groups": 3}, ValueError, "groups"),
    (arch.alexnet, (), {"dropout": NAN}, ValueError, "dropout"),
    (arch.alexnet, (), {"width": 0}, ValueError, "width"),
    (arch.alexnet, (), {"small": 1}, TypeError, "small"),
    (arch.application_backbone, (5, None), {}, TypeError, "name"),
    (arch.application_backbone, ("NoSuchNet", None), {}, ValueError, "name"),
    (arch.application_backbone, ("MobileNetV2", MISSING), {}, ValueError, "weights"),
    (arch.application_backbone, ("MobileNetV2", "imagenet"), {}, ValueError, "weights"),
    (arch.build_transfer_model, (None, 3), {}, TypeError, "backbone"),
    (arch.build_transfer_model, (TINY, 0), {}, ValueError, "num_classes"),
    (arch.build_transfer_model, (TINY, 3), {"head": "deep"}, ValueError, "head"),
    (arch.build_transfer_model, (TINY, 3), {"dropout": NAN}, ValueError, "dropout"),
    (arch.build_transfer_model, (TINY, 3), {"input_scale": 0}, ValueError, "input_scale"),
    (arch.build_transfer_model, (TINY, 3), {"hidden_units": 0}, ValueError, "hidden_units"),
    (arch.build_transfer_model, (TINY, 3), {"feature_layers": "c1"}, TypeError, "feature_layers"),
    (arch.build_transfer_model, (TINY, 3), {"input_shape": (8, 8, 2)}, ValueError, "input_shape"),
    (arch.convert_lite0_weights, (), {"path": str(_DIR / "lite0.h5")}, ValueError, "path"),
    (arch.convert_lite0_weights, (str(_DIR / "new.weights.h5"), str(_DIR / "none.pth")), {}, ValueError, "source"),
    (arch.efficientnet_lite0, (), {"num_classes": 0}, ValueError, "num_classes"),
    (arch.efficientnet_lite0, (), {"dropout": NAN}, ValueError, "dropout"),
    (arch.efficientnet_lite0, (), {"drop_connect_rate": 1.5}, ValueError, "drop_connect_rate"),
    (arch.efficientnet_lite0, (), {"pooling": "sum"}, ValueError, "pooling"),
    (arch.efficientnet_lite0, (None, False), {"input_shape": (16, 16, 3)}, ValueError, "input_shape"),
    (arch.efficientnet_lite0, (MISSING,), {}, ValueError, "weights"),
    (arch.efficientnet_lite0, (), {"include_top": 1}, TypeError, "include_top"),
    (arch.googlenet, (), {"num_classes": 0}, ValueError, "num_classes"),
    (arch.googlenet, (), {"dropout": NAN}, ValueError, "dropout"),
    (arch.googlenet, (), {"width": 5.0}, ValueError, "width"),
    (arch.imagenet_class_name, (True,), {}, TypeError, "index"),
    (arch.imagenet_class_name, (1000,), {}, ValueError, "index"),
    (arch.imagenet_class_name, (-1,), {}, ValueError, "index"),
    (arch.inception_params, (0, 64, 96, 128, 16, 32, 32), {}, ValueError, "in_channels"),
    (arch.inception_params, (192, 64, 96, 128, 16, 32, 2.5), {}, TypeError, "pool_proj"),
    (arch.load_torch_state_dict, (str(_DIR / "none.pth"),), {}, ValueError, "path"),
    (arch.load_torch_state_dict, (str(_DIR / "corrupt.pth"),), {}, ValueError, "corrupt.pth"),
    (arch.resnet, (20,), {}, ValueError, "depth"),
    (arch.resnet, (), {"num_classes": 0}, ValueError, "num_classes"),
    (arch.resnet, (), {"pooling": "sum"}, ValueError, "pooling"),
    (arch.resnet, (), {"use_bias": 1}, TypeError, "use_bias"),
    (arch.resnet_cifar, (21,), {}, ValueError, "depth"),
    (arch.resnet_cifar, (), {"num_classes": 0}, ValueError, "num_classes"),
    (arch.resnet_cifar, (), {"width": 0}, ValueError, "width"),
    (arch.resnet_cifar, (), {"residual": 1}, TypeError, "residual"),
    (arch.split_transfer_model, (None,), {}, TypeError, "model"),
    (arch.split_transfer_model, (TINY,), {}, ValueError, "model"),
    (arch.two_phase_fine_tune, (None, IMAGE[None], [0], 0), {}, TypeError, "model"),
    (arch.two_phase_fine_tune, (TINY, IMAGE[None], [0], 0), {"head_epochs": 0}, ValueError, "head_epochs"),
    (arch.two_phase_fine_tune, (TINY, IMAGE[None], [0], 0), {"fine_tune_epochs": -1}, ValueError, "fine_tune_epochs"),
    (
        arch.two_phase_fine_tune,
        (TINY, IMAGE[None], [0], 0),
        {"fine_tune_learning_rate": NAN},
        ValueError,
        "fine_tune_learning_rate",
    ),
    (arch.two_phase_fine_tune, (TINY, IMAGE[None], [0], 0), {"batch_size": 0}, ValueError, "batch_size"),
    (arch.two_phase_fine_tune, (TINY, IMAGE[None], [0, 1], 0), {}, ValueError, "x and y"),
    (arch.two_phase_fine_tune, (TINY, IMAGE[None], [0], 0), {"seed": -1}, ValueError, "seed"),
    (arch.unfreeze, (None, 0), {}, TypeError, "model"),
    (arch.unfreeze, (TINY, 99), {}, ValueError, "from_layer"),
    (arch.unfreeze, (TINY, 0), {"keep_batchnorm_frozen": 1}, TypeError, "keep_batchnorm_frozen"),
    (arch.vgg, ("Z",), {}, ValueError, "config"),
    (arch.vgg, (), {"num_classes": 0}, ValueError, "num_classes"),
    (arch.vgg, (), {"dropout": 1.0}, ValueError, "dropout"),
    (arch.vgg, (), {"include_top": False, "pooling": "sum"}, ValueError, "pooling"),
    (arch.vgg, (), {"input_shape": (None, None, 3)}, ValueError, "input_shape"),
    (arch.vgg16_hed, (), {"pooling": "sum"}, ValueError, "pooling"),
    (arch.vgg16_hed, ((32, 32, 1),), {}, ValueError, "input_shape"),
    (arch.vgg16_hed, (), {"path": str(_DIR / "none.h5")}, ValueError, "path"),
    (arch.vgg16_hed, (), {"path": str(_DIR / "corrupt.h5")}, ValueError, "corrupt.h5"),
    # ------------------------------------------------------------------ augment
    (augment.RandomRGBShift, (NAN,), {}, ValueError, "factor"),
    (augment.RandomRGBShift, (0.0,), {}, ValueError, "factor"),
    (augment.RandomRGBShift, (0.1,), {"value_range": (1.0, 0.0)}, ValueError, "value_range"),
    (augment.RandomRGBShift, (0.1,), {"value_range": (0.0, NAN)}, ValueError, "value_range"),
    (augment.RandomRGBShift, (0.1,), {"seed": 1.5}, TypeError, "seed"),
    (augment.make_pipeline, ([],), {}, TypeError, "steps"),
    (augment.make_pipeline, (["blurr"],), {}, ValueError, "steps"),
    (augment.make_pipeline, ({"rotation": NAN},), {}, ValueError, "rotation"),
    (augment.make_pipeline, ({"zoom": INF},), {}, ValueError, "zoom"),
    (augment.make_pipeline, ({"flip": "sideways"},), {}, ValueError, "flip"),
    (augment.make_pipeline, (["flip"],), {"seed": -1}, ValueError, "seed"),
    (augment.make_pipeline, (["flip"],), {"value_range": (1.0, 0.0)}, ValueError, "value_range"),
    (augment.make_pipeline, (["rotation"],), {"fill_mode": "mirror"}, ValueError, "fill_mode"),
    (augment.show_augmentations, (IMAGE_U8, FLIP, str(_DIR / "a.png")), {}, TypeError, "image"),
    (augment.show_augmentations, (IMAGE * 255, FLIP, str(_DIR / "a.png")), {}, ValueError, "image"),
    (augment.show_augmentations, (IMAGE, FLIP, str(_DIR / "a.png")), {"n": 0}, ValueError, "n"),
    (augment.show_augmentations, (IMAGE, 5, str(_DIR / "a.png")), {}, TypeError, "pipeline"),
    (augment.show_augmentations, (IMAGE, FLIP, 5), {}, TypeError, "path"),
    # ------------------------------------------------------------------ rnn
    (rnn.CharVocab, (5,), {}, TypeError, "text"),
    (rnn.CharVocab, ("",), {}, ValueError, "text"),
    (rnn.SimpleRNN, (0,), {}, ValueError, "units"),
    (rnn.SimpleRNN, (4,), {"return_sequences": 1}, TypeError, "return_sequences"),
    (rnn.SimpleRNNCell, (0,), {}, ValueError, "units"),
    (rnn.SimpleRNNCell, (4,), {"use_bias": 1}, TypeError, "use_bias"),
    (rnn.bptt, (SEQ[0], np.zeros((6,), int), RNN_PARAMS), {}, ValueError, "x"),
    (rnn.bptt, (SEQ, np.full((2, 6), -1), RNN_PARAMS), {}, ValueError, "targets"),
    (rnn.bptt, (SEQ, np.full((2, 6), 5), RNN_PARAMS), {}, ValueError, "targets"),
    (rnn.bptt, (SEQ, np.zeros((2, 6), int), {"W_xh": RNN_PARAMS["W_xh"]}), {}, ValueError, "params"),
    (rnn.bptt, (SEQ, np.zeros((2, 6), int), RNN_PARAMS), {"h0": np.zeros((3, 4))}, ValueError, "h0"),
    (rnn.char_language_model, (0,), {}, ValueError, "vocab_size"),
    (rnn.char_language_model, (5,), {"units": 0}, ValueError, "units"),
    (rnn.char_windows, (np.zeros(20), 4), {}, TypeError, "ids"),
    (rnn.char_windows, (np.zeros(20, int), 0), {}, ValueError, "seq_len"),
    (rnn.char_windows, (np.zeros(20, int), 4), {"stride": 0}, ValueError, "stride"),
    (rnn.clip_by_global_norm, ({"a": np.ones(3)}, NAN), {}, ValueError, "max_norm"),
    (rnn.clip_by_global_norm, ({"a": np.array([1.0, NAN])}, 1.0), {}, ValueError, "grads"),
    (rnn.init_rnn_params, (0, 3, 2, RNG), {}, ValueError, "input_dim"),
    (rnn.init_rnn_params, (3, 3, 2, 0), {}, TypeError, "rng"),
    (rnn.init_rnn_params, (3, 3, 2, RNG), {"recurrent_scale": NAN}, ValueError, "recurrent_scale"),
    (rnn.perplexity, (None, IDS, IDS), {}, TypeError, "model"),
    (rnn.perplexity, (LM, IDS[0], IDS[0]), {}, ValueError, "x"),
    (rnn.perplexity, (LM, IDS, IDS + 7), {}, ValueError, "y"),
    (rnn.perplexity, (LM, IDS, IDS), {"batch_size": 0}, ValueError, "batch_size"),
    (rnn.rnn_classifier, (0,), {}, ValueError, "vocab_size"),
    (rnn.rnn_classifier, (10,), {"embeddings": np.zeros((9, 64))}, ValueError, "embeddings"),
    (rnn.rnn_classifier, (10,), {"trainable": 1}, TypeError, "trainable"),
    (rnn.rnn_forward, (SEQ[0], RNN_PARAMS), {}, ValueError, "x"),
    (rnn.rnn_forward, (SEQ, RNN_PARAMS), {"h0": np.zeros(4)}, ValueError, "h0"),
    (rnn.rnn_forward, (SEQ, [1, 2]), {}, TypeError, "params"),
    (rnn.sample_text, (None, VOCAB, "ab"), {}, TypeError, "model"),
    (rnn.sample_text, (LM, "abcde", "ab"), {}, TypeError, "vocab"),
    (rnn.sample_text, (LM, VOCAB, "ab"), {"temperature": 0.0}, ValueError, "temperature"),
    (rnn.sample_text, (LM, VOCAB, "ab"), {"length": -1}, ValueError, "length"),
    (rnn.sample_text, (LM, VOCAB, ""), {}, ValueError, "prompt"),
    (rnn.sample_text, (LM, VOCAB, ["a"]), {}, TypeError, "prompt"),
    (rnn.sample_text, (LM, VOCAB, "xyz"), {}, ValueError, "prompt"),
    (rnn.sample_text, (LM, VOCAB, "ab"), {"seed": -1}, ValueError, "seed"),
    # ------------------------------------------------------------------ autoencoders
    (ae.Corruption, ("blur",), {}, ValueError, "kind"),
    (ae.Corruption, ("gaussian", NAN), {}, ValueError, "amount"),
    (ae.Corruption, ("masking", NAN), {}, ValueError, "amount"),
    (ae.Corruption, ("salt_and_pepper", 1.5), {}, ValueError, "amount"),
    (ae.Corruption, (), {"value_range": (1.0, 0.0)}, ValueError, "value_range"),
    (ae.Corruption, (), {"seed": 1.5}, TypeError, "seed"),
    (ae.PerceptualLoss, (TINY,), {"pixel_weight": NAN}, ValueError, "pixel_weight"),
    (ae.PerceptualLoss, (5,), {}, TypeError, "feature_model"),
    (ae.autoencoder, ((28, 28), 8), {}, ValueError, "input_shape"),
    (ae.autoencoder, ((28, 28, 1), 0), {}, ValueError, "code_size"),
    (ae.autoencoder, ((28, 28, 1), 8), {"kind": "rnn"}, ValueError, "kind"),
    (ae.autoencoder, ((28, 28, 1), 8), {"hidden": (0,)}, ValueError, "hidden"),
    (ae.autoencoder, ((28, 28, 1), 8), {"kind": "conv", "filters": (32,)}, TypeError, "filters"),
    (ae.denoising_autoencoder, ((28, 28, 1), 8), {"noise": "blur"}, ValueError, "noise"),
    (ae.denoising_autoencoder, ((28, 28, 1), 8), {"amount": NAN}, ValueError, "amount"),
    (ae.pretrained_features, ("resnet",), {}, ValueError, "backbone"),
    (ae.pretrained_features, (), {"channels": 2}, ValueError, "channels"),
    (ae.pretrained_features, (), {"input_size": 16}, ValueError, "input_size"),
    (ae.pretrained_features, (), {"layer": 5}, TypeError, "layer"),
    (ae.psnr, (np.zeros((2, 4, 4)), np.zeros((2, 4, 5))), {}, ValueError, "clean and other"),
    (ae.psnr, (np.zeros((2, 4, 4)), np.zeros((2, 4, 4))), {"max_value": 0.0}, ValueError, "max_value"),
    (ae.psnr, (IMAGE_U8[None], IMAGE_U8[None]), {}, TypeError, "clean"),
    (ae.psnr, ("a", IMAGE[None]), {}, TypeError, "clean"),
    (ae.reconstruction_loss, ("mae",), {}, ValueError, "name"),
]

EXEMPT = {
    "keras_course.nn.notes_network": "takes no arguments: it builds the notes' fixed example network",
    "keras_course.nn.activations": "a module, not a callable: its functions are in CASES",
    "keras_course.conv.LayerField": "a result record built by receptive_field from checked values",
    "keras_course.conv.EmpiricalField": "a result record built by empirical_receptive_field from checked values",
}


def _name(case):
    function, _, kwargs, _, argument = case
    return f"{getattr(function, '__qualname__', function)}-{argument}-{'-'.join(kwargs)}"


@pytest.mark.parametrize("case", CASES, ids=[_name(c) for c in CASES])
def test_bad_argument_raises_a_clear_error(case):
    function, args, kwargs, error, argument = case
    with pytest.raises(error) as info:
        function(*args, **kwargs)
    assert argument in str(info.value), str(info.value)


# ---------------------------------------------------------------------- property tests
BAD_UNIT_INTERVAL = st.one_of(
    st.just(NAN),
    st.just(INF),
    st.just(-INF),
    st.floats(max_value=-1e-9),
    st.floats(min_value=1.0, allow_infinity=False),
)


@settings(max_examples=20, deadline=None)
@given(BAD_UNIT_INTERVAL)
def test_optimizer_decays_outside_0_1_are_refused(value):
    for make, name in (
        (lambda v: optim.SGD(momentum=v), "momentum"),
        (lambda v: optim.Adam(beta_1=v), "beta_1"),
        (lambda v: optim.Adam(beta_2=v), "beta_2"),
        (lambda v: optim.RMSProp(rho=v), "rho"),
        (lambda v: nn.Dropout(v), "rate"),
        (lambda v: nn.BatchNormalization(momentum=v), "momentum"),
    ):
        with pytest.raises(ValueError, match=name):
            make(value)


@settings(max_examples=15, deadline=None)
@given(st.one_of(st.just(NAN), st.just(INF), st.floats(max_value=0.0)))
def test_non_positive_or_nan_learning_rates_are_refused(value):
    for cls in (optim.SGD, optim.Adam, optim.RMSProp, optim.AdaGrad):
        with pytest.raises(ValueError, match="learning_rate"):
            cls(learning_rate=value)


@settings(max_examples=15, deadline=None)
@given(st.integers(max_value=0))
def test_non_positive_sizes_are_refused(size):
    for make, name in (
        (lambda: nn.Dense(size), "units"),
        (lambda: conv.Conv2D(size, 3), "filters"),
        (lambda: conv.Conv2D(4, size), "kernel_size"),
        (lambda: conv.MaxPool2D(size), "pool_size"),
        (lambda: rnn.SimpleRNN(size), "units"),
        (lambda: arch.alexnet(num_classes=size), "num_classes"),
        (lambda: conv.receptive_field([(3, size)]), "stride"),
    ):
        with pytest.raises(ValueError, match=name):
            make()


# ---------------------------------------------------------------------- regression tests: silent bugs
def test_optimizers_refuse_nan_hyperparameters_and_negative_rates_but_take_schedules():
    for make in (lambda: optim.SGD(momentum=NAN), lambda: optim.Adam(beta_1=NAN), lambda: optim.SGD(-0.01)):
        with pytest.raises(ValueError):
            make()  # before: accepted (NaN passed the range test; a negative rate climbed the loss)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    assert isinstance(optim.SGD(schedule, momentum=0.9).get_config()["learning_rate"], dict)
    assert optim.Adam(0.01).get_config()["learning_rate"] == pytest.approx(0.01)


@pytest.mark.parametrize("build", [arch.alexnet, arch.vgg, arch.googlenet, arch.resnet])
def test_builders_refuse_zero_classes_instead_of_using_the_default(build):
    with pytest.raises(ValueError, match="num_classes"):
        build(num_classes=0, small=True)  # before: silently 10 classes
    with pytest.raises(ValueError, match="input_shape"):
        build(input_shape=(), small=True)  # before: silently (28, 28, 1)


def _twin_batchnorms(x):
    ours, theirs = nn.BatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)
    ours.build(x.shape)
    theirs.build(x.shape)
    weights = [RNG.uniform(0.5, 2, x.shape[-1]).astype("float32") for _ in range(4)]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs, weights


def test_frozen_batchnorm_runs_in_inference_mode_like_keras():
    x = RNG.normal(2.0, 3.0, size=(16, 4, 4, 3)).astype("float32")
    ours, theirs, weights = _twin_batchnorms(x)
    ours.trainable = theirs.trainable = False
    out = keras.ops.convert_to_numpy(ours(x, training=True))
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(theirs(x, training=True)), rtol=1e-5, atol=1e-5)
    for a, b in zip(ours.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)  # before: the moving statistics moved
    ours.trainable = True  # a trainable layer still trains with batch statistics
    out = keras.ops.convert_to_numpy(ours(x, training=True))
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), weights[1], atol=1e-4)


def test_batchnorm_on_an_empty_batch_keeps_its_moving_statistics():
    x = RNG.normal(size=(8, 3)).astype("float32")
    layer = nn.BatchNormalization()
    layer(x, training=True)
    before = [w.copy() for w in layer.get_weights()]
    out = layer(np.zeros((0, 3), "float32"), training=True)
    assert tuple(out.shape) == (0, 3)
    for a, b in zip(layer.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)  # before: NaN moving mean and variance
    assert np.isfinite(keras.ops.convert_to_numpy(layer(x, training=False))).all()


def test_nan_strengths_and_amounts_are_refused():
    with pytest.raises(ValueError, match="rotation"):
        augment.make_pipeline({"rotation": NAN})  # before: a NaN rotation layer
    with pytest.raises(ValueError, match="amount"):
        ae.Corruption("gaussian", NAN)  # before: every pixel NaN in training
    with pytest.raises(ValueError, match="pixel_weight"):
        ae.PerceptualLoss(TINY, pixel_weight=NAN)


def test_out_of_range_ids_are_refused_not_wrapped():
    with pytest.raises(ValueError, match="targets"):
        rnn.bptt(SEQ, np.full((2, 6), -1), RNN_PARAMS)  # before: scored class -1 = the last class
    with pytest.raises(ValueError, match="ids"):
        VOCAB.decode([-1])  # before: "e"
    with pytest.raises(ValueError, match="data"):
        nn.Value(NAN)  # before: NaN gradients everywhere
    assert math.isclose(nn.Value(2.0).data, 2.0)


def test_clip_by_global_norm_takes_inf_as_no_clipping_but_refuses_nan():
    grads = {"a": np.array([3.0, 4.0])}
    clipped, norm = rnn.clip_by_global_norm(grads, np.inf)  # what the q38 recipe's "no clipping" run passes
    np.testing.assert_array_equal(clipped["a"], grads["a"])
    assert norm == pytest.approx(5.0)
    with pytest.raises(ValueError, match="max_norm"):
        rnn.clip_by_global_norm(grads, NAN)  # before: NaN compared False and passed
