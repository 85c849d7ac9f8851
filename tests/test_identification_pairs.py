"""PairBatches / pair_batches: endless, half same-class and half different-class pairs, repeatable."""

import keras
import numpy as np
import pytest

from keras_course import backend
from keras_course.identification.pairs import PairBatches, pair_batches

Y = np.repeat(np.arange(4), [5, 6, 7, 8]).astype("int64")  # 26 examples of 4 classes, unequal
X = np.arange(len(Y), dtype=np.uint8)[:, None, None] * np.ones((1, 3, 2), np.uint8)  # example i is all i


def _labels(side):
    """The class of each example of a (B, 3, 2) side: its pixels hold its index into Y."""
    return Y[side[:, 0, 0].astype(int)]


def test_pairs_are_same_or_different_class_as_labelled_half_and_half():
    stream = PairBatches(X, Y, batch_size=10, seed=3)
    for index in range(20):
        (x_a, x_b), same = stream[index]
        assert same.tolist() == [1.0] * 5 + [0.0] * 5
        np.testing.assert_array_equal(_labels(x_a) == _labels(x_b), same == 1.0)


def test_odd_batch_size_has_the_smaller_half_same():
    (_, _), same = PairBatches(X, Y, batch_size=7, seed=0)[0]
    assert same.tolist() == [1.0] * 3 + [0.0] * 4


def test_shapes_dtypes_and_transform():
    (x_a, x_b), same = PairBatches(X, Y, batch_size=6, seed=0)[0]
    assert x_a.shape == x_b.shape == (6, 3, 2) and x_a.dtype == np.uint8
    assert same.shape == (6,) and same.dtype == np.float32
    scaled = PairBatches(X, Y, batch_size=6, seed=0, transform=lambda v: v.astype("float32")[..., None] / 255.0)
    (s_a, s_b), _ = scaled[0]
    assert s_a.shape == (6, 3, 2, 1) and s_a.dtype == np.float32
    np.testing.assert_allclose(s_a[..., 0] * 255.0, x_a, atol=1e-4)  # the same pairs, scaled
    np.testing.assert_allclose(s_b[..., 0] * 255.0, x_b, atol=1e-4)


def test_the_same_seed_gives_the_same_stream_whatever_was_asked_before():
    first, second = PairBatches(X, Y, 8, seed=5), PairBatches(X, Y, 8, seed=5)
    reference = [first.pair_indices(i) for i in range(100)]
    assert all(np.array_equal(a, b) for a, b in zip(reference[0], second.pair_indices(0), strict=True))
    for index in (1, 0, 1, 2, 99, 3, 50):  # Keras reads 0 and 1 twice; far back is drawn again
        np.testing.assert_array_equal(second.pair_indices(index)[0], reference[index][0])
        np.testing.assert_array_equal(second.pair_indices(index)[1], reference[index][1])
    other = PairBatches(X, Y, 8, seed=6)
    assert not all(np.array_equal(reference[i][0], other.pair_indices(i)[0]) for i in range(5))


def test_pairs_cover_every_class_and_only_real_pairs():
    stream = PairBatches(X, Y, batch_size=20, seed=1)
    pairs = [stream.pair_indices(i) for i in range(50)]
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    assert set(Y[a]) == set(Y[b]) == {0, 1, 2, 3}
    assert a.min() >= 0 and max(a.max(), b.max()) < len(Y)
    # class of the first example uniform over the classes: each near 1/4 of 1000 pairs
    counts = np.bincount(Y[a], minlength=4)
    assert counts.min() > 180 and counts.max() < 320


def test_stream_is_endless_and_rejects_bad_indices():
    stream = PairBatches(X, Y, 4, seed=0)
    assert stream.num_batches is None
    stream[10_000]  # any index of the endless stream
    with pytest.raises(IndexError, match="index"):
        stream[-1]
    with pytest.raises(TypeError, match="index"):
        stream[1.0]


def test_pair_batches_gives_the_same_pairs_in_both_pipelines():
    transform = lambda v: keras.ops.cast(v, "float32") / 255.0
    numpy = pair_batches(X, Y, 6, seed=2, transform=transform, pipeline="numpy")
    assert isinstance(numpy, PairBatches)
    if not backend.tensorflow_installed():
        pytest.skip("the tf.data pipeline needs TensorFlow")
    dataset = pair_batches(X, Y, 6, seed=2, transform=transform, pipeline="tf.data")
    assert dataset.element_spec[0][0].shape == (6, 3, 2)  # a static batch size
    for index, ((x_a, x_b), same) in enumerate(dataset.take(4)):
        (n_a, n_b), n_same = numpy[index]
        np.testing.assert_array_equal(np.asarray(x_a), n_a)
        np.testing.assert_array_equal(np.asarray(x_b), n_b)
        np.testing.assert_array_equal(np.asarray(same), n_same)


def test_a_pair_model_trains_on_the_stream():
    a, b = keras.Input((3, 2)), keras.Input((3, 2))
    difference = keras.layers.Flatten()(keras.layers.Subtract()([a, b]))
    model = keras.Model([a, b], keras.layers.Dense(1, activation="sigmoid")(difference))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    stream = PairBatches(X, Y, 8, seed=0, transform=lambda v: v.astype("float32") / 25.0)
    history = model.fit(stream, epochs=2, steps_per_epoch=3, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
