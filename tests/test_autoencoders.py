"""Autoencoders, the corruption layer, perceptual loss and PSNR against NumPy / scikit-image."""

import keras
import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from keras_course.autoencoders import (
    Corruption,
    PerceptualLoss,
    autoencoder,
    denoising_autoencoder,
    pretrained_features,
    psnr,
    reconstruction_loss,
)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((6, 12, 12, 1)).astype("float32")


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_autoencoder_shapes_and_round_trip(tmp_path, images, kind):
    model, encoder, decoder = autoencoder((12, 12, 1), code_size=3, kind=kind)
    assert encoder.output_shape == (None, 3) and decoder.output_shape == (None, 12, 12, 1)
    out = model.predict(images, verbose=0)
    assert out.shape == images.shape and out.min() >= 0.0 and out.max() <= 1.0
    # The autoencoder is g(f(x)) with the same weights.
    np.testing.assert_allclose(out, decoder.predict(encoder.predict(images, verbose=0), verbose=0), atol=1e-5)
    model.save(tmp_path / "ae.keras")
    loaded = keras.saving.load_model(tmp_path / "ae.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), out, atol=1e-6)


def test_autoencoder_learns_to_reconstruct():
    from keras_course.data import load_digits

    x = load_digits()[0][:512, :, :, None]
    keras.utils.set_random_seed(0)
    model, _, _ = autoencoder((8, 8, 1), code_size=8, kind="dense", hidden=(64,))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=reconstruction_loss("mse"))
    history = model.fit(x, x, batch_size=64, epochs=15, verbose=0)
    # Predicting the mean image everywhere is the baseline a code must beat.
    mean_baseline = float(np.mean((x - x.mean(0)) ** 2))
    assert history.history["loss"][-1] < 0.6 * mean_baseline


@pytest.mark.parametrize("kind", ["gaussian", "salt_and_pepper", "masking"])
def test_corruption_only_in_training(images, kind):
    layer = Corruption(kind, 0.3, seed=1)
    np.testing.assert_array_equal(layer(images, training=False), images)
    noisy = keras.ops.convert_to_numpy(layer(images, training=True))
    assert noisy.shape == images.shape and noisy.min() >= 0.0 and noisy.max() <= 1.0
    changed = noisy != images
    if kind == "gaussian":
        inside = (noisy > 0) & (noisy < 1)  # clipping aside, the noise has sd 0.3
        assert np.std((noisy - images)[inside]) == pytest.approx(0.3, rel=0.25)
    else:
        assert changed.mean() == pytest.approx(0.3, abs=0.08)  # the corrupted fraction, either kind
        extremes = {0.0} if kind == "masking" else {0.0, 1.0}
        assert set(np.unique(noisy[changed])) <= extremes
    again = Corruption.from_config(layer.get_config())
    assert (again.kind, again.amount, again.seed) == (kind, 0.3, 1)


