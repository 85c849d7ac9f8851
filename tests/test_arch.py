"""keras_course.arch builders: exact parameter counts, layers against Keras built-ins, round trips."""

import keras
import numpy as np
import pytest

from keras_course.arch import (
    ALEXNET_PARAMS,
    GOOGLENET_PARAMS,
    BottleneckBlock,
    InceptionModule,
    ResidualBlock,
    alexnet,
    googlenet,
    inception_params,
    resnet,
    resnet_cifar,
    vgg,
)
from keras_course.arch.googlenet import GOOGLENET_AUX_PARAMS, GOOGLENET_MODULES


def trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


# ---------------------------------------------------------------- ImageNet-size parameter counts
def test_vgg16_vgg19_match_keras_applications():
    for config, reference in (("D", keras.applications.VGG16), ("E", keras.applications.VGG19)):
        ours = vgg(config).count_params()
        keras.backend.clear_session()
        theirs = reference(weights=None).count_params()
        keras.backend.clear_session()
        assert ours == theirs, config
    assert ours == 143_667_240


def test_resnet50_matches_keras_applications_and_torchvision():
    ours = resnet(50)
    theirs = keras.applications.ResNet50(weights=None)
    assert ours.count_params() == theirs.count_params() == 25_636_712
    # Same layers in the same order: the per-layer weight shapes agree.
    assert sorted(tuple(w.shape) for w in ours.weights) == sorted(tuple(w.shape) for w in theirs.weights)
    # Without conv biases: the paper's net, as torchvision counts it (trainable parameters only).
    conv_biases = sum(int(np.prod(w.shape)) for w in ours.weights if "conv" in w.path and w.path.endswith("bias"))
    assert trainable(ours) - conv_biases == 25_557_032
    keras.backend.clear_session()
    assert trainable(resnet(18, use_bias=False)) == 11_689_512


def test_alexnet_and_googlenet_match_derived_counts():
    assert alexnet().count_params() == ALEXNET_PARAMS == 60_965_224
    model = googlenet()
    assert model.count_params() == GOOGLENET_PARAMS
    # The derivation in the docstring, recomputed from Table 1.
    c, modules = 192, 0
    for module in GOOGLENET_MODULES:
        if module != "pool":
            label, filters = module
            assert model.get_layer(f"inception_{label}").count_params() == inception_params(c, *filters)
            modules += inception_params(c, *filters)
            c = filters[0] + filters[2] + filters[4] + filters[5]
    stem = (7 * 7 * 3 + 1) * 64 + (64 + 1) * 64 + (9 * 64 + 1) * 192
    assert stem + modules + (1024 + 1) * 1000 == GOOGLENET_PARAMS
    aux = googlenet(aux_heads=True)
    assert len(aux.outputs) == 3 and aux.count_params() == GOOGLENET_AUX_PARAMS


