"""keras_course.nn.autodiff against tf.GradientTape (float64) and finite differences."""

import itertools
import math

import numpy as np
import pytest
import tensorflow as tf

from keras_course.nn.autodiff import Network, Value, gradient_dependencies, notes_network, numeric_dependencies
from keras_course.nn.path_sums import backprop_multiplications, path_sum_gradients, path_sum_multiplications


def test_every_operation_against_tensorflow():
    a, b = 0.7, -1.3
    x, y = Value(a), Value(b)
    out = (
        (x * y + x / (y - 3.0)) ** 2 - (2.0 - x).exp() + (x + 2).log() * y.tanh() + x.sigmoid() * (-y).relu() + 1.0 / x
    )
    out.backward()
    ta, tb = tf.Variable(a, dtype=tf.float64), tf.Variable(b, dtype=tf.float64)
    with tf.GradientTape() as tape:
        t = (
            (ta * tb + ta / (tb - 3.0)) ** 2
            - tf.exp(2.0 - ta)
            + tf.math.log(ta + 2) * tf.tanh(tb)
            + tf.sigmoid(ta) * tf.nn.relu(-tb)
            + 1.0 / ta
        )
    ga, gb = tape.gradient(t, [ta, tb])
    assert out.data == pytest.approx(float(t), rel=1e-12)
    assert x.grad == pytest.approx(float(ga), rel=1e-12)
    assert y.grad == pytest.approx(float(gb), rel=1e-12)


def test_a_reused_node_accumulates_its_gradient():
    x = Value(3.0)
    y = x * x * x  # x is used three times: d/dx = 3 x^2
    y.backward()
    assert x.grad == 27.0
    y.backward()  # a second backward starts from zero again
    assert x.grad == 27.0


def _mlp_value(weights, biases, x, activations):
    h = [Value(v) for v in x]
    for W, b, act in zip(weights, biases, activations, strict=True):
        h = [sum((h[i] * W[i][j] for i in range(len(h))), b[j]) for j in range(len(b))]
        h = [getattr(v, act)() if act != "linear" else v for v in h]
    return h


@pytest.mark.parametrize("seed", range(4))
def test_engine_gradients_equal_gradient_tape_on_random_mlps(seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(2, 5)) for _ in range(int(rng.integers(2, 4)))] + [int(rng.integers(1, 4))]
    acts = [str(rng.choice(["tanh", "sigmoid", "relu"])) for _ in sizes[2:]] + ["linear"]
    shapes = list(itertools.pairwise(sizes))
    weights_np = [rng.normal(size=s) for s in shapes]
    biases_np = [rng.normal(size=s[1]) for s in shapes]
    x_np, y_np = rng.normal(size=sizes[0]), rng.normal(size=sizes[-1])

    weights = [[[Value(w) for w in row] for row in W] for W in weights_np]
    biases = [[Value(v) for v in b] for b in biases_np]
    out = _mlp_value(weights, biases, x_np, acts)
    loss = sum(((o - t) ** 2 for o, t in zip(out, y_np, strict=True)), Value(0.0)) / len(out)
    loss.backward()

    tw = [tf.Variable(W) for W in weights_np]
    tb = [tf.Variable(b) for b in biases_np]
    with tf.GradientTape() as tape:
        h = tf.constant(x_np[None])
        for W, b, act in zip(tw, tb, acts, strict=True):
            h = h @ W + b
            h = {"tanh": tf.tanh, "sigmoid": tf.sigmoid, "relu": tf.nn.relu, "linear": tf.identity}[act](h)
        tloss = tf.reduce_mean((h[0] - y_np) ** 2)
    gw, gb = tape.gradient(tloss, [tw, tb])
    assert loss.data == pytest.approx(float(tloss), rel=1e-12)
    for W, g in zip(weights, gw, strict=True):
        np.testing.assert_allclose([[v.grad for v in row] for row in W], g.numpy(), rtol=1e-10, atol=1e-14)
    for b, g in zip(biases, gb, strict=True):
        np.testing.assert_allclose([v.grad for v in b], g.numpy(), rtol=1e-10, atol=1e-14)


def test_power_edge_cases():
    x = Value(0.0)
    y = x**0 + x**2
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)
    with pytest.raises(ValueError, match="no derivative"):
        Value(0.0) ** 0.5
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-2.0) ** 0.5


