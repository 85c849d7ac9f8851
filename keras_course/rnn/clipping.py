"""Q38: exploding gradients and clipping, measured on a character RNN trained in NumPy.

``sgd_char_rnn`` trains the RNN of ``keras_course.rnn.bptt`` as a next-character model with
plain SGD, every gradient from our ``bptt``, optionally rescaled by ``clip_by_global_norm``;
it records the loss and the gradient norm of every step, so the two runs (clipped or not)
can be compared step by step.
"""

import numpy as np

from keras_course.checks import check_int, check_real
from keras_course.rnn.bptt import bptt, clip_by_global_norm, init_rnn_params
from keras_course.rnn.char_lm import char_windows


def sgd_char_rnn(
    ids,
    vocab_size,
    steps,
    max_norm=None,
    seq_len=30,
    stride=7,
    units=64,
    batch_size=32,
    lr=1.0,
    recurrent_scale=3.0,
    seed=0,
):
    """Train a tanh RNN language model on ``ids`` with SGD and BPTT: ``(losses, norms)``, (steps,) each.

    Args:
        ids: (N,) character ids in [0, vocab_size).
        vocab_size: the alphabet size (one-hot inputs, softmax outputs of this size).
        steps: SGD steps, each on ``batch_size`` windows drawn at random (with replacement)
            from the windows of ``seq_len`` characters every ``stride`` characters.
        max_norm: None (no clipping; the norm is still measured) or the global norm tau > 0
            that the gradient of all parameters together is clipped to,
            ``g <- g min(1, tau / ||g||)``.
        units: the state size; ``recurrent_scale``: W_hh starts as this times an orthogonal
            matrix (3.0: the gradients explode, for every seed tried; at 2.0 that depends on the
            seed); ``lr``: the SGD learning rate.
        seed: the parameters come from ``default_rng(seed)``, the batches from
            ``default_rng(seed + 1)``: the same for a clipped and an unclipped run.

    Returns:
        ``losses[i]``, the mean cross-entropy (nats per character) of step ``i``'s batch
        before its update (NaN once it overflows), and ``norms[i]``, the global gradient
        norm before clipping.
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    steps = check_int("steps", steps, minimum=1)
    tau = np.inf if max_norm is None else check_real("max_norm", max_norm, minimum=0.0, low_open=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, low_open=True)
    seed = check_int("seed", seed, minimum=0)
    x_all, y_all = char_windows(ids, seq_len, stride=stride)
    low, high = min(x_all.min(), y_all.min()), max(x_all.max(), y_all.max())
    if low < 0 or high >= vocab_size:
        raise ValueError(f"ids must be in [0, vocab_size={vocab_size}), got values from {low} to {high}")
    eye = np.eye(vocab_size)
    params = init_rnn_params(
        vocab_size, units, vocab_size, np.random.default_rng(seed), recurrent_scale=recurrent_scale
    )
    batches = np.random.default_rng(seed + 1)
    losses, norms = [], []
    for _ in range(steps):
        b = batches.integers(0, len(x_all), batch_size)
        loss, grads, _ = bptt(eye[x_all[b]], y_all[b], params)
        clipped, norm = clip_by_global_norm(grads, tau)
        for k in params:
            params[k] -= lr * clipped[k]
        losses.append(loss if np.isfinite(loss) else np.nan)
        norms.append(norm)
    return np.array(losses), np.array(norms)
