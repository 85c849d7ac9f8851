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
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)
    loss_c, _ = _fit_once(8)
    assert loss_c != loss_a


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_set_seed_rejects_bad_seed(seed):
    with pytest.raises((TypeError, ValueError), match="seed"):  # a wrong kind is a TypeError
        train.set_seed(seed)


def test_standard_callbacks(tmp_path):
    callbacks = train.standard_callbacks(tmp_path / "run", patience=2)
    kinds = {type(c).__name__ for c in callbacks}
    assert kinds == {"EarlyStopping", "ModelCheckpoint", "CSVLogger"}  # fit does the backups
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
    with pytest.raises(TypeError, match="mixed_precision"), train.training_context("default", mixed_precision="yes"):
        pass


def test_mirrored_context_builds_mirrored_variables():
    with train.training_context("mirrored") as strategy:
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert "Mirrored" in type(layer.kernel.value).__name__


def _library_models():
    """(name, model, batch) for every library model whose output feeds a loss."""
    from keras_course.arch import alexnet
    from keras_course.autoencoders.models import autoencoder
    from keras_course.conv.lenet import lenet
    from keras_course.detection.fast_rcnn import fast_rcnn
    from keras_course.detection.rcnn import region_cnn
    from keras_course.detection.yolo import yolo_v1
    from keras_course.identification.models import embedding_cnn, pair_classifier
    from keras_course.rnn.char_lm import char_language_model, rnn_classifier
    from keras_course.segmentation import fcn, unet
    from keras_course.text.text_cnn import text_cnn

    image = np.zeros((2, 32, 32, 1), "float32")
    ids = np.ones((2, 12), "int32")
    return [
        ("lenet", lenet(), np.zeros((2, 28, 28, 1), "float32")),
        ("alexnet", alexnet((32, 32, 1), 10, small=True, width=0.125), image),
        ("unet", unet((32, 32, 1), 3, base_filters=4, depth=2), image),
        ("fcn", fcn((32, 32, 1), 3, base_filters=4, depth=2), image),
        ("text_cnn", text_cnn(50, embedding_dim=8, variant="rand", num_filters=4), ids),
        ("char_lm", char_language_model(20, units=8, embedding_dim=4), ids),
        ("rnn_classifier", rnn_classifier(50, units=8, embedding_dim=4), ids),
        ("region_cnn", region_cnn((32, 32, 1), 3, base_filters=4, feature_size=8), image),
        (
            "fast_rcnn",
            fast_rcnn((32, 32, 1), 3, base_filters=4, hidden=8),
            [image, np.array([[[0, 0, 16, 16]]] * 2, "float32")],
        ),
        ("yolo_v1", yolo_v1((32, 32, 1), 4, 2, 3, base_filters=4), image),
        (
            "autoencoder",
            autoencoder((28, 28, 1), 4, kind="conv", filters=(4, 8))[0],
            np.zeros((2, 28, 28, 1), "float32"),
        ),
        (
            "pair_classifier",
            pair_classifier(embedding_cnn(width=4), hidden=8),
            [np.zeros((2, 28, 28, 1), "float32")] * 2,
        ),
    ]


def test_mixed_precision_keeps_every_models_output_in_float32():
    """Under --mixed-precision the layers compute in float16 (GPU) / bfloat16 (CPU), but the
    final softmax, sigmoid or logits, which the losses read, stay float32."""
    with train.training_context("default", mixed_precision=True):
        models = _library_models()
        for name, model, batch in models:
            assert any(layer.compute_dtype == "bfloat16" for layer in model.layers), name  # the policy took
            output = model(batch, training=False)
            assert output.dtype == "float32", name


def test_fit_takes_keras_verbose_auto(tmp_path, capsys):
    """Full runs pass Keras's default ``verbose="auto"`` (a progress bar, or a line per epoch)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 2), "float32")
    data = tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(4)
    history = train.fit(model, data, 2, run_dir=tmp_path / "run", verbose="auto")
    assert len(history.history["loss"]) == 2 and "Epoch 2/2" in capsys.readouterr().out
    with pytest.raises(TypeError, match="verbose"):
        train.fit(model, data, 2, verbose="loud")
