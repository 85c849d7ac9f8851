"""keras_course.optim against numpy transcriptions of the formulas and the Keras built-ins."""

import keras
import numpy as np
import pytest

from keras_course.optim import SGD, AdaGrad, Adam, RMSProp

STEPS = 50


# ---------------------------------------------------------------- numpy transcriptions
# Each takes grad(w) -> gradient and returns the parameters after `steps` updates.
def np_sgd(grad, w, lr, steps=STEPS, momentum=0.0, nesterov=False):
    """The notes' form, literally: h = a h + lr grad(point), w = w - h.

    Nesterov takes the gradient at the look-ahead point w - a h. Returns the point whose
    gradient the next step would use (w itself, or w - a h with Nesterov), which is what
    a framework optimizer keeps in the variable.
    """
    h = np.zeros_like(w)
    for t in range(steps):
        lr_t = lr(t) if callable(lr) else lr
        h = momentum * h + lr_t * grad(w - momentum * h if nesterov else w)
        w = w - h
    return w - momentum * h if nesterov else w


def np_adagrad(grad, w, lr, eps, g0=0.0, steps=STEPS):
    G = np.full_like(w, g0)
    for _ in range(steps):
        g = grad(w)
        G = G + g**2
        w = w - lr * g / np.sqrt(G + eps)
    return w


def np_rmsprop(grad, w, lr, rho, eps, steps=STEPS):
    G = np.zeros_like(w)
    for _ in range(steps):
        g = grad(w)
        G = rho * G + (1 - rho) * g**2
        w = w - lr * g / np.sqrt(G + eps)
    return w


def np_adam(grad, w, lr, b1, b2, eps, steps=STEPS, eps_hat=False):
    """Kingma & Ba Algorithm 1; ``eps_hat=True`` is Keras's form (eps added to sqrt(v))."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        if eps_hat:
            w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        else:
            w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


# (ours, keras built-in with agreeing conventions, numpy reference)
CASES = {
    "sgd": (lambda: SGD(0.1), lambda: keras.optimizers.SGD(0.1), lambda g, w: np_sgd(g, w, 0.1)),
    "momentum": (
        lambda: SGD(0.05, momentum=0.9),
        lambda: keras.optimizers.SGD(0.05, momentum=0.9),
        lambda g, w: np_sgd(g, w, 0.05, momentum=0.9),
    ),
    "nesterov": (
        lambda: SGD(0.05, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        lambda g, w: np_sgd(g, w, 0.05, momentum=0.9, nesterov=True),
    ),
    "adagrad": (
        lambda: AdaGrad(0.3, epsilon=1e-7),
        lambda: keras.optimizers.Adagrad(0.3, initial_accumulator_value=0.0, epsilon=1e-7),
        lambda g, w: np_adagrad(g, w, 0.3, 1e-7),
    ),
    "rmsprop": (
        lambda: RMSProp(0.005, rho=0.9, epsilon=1e-7),
        lambda: keras.optimizers.RMSprop(0.005, rho=0.9, epsilon=1e-7),
        lambda g, w: np_rmsprop(g, w, 0.005, 0.9, 1e-7),
    ),
    "adam": (
        lambda: Adam(0.05, epsilon=1e-8),
        lambda: keras.optimizers.Adam(0.05, epsilon=1e-8),
        lambda g, w: np_adam(g, w, 0.05, 0.9, 0.999, 1e-8),
    ),
}


def run_on_quadratic(optimizer, A, b, w0, steps=STEPS):
    """``steps`` updates of f(w) = w.A.w / 2 - b.w, gradient A w - b."""
    w = keras.Variable(w0.astype("float32"))
    for _ in range(steps):
        optimizer.apply_gradients([(A.astype("float32") @ keras.ops.convert_to_numpy(w) - b.astype("float32"), w)])
    return keras.ops.convert_to_numpy(w)


@pytest.fixture(scope="module")
def quadratic():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    A = Q @ np.diag(np.linspace(0.5, 3.0, 5)) @ Q.T  # elongated: condition number 6
    return A, rng.normal(size=5), rng.normal(size=5)


@pytest.mark.parametrize("name", CASES)
def test_quadratic_matches_numpy_and_keras(name, quadratic):
    A, b, w0 = quadratic
    ours, builtin, reference = CASES[name]
    expected = reference(lambda w: A @ w - b, w0.astype("float64"))
    got = run_on_quadratic(ours(), A, b, w0)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got, run_on_quadratic(builtin(), A, b, w0), rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(got - np.linalg.solve(A, b)) < np.linalg.norm(w0 - np.linalg.solve(A, b))


@pytest.fixture(scope="module")
def regression():
    """A small model: Dense(2) on 3 features with MSE; its gradient in numpy."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = (x @ rng.normal(size=(3, 2)) + 0.5).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    w0 = [w.copy() for w in model.get_weights()]

    def grad(theta):  # theta = kernel (3x2) and bias (2) flattened
        W, c = theta[:6].reshape(3, 2), theta[6:]
        r = 2 * (x @ W + c - y) / y.size  # d mean((xW + c - y)^2) / d prediction
        return np.concatenate([(x.T @ r).ravel(), r.sum(0)])

    return model, x, y, w0, grad


