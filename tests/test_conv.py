"""keras_course.conv against independent references: keras.layers, np.pad, scipy, the formulas."""

import itertools

import keras
import numpy as np
import pytest
import scipy.signal

from keras_course.conv import (
    Conv2D,
    MaxPool2D,
    conv2d,
    conv_params,
    empirical_receptive_field,
    lenet,
    max_pool2d,
    pad2d,
    pad_images,
    receptive_field,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 11, 10, 3)).astype("float32")
NP_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge"}


# ------------------------------------------------------------------------------ padding
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate"])
@pytest.mark.parametrize("pad", [0, 1, 2, (1, 3), ((2, 0), (1, 4)), ((1, 0), (0, 1))])
def test_pad2d_equals_np_pad_and_keras_ops(mode, pad):
    pads = {0: ((0, 0), (0, 0)), 1: ((1, 1), (1, 1)), 2: ((2, 2), (2, 2)), (1, 3): ((1, 1), (3, 3))}.get(pad, pad)
    expected = np.pad(X, ((0, 0), *pads, (0, 0)), mode=NP_MODES[mode])
    np.testing.assert_array_equal(pad2d(X, pad, mode), expected)
    np.testing.assert_array_equal(pad2d(X[0, :, :, 0], pad, mode), expected[0, :, :, 0])
    np.testing.assert_allclose(np.asarray(pad_images(X, pad, mode)), expected)


def test_pad2d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        pad2d(X, 1, "circular")
    with pytest.raises(ValueError, match="pad"):
        pad2d(X, -1)
    with pytest.raises(ValueError, match="reflect padding needs pad <= size - 1"):
        pad2d(np.ones((3, 3)), 3, "reflect")
    with pytest.raises(ValueError, match="x must"):
        pad2d(np.ones(5), 1)


# ------------------------------------------------------------------------------ convolution
def test_conv2d_is_scipy_cross_correlation():
    image, kernel = RNG.normal(size=(9, 12)), RNG.normal(size=(3, 4))
    np.testing.assert_allclose(conv2d(image, kernel), scipy.signal.correlate2d(image, kernel, "valid"), atol=1e-12)
    # zero padding of a 3x3 kernel = scipy's "same"; no kernel flip (that would be convolve2d)
    k3 = RNG.normal(size=(3, 3))
    np.testing.assert_allclose(
        conv2d(image, k3, padding="zeros"), scipy.signal.correlate2d(image, k3, "same"), atol=1e-12
    )


def test_conv2d_follows_the_notes_formula_at_one_pixel():
    kernel = RNG.normal(size=(3, 3, 3, 4))
    out = conv2d(X[0], kernel, stride=2, dilation=2)
    y, x, t = 1, 2, 3
    by_hand = sum(
        kernel[i, j, c, t] * X[0, 2 * y + 2 * i, 2 * x + 2 * j, c] for i in range(3) for j in range(3) for c in range(3)
    )
    assert out[y, x, t] == pytest.approx(by_hand, abs=1e-9)


CASES = list(itertools.product(["valid", "same", "reflect", "replicate"], [1, 2, 3], [1, 2]))


@pytest.mark.parametrize("padding,stride,dilation", CASES)
def test_conv2d_layer_matches_numpy_reference(padding, stride, dilation):
    layer = Conv2D(4, (3, 2), strides=stride, padding=padding, dilation_rate=dilation, bias_initializer="random_normal")
    out = np.asarray(layer(X))
    kernel, bias = layer.get_weights()
    expected = conv2d(X, kernel, stride, padding, dilation) + bias
    assert out.shape == expected.shape == layer.compute_output_shape(X.shape)
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize(
    "padding,stride,dilation", [c for c in CASES if c[0] in ("valid", "same") and not (c[1] > 1 and c[2] > 1)]
)
def test_conv2d_layer_matches_keras_conv2d(padding, stride, dilation):
    ours = Conv2D(5, 3, strides=stride, padding=padding, dilation_rate=dilation, bias_initializer="random_normal")
    reference = keras.layers.Conv2D(5, 3, strides=stride, padding=padding, dilation_rate=dilation)
    ours.build(X.shape)
    reference.build(X.shape)
    reference.set_weights(ours.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(reference(X)), atol=1e-5)
    assert ours.count_params() == reference.count_params() == conv_params(3, 3, 5)


