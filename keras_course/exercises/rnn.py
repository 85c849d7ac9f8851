"""Exercises of the RNN chapter (Q38): one SimpleRNN step, and backpropagation through time."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library


def _step_reference():
    SimpleRNNCell = library("keras_course.rnn.simple_rnn", "SimpleRNNCell")

    def rnn_step(x_t, h_prev, W_xh, W_hh, b):
        cell = SimpleRNNCell(W_hh.shape[0], dtype="float64")
        cell.build((None, W_xh.shape[0]))
        cell.set_weights([W_xh, W_hh, b])
        h, _ = cell(np.asarray(x_t, np.float64), [np.asarray(h_prev, np.float64)])
        return np.asarray(h)

    return rnn_step


def _step(transpose=False, activation=np.tanh, recurrent=True):
    def rnn_step(x_t, h_prev, W_xh, W_hh, b):
        rec = h_prev @ (W_hh.T if transpose else W_hh) if recurrent else 0.0
        return activation(x_t @ W_xh + rec + b)

    return rnn_step


def _weights(st, hnp, shape):
    return hnp.arrays(np.float64, shape, elements=st.integers(-2, 2).map(lambda v: v / 2))


_W_HH = np.array([[0.5, -1.0, 0.0], [0.25, 0.5, 1.0], [-0.5, 0.0, 0.25]])
RNN_STEP = Exercise(
    name="rnn_step",
    title="One step of a simple (Elman) RNN",
    questions=(38,),
    function="rnn_step",
    signature="rnn_step(x_t, h_prev, W_xh, W_hh, b)",
    statement=r"""One step of `SimpleRNN` on a batch: `x_t` (B, d) the inputs at time t, `h_prev` (B, u) the
previous hidden states, `W_xh` (d, u), `W_hh` (u, u), `b` (u,):

$$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b) .$$

Return $h_t$, shape (B, u) (the weights are Keras's kernel, recurrent_kernel and bias).""",
    example=">>> rnn_step(np.ones((1, 1)), np.zeros((1, 2)), np.ones((1, 2)), np.eye(2), np.zeros(2))\n"
    "array([[0.76159416, 0.76159416]])",
    hints=["Rows are examples: the state multiplies `W_hh` from the left, `h_prev @ W_hh`."],
    reference=_step_reference,
    cases=[
        Case(
            "a batch of two, three units",
            {
                "x_t": np.array([[1.0, 0], [0.5, -1]]),
                "h_prev": np.array([[0.1, -0.2, 0.3], [0.5, 0.5, -0.5]]),
                "W_xh": np.array([[1.0, 0, -1], [0.5, 1, 0]]),
                "W_hh": _W_HH,
                "b": np.array([0.0, 0.1, -0.1]),
            },
        ),
        Case(
            "zero state",
            {
                "x_t": np.array([[2.0]]),
                "h_prev": np.zeros((1, 3)),
                "W_xh": np.array([[0.5, -0.5, 1]]),
                "W_hh": _W_HH,
                "b": np.array([0.1, 0.0, 0.0]),
            },
        ),
    ],
    random=lambda st, hnp: st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).flatmap(
        lambda s: st.fixed_dictionaries(
            {
                "x_t": _weights(st, hnp, (s[0], s[1])),
                "h_prev": _weights(st, hnp, (s[0], s[2])),
                "W_xh": _weights(st, hnp, (s[1], s[2])),
                "W_hh": _weights(st, hnp, (s[2], s[2])),
                "b": _weights(st, hnp, (s[2],)),
            }
        )
    ),
    slips=[
        Slip(
            "W_hh transposed",
            "with examples in rows the recurrent term is h_prev @ W_hh, not h_prev @ W_hh.T",
            _step(transpose=True),
        ),
        Slip(
            "sigmoid instead of tanh",
            "SimpleRNN's activation is tanh",
            _step(activation=lambda z: 1 / (1 + np.exp(-z))),
        ),
        Slip("no recurrent term", "h_t depends on h_{t-1} through W_hh", _step(recurrent=False)),
    ],
)


def _bptt_reference():
    bptt = library("keras_course.rnn.bptt", "bptt")

    def run(x, targets, params):
        loss, grads, _ = bptt(x, targets, params)
        return float(loss), grads

    return run


def _bptt(through_time=True, transpose=True, mean=True, previous_h=False):
    def bptt(x, targets, params):
        W_xh, W_hh, b, W_hy, c = (params[k] for k in ("W_xh", "W_hh", "b", "W_hy", "c"))
        batch, steps, _ = x.shape
        h = [np.zeros((batch, W_hh.shape[0]))]
        for t in range(steps):
            h.append(np.tanh(x[:, t] @ W_xh + h[-1] @ W_hh + b))
        grads = {k: np.zeros_like(v) for k, v in params.items()}
        n = batch * steps if mean else 1.0
        loss, dh_next, rows = 0.0, np.zeros_like(h[0]), np.arange(batch)
        for t in reversed(range(steps)):
            o = h[t + 1] @ W_hy + c
            p = np.exp(o - o.max(-1, keepdims=True))
            p /= p.sum(-1, keepdims=True)
            loss -= np.log(p[rows, targets[:, t]]).sum() / n
            do = p.copy()
            do[rows, targets[:, t]] -= 1.0
            do /= n
            grads["W_hy"] += h[t + 1].T @ do
            grads["c"] += do.sum(0)
            dh = do @ W_hy.T + (dh_next if through_time else 0.0)
            dz = dh * (1 - (h[t] if previous_h else h[t + 1]) ** 2)
            grads["W_xh"] += x[:, t].T @ dz
            grads["W_hh"] += h[t].T @ dz
            grads["b"] += dz.sum(0)
            dh_next = dz @ (W_hh.T if transpose else W_hh)
        return loss, grads

    return bptt


