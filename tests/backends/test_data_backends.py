"""The NumPy training pipelines on the running Keras backend: ``ArrayBatches``
(``make_dataset(pipeline="numpy")``) and ``ClassBalancedBatches``
(``class_balanced_dataset(pipeline="numpy")``); and which pipeline "auto" picks.

Run on each backend: ``KERAS_BACKEND=jax .venv-jax/bin/python -m pytest tests/backends``.
"""

import keras
import numpy as np
import pytest

from keras_course import backend
from keras_course.data import ArrayBatches, make_dataset
from keras_course.identification import ClassBalancedBatches, ClassBalancedSampler, class_balanced_dataset

N = 103  # not a multiple of the batch size: the last batch is short


def _data():
    x = np.arange(N, dtype="float32")[:, None]
    return x, 10 * np.arange(N)  # y = 10 x: alignment is checkable per example


def _epoch(dataset):
    return [dataset[i] for i in range(len(dataset))]


def test_auto_picks_tf_data_on_tensorflow_and_numpy_elsewhere():
    x, y = _data()
    dataset = make_dataset(x, y, batch_size=10)
    if backend.name() == "tensorflow":
        import tensorflow as tf

        assert isinstance(dataset, tf.data.Dataset)
    else:
        assert isinstance(dataset, ArrayBatches)
    assert isinstance(make_dataset(x, y, batch_size=10, pipeline="numpy"), ArrayBatches)
    if not backend.tensorflow_installed():
        with pytest.raises(backend.BackendError, match="pipeline='numpy'"):
            make_dataset(x, y, pipeline="tf.data")
    with pytest.raises(ValueError, match="pipeline must be one of"):
        make_dataset(x, y, pipeline="grain")