# ---------------------------------------------------------------- small variants
@pytest.mark.parametrize(
    "build,shape",
    [
        (lambda s: alexnet(small=True, input_shape=s, width=0.25), (28, 28, 1)),
        (lambda s: vgg("A", small=True, input_shape=s, width=0.125, batch_norm=True), (32, 32, 3)),
        (lambda s: vgg("C", small=True, input_shape=s, width=0.125), (28, 28, 1)),
        (lambda s: googlenet(small=True, input_shape=s, width=0.125), (32, 32, 3)),
        (lambda s: resnet(18, small=True, input_shape=s, width=0.125), (28, 28, 1)),
        (lambda s: resnet(50, small=True, input_shape=s, width=0.125), (32, 32, 3)),
    ],
    ids=["alexnet", "vgg_a_bn", "vgg_c", "googlenet", "resnet18", "resnet50"],
)
def test_small_variants_take_28_and_32_pixel_images(build, shape):
    model = build(shape)
    probs = keras.ops.convert_to_numpy(model(np.random.rand(2, *shape).astype("float32")))
    assert probs.shape == (2, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_vgg_without_top_and_pooling():
    model = vgg("D", include_top=False, input_shape=(None, None, 3), width=0.125)
    assert model.compute_output_shape((1, 64, 64, 3)) == (1, 2, 2, 64)
    assert vgg("A", include_top=False, pooling="avg", input_shape=(32, 32, 3), width=0.125).output.shape == (None, 64)


# ---------------------------------------------------------------- custom layers vs Keras built-ins
def copy_into(reference_layers, layer_weights):
    for ref, weights in zip(reference_layers, layer_weights, strict=True):
        ref.set_weights(weights)


def test_inception_module_equals_keras_branches():
    module = InceptionModule(8, 6, 10, 2, 4, 3)
    x = np.random.default_rng(0).normal(size=(2, 9, 9, 5)).astype("float32")
    y = keras.ops.convert_to_numpy(module(x))
    assert y.shape == (2, 9, 9, 8 + 10 + 4 + 3) == module.compute_output_shape(x.shape)
    assert module.count_params() == inception_params(5, 8, 6, 10, 2, 4, 3)
    # The same four branches from keras.layers, with the module's weights.
    L = keras.layers
    convs = [
        L.Conv2D(8, 1, activation="relu"),
        L.Conv2D(6, 1, activation="relu"),
        L.Conv2D(10, 3, padding="same", activation="relu"),
        L.Conv2D(2, 1, activation="relu"),
        L.Conv2D(4, 5, padding="same", activation="relu"),
        L.Conv2D(3, 1, activation="relu"),
    ]
    inputs = keras.Input((9, 9, 5))
    pooled = L.MaxPooling2D(3, strides=1, padding="same")(inputs)
    outputs = L.Concatenate()(
        [convs[0](inputs), convs[2](convs[1](inputs)), convs[4](convs[3](inputs)), convs[5](pooled)]
    )
    reference = keras.Model(inputs, outputs)
    ours = [layer for branch in module.branches for layer in branch if layer.weights]
    copy_into(convs, [layer.get_weights() for layer in ours])
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(reference(x)), atol=1e-5)


def keras_residual_reference(block, in_channels, size):
    """The block as a functional model of Keras built-ins, sharing nothing, weights copied."""
    L = keras.layers
    inputs = keras.Input((size, size, in_channels))
    x, refs = inputs, []
    for layer in block.branch:
        if isinstance(layer, L.Conv2D):
            ref = L.Conv2D(
                layer.filters, layer.kernel_size, strides=layer.strides, padding="same", use_bias=layer.use_bias
            )
        elif isinstance(layer, L.BatchNormalization):
            ref = L.BatchNormalization(epsilon=layer.epsilon)
        else:
            ref = L.ReLU()
        x = ref(x)
        refs.append((ref, layer))
    if block.projection is not None:
        conv = L.Conv2D(block.out_channels, 1, strides=block.strides, use_bias=block.use_bias)
        bn = L.BatchNormalization(epsilon=block.projection[1].epsilon)
        shortcut = bn(conv(inputs))
        refs += [(conv, block.projection[0]), (bn, block.projection[1])]
    else:
        shortcut = inputs
    outputs = L.ReLU()(L.Add()([x, shortcut]))
    model = keras.Model(inputs, outputs)
    for ref, layer in refs:
        if layer.weights:
            ref.set_weights(layer.get_weights())
    return model


