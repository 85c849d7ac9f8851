"""keras_course.backend.gradients / value_and_gradient on the running Keras backend, against
closed forms and finite differences; and empirical_receptive_field, which uses them.

Run on each backend: ``KERAS_BACKEND=jax .venv-jax/bin/python -m pytest tests/backends``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from keras_course import backend
from keras_course.backend import gradients, value_and_gradient


def _softmax_cross_entropy(x, w, c, labels):
    """NumPy twin of the function differentiated below: mean cross-entropy of softmax(x w + c)."""
    z = x @ w + c
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(x)), labels].mean()


def _central_differences(f, arrays, h=1e-6):
    """d f / d arrays[i], element by element, in float64: (f(a + h e) - f(a - h e)) / 2h."""
    grads = []
    for i, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            step = np.zeros_like(array)
            step[index] = h
            plus = [a + step if j == i else a for j, a in enumerate(arrays)]
            minus = [a - step if j == i else a for j, a in enumerate(arrays)]
            grad[index] = (f(*plus) - f(*minus)) / (2 * h)
        grads.append(grad)
    return grads


def test_gradients_match_the_closed_form():
    # f(A, b) = sum tanh(A b) + |b|^2 / 2:  df/dA = (1 - t^2) b^T,  df/db = A^T (1 - t^2) + b
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    value, (grad_a, grad_b) = gradients(lambda A, B: ops.sum(ops.tanh(ops.matmul(A, B))) + ops.sum(B**2) / 2, [a, b])
    t = np.tanh(a @ b)
    assert value == pytest.approx(t.sum() + b @ b / 2, rel=1e-5)
    np.testing.assert_allclose(grad_a, np.outer(1 - t**2, b), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad_b, a.T @ (1 - t**2) + b, rtol=1e-5, atol=1e-6)
    assert grad_a.shape == (4, 3) and grad_b.shape == (3,)


def test_gradients_match_finite_differences_for_several_arrays():
    rng = np.random.default_rng(1)
    x, w, c = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    labels = rng.integers(0, 4, 5)

    def loss(x_, w_, c_):
        logits = ops.matmul(x_, w_) + c_
        log_p = logits - ops.logsumexp(logits, axis=1, keepdims=True)
        return -ops.mean(ops.take_along_axis(log_p, labels[:, None], axis=1))

    value, grads = gradients(loss, [x, w, c])
    expected = _central_differences(lambda *a: _softmax_cross_entropy(*a, labels), [x, w, c])
    assert value == pytest.approx(_softmax_cross_entropy(x, w, c, labels), rel=1e-5)
    for grad, reference in zip(grads, expected, strict=True):
        # float32 on JAX (and in the backend's softmax): 1e-5 relative is its rounding
        np.testing.assert_allclose(grad, reference, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("trainable", [True, False])
def test_gradients_with_respect_to_a_layers_variables(trainable):
    # L = |x W + b|^2 / 2:  dL/dW = x^T (x W + b),  dL/db = sum over rows of (x W + b)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 3)).astype("float32")
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    layer.trainable = trainable  # a frozen layer's variables have a gradient too
    kernel, bias = rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")
    layer.set_weights([kernel, bias])
    value, (grad_kernel, grad_bias, grad_x) = gradients(
        lambda _kernel, _bias, inputs: ops.sum(layer(inputs) ** 2) / 2, [layer.kernel, layer.bias, x]
    )
    out = x @ kernel + bias
    assert value == pytest.approx((out**2).sum() / 2, rel=1e-5)
    np.testing.assert_allclose(grad_kernel, x.T @ out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_bias, out.sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_x, out @ kernel.T, rtol=1e-5, atol=1e-5)
    # differentiating changed nothing: weights and trainability as they were
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)
    assert layer.kernel.trainable is trainable


def test_gradients_through_a_random_layer_are_its_mask():
    # dropout(x) = x * m / (1 - rate) for a random 0/1 mask m: d sum / dx = m / (1 - rate)
    x = np.linspace(1.0, 2.0, 200).astype("float32")
    dropout = keras.layers.Dropout(0.5, seed=3)
    value, (grad,) = gradients(lambda t: ops.sum(dropout(t, training=True)), [x])
    assert set(np.unique(grad)) == {0.0, 2.0}
    assert 60 < np.count_nonzero(grad) < 140  # about half kept
    assert value == pytest.approx(float(x @ grad), rel=1e-5)  # one mask for value and gradient


def test_gradients_of_an_unused_input_are_zeros():
    value, (used, unused) = gradients(lambda a, b: ops.sum(a * 3.0), [np.ones(3), np.ones((2, 2))])
    assert value == pytest.approx(9.0)
    np.testing.assert_allclose(used, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(unused, np.zeros((2, 2)))


def test_integer_inputs_are_differentiated_as_floats():
    _, (grad,) = gradients(lambda a: ops.sum(a**2), [np.array([1, 2, 3])])
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0])


def test_value_and_gradient_sums_the_output():
    # y = x^3 elementwise: d sum(y) / dx = 3 x^2
    x = np.array([[-1.0, 0.5], [2.0, 3.0]])
    y, grad = value_and_gradient(lambda t: t**3, x)
    np.testing.assert_allclose(y, x**3, rtol=1e-6)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-6)
    assert y.shape == grad.shape == (2, 2)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: gradients(lambda a: a * 2.0, [np.ones(3)]), ValueError, "fn must return a scalar"),
        (lambda: gradients(lambda a: ops.sum(a), np.ones(3)), TypeError, "arrays must be"),
        (lambda: gradients(lambda a: ops.sum(a), []), TypeError, "arrays must be"),
        (lambda: gradients("sum", [np.ones(3)]), TypeError, "fn must be callable"),
        (lambda: gradients(lambda a: ops.sum(a), [np.array(["a"])]), TypeError, r"arrays\[0\]"),
        (lambda: gradients(lambda a: ops.sum(a), [np.array([np.nan])]), ValueError, r"arrays\[0\]"),
        (lambda: value_and_gradient(lambda a: a, "x"), TypeError, "x must be"),
    ],
)
def test_gradients_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_backend_name_and_pipeline_choice():
    assert backend.name() == keras.backend.backend() in backend.BACKENDS
    assert backend.data_pipeline("numpy") == "numpy"
    assert backend.data_pipeline() == ("tf.data" if backend.name() == "tensorflow" else "numpy")
    with pytest.raises(ValueError, match="pipeline must be one of"):
        backend.data_pipeline("torch.utils.data")
    if not backend.tensorflow_installed():
        with pytest.raises(backend.BackendError, match="needs TensorFlow"):
            backend.data_pipeline("tf.data")


def test_empirical_receptive_field_agrees_with_the_formula():
    from keras_course.conv import empirical_receptive_field, receptive_field

    # 3x3 conv, 2x2 max-pool, 3x3 conv dilated 2: sizes 3, 4, 4 + 2 * 2 * 2 = 12
    model = keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            keras.layers.Conv2D(2, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(2, 3, dilation_rate=2),
        ]
    )
    theory = receptive_field(model)[-1]
    assert theory.size == 12
    measured = empirical_receptive_field(model, samples=32, seed=0)
    assert measured.size == (12, 12)
    assert measured.position == (5, 5)  # the centre of the 11 x 11 output map
    assert measured.centre == (pytest.approx(theory.centre(5)), pytest.approx(theory.centre(5)))
    # the field is input rows and columns 10..21 (centre 15.5): no gradient outside it
    assert measured.mask.shape == (32, 32) and not measured.mask[:10].any() and not measured.mask[:, 22:].any()
