import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_course import train


def _fit_once(seed):
    train.set_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    history = model.fit(x, x.sum(axis=1), batch_size=8, epochs=2, verbose=0, shuffle=True)
    return history.history["loss"], model.get_weights()


def test_set_seed_makes_runs_repeatable():
    loss_a, weights_a = _fit_once(7)
    loss_b, weights_b = _fit_once(7)
    assert loss_a == loss_b
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)
    loss_c, _ = _fit_once(8)
    assert loss_c != loss_a


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_set_seed_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        train.set_seed(seed)


def test_standard_callbacks(tmp_path):
    callbacks = train.standard_callbacks(tmp_path / "run", patience=2)
    kinds = {type(c).__name__ for c in callbacks}
    assert kinds == {"BackupAndRestore", "EarlyStopping", "ModelCheckpoint", "CSVLogger"}
    early = next(c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping))
    assert early.restore_best_weights and early.patience == 2
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((16, 2), "float32")
    model.fit(x, x[:, 0], validation_data=(x, x[:, 0]), epochs=2, verbose=0, callbacks=callbacks)
    assert (tmp_path / "run" / "best.keras").is_file()
    assert len((tmp_path / "run" / "history.csv").read_text().strip().splitlines()) == 3  # header + 2 epochs
    with pytest.raises(ValueError, match="patience"):
        train.standard_callbacks(tmp_path, patience=0)


def test_get_strategy():
    assert train.get_strategy("default") is tf.distribute.get_strategy()
    mirrored = train.get_strategy("mirrored")
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync >= 1
    with pytest.raises(ValueError, match="name must be one of"):
        train.get_strategy("tpu")


def test_training_context_sets_and_restores_mixed_precision():
    before = keras.config.dtype_policy().name
    with train.training_context("default", mixed_precision=True) as strategy:
        assert keras.config.dtype_policy().name == "mixed_bfloat16"  # no GPU here
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        assert layer.kernel.dtype == "float32" and layer.compute_dtype == "bfloat16"
        assert strategy is tf.distribute.get_strategy()
    assert keras.config.dtype_policy().name == before
    with pytest.raises(TypeError, match="mixed_precision"):
        with train.training_context("default", mixed_precision="yes"):
            pass


def test_mirrored_context_builds_mirrored_variables():
    with train.training_context("mirrored") as strategy:
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert "Mirrored" in type(layer.kernel.value).__name__