def test_value_rejects_bad_input():
    with pytest.raises(TypeError, match="data"):
        Value("1.0")
    with pytest.raises(TypeError, match="data"):
        Value(True)
    with pytest.raises(ValueError, match="log"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0.0


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(-800.0).sigmoid().data == pytest.approx(0.0)
    assert Value(800.0).sigmoid().data == 1.0
    assert math.isfinite(Value(-800.0).sigmoid().local_grads[0])


# ------------------------------------------------------------------------------ dependencies
def _random_params(network, seed):
    rng = np.random.default_rng(seed)
    return {p: float(rng.normal()) for p in network.parameters}


@pytest.mark.parametrize("loss", ["output", "mse"])
def test_dependencies_of_the_notes_network_are_confirmed_numerically(loss):
    network = notes_network()
    params, x = _random_params(network, 0), {"x1": 0.5, "x2": -1.2}
    for w in network.parameters:
        expected = gradient_dependencies(network, w, loss)
        assert numeric_dependencies(network, w, params, x, 0.3, loss) == expected, w


def test_dependencies_of_v11_follow_the_paths():
    network = notes_network()
    # da/dv11 = p11 f'(v11 z1 + v21 z2) z1: the path v11 -> h1 -> a, plus what feeds h1 and z1.
    assert gradient_dependencies(network, "v11", "output") == {"p11", "v21", "w11", "w21", "w12", "w22"}
    # with a squared error, L'(a) = 2 (a - y) brings in every parameter of the output.
    assert gradient_dependencies(network, "v11", "mse") == set(network.parameters) - {"v11"}


def test_relu_units_pass_no_dependencies_on_their_inputs():
    network = Network(
        ("x",), {"h": ("relu", {"x": "w1"}), "g": ("relu", {"h": "w2"}), "a": ("linear", {"g": "w3"})}, "a"
    )
    assert gradient_dependencies(network, "w1", "output") == {"w2", "w3"}
    params = {"w1": 0.8, "w2": 1.1, "w3": -0.7}
    assert numeric_dependencies(network, "w1", params, {"x": 1.5}, loss="output") == {"w2", "w3"}


def test_network_validation():
    with pytest.raises(ValueError, match="activation"):
        Network(("x",), {"a": ("swish", {"x": "w"})}, "a")
    with pytest.raises(ValueError, match="not an input or an earlier unit"):
        Network(("x",), {"a": ("linear", {"b": "w"})}, "a")
    with pytest.raises(ValueError, match="used twice"):
        Network(("x",), {"h": ("tanh", {"x": "w"}), "a": ("linear", {"h": "w"})}, "a")
    with pytest.raises(ValueError, match="output"):
        Network(("x",), {"a": ("linear", {"x": "w"})}, "b")
    with pytest.raises(ValueError, match="wrt"):
        gradient_dependencies(notes_network(), "q7")
    with pytest.raises(ValueError, match="needs a target"):
        notes_network().gradients(_random_params(notes_network(), 1), {"x1": 1.0, "x2": 1.0})


# ------------------------------------------------------------------------------ cost
def _dense_network(sizes):
    names = [[f"n{k}_{i}" for i in range(n)] for k, n in enumerate(sizes)]
    units = {}
    for k in range(1, len(sizes)):
        for j, unit in enumerate(names[k]):
            act = "tanh" if k < len(sizes) - 1 else "linear"
            units[unit] = (act, {parent: f"w{k}_{i}_{j}" for i, parent in enumerate(names[k - 1])})
    return Network(names[0], units, names[-1][0]), names[0]


@pytest.mark.parametrize("sizes", [(2, 2, 2, 1), (3, 4, 2, 1), (2, 3, 3, 3, 1)])
def test_path_sums_equal_backprop_and_cost_what_the_formula_says(sizes):
    network, inputs = _dense_network(list(sizes))
    params = _random_params(network, 2)
    x = {name: 0.3 * (i + 1) for i, name in enumerate(inputs)}
    by_paths, mults = path_sum_gradients(network, params, x)
    by_backprop = network.gradients(params, x, loss="output")
    for p in network.parameters:
        assert by_paths[p] == pytest.approx(by_backprop[p], rel=1e-10, abs=1e-14)
    assert mults == path_sum_multiplications(sizes)
    assert backprop_multiplications(sizes) < mults


def test_path_cost_grows_exponentially_with_depth():
    costs = [path_sum_multiplications([4] * depth + [1]) for depth in range(2, 7)]
    ratios = [b / a for a, b in itertools.pairwise(costs)]
    assert all(r > 4 for r in ratios)  # about the width per extra layer
    backprop = [backprop_multiplications([4] * depth + [1]) for depth in range(2, 7)]
    assert all(b - a == 16 + 4 + 16 for a, b in itertools.pairwise(backprop))  # linear: per-layer constant
    with pytest.raises(ValueError, match="one output"):
        path_sum_multiplications([3, 2])
