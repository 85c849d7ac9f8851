"""Exercises of the first chapter: the dense layer, activations, dropout, batch norm."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, float_arrays, library

F = np.float64


# ------------------------------------------------------------------------------ dense (Q1)
def _dense_reference():
    Dense = library("keras_course.nn.dense", "Dense")

    def dense(x, W, b):
        layer = Dense(W.shape[1], dtype="float64")
        layer.build((None, W.shape[0]))
        layer.set_weights([W, b])
        return np.asarray(layer(np.asarray(x, F)))

    return dense


DENSE = Exercise(
    name="dense",
    title="The forward pass of a fully-connected layer",
    questions=(1,),
    function="dense",
    signature="dense(x, W, b)",
    statement=r"""Every output is a linear model of every input: for a batch `x` of shape (N, n),
weights `W` (n, m) and bias `b` (m,),

$$z_{kj} = \sum_{i=1}^{n} x_{ki} W_{ij} + b_j ,$$

so `z` has shape (N, m). The bias is added once per output, not once per input. An empty
batch (N = 0) gives an empty (0, m) output.""",
    example=">>> dense(np.array([[1., 2.]]), np.array([[1., 0., 1.], [0., 1., 1.]]), np.array([0., 0., 10.]))\n"
    "array([[ 1.,  2., 13.]])",
    hints=["One matrix product does the double loop: `x @ W`.", "NumPy broadcasting adds `b` to every row."],
    reference=_dense_reference,
    cases=[
        Case(
            "one example",
            {"x": np.array([[1.0, 2.0]]), "W": np.array([[1.0, 0, 1], [0, 1, 1]]), "b": np.array([0.0, 0, 10])},
        ),
        Case(
            "a batch of three, four inputs",
            {"x": np.arange(12.0).reshape(3, 4) - 5, "W": np.arange(8.0).reshape(4, 2) / 4, "b": np.array([1.0, -2.0])},
        ),
        Case("an empty batch", {"x": np.zeros((0, 3)), "W": np.ones((3, 2)), "b": np.array([1.0, 2.0])}),
    ],
    random=lambda st, hnp: st.tuples(st.integers(0, 3), st.integers(1, 4), st.integers(1, 3)).flatmap(
        lambda s: st.fixed_dictionaries(
            {
                "x": float_arrays(hnp, st, (s[0], s[1])),
                "W": float_arrays(hnp, st, (s[1], s[2])),
                "b": float_arrays(hnp, st, (s[2],)),
            }
        )
    ),
    slips=[
        Slip(
            "bias added n times",
            "the bias went inside the sum over the n inputs (z = x W + n b); it is added once per output",
            lambda x, W, b: x @ W + W.shape[0] * b,
        ),
        Slip("no bias", "the bias b is missing", lambda x, W, b: x @ W),
    ],
)


# ------------------------------------------------------------------------------ activations (Q2)
def _activation_reference():
    table = library("keras_course.nn.activations", "ACTIVATIONS")

    def activation(x, kind, alpha=0.01):
        f, df = table[kind]
        extra = {"alpha": alpha} if kind == "leaky_relu" else {}
        return np.asarray(f(np.asarray(x, F), **extra)), np.asarray(df(np.asarray(x, F), **extra))

    return activation


def _slip_activation(change):
    def activation(x, kind, alpha=0.01):
        s = 1 / (1 + np.exp(-x))
        table = {
            "sigmoid": (s, s * (1 - s)),
            "relu": (np.maximum(x, 0), (x > 0) * 1.0),
            "leaky_relu": (np.where(x > 0, x, alpha * x), np.where(x > 0, 1.0, alpha)),
        }
        return change(kind, x, alpha, *table[kind])

    return activation


_XS = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 2.0])
ACTIVATIONS = Exercise(
    name="activations",
    title="Sigmoid, ReLU, leaky ReLU and their derivatives",
    questions=(2,),
    function="activation",
    signature="activation(x, kind, alpha=0.01)",
    statement=r"""Return the pair `(f(x), f'(x))`, element-wise, for `kind` one of