def test_conv2d_gradients_match_keras():
    from keras_course.backend import gradients

    for padding in ("valid", "same"):
        ours, reference = Conv2D(2, 3, padding=padding), keras.layers.Conv2D(2, 3, padding=padding)
        ours.build(X.shape)
        reference.build(X.shape)
        reference.set_weights(ours.get_weights())
        grads = []
        for layer in (ours, reference):
            _, grad = gradients(lambda *_, layer=layer: keras.ops.sum(layer(X) ** 2), layer.trainable_variables)
            grads.append(grad)
        for a, b in zip(*grads, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_conv_params_formula():
    assert conv_params(3, 3, 10) == (3 * 3 * 3 + 1) * 10 == 280
    assert conv_params(3, 3, 10, use_bias=False) == 270  # the notes' count, which forgets the biases
    assert conv_params((5, 3), 2, 4) == (5 * 3 * 2 + 1) * 4
    with pytest.raises(ValueError, match="filters"):
        conv_params(3, 3, 0)


def test_conv_rejects_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        Conv2D(4, 3, padding="circular")
    with pytest.raises(ValueError, match="filters"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(4, (3, 0))
    with pytest.raises(ValueError, match="kernel must be"):
        conv2d(X, np.ones((3, 3, 2, 1)))
    with pytest.raises(ValueError, match="2-D kernel"):
        conv2d(X[0, :, :, 0], np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="does not fit"):
        conv2d(np.ones((4, 4)), np.ones((3, 3)), dilation=2)


def test_conv2d_and_maxpool_save_load_round_trip(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            Conv2D(4, 3, strides=2, padding="reflect", activation="relu"),
            MaxPool2D(2, padding="same"),
            Conv2D(2, 3, padding="replicate"),
        ]
    )
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = RNG.normal(size=(2, 12, 12, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)
    assert loaded.layers[0].get_config() == model.layers[0].get_config()


# ------------------------------------------------------------------------------ pooling
@pytest.mark.parametrize("pool,stride,padding", itertools.product([2, 3, (2, 3)], [None, 1, 2], ["valid", "same"]))
def test_max_pool_matches_keras(pool, stride, padding):
    expected = np.asarray(keras.layers.MaxPooling2D(pool, stride, padding)(X))
    np.testing.assert_allclose(max_pool2d(X, pool, stride, padding), expected)
    layer = MaxPool2D(pool, stride, padding)
    np.testing.assert_allclose(np.asarray(layer(X)), expected)
    assert layer.compute_output_shape(X.shape) == expected.shape


def test_max_pool_rejects_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        max_pool2d(X, 2, padding="reflect")
    with pytest.raises(ValueError, match="pool_size"):
        MaxPool2D(0)
    with pytest.raises(ValueError, match="larger than the image"):
        max_pool2d(np.ones((2, 2)), 3)


# ------------------------------------------------------------------------------ receptive field
def test_receptive_field_of_the_notes_example():
    first, second = receptive_field([(3, 2, 1), (3, 2, 1)])
    assert (first.size, first.jump, first.start) == (3, 2, 1.0)
    assert (second.size, second.jump, second.start) == (7, 4, 3.0)
    # two 2x2 poolings: the notes' 2x2 then 4x4
    assert [f.size for f in receptive_field([(2, 2), (2, 2)])] == [2, 4]


def _random_stack(rng):
    layers = [keras.Input((None, None, 1))]
    for _ in range(rng.integers(2, 5)):
        kind = rng.choice(["conv", "strided", "dilated", "pool"])
        padding = str(rng.choice(["valid", "same"]))
        if kind == "pool":
            size = int(rng.integers(2, 4))
            layers.append(keras.layers.MaxPooling2D(size, int(rng.integers(1, size + 1)), padding=padding))
        else:
            layer_type = Conv2D if rng.random() < 0.5 else keras.layers.Conv2D
            stride = int(rng.integers(2, 4)) if kind == "strided" else 1
            dilation = int(rng.integers(2, 4)) if kind == "dilated" else 1
            layers.append(
                layer_type(2, int(rng.integers(1, 6)), strides=stride, dilation_rate=dilation, padding=padding)
            )
    return keras.Sequential(layers)


@pytest.mark.parametrize("seed", range(6))
def test_receptive_field_formula_agrees_with_gradients(seed):
    rng = np.random.default_rng(seed)
    model = _random_stack(rng)
    theory = receptive_field(model, input_size=96)[-1]
    measured = empirical_receptive_field(model, input_size=96, samples=16, seed=seed)
    assert measured.size == (theory.size, theory.size)
    assert measured.centre[0] == pytest.approx(theory.centre(measured.position[0]))
    assert measured.centre[1] == pytest.approx(theory.centre(measured.position[1]))


def test_receptive_field_of_lenet_and_bad_arguments():
    fields = receptive_field(lenet())
    assert [f.size for f in fields] == [5, 6, 14, 16]
    assert [f.jump for f in fields] == [1, 2, 2, 4]
    assert fields[-1].output_size == 5
    with pytest.raises(ValueError, match="kernel_size"):
        receptive_field([(0, 1)])
    with pytest.raises(TypeError, match="layers must be"):
        receptive_field("conv")
    with pytest.raises(ValueError, match="input_size"):
        receptive_field([(3, 2, 1, "same")])
    with pytest.raises(ValueError, match="spatial map"):
        empirical_receptive_field(lenet())


# ------------------------------------------------------------------------------ LeNet
def test_lenet_shapes_params_and_round_trip(tmp_path):
    model = lenet()
    assert model.count_params() == 61_706  # the d2l / LeCun 1998 count on 28x28 inputs
    assert model.output_shape == (None, 10)
    x = RNG.normal(size=(3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)).sum(axis=1), 1.0, rtol=1e-5)
    model.save(tmp_path / "lenet.keras")
    np.testing.assert_allclose(
        np.asarray(keras.saving.load_model(tmp_path / "lenet.keras")(x)), np.asarray(model(x)), atol=1e-6
    )
    with pytest.raises(ValueError, match="pooling"):
        lenet(pooling="median")
    with pytest.raises(ValueError, match="input_shape"):
        lenet(input_shape=(8, 8, 1))