@pytest.mark.parametrize(
    "block_class,filters,strides,in_channels",
    [
        (ResidualBlock, 6, 1, 6),
        (ResidualBlock, 8, 2, 4),
        (BottleneckBlock, 3, 1, 12),
        (BottleneckBlock, 4, 2, 6),
    ],
)
def test_residual_blocks_equal_keras_composition(block_class, filters, strides, in_channels):
    block = block_class(filters, strides=strides, use_bias=True)
    x = np.random.default_rng(1).normal(size=(2, 8, 8, in_channels)).astype("float32")
    y = keras.ops.convert_to_numpy(block(x))
    # Non-trivial BN statistics so inference-mode BN matters.
    for layer in block.branch + (block.projection or []):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights(
                [w + np.random.default_rng(2).uniform(0.1, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
            )
    y = keras.ops.convert_to_numpy(block(x, training=False))
    reference = keras_residual_reference(block, in_channels, 8)
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(reference(x, training=False)), atol=1e-4)
    assert y.shape == block.compute_output_shape(x.shape)
    assert (block.projection is not None) == (strides != 1 or in_channels != filters * block.expansion)


def test_pad_shortcut_and_plain_block():
    x = np.random.default_rng(3).normal(size=(2, 6, 6, 4)).astype("float32")
    block = ResidualBlock(8, strides=2, shortcut="pad")
    plain = ResidualBlock(8, strides=2, shortcut="none")
    y = keras.ops.convert_to_numpy(block(x, training=False))
    plain(x)
    plain.set_weights(block.get_weights())
    branch = keras.ops.convert_to_numpy(plain(x, training=False))
    # relu(F(x) + pad(x)) where pad subsamples and adds 2 zero channels on each side.
    padded = np.pad(x[:, ::2, ::2, :], [(0, 0), (0, 0), (0, 0), (2, 2)])
    pre_relu_branch = block.branch  # F(x) before the final relu: recompute through the layers
    f = x
    for layer in pre_relu_branch:
        f = layer(f, training=False) if isinstance(layer, keras.layers.BatchNormalization) else layer(f)
    f = keras.ops.convert_to_numpy(f)
    np.testing.assert_allclose(y, np.maximum(f + padded, 0), atol=1e-5)
    np.testing.assert_allclose(branch, np.maximum(f, 0), atol=1e-5)
    assert block.count_params() == plain.count_params()


def test_resnet_cifar_depths_and_equal_params():
    assert resnet_cifar(20, residual=False).count_params() == resnet_cifar(20).count_params() == 270_810
    for depth in (20, 56):
        res = resnet_cifar(depth, residual=True)
        blocks = [layer for layer in res.layers if isinstance(layer, ResidualBlock)]
        convs = sum(isinstance(layer, keras.layers.Conv2D) for layer in res.layers) + 2 * len(blocks)
        assert convs + 1 == depth  # convs + the softmax layer = 6n + 2 weighted layers
        assert all(b.projection is None for b in blocks)  # option A: no parameters in shortcuts


# ---------------------------------------------------------------- serialization
@pytest.mark.parametrize(
    "make",
    [
        lambda: InceptionModule(4, 3, 5, 2, 3, 2, batch_norm=True),
        lambda: ResidualBlock(4, strides=2, shortcut="pad"),
        lambda: BottleneckBlock(2, strides=2),
    ],
    ids=["inception", "residual", "bottleneck"],
)
def test_custom_layers_round_trip(make, tmp_path):
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, make()(inputs))
    x = np.random.default_rng(4).normal(size=(2, 8, 8, 3)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)
    assert loaded.layers[1].get_config() == model.layers[1].get_config()


def test_small_model_round_trip(tmp_path):
    model = resnet_cifar(8, width=2)
    x = np.random.default_rng(5).random((2, 28, 28, 1)).astype("float32")
    model.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)


# ---------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: vgg("F"), "config"),
        (lambda: resnet(19), "depth"),
        (lambda: resnet_cifar(21), "6n"),
        (lambda: alexnet(groups=3), "groups"),
        (lambda: googlenet(small=True, width=0), "width"),
        (lambda: vgg("A", input_shape=(28, 28)), "input_shape"),
        (lambda: vgg("A", pooling="sum", include_top=False), "pooling"),
        (lambda: InceptionModule(0, 1, 1, 1, 1, 1), "filters_1x1"),
        (lambda: ResidualBlock(4, shortcut="maybe"), "shortcut"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="small"):
        resnet(18, small="yes")
    with pytest.raises(TypeError, match="batch_norm"):
        InceptionModule(1, 1, 1, 1, 1, 1, batch_norm=1)
