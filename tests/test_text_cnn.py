import keras
import numpy as np
import pytest

from keras_course.text import VARIANTS, pretrained_matrix, text_cnn, to_keyed_vectors


def _embeddings(vocab_size=30, dim=8):
    return np.random.default_rng(0).normal(size=(vocab_size, dim)).astype("float32")


def test_variants_trainable_weights():
    emb = _embeddings()
    trainable = {}
    for variant in VARIANTS:
        model = text_cnn(
            30, 8, variant=variant, embeddings=None if variant == "rand" else emb, filter_sizes=(2, 3), num_filters=4
        )
        assert model(np.ones((2, 7), "int32")).shape == (2, 2)
        trainable[variant] = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    head = 2 * (8 * 4) + 3 * (8 * 4) + 2 * 4 + (8 * 2 + 2)  # two conv sizes + dense
    assert trainable["static"] == head
    assert trainable["rand"] == trainable["non-static"] == head + 30 * 8
    # multichannel: the filters see 2 x 8 features, and only one channel is trained
    assert trainable["multichannel"] == head + 5 * 8 * 4 + 30 * 8


def test_static_embeddings_are_the_given_vectors_and_stay_frozen():
    emb = _embeddings()
    model = text_cnn(30, 8, variant="static", embeddings=emb, filter_sizes=(2,), num_filters=3)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(np.random.default_rng(1).integers(0, 30, (16, 6)), np.arange(16) % 2, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_layer("embedding").get_weights()[0], emb)


def test_max_over_time_equals_numpy():
    emb = _embeddings(10, 4)
    model = text_cnn(10, 4, variant="static", embeddings=emb, filter_sizes=(3,), num_filters=5, dropout=0.0)
    ids = np.array([[1, 2, 3, 4, 5, 6]])
    kernel, bias = model.get_layer("conv_3").get_weights()
    words = emb[ids[0]]  # (6, 4)
    responses = np.stack([np.einsum("hd,hdf->f", words[t : t + 3], kernel) + bias for t in range(4)])
    pooled = np.maximum(responses, 0).max(axis=0)
    extract = keras.Model(model.input, model.get_layer("max_over_time_3").output)
    np.testing.assert_allclose(extract(ids)[0], pooled, rtol=1e-5, atol=1e-5)


def test_text_cnn_save_load(tmp_path):
    model = text_cnn(30, 8, variant="multichannel", embeddings=_embeddings(), filter_sizes=(2, 3), num_filters=4)
    ids = np.random.default_rng(2).integers(0, 30, (3, 6))
    model.save(tmp_path / "cnn.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "cnn.keras")(ids), model(ids), rtol=1e-6)


def test_text_cnn_bad_arguments():
    with pytest.raises(ValueError, match="variant"):
        text_cnn(30, variant="dynamic")
    with pytest.raises(ValueError, match="needs pre-trained embeddings"):
        text_cnn(30, 8, variant="static")
    with pytest.raises(ValueError, match="embeddings must have shape"):
        text_cnn(30, 8, variant="non-static", embeddings=np.zeros((29, 8)))
    with pytest.raises(ValueError, match="dropout"):
        text_cnn(30, 8, dropout=1.0, variant="rand")


def test_pretrained_matrix():
    kv = to_keyed_vectors(["good", "bad"], np.array([[1.0, 0.0], [0.0, 2.0]]))
    matrix, found = pretrained_matrix(["bad", "unknown", "good"], kv, np.random.default_rng(0))
    assert found == 2 and matrix.shape == (4, 2)
    np.testing.assert_array_equal(matrix[0], 0)  # padding
    np.testing.assert_array_equal(matrix[1], [0.0, 2.0])
    np.testing.assert_array_equal(matrix[3], [1.0, 0.0])
    a = np.sqrt(3 * np.var([[1.0, 0.0], [0.0, 2.0]]))
    assert np.all(np.abs(matrix[2]) <= a) and np.any(matrix[2] != 0)