def _params(rng, d, u, k):
    return {
        "W_xh": np.round(rng.normal(0, 0.8, (d, u)), 2),
        "W_hh": np.round(rng.normal(0, 0.6, (u, u)), 2),
        "b": np.round(rng.normal(0, 0.2, u), 2),
        "W_hy": np.round(rng.normal(0, 0.8, (u, k)), 2),
        "c": np.round(rng.normal(0, 0.2, k), 2),
    }


def _bptt_case(name, seed, batch, steps, d, u, k):
    rng = np.random.default_rng(seed)
    return Case(
        name,
        {
            "x": np.round(rng.normal(size=(batch, steps, d)), 2),
            "targets": rng.integers(0, k, (batch, steps)),
            "params": _params(rng, d, u, k),
        },
    )


def _bptt_random(st, hnp):
    def build(s):
        b, t, d, u, k = s
        return st.fixed_dictionaries(
            {
                "x": _weights(st, hnp, (b, t, d)),
                "targets": hnp.arrays(np.int64, (b, t), elements=st.integers(0, k - 1)),
                "params": st.fixed_dictionaries(
                    {
                        "W_xh": _weights(st, hnp, (d, u)),
                        "W_hh": _weights(st, hnp, (u, u)),
                        "b": _weights(st, hnp, (u,)),
                        "W_hy": _weights(st, hnp, (u, k)),
                        "c": _weights(st, hnp, (k,)),
                    }
                ),
            }
        )

    return st.tuples(
        st.integers(1, 2), st.integers(1, 3), st.integers(1, 2), st.integers(1, 3), st.integers(2, 3)
    ).flatmap(build)


BPTT = Exercise(
    name="bptt",
    title="Backpropagation through time for a small tanh RNN",
    questions=(38,),
    function="bptt",
    signature="bptt(x, targets, params)",
    statement=r"""A tanh RNN with softmax outputs at every step, $h_0 = 0$:

$$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b), \qquad p_t = \mathrm{softmax}(h_t W_{hy} + c) .$$

`x` (B, T, d), `targets` (B, T) int classes, `params` a dict with `W_xh` (d, u), `W_hh` (u, u),
`b` (u,), `W_hy` (u, K), `c` (K,). The loss is the mean cross-entropy over all B T steps,
$L = -\frac{1}{BT} \sum_{n,t} \log p_t[\mathrm{target}_{n,t}]$. Return `(loss, grads)`, `grads` a dict
with the same keys and shapes holding $\partial L / \partial$ each parameter: walk back from
$t = T$ to 1, carrying $\partial L / \partial h_t$ from step $t + 1$ (through $W_{hh}^\top$ and
$\tanh' = 1 - h^2$), and sum each shared weight's gradient over the steps.""",
    example=(
        ">>> params = {'W_xh': np.array([[1.]]), 'W_hh': np.array([[0.5]]), 'b': np.zeros(1),\n"
        "...           'W_hy': np.array([[1., -1.]]), 'c': np.zeros(2)}\n"
        ">>> loss, grads = bptt(np.ones((1, 2, 1)), np.array([[0, 1]]), params)\n"
        ">>> loss, grads['W_hh']\n(1.0589504742331912, array([[0.14535019]]))"
    ),
    hints=[
        "`p - onehot(target)`, divided by B T, is dL/do at each step.",
        "The gradient reaching h_t is do_t @ W_hy.T plus dz_{t+1} @ W_hh.T from the step after.",
    ],
    reference=_bptt_reference,
    cases=[
        _bptt_case("B = 1, T = 2", 0, 1, 2, 2, 3, 2),
        _bptt_case("B = 2, T = 4", 1, 2, 4, 3, 2, 3),
        _bptt_case("one step: T = 1", 2, 3, 1, 2, 2, 2),
    ],
    random=_bptt_random,
    slips=[
        Slip(
            "no gradient through time",
            "dL/dh_t must include what flows back from step t + 1 (dz_{t+1} @ W_hh.T), not only the output at t",
            _bptt(through_time=False),
        ),
        Slip("W_hh not transposed", "going back one step multiplies by W_hh.T", _bptt(transpose=False)),
        Slip(
            "loss summed, not averaged", "the loss (and its gradient) is the mean over the B T steps", _bptt(mean=False)
        ),
        Slip(
            "tanh' at the wrong step",
            "dz_t = dh_t * (1 - h_t^2) with h_t, the output of step t, not h_{t-1}",
            _bptt(previous_h=True),
        ),
    ],
    needs_keras=False,
    rtol=1e-6,
    atol=1e-9,
)

EXERCISES = [RNN_STEP, BPTT]
