"""keras_course.nn Dropout and BatchNormalization against the formulas and the Keras layers."""

import keras
import numpy as np
import pytest

from keras_course.nn.batchnorm import BatchNormalization
from keras_course.nn.dropout import Dropout


# ---------------------------------------------------------------- dropout
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_zeroes_p_and_keeps_expectation(rate):
    x = np.random.default_rng(0).uniform(0.5, 2.0, size=(400, 250)).astype("float32")
    y = keras.ops.convert_to_numpy(Dropout(rate, seed=1)(x, training=True))
    zeroed = y == 0
    assert abs(zeroed.mean() - rate) < 0.01  # 100,000 Bernoulli(p) draws: sd 0.0016
    # Kept units are scaled by 1/(1-p) (the notes' 1/p would give x/p), exactly as Keras does.
    np.testing.assert_allclose(y[~zeroed], x[~zeroed] / (1 - rate), rtol=1e-6)
    keras_y = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=1)(x, training=True))
    np.testing.assert_allclose(keras_y[keras_y != 0], x[keras_y != 0] / (1 - rate), rtol=1e-6)
    # E[y] = x: the mean over many units matches the mean input.
    assert abs(y.mean() / x.mean() - 1) < 0.02
    assert abs(keras_y.mean() / x.mean() - 1) < 0.02


def test_dropout_inference_is_identity_like_keras():
    x = np.random.default_rng(0).normal(size=(8, 5)).astype("float32")
    for training in (False, None):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(Dropout(0.5)(x, training=training)), x)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras.layers.Dropout(0.5)(x, training=training)), x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(Dropout(0.0)(x, training=True)), x)


def test_dropout_fresh_masks_and_seed_repeatability():
    x = np.ones((1000,), "float32")
    layer = Dropout(0.5, seed=3)
    first, second = (keras.ops.convert_to_numpy(layer(x, training=True)) for _ in range(2))
    assert not np.array_equal(first, second)  # a new mask every call
    np.testing.assert_array_equal(first, keras.ops.convert_to_numpy(Dropout(0.5, seed=3)(x, training=True)))


def test_dropout_in_fit_and_keras_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(16, activation="relu"), Dropout(0.3, seed=0), keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[1], Dropout) and loaded.layers[1].get_config() == model.layers[1].get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error",
    [({"rate": 1.0}, ValueError), ({"rate": -0.1}, ValueError), ({"rate": 0.5, "seed": 1.5}, TypeError)],
)
def test_dropout_bad_arguments(kwargs, error):
    with pytest.raises(error, match=r"rate|seed"):
        Dropout(**kwargs)


# ---------------------------------------------------------------- batch normalization
@pytest.mark.parametrize("shape", [(32, 6), (8, 5, 5, 3)])
def test_batchnorm_matches_keras_in_both_modes(shape):
    rng = np.random.default_rng(0)
    ours, theirs = BatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)
    ours.build(shape)
    theirs.build(shape)
    weights = [
        rng.uniform(0.5, 2, shape[-1]),
        rng.normal(size=shape[-1]),
        rng.normal(size=shape[-1]),
        rng.uniform(0.5, 2, shape[-1]),
    ]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    for _ in range(3):  # training: batch statistics, and the moving averages move alike
        x = (rng.normal(size=shape) * 3 + 1).astype("float32")
        a, b = (keras.ops.convert_to_numpy(layer(x, training=True)) for layer in (ours, theirs))
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    for w_ours, w_theirs in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-5, atol=1e-6)
    x = rng.normal(size=shape).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x, training=False)),
        keras.ops.convert_to_numpy(theirs(x, training=False)),
        rtol=1e-4,
        atol=1e-4,
    )


def test_batchnorm_formula_in_numpy():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(50, 4)) * [1, 5, 0.1, 2] + [0, 3, -1, 10]).astype("float32")
    layer = BatchNormalization(momentum=0.5, epsilon=1e-3)
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    mu, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-4)  # normalized per feature
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.moving_mean), 0.5 * mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.moving_variance), 0.5 + 0.5 * var, rtol=1e-5)
    assert len(layer.trainable_weights) == 2 and layer.count_params() == 4 * 4  # gamma, beta + 2 moving


def test_batchnorm_trains_in_fit_and_keras_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 6, 6, 2)).astype("float32") * 4 + 2
    y = (x.mean(axis=(1, 2, 3)) > 2).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(4, 3),
            BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    before = [w.copy() for w in model.layers[1].get_weights()]
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    after = model.layers[1].get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after, strict=True))  # gamma, beta and moving stats moved
    model.save(tmp_path / "bn.keras")
    loaded = keras.saving.load_model(tmp_path / "bn.keras")
    assert isinstance(loaded.layers[1], BatchNormalization)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error", [({"momentum": 1.0}, ValueError), ({"epsilon": 0.0}, ValueError), ({"momentum": "0.9"}, TypeError)]
)
def test_batchnorm_bad_arguments(kwargs, error):
    with pytest.raises(error, match=r"momentum|epsilon"):
        BatchNormalization(**kwargs)


def test_batchnorm_bad_rank():
    with pytest.raises(ValueError, match="inputs must be"):
        BatchNormalization().build((4, 3, 2))