- `"sigmoid"`: $\sigma(x) = \frac{1}{1 + e^{-x}}$, $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$;
- `"relu"`: $\max(0, x)$, derivative 1 for $x > 0$ and 0 otherwise (0 at $x = 0$, as frameworks do);
- `"leaky_relu"`: $\max(0, x) + \alpha \min(0, x)$, derivative 1 for $x > 0$, else $\alpha$.

`x` is an array of any shape; both outputs have its shape.""",
    example='>>> activation(np.array([-1., 0., 2.]), "relu")\n(array([0., 0., 2.]), array([0., 0., 1.]))',
    hints=["`np.where(condition, a, b)` picks element-wise.", "Mind the derivative at exactly 0."],
    reference=_activation_reference,
    cases=[Case(f"{kind} at -3 .. 2, with 0", {"x": _XS, "kind": kind}) for kind in ("sigmoid", "relu", "leaky_relu")]
    + [Case("leaky_relu with alpha 0.2, a 2-D array", {"x": _XS.reshape(2, 3), "kind": "leaky_relu", "alpha": 0.2})],
    random=lambda st, hnp: st.fixed_dictionaries(
        {
            "x": hnp.arrays(F, st.integers(1, 6), elements=st.floats(-6, 6, width=64)),
            "kind": st.sampled_from(["sigmoid", "relu", "leaky_relu"]),
            "alpha": st.sampled_from([0.01, 0.3]),
        }
    ),
    slips=[
        Slip(
            "sigmoid'(x) = x (1 - x)",
            "the derivative used x where it needs sigma(x): sigma(x) (1 - sigma(x))",
            _slip_activation(lambda k, x, a, f, d: (f, x * (1 - x)) if k == "sigmoid" else (f, d)),
        ),
        Slip(
            "derivative 1 at x = 0",
            "the (leaky) ReLU's derivative at 0 is taken as 1 (x >= 0); use 0 "
            "(or alpha): the subgradient frameworks use",
            _slip_activation(lambda k, x, a, f, d: (f, np.where(x >= 0, 1.0, d)) if k != "sigmoid" else (f, d)),
        ),
        Slip(
            "leaky derivative alpha x",
            "the leaky ReLU's derivative for x < 0 is the constant alpha, not alpha x",
            _slip_activation(lambda k, x, a, f, d: (f, np.where(x > 0, 1.0, a * x)) if k == "leaky_relu" else (f, d)),
        ),
    ],
)


# ------------------------------------------------------------------------------ dropout (Q17)
def _dropout_reference():
    from unittest import mock

    import keras

    Dropout = library("keras_course.nn.dropout", "Dropout")

    def dropout(x, p, u, training):
        layer = Dropout(p, dtype="float64")
        draw = lambda shape, seed=None, dtype=None, **kw: keras.ops.convert_to_tensor(u, dtype=dtype)
        with mock.patch.object(keras.random, "uniform", draw):  # the layer's mask, drawn from u
            return np.asarray(layer(np.asarray(x, F), training=training))

    return dropout


def _dropout(scale, keep=lambda u, p: u >= p, at_inference=False):
    def dropout(x, p, u, training):
        if not training and not at_inference:
            return x
        return np.where(keep(u, p), x * scale(p), 0.0)

    return dropout


DROPOUT = Exercise(
    name="dropout",
    title="Inverted dropout at training and at inference",
    questions=(17,),
    function="dropout",
    signature="dropout(x, p, u, training)",
    statement=r"""Zero each unit with probability `p` while training, and rescale the kept ones so the
expected output equals the input. The random draw is given: `u` has the shape of `x`, uniform
on [0, 1); unit `i` is kept when $u_i \ge p$ (probability $1 - p$). So with `training` true

$$d(x)_i = \frac{[u_i \ge p]\, x_i}{1 - p} ,$$