def test_denoising_autoencoder_round_trip(tmp_path, images):
    model, _encoder, _ = denoising_autoencoder((12, 12, 1), 4, kind="conv", noise="salt_and_pepper", amount=0.2, seed=0)
    assert isinstance(model.get_layer("corruption"), Corruption)
    model.compile(optimizer="adam", loss="mse")
    model.fit(images, images, epochs=1, verbose=0)
    # Inference: no corruption, so the same input gives the same output twice.
    np.testing.assert_array_equal(model.predict(images, verbose=0), model.predict(images, verbose=0))
    model.save(tmp_path / "dae.keras")
    loaded = keras.saving.load_model(tmp_path / "dae.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
    assert loaded.get_layer("corruption").kind == "salt_and_pepper"


def _feature_model():
    inputs = keras.Input((12, 12, 1))
    outputs = keras.layers.Conv2D(5, 3, activation="relu", name="features")(inputs)
    return keras.Model(inputs, outputs)


def test_perceptual_loss_matches_numpy_and_freezes_features(tmp_path, images):
    features = _feature_model()
    loss = PerceptualLoss(features, pixel_weight=0.5, reduction=None)
    assert not features.trainable
    other = images[::-1]
    phi_true, phi_pred = features.predict(images, verbose=0), features.predict(other, verbose=0)
    expected = np.mean((phi_pred - phi_true) ** 2, axis=(1, 2, 3)) + 0.5 * np.mean((other - images) ** 2, (1, 2, 3))
    np.testing.assert_allclose(loss(images, other), expected, rtol=1e-5)
    assert float(PerceptualLoss(features)(images, images)) == 0.0

    # Training an autoencoder with it leaves the feature model's weights unchanged.
    before = [w.copy() for w in features.get_weights()]
    model, _, _ = autoencoder((12, 12, 1), 4, kind="dense", hidden=(16,))
    model.compile(optimizer="adam", loss=PerceptualLoss(features))
    model.fit(images, images, epochs=2, verbose=0)
    for b, a in zip(before, features.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)

    # Config round trip: the architecture travels (weights must be set again).
    restored = PerceptualLoss.from_config(loss.get_config())
    restored.features.set_weights(features.get_weights())
    np.testing.assert_allclose(restored(images, other), loss(images, other), rtol=1e-6)


def test_pretrained_perceptual_features():
    loss = PerceptualLoss("efficientnet_lite0")  # built by pretrained_features, ImageNet weights
    x = np.random.default_rng(1).random((2, 28, 28, 1)).astype("float32")
    assert loss.features(x).shape == (2, 14, 14, 24) and not loss.features.trainable_weights
    assert loss.get_config()["feature_model"] == "efficientnet_lite0"
    assert float(loss(x, x)) == 0.0 and float(loss(x, 1.0 - x)) > 0.0


def test_pretrained_hed_features_match_hed():
    """The VGG16-HED branch: grey [0, 1] -> RGB [0, 255], resized, HED's block2_conv2 on its own
    BGR mean-subtracted input (a plain VGG16 with HED's weights)."""
    from keras_course.arch import vgg
    from keras_course.arch.hed import CAFFE_MEAN_RGB, read_hed_conv_weights

    features = pretrained_features("vgg16_hed", input_size=32)
    x = np.random.default_rng(3).random((2, 32, 32, 1)).astype("float32")  # already 32 px: no resize
    reference = vgg("D", include_top=False, input_shape=(32, 32, 3))
    for name, weights in read_hed_conv_weights().items():
        reference.get_layer(name).set_weights(list(weights))
    reference = keras.Model(reference.inputs, reference.get_layer("block2_conv2").output)
    bgr = np.repeat(x, 3, axis=-1) * 255.0 - np.array(CAFFE_MEAN_RGB[::-1], dtype="float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(features(x)), keras.ops.convert_to_numpy(reference(bgr)), rtol=1e-4, atol=1e-2
    )
    assert not features.trainable_weights


def test_psnr_matches_skimage(images):
    noisy = np.clip(images + np.random.default_rng(2).normal(0, 0.1, images.shape), 0, 1).astype("float32")
    ours = keras.ops.convert_to_numpy(psnr(images, noisy))
    expected = [peak_signal_noise_ratio(a, b, data_range=1.0) for a, b in zip(images, noisy, strict=True)]
    np.testing.assert_allclose(ours, expected, rtol=1e-4)


def test_bad_inputs_raise_clear_errors(images):
    with pytest.raises(ValueError, match="kind"):
        autoencoder((12, 12, 1), 4, kind="vae")
    with pytest.raises(ValueError, match="multiples of 4"):
        autoencoder((10, 10, 1), 4, kind="conv")
    with pytest.raises(ValueError, match="code_size"):
        autoencoder((12, 12, 1), 0)
    with pytest.raises(ValueError, match="input_shape"):
        autoencoder((12, 12), 4)
    with pytest.raises(ValueError, match="kind"):
        Corruption("speckle")
    with pytest.raises(ValueError, match="probability"):
        Corruption("masking", 1.5)
    with pytest.raises(ValueError, match="name"):
        reconstruction_loss("l1")
    with pytest.raises(TypeError, match="feature_model"):
        PerceptualLoss(42)
    with pytest.raises(ValueError, match="backbone"):
        pretrained_features("resnet50")
    with pytest.raises(ValueError, match="same shape"):
        psnr(images, images[:2])
