"""Backpropagation through time, by hand in NumPy, for a small tanh RNN with softmax outputs.

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b)        o_t = h_t W_hy + c        p_t = softmax(o_t)

Unrolled over T steps the network is a T-layer feed-forward net whose layers share W_xh,
W_hh and b; BPTT is ordinary backprop through that unrolled graph, summing each shared
weight's gradient over the steps. Going back one step multiplies the gradient by
``diag(1 - h_t^2) W_hh^T``; over many steps these products shrink (vanishing gradients) or
blow up (exploding gradients) geometrically, which ``clip_by_global_norm`` tames.
"""

import numpy as np

from keras_course.checks import check_array, check_int, check_labels, check_real, check_rng, describe

PARAM_NAMES = ("W_xh", "W_hh", "b", "W_hy", "c")


def init_rnn_params(input_dim, units, output_dim, rng, recurrent_scale=1.0):
    """Parameters for ``bptt``: Glorot-uniform W_xh, W_hy; ``recurrent_scale`` x an orthogonal
    W_hh (so its spectral radius is ``recurrent_scale``); zero biases. float64."""
    input_dim, units = check_int("input_dim", input_dim, minimum=1), check_int("units", units, minimum=1)
    output_dim = check_int("output_dim", output_dim, minimum=1)
    check_rng("rng", rng)
    recurrent_scale = check_real("recurrent_scale", recurrent_scale, minimum=0.0)

    def glorot(n_in, n_out):
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, (n_in, n_out))

    q, r = np.linalg.qr(rng.normal(size=(units, units)))
    orthogonal = q * np.sign(np.diag(r))
    return {
        "W_xh": glorot(input_dim, units),
        "W_hh": recurrent_scale * orthogonal,
        "b": np.zeros(units),
        "W_hy": glorot(units, output_dim),
        "c": np.zeros(output_dim),
    }


def _check(x, params, h0=None):
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays with keys {PARAM_NAMES}, got {describe(params)}")
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected keys {PARAM_NAMES}")
    d, units = np.shape(params["W_xh"])
    expected = {"W_hh": (units, units), "b": (units,), "W_hy": (units, None), "c": (np.shape(params["W_hy"])[-1],)}
    for key, shape in expected.items():
        check_array(f"params[{key!r}]", params[key], kind="real", shape=shape)
    x = check_array("x", x, ndim=3, kind="real").astype(np.float64)
    if x.shape[-1] != d:
        raise ValueError(f"x must be (batch, time, {d}), got shape {x.shape}")
    if h0 is not None:
        check_array("h0", h0, kind="real", shape=(x.shape[0], units))
    return x


def rnn_forward(x, params, h0=None):
    """Hidden states (B, T + 1, units), h_0 first (zeros unless ``h0`` is given)."""
    x = _check(x, params, h0)
    batch, steps, _ = x.shape
    units = params["W_hh"].shape[0]
    h = np.zeros((batch, steps + 1, units))
    if h0 is not None:
        h[:, 0] = h0
    for t in range(steps):
        h[:, t + 1] = np.tanh(x[:, t] @ params["W_xh"] + h[:, t] @ params["W_hh"] + params["b"])
    return h


def _softmax(o):
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def bptt(x, targets, params, h0=None):
    """Loss and gradients of the RNN above, computed by backprop through time.

    ``x``: float (B, T, d). ``targets``: int (B, T), a class per step (language model; loss is
    the mean cross-entropy over all B x T steps), or int (B,), a class for the last step only
    (sequence classification; mean over B). Returns ``(loss, grads, dh_norms)``: ``grads`` has
    the keys of ``params``; ``dh_norms[t]`` = ||dL/dh_{t+1}||, the Frobenius norm over the
    batch of the gradient reaching the hidden state of step t + 1, t = 0..T-1.
    """
    x = _check(x, params, h0)
    # ids out of [0, classes) would index the softmax silently (negative ids from the end)
    targets = check_labels("targets", targets, num_classes=np.shape(params["W_hy"])[-1])
    batch, steps, _ = x.shape
    if targets.shape == (batch, steps):
        scored = list(range(steps))
    elif targets.shape == (batch,):
        scored = [steps - 1]
        targets = np.broadcast_to(targets[:, None], (batch, steps))
    else:
        raise ValueError(f"targets must be (batch, time) = {(batch, steps)} or (batch,), got {targets.shape}")
    h = rnn_forward(x, params, h0)
    n_scored = batch * len(scored)
    rows = np.arange(batch)

    grads = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
    dh_next = np.zeros((batch, params["W_hh"].shape[0]))  # gradient flowing back from step t + 1
    dh_norms = np.zeros(steps)
    loss = 0.0
    for t in reversed(range(steps)):
        dh = dh_next.copy()
        if t in scored:
            p = _softmax(h[:, t + 1] @ params["W_hy"] + params["c"])
            loss -= np.log(p[rows, targets[:, t]]).sum() / n_scored
            do = p.copy()
            do[rows, targets[:, t]] -= 1.0  # d(-log softmax)/do = p - onehot
            do /= n_scored
            grads["W_hy"] += h[:, t + 1].T @ do
            grads["c"] += do.sum(axis=0)
            dh += do @ params["W_hy"].T
        dh_norms[t] = np.linalg.norm(dh)
        dz = dh * (1.0 - h[:, t + 1] ** 2)  # through tanh
        grads["W_xh"] += x[:, t].T @ dz
        grads["W_hh"] += h[:, t].T @ dz
        grads["b"] += dz.sum(axis=0)
        dh_next = dz @ params["W_hh"].T  # one step further back in time
    return loss, grads, dh_norms


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients by ``min(1, max_norm / ||g||)``, ||g|| the norm of all of them
    together (what ``keras.optimizers.*(global_clipnorm=...)`` does). Returns
    ``(clipped, norm)``; the direction is kept, only a too-long step is shortened. ``max_norm``
    may be ``inf`` (no clipping, the norm is still measured); NaN is refused."""
    if not (isinstance(max_norm, float) and max_norm == float("inf")):  # inf: measure, do not clip
        max_norm = check_real("max_norm", max_norm, minimum=0.0, low_open=True)
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{name: array}}, got {describe(grads)}")
    for key, g in grads.items():
        check_array(f"grads[{key!r}]", g, kind="real", allow_empty=True)  # a NaN would make every scale NaN
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))
    scale = min(1.0, max_norm / max(norm, 1e-12))
    return {k: g * scale for k, g in grads.items()}, norm