def fit_steps(optimizer, regression, steps=STEPS):
    model, x, y, w0, _ = regression
    model = keras.models.clone_model(model)
    model.set_weights(w0)
    model.compile(optimizer=optimizer, loss="mse")
    # The same full batch `steps` times: one epoch of `steps` identical batches.
    model.fit(np.tile(x, (steps, 1)), np.tile(y, (steps, 1)), batch_size=len(x), shuffle=False, verbose=0)
    return np.concatenate([w.ravel() for w in model.get_weights()])


@pytest.mark.parametrize("name", ["momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_model_fit_matches_numpy_and_keras(name, regression):
    ours, builtin, reference = CASES[name]
    theta0 = np.concatenate([w.ravel() for w in regression[3]]).astype("float64")
    expected = reference(regression[4], theta0)
    got = fit_steps(ours(), regression)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got, fit_steps(builtin(), regression), rtol=1e-5, atol=1e-6)


def test_decaying_learning_rate_schedule(quadratic):
    A, b, w0 = quadratic
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.2, decay_steps=10, decay_rate=1.0)
    got = run_on_quadratic(SGD(schedule), A, b, w0)
    expected = np_sgd(lambda w: A @ w - b, w0, lambda t: 0.2 / (1 + t / 10))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_keras_adagrad_default_accumulator_differs(quadratic):
    """Keras starts G at 0.1; ours at 0 as in the notes. Same formula otherwise."""
    A, b, w0 = quadratic
    ours = run_on_quadratic(AdaGrad(0.3), A, b, w0, steps=5)
    keras_default = run_on_quadratic(keras.optimizers.Adagrad(0.3), A, b, w0, steps=5)
    assert np.max(np.abs(ours - keras_default)) > 1e-2
    np.testing.assert_allclose(
        run_on_quadratic(AdaGrad(0.3, initial_accumulator_value=0.1), A, b, w0, steps=5), keras_default, rtol=1e-5
    )


def test_adam_epsilon_placement_differs_from_keras_for_large_epsilon(quadratic):
    """Ours adds eps to sqrt(v_hat) (Algorithm 1); Keras adds it to sqrt(v) ("eps hat")."""
    A, b, w0 = quadratic
    grad = lambda w: A @ w - b
    ours = run_on_quadratic(Adam(0.05, epsilon=0.5), A, b, w0, steps=10)
    theirs = run_on_quadratic(keras.optimizers.Adam(0.05, epsilon=0.5), A, b, w0, steps=10)
    np.testing.assert_allclose(ours, np_adam(grad, w0, 0.05, 0.9, 0.999, 0.5, steps=10), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        theirs, np_adam(grad, w0, 0.05, 0.9, 0.999, 0.5, steps=10, eps_hat=True), rtol=1e-4, atol=1e-6
    )
    assert np.max(np.abs(ours - theirs)) > 1e-3


@pytest.mark.parametrize("name", CASES)
def test_get_config_round_trip(name):
    optimizer = CASES[name][0]()
    clone = type(optimizer).from_config(optimizer.get_config())
    assert clone.get_config() == optimizer.get_config()
    assert keras.optimizers.deserialize(keras.optimizers.serialize(optimizer)).get_config() == optimizer.get_config()


def test_keras_file_round_trip_keeps_optimizer_state(tmp_path, regression):
    model, x, y, w0, _ = regression
    for name in ("nesterov", "adam"):
        model = keras.models.clone_model(regression[0])
        model.set_weights(w0)
        model.compile(optimizer=CASES[name][0](), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        model.save(tmp_path / f"{name}.keras")
        loaded = keras.saving.load_model(tmp_path / f"{name}.keras")
        assert type(loaded.optimizer) is type(model.optimizer)
        assert loaded.optimizer.get_config() == model.optimizer.get_config()
        for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
        # Training goes on identically: the velocities / moments were restored too.
        for m in (model, loaded):
            m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: SGD(momentum=1.0), ValueError),
        (lambda: SGD(momentum="0.9"), TypeError),
        (lambda: SGD(nesterov=1), TypeError),
        (lambda: SGD(nesterov=True), ValueError),
        (lambda: AdaGrad(epsilon=-1.0), ValueError),
        (lambda: AdaGrad(epsilon=0.0), ValueError),
        (lambda: RMSProp(rho=1.0), ValueError),
        (lambda: RMSProp(epsilon=0.0), ValueError),
        (lambda: Adam(beta_1=-0.1), ValueError),
        (lambda: Adam(beta_2=1.0), ValueError),
    ],
)
def test_bad_arguments(make, error):
    with pytest.raises(error, match=r"momentum|nesterov|epsilon|rho|beta"):
        make()
