"""keras_course.augment: the pipeline steps, tf.data determinism, the custom layer, the grid."""

import keras
import numpy as np
import pytest

from keras_course.augment import AUGMENTATIONS, RandomRGBShift, make_pipeline, show_augmentations
from keras_course.data import load_photo, make_dataset


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0.2, 0.8, size=(24, 16, 16, 3)).astype("float32")


def batches(images, seed, steps=AUGMENTATIONS):
    dataset = make_dataset(
        images, np.arange(len(images)), batch_size=8, seed=0, augment=make_pipeline(steps, seed=seed)
    )
    return [(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y)) for x, y in dataset]


def test_same_seed_same_batches_in_tf_data(images):
    first, again, other = batches(images, 7), batches(images, 7), batches(images, 8)
    for (xa, ya), (xb, yb) in zip(first, again, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert any(not np.array_equal(xa, xc) for (xa, _), (xc, _) in zip(first, other, strict=True))
    # The labels travel with their images; the images did change.
    for x, y in first:
        assert x.shape == (len(y), 16, 16, 3)
        assert np.abs(x - images[y]).mean() > 0.01


@pytest.mark.parametrize("step", AUGMENTATIONS)
def test_each_step_changes_images_in_training_only(step, images):
    pipeline = make_pipeline([step], seed=1)
    out = keras.ops.convert_to_numpy(pipeline(images, training=True))
    assert out.shape == images.shape
    assert np.abs(out - images).max() > 1e-3
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pipeline(images, training=False)), images)


def test_flip_is_an_exact_mirror(images):
    out = keras.ops.convert_to_numpy(make_pipeline({"flip": "horizontal"}, seed=0)(images, training=True))
    for o, i in zip(out, images, strict=True):
        assert np.array_equal(o, i) or np.array_equal(o, i[:, ::-1])


def test_rgb_shift_shifts_each_channel_by_a_constant():
    x = np.full((200, 4, 4, 3), 0.5, "float32")
    out = keras.ops.convert_to_numpy(RandomRGBShift(0.2, seed=0)(x, training=True))
    shift = out - 0.5
    np.testing.assert_allclose(shift, shift[:, :1, :1, :] * np.ones_like(shift), atol=1e-6)  # per image, channel
    assert np.abs(shift).max() <= 0.2 + 1e-6 and np.abs(shift).max() > 0.15  # U(-0.2, 0.2)
    assert abs(shift.mean()) < 0.02
    clipped = keras.ops.convert_to_numpy(RandomRGBShift(1.0, seed=0)(x, training=True))
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_pipeline_keras_round_trip(tmp_path, images):
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            make_pipeline(["flip", "rgb_shift", "erasing"], seed=3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )
    model.save(tmp_path / "aug.keras")
    loaded = keras.saving.load_model(tmp_path / "aug.keras")
    assert isinstance(loaded.layers[0].layers[1], RandomRGBShift)
    assert loaded.layers[0].layers[1].get_config() == model.layers[0].layers[1].get_config()
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), rtol=1e-5)


def test_show_augmentations_on_a_real_photo(tmp_path):
    photo = load_photo("chelsea")[::4, ::4]
    path = show_augmentations(
        photo, {step: make_pipeline([step]) for step in ("flip", "rgb_shift")}, tmp_path / "grid.png", n=3
    )
    assert path.is_file() and path.stat().st_size > 10_000
    assert show_augmentations(photo[..., 0], make_pipeline(["zoom"]), tmp_path / "one.png", n=2).is_file()


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: make_pipeline(["warp"]), ValueError, "unknown augmentation"),
        (lambda: make_pipeline({"rotation": -1}), ValueError, "strength of 'rotation'"),
        (lambda: make_pipeline({"flip": "sideways"}), ValueError, "strength of 'flip'"),
        (lambda: make_pipeline(["flip", "flip"]), ValueError, "repeat"),
        (lambda: make_pipeline("flip"), TypeError, "steps"),
        (lambda: make_pipeline(["flip"], seed=-1), ValueError, "seed"),
        (lambda: make_pipeline(["zoom"], fill_mode="mirror"), ValueError, "fill_mode"),
        (lambda: RandomRGBShift(0), ValueError, "factor"),
        (lambda: show_augmentations(np.zeros((2, 2, 2, 3)), make_pipeline(["flip"]), "x.png"), ValueError, "image"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
