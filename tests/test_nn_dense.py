import keras
import numpy as np
import pytest

from keras_course.nn import Dense, activations, dense_params


def test_dense_equals_keras_dense_given_same_weights():
    x = np.random.default_rng(0).normal(size=(16, 7)).astype("float32")
    ours, reference = Dense(5, activation="relu"), keras.layers.Dense(5, activation="relu")
    ours.build((None, 7))
    reference.build((None, 7))
    reference.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x), reference(x), atol=1e-6)
    assert ours.count_params() == reference.count_params() == dense_params(7, 5) == 5 * (7 + 1)


def test_dense_formula_against_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 6)).astype("float32")  # any leading shape
    layer = Dense(2)
    layer.build(x.shape)
    w, b = rng.normal(size=(6, 2)), rng.normal(size=(2,))
    layer.set_weights([w, b])
    expected = np.einsum("...i,ij->...j", x, w) + b  # z_j = sum_i x_i w_ij + b_j (bias once)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((3, 4, 6)) == (3, 4, 2)


def test_dense_without_bias():
    layer = Dense(3, use_bias=False)
    layer.build((None, 4))
    assert layer.count_params() == dense_params(4, 3, use_bias=False) == 12


def test_dense_keras_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((4,)), Dense(8, activation="relu"), Dense(2)])
    x = np.random.default_rng(2).normal(size=(5, 4)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")  # safe_mode stays on
    np.testing.assert_allclose(model(x), loaded(x), atol=1e-6)
    assert loaded.layers[0].get_config()["units"] == 8


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "4"])
def test_dense_rejects_bad_units(units):
    # a wrong kind of value (float, bool, str) is a TypeError, a bad int a ValueError
    with pytest.raises(
        ValueError if isinstance(units, int) and not isinstance(units, bool) else TypeError, match="units"
    ):
        Dense(units)


def test_dense_rejects_unknown_input_features():
    with pytest.raises(ValueError, match="last input dimension"):
        Dense(2).build((None, None))


def test_dense_params_rejects_bad_sizes():
    with pytest.raises(ValueError, match="in_features"):
        dense_params(0, 3)


X = np.linspace(-5, 5, 1001)


@pytest.mark.parametrize(
    "name,reference",
    [
        ("sigmoid", keras.activations.sigmoid),
        ("relu", keras.activations.relu),
        ("leaky_relu", lambda x: keras.activations.leaky_relu(x, negative_slope=0.1)),
    ],
)
def test_activations_equal_keras(name, reference):
    function, _ = activations.ACTIVATIONS[name]
    kwargs = {"alpha": 0.1} if name == "leaky_relu" else {}
    x = X.astype("float32")
    np.testing.assert_allclose(function(x, **kwargs), reference(x), atol=1e-6)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "leaky_relu"])
def test_derivatives_equal_finite_differences(name):
    function, derivative = activations.ACTIVATIONS[name]
    kwargs = {"alpha": 0.1} if name == "leaky_relu" else {}
    x = X[np.abs(X) > 1e-3]  # away from the kink of ReLU
    h = 1e-6
    numeric = (np.asarray(function(x + h, **kwargs)) - np.asarray(function(x - h, **kwargs))) / (2 * h)
    np.testing.assert_allclose(derivative(x, **kwargs), numeric, atol=1e-6)


def test_leaky_relu_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        activations.leaky_relu(X, alpha=1.5)