def test_array_batches_cover_every_example_once_aligned_and_repeatably():
    x, y = _data()
    dataset = make_dataset(x, y, batch_size=10, seed=3, pipeline="numpy")
    assert len(dataset) == 11 and dataset.num_batches == 11
    batches = _epoch(dataset)
    assert [len(b[0]) for b in batches] == [10] * 10 + [3]
    assert all(b[0].shape[1:] == (1,) and b[0].dtype == np.float32 for b in batches)
    xs, ys = np.concatenate([b[0][:, 0] for b in batches]), np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(ys, 10 * xs)  # y travels with its x
    assert sorted(ys.tolist()) == (10 * np.arange(N)).tolist()  # every example once
    # shuffled before batching: batches are not runs of consecutive examples
    assert not all(np.ptp(b[0]) == len(b[0]) - 1 for b in batches)
    again = _epoch(make_dataset(x, y, batch_size=10, seed=3, pipeline="numpy"))
    for (xa, ya), (xb, yb) in zip(batches, again, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    other_seed = _epoch(make_dataset(x, y, batch_size=10, seed=4, pipeline="numpy"))
    assert not np.array_equal(ys, np.concatenate([b[1] for b in other_seed]))


def test_each_epoch_has_a_new_order_that_depends_on_seed_and_epoch_only():
    x, y = _data()
    dataset = ArrayBatches(x, y, batch_size=10, seed=5)
    orders = []
    for _ in range(3):
        orders.append(np.concatenate([b[1] for b in _epoch(dataset)]) // 10)
        dataset.on_epoch_end()
    assert dataset.epoch == 3
    assert all(sorted(o.tolist()) == list(range(N)) for o in orders)
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    np.testing.assert_array_equal(orders[1], np.random.default_rng([5, 1]).permutation(N))
    # a resumed run: a fresh pipeline moved on by on_epoch_end alone, with batches taken in
    # any order, gives the batches of the uninterrupted run
    resumed = ArrayBatches(x, y, batch_size=10, seed=5)
    resumed.on_epoch_end()
    resumed.on_epoch_end()
    np.testing.assert_array_equal(resumed[4][1] // 10, orders[2][40:50])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in _epoch(resumed)]) // 10, orders[2])


def test_without_y_and_without_shuffle():
    x, _ = _data()
    dataset = make_dataset(x, batch_size=25, shuffle=False, pipeline="numpy")
    batches = _epoch(dataset)
    assert all(isinstance(b, np.ndarray) for b in batches)  # x batches only
    np.testing.assert_array_equal(np.concatenate(batches)[:, 0], np.arange(N))
    dataset.on_epoch_end()
    np.testing.assert_array_equal(dataset[1][:, 0], np.arange(25, 50))  # the same order every epoch
    assert [len(b) for b in batches] == [25, 25, 25, 25, 3]
    assert list(iter(dataset))[-1].shape == (3, 1)  # iteration stops after the last batch
    with pytest.raises(IndexError, match="index must be in"):
        dataset[5]


def test_augment_runs_per_batch_in_training_mode_repeatably():
    x, y = np.ones((40, 4, 4, 1), "float32"), np.arange(40)
    # Dropout is the identity unless training=True; kept pixels become 1 / (1 - 0.5) = 2
    dataset = make_dataset(x, y, batch_size=8, seed=0, augment=keras.layers.Dropout(0.5, seed=1), pipeline="numpy")
    first = _epoch(dataset)
    values = np.concatenate([b[0] for b in first])
    assert set(np.unique(values)) == {0.0, 2.0}
    assert 0.35 < np.mean(values == 0.0) < 0.65
    assert not np.array_equal(first[0][0], first[1][0])  # a new draw for each batch
    # the same seeds give the same augmentations, whatever was drawn before: batch 3 of epoch 1
    # directly equals batch 3 of epoch 1 after the whole of epoch 0
    dataset.on_epoch_end()
    after_epoch_0 = dataset[3][0]
    fresh = ArrayBatches(x, y, batch_size=8, seed=0, augment=keras.layers.Dropout(0.5, seed=1))
    fresh.on_epoch_end()
    np.testing.assert_array_equal(fresh[3][0], after_epoch_0)
    np.testing.assert_array_equal(fresh[3][0], dataset[3][0])  # asking twice changes nothing
    assert not np.array_equal(after_epoch_0, first[3][0])  # epoch 1's draws are new
    # a plain callable is applied as it is
    doubled = _epoch(make_dataset(x, y, batch_size=8, augment=lambda b: b * 3.0, pipeline="numpy"))
    assert all(np.all(b[0] == 3.0) for b in doubled)


def test_an_augmentation_pipeline_is_reseeded_per_batch():
    # keras_course.augment.make_pipeline: several seeded layers, each reseeded for every batch,
    # so batches taken in any order, from two pipelines built alike, are the same
    from keras_course.augment import make_pipeline

    images = np.random.default_rng(0).uniform(size=(12, 8, 8, 3)).astype("float32")
    piped = [ArrayBatches(images, batch_size=4, seed=2, augment=make_pipeline(["flip", "noise"], seed=4)) for _ in "ab"]
    later_first = [piped[1][i] for i in (2, 1, 0)][::-1]
    plain = ArrayBatches(images, batch_size=4, seed=2)  # the same order, not augmented
    for i in range(3):
        np.testing.assert_array_equal(piped[0][i], later_first[i])
        assert np.abs(piped[0][i] - plain[i]).max() > 0.05  # noise of sd 0.08 (and perhaps a flip)


def test_model_fit_trains_on_array_batches():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 1)).astype("float32")
    y = 3.0 * x + 1.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    dataset = make_dataset(x, y, batch_size=32, seed=0, pipeline="numpy")
    history = model.fit(dataset, epochs=10, shuffle=False, verbose=0)
    kernel, bias = model.get_weights()
    assert kernel[0, 0] == pytest.approx(3.0, abs=0.05) and bias[0] == pytest.approx(1.0, abs=0.05)
    assert history.history["loss"][-1] < 1e-3 < history.history["loss"][0]
    assert dataset.epoch >= 10  # fit moved it on once per epoch


def _labels():
    return np.repeat(np.arange(5), [10, 3, 8, 8, 20])


def test_class_balanced_batches_follow_the_sampler():
    labels = _labels()
    x = np.arange(len(labels) * 2).reshape(-1, 2)  # row i holds 2i, 2i + 1: its index is x // 2
    dataset = class_balanced_dataset(x, labels, 3, 4, seed=1, pipeline="numpy")
    assert isinstance(dataset, ClassBalancedBatches) and dataset.num_batches is None
    sampler = ClassBalancedSampler(labels, 3, 4, seed=1)
    for i in range(20):
        xb, yb = dataset[i]
        assert xb.shape == (12, 2) and yb.shape == (12,)
        np.testing.assert_array_equal(xb[:, 0] // 2, sampler.next_batch())  # same seed, same order
        np.testing.assert_array_equal(labels[xb[:, 0] // 2], yb)
        groups = yb.reshape(3, 4)  # P = 3 classes, K = 4 of each
        assert np.all(groups == groups[:, :1]) and len(set(groups[:, 0])) == 3
    if backend.name() != "tensorflow":
        assert class_balanced_dataset(x, labels, 3, 4, seed=1).__class__ is ClassBalancedBatches


def test_class_balanced_map_fn_gets_numpy_arrays():
    labels = _labels()
    seen = []

    def to_float(xb, yb):
        seen.append((type(xb), type(yb)))
        return xb.astype("float32") / 255.0, yb

    x = np.full((len(labels), 3), 51, "uint8")
    xb, yb = class_balanced_dataset(x, labels, 2, 2, seed=0, map_fn=to_float, pipeline="numpy")[0]
    assert seen == [(np.ndarray, np.ndarray)]
    assert xb.dtype == np.float32 and np.allclose(xb, 0.2) and yb.shape == (4,)


@pytest.mark.skipif(not backend.tensorflow_installed(), reason="compares with the tf.data pipeline")
def test_numpy_and_tf_data_pipelines_draw_the_same_sampler_batches():
    labels = _labels()
    x = np.arange(len(labels))[:, None]
    tf_batches = class_balanced_dataset(x, labels, 3, 2, seed=7, pipeline="tf.data")
    numpy_batches = class_balanced_dataset(x, labels, 3, 2, seed=7, pipeline="numpy")
    for i, (xb, yb) in zip(range(5), tf_batches, strict=False):
        expected_x, expected_y = numpy_batches[i]  # each indexing draws the stream's next batch
        np.testing.assert_array_equal(np.asarray(xb), expected_x)
        np.testing.assert_array_equal(np.asarray(yb), expected_y)


def test_numpy_pipelines_reject_bad_arguments():
    x, y = _data()
    with pytest.raises(ValueError, match="batch_size"):
        ArrayBatches(x, y, batch_size=0)
    with pytest.raises(ValueError, match="y must have"):
        ArrayBatches(x, y[:5])
    with pytest.raises(TypeError, match="augment"):
        ArrayBatches(x, y, augment="flip")
    with pytest.raises(TypeError, match="index must be an int"):
        ArrayBatches(x, y)[1.0]
    labels = _labels()
    with pytest.raises(TypeError, match="sampler"):
        ClassBalancedBatches(np.zeros((len(labels), 2)), labels, sampler=None)
    with pytest.raises(ValueError, match="sampler must be built on the labels y"):
        ClassBalancedBatches(np.zeros((len(labels), 2)), labels, ClassBalancedSampler(labels[::-1], 2, 2))


def test_require_tensorflow_passes_on_tensorflow_and_says_what_to_do_elsewhere():
    if backend.name() == "tensorflow":
        assert backend.require_tensorflow("tf.foo") is None
        return
    with pytest.raises(backend.BackendError) as caught:
        backend.require_tensorflow("tf.foo", instead="use bar")
    assert str(caught.value) == f"tf.foo needs the TensorFlow backend, and Keras runs on {backend.name()}; use bar"
    with pytest.raises(backend.BackendError, match="run with KERAS_BACKEND=tensorflow"):
        backend.require_tensorflow("tf.foo")