and with `training` false `dropout` returns `x` unchanged: nothing is dropped or rescaled at
inference (that is what "inverted" buys). `p` is in [0, 1).""",
    example=">>> dropout(np.array([1., 2., 3., 4.]), 0.5, np.array([0.9, 0.1, 0.5, 0.3]), True)\n"
    "array([2., 0., 6., 0.])",
    hints=["The scale is one over the probability of *keeping* a unit.", "Check `training` first."],
    reference=_dropout_reference,
    cases=[
        Case(
            "p = 0.5, training",
            {"x": np.array([1.0, 2, 3, 4]), "p": 0.5, "u": np.array([0.9, 0.1, 0.5, 0.3]), "training": True},
        ),
        Case(
            "p = 0.25, a batch, training",
            {
                "x": np.arange(6.0).reshape(2, 3) - 2,
                "p": 0.25,
                "u": np.array([[0.3, 0.2, 0.7], [0.1, 0.9, 0.25]]),
                "training": True,
            },
        ),
        Case(
            "inference is the identity",
            {"x": np.array([1.0, -2, 3]), "p": 0.5, "u": np.array([0.1, 0.6, 0.2]), "training": False},
        ),
        Case(
            "p = 0 keeps everything", {"x": np.array([5.0, -1]), "p": 0.0, "u": np.array([0.0, 0.5]), "training": True}
        ),
    ],
    random=lambda st, hnp: st.integers(1, 6).flatmap(
        lambda n: st.fixed_dictionaries(
            {
                "x": float_arrays(hnp, st, (n,)),
                "p": st.sampled_from([0.0, 0.2, 0.5, 0.75]),
                "u": hnp.arrays(F, (n,), elements=st.integers(0, 19).map(lambda k: k / 20)),
                "training": st.booleans(),
            }
        )
    ),
    slips=[
        Slip(
            "1/p instead of 1/(1-p)",
            "the kept units were divided by p, the probability of dropping; "
            "divide by 1 - p, the probability of keeping",
            _dropout(lambda p: 1 / p if p else 1.0),
        ),
        Slip(
            "no rescaling",
            "the kept units were not divided by 1 - p, so the expected output shrinks",
            _dropout(lambda p: 1.0),
        ),
        Slip(
            "keeps with probability p",
            "units with u < p were kept; keep those with u >= p",
            _dropout(lambda p: 1 / (1 - p), keep=lambda u, p: u < p),
        ),
        Slip(
            "drops at inference",
            "dropout was applied with training=False too; inference is the identity",
            _dropout(lambda p: 1 / (1 - p), at_inference=True),
        ),
    ],
)


# ------------------------------------------------------------------------------ batch norm (Q18)
def _batchnorm_reference():
    BatchNormalization = library("keras_course.nn.batchnorm", "BatchNormalization")

    def batchnorm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
        layer = BatchNormalization(momentum=momentum, epsilon=eps, dtype="float64")
        layer.build(x.shape)
        layer.set_weights([gamma, beta, moving_mean, moving_var])
        out = np.asarray(layer(np.asarray(x, F), training=training))
        return out, layer.moving_mean.numpy(), layer.moving_variance.numpy()

    return batchnorm


def _batchnorm(ddof=0, eps_inside=True, batch_at_inference=False, swap=False, axes=None):
    def batchnorm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
        over = axes if axes is not None else tuple(range(x.ndim - 1))
        if training or batch_at_inference:
            mu, var = x.mean(axis=over), x.var(axis=over, ddof=ddof)
        else:
            mu, var = moving_mean, moving_var
        if training:
            a = 1 - momentum if swap else momentum
            moving_mean, moving_var = a * moving_mean + (1 - a) * mu, a * moving_var + (1 - a) * var
        scale = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
        return gamma * (x - mu) / scale + beta, moving_mean, moving_var

    return batchnorm


def _bn_case(name, shape, training, seed, momentum=0.9, eps=0.01):
    rng = np.random.default_rng(seed)
    c = shape[-1]
    return Case(
        name,
        {
            "x": np.round(rng.normal(1, 2, shape), 1),
            "gamma": np.linspace(0.5, 2, c),
            "beta": np.linspace(-1, 1, c),
            "moving_mean": np.linspace(0, 1, c),
            "moving_var": np.linspace(1, 2, c),
            "training": training,
            "momentum": momentum,
            "eps": eps,
        },
    )


BATCHNORM = Exercise(
    name="batchnorm",
    title="The batch-normalization forward pass, training and inference",
    questions=(18,),
    function="batchnorm",
    signature="batchnorm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3)",
    statement=r"""`x` is (N, F), or (N, H, W, C) for images; statistics are per feature (the last axis),
