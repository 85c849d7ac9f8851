import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_course.rnn import (
    CharVocab,
    SimpleRNN,
    SimpleRNNCell,
    bptt,
    char_language_model,
    char_windows,
    clip_by_global_norm,
    init_rnn_params,
    perplexity,
    rnn_forward,
    sample_text,
)


def _ours_and_keras(return_sequences, shape=(4, 7, 5), units=6):
    ours = SimpleRNN(units, return_sequences=return_sequences)
    ref = keras.layers.SimpleRNN(units, return_sequences=return_sequences)
    ours.build(shape)
    ref.build(shape)
    ref.set_weights(ours.get_weights())
    return ours, ref


@pytest.mark.parametrize("return_sequences", [False, True])
def test_simple_rnn_equals_keras(return_sequences):
    x = np.random.default_rng(0).normal(size=(4, 7, 5)).astype("float32")
    ours, ref = _ours_and_keras(return_sequences)
    assert [w.shape for w in ours.get_weights()] == [(5, 6), (6, 6), (6,)]
    np.testing.assert_allclose(ours(x), ref(x), atol=1e-5)


def test_simple_rnn_mask_equals_keras():
    rng = np.random.default_rng(1)
    ids = rng.integers(1, 20, (3, 6))
    ids[0, :2] = 0  # pre-padding
    ids[1, 4:] = 0  # post-padding
    emb = keras.layers.Embedding(20, 5, mask_zero=True)
    ours, ref = _ours_and_keras(False, (3, 6, 5))
    np.testing.assert_allclose(
        ours(emb(ids), mask=emb.compute_mask(ids)), ref(emb(ids), mask=emb.compute_mask(ids)), atol=1e-5
    )


def test_cell_formula_matches_numpy():
    rng = np.random.default_rng(2)
    cell = SimpleRNNCell(3, activation="tanh")
    cell.build((None, 4))
    x, h = rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")
    w_xh, w_hh, b = cell.get_weights()
    out, [state] = cell(x, [h])
    np.testing.assert_allclose(out, np.tanh(x @ w_xh + h @ w_hh + b), atol=1e-6)
    np.testing.assert_allclose(out, state)


def test_simple_rnn_save_load_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((5, 3)), SimpleRNN(4, return_sequences=True), SimpleRNN(2)])
    x = np.random.default_rng(3).normal(size=(2, 5, 3)).astype("float32")
    model.save(tmp_path / "rnn.keras")
    loaded = keras.models.load_model(tmp_path / "rnn.keras")
    np.testing.assert_allclose(model(x), loaded(x), atol=1e-6)
    assert isinstance(loaded.layers[0], SimpleRNN)


def test_rnn_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        SimpleRNN(0)
    with pytest.raises(TypeError, match="return_sequences"):
        SimpleRNN(3, return_sequences="yes")
    with pytest.raises(ValueError, match="batch, time, features"):
        SimpleRNN(3).build((2, 3))


def _tf_loss_and_grads(x, targets, params):
    """The same RNN in TensorFlow; gradients by tf.GradientTape (the reference)."""
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        h = tf.zeros((x.shape[0], params["W_hh"].shape[0]), tf.float64)
        logits = []
        for t in range(x.shape[1]):
            h = tf.tanh(x[:, t] @ variables["W_xh"] + h @ variables["W_hh"] + variables["b"])
            logits.append(h @ variables["W_hy"] + variables["c"])
        if targets.ndim == 2:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets, tf.stack(logits, 1)))
        else:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits[-1]))
    grads = tape.gradient(loss, variables)
    return float(loss), {k: g.numpy() for k, g in grads.items()}


@pytest.mark.parametrize("per_step", [True, False])
def test_bptt_equals_gradient_tape(per_step):
    rng = np.random.default_rng(4)
    params = init_rnn_params(5, 8, 4, rng, recurrent_scale=0.9)
    params["b"] = rng.normal(size=8) * 0.1
    x = rng.normal(size=(3, 6, 5))
    targets = rng.integers(0, 4, (3, 6) if per_step else (3,))
    loss, grads, norms = bptt(x, targets, params)
    ref_loss, ref_grads = _tf_loss_and_grads(x, targets, params)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    for name in params:
        np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-8, atol=1e-12)
    assert norms.shape == (6,) and np.all(norms > 0)


def test_bptt_gradients_vanish_and_explode():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 40, 4)) * 0.1
    targets = rng.integers(0, 3, 8)
    small = bptt(x, targets, init_rnn_params(4, 32, 3, np.random.default_rng(0), 0.5))[2]
    large = bptt(x, targets, init_rnn_params(4, 32, 3, np.random.default_rng(0), 3.0))[2]
    assert small[0] < 1e-6 * small[-1]  # 39 steps of x0.5 or less: vanished
    assert large[0] > 10 * large[-1]  # grows backwards through time


def test_rnn_forward_shape_and_errors():
    params = init_rnn_params(3, 4, 2, np.random.default_rng(0))
    assert rnn_forward(np.zeros((2, 5, 3)), params).shape == (2, 6, 4)
    with pytest.raises(ValueError, match="x must be"):
        rnn_forward(np.zeros((2, 5, 7)), params)
    with pytest.raises(ValueError, match="targets"):
        bptt(np.zeros((2, 5, 3)), np.zeros((2, 4), int), params)


def test_clip_by_global_norm_equals_tf():
    rng = np.random.default_rng(6)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    clipped, norm = clip_by_global_norm(grads, 1.0)
    ref, ref_norm = tf.clip_by_global_norm([grads["a"], grads["b"]], 1.0)
    assert norm == pytest.approx(float(ref_norm))
    np.testing.assert_allclose(clipped["a"], ref[0].numpy())
    np.testing.assert_allclose(clipped["b"], ref[1].numpy())
    same, _ = clip_by_global_norm(grads, 1e6)
    np.testing.assert_allclose(same["a"], grads["a"])
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(grads, 0)


def test_char_vocab_windows_and_language_model():
    text = "to be or not to be, that is the question " * 20
    vocab = CharVocab(text)
    assert vocab.decode(vocab.encode("to be")) == "to be"
    x, y = char_windows(vocab.encode(text), 10)
    assert x.shape == y.shape and np.array_equal(x[:, 1:], y[:, :-1])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("Z")
    model = char_language_model(len(vocab), units=16, embedding_dim=8)
    # an untrained model is close to a uniform guess over the alphabet
    assert perplexity(model, x, y) == pytest.approx(len(vocab), rel=0.2)
    sample = sample_text(model, vocab, "to ", length=30, temperature=0.5)
    assert len(sample) == 30 and set(sample) <= set(vocab.chars)
    with pytest.raises(ValueError, match="temperature"):
        sample_text(model, vocab, "to", temperature=0)