over every other axis. Training: with the batch mean $\mu$ and the *biased* variance
$\sigma^2 = \mathrm{mean}((x - \mu)^2)$,

$$z = \gamma \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta ,$$

and the running statistics move: $m \leftarrow a\,m + (1 - a)\,\mu$, $v \leftarrow a\,v + (1 - a)\,\sigma^2$
with $a$ = `momentum`. Inference (`training` false): the same formula with `moving_mean`,
`moving_var` in place of $\mu$, $\sigma^2$, and the running statistics unchanged.
Return `(z, new_moving_mean, new_moving_var)`.""",
    example=">>> z, m, v = batchnorm(np.array([[0.], [2.]]), np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), True,\n"
    "...                      momentum=0.9, eps=1e-3)\n>>> z.ravel(), m, v\n"
    "(array([-0.99950037,  0.99950037]), array([0.1]), array([1.]))",
    hints=[
        "`x.mean(axis=...)` and `x.var(axis=...)` (biased by default) over all axes but the last.",
        "The epsilon goes inside the square root.",
    ],
    reference=_batchnorm_reference,
    cases=[
        _bn_case("training, (8, 3)", (8, 3), True, 0),
        _bn_case("inference, (8, 3)", (8, 3), False, 1),
        _bn_case("training, images (2, 3, 3, 2)", (2, 3, 3, 2), True, 2),
        _bn_case("inference, images (2, 2, 2, 2)", (2, 2, 2, 2), False, 3),
        _bn_case("training, large epsilon", (4, 2), True, 4, eps=1.0),
    ],
    random=lambda st, hnp: st.tuples(
        st.sampled_from([(2, 1), (3, 2), (4, 3), (2, 2, 2, 1), (1, 2, 3, 2)]),
        st.booleans(),
        st.sampled_from([0.5, 0.9]),
        st.sampled_from([0.1, 1.0]),
    ).flatmap(
        lambda s: st.fixed_dictionaries(
            {
                "x": float_arrays(hnp, st, s[0]),
                "gamma": float_arrays(hnp, st, (s[0][-1],), 1, 3),
                "beta": float_arrays(hnp, st, (s[0][-1],)),
                "moving_mean": float_arrays(hnp, st, (s[0][-1],)),
                "moving_var": float_arrays(hnp, st, (s[0][-1],), 1, 4),
                "training": st.just(s[1]),
                "momentum": st.just(s[2]),
                "eps": st.just(s[3]),
            }
        )
    ),
    slips=[
        Slip(
            "unbiased variance",
            "the batch variance divides by N - 1; batch norm uses the biased one (by N)",
            _batchnorm(ddof=1),
        ),
        Slip(
            "epsilon outside the square root",
            "sqrt(var) + eps instead of sqrt(var + eps)",
            _batchnorm(eps_inside=False),
        ),
        Slip(
            "batch statistics at inference",
            "inference used the batch's mean and variance; it must use the "
            "moving ones, so an example's output does not depend on its batch",
            _batchnorm(batch_at_inference=True),
        ),
        Slip(
            "momentum swapped",
            "the running statistics moved by m <- (1 - a) m + a mu; the old value keeps weight a",
            _batchnorm(swap=True),
        ),
        Slip(
            "statistics over the batch axis only",
            "for images the mean and variance run over N, H and W, not over N alone",
            _batchnorm(axes=(0,)),
        ),
    ],
)

EXERCISES = [DENSE, ACTIVATIONS, DROPOUT, BATCHNORM]
