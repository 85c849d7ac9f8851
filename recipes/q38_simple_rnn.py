"""# The simple recurrent network and backpropagation through time

Answers Q38: the simplest recurrent neural network, how it reads a sequence and how it is
trained (BPTT).

## Introduction
An RNN reads x_1, x_2, ... one at a time and keeps a state h_t = f(x_t W_xh + h_{t-1} W_hh + b),
the same weights at every step; an output o_t = g(h_t W_hy + c) can be read at every step
(language model) or only at the end (classification). Training unrolls the loop into a deep
net with shared weights and backpropagates through it (BPTT). We check our from-scratch
``SimpleRNN`` against ``keras.layers.SimpleRNN`` and our NumPy BPTT against
``tf.GradientTape``; plot how the gradient reaching h_t shrinks or grows with the distance
to the loss (vanishing / exploding gradients) and how clipping the gradient norm keeps
training stable; then train a character language model on Hamlet (perplexity, samples at
several temperatures) and a review classifier on Rotten Tomatoes.

Errata: the notes' h_t = f(W_xh x_t + W_hh h_{t-1}) leaves out the bias b, and they call
W_hh "the previous hidden state": W_hh is the recurrent weight matrix that multiplies the
previous state h_{t-1}. They also name the input matrix W_hx and W_xh in one paragraph.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_course.data import make_dataset
from keras_course.data.text import load_hamlet, load_rotten_tomatoes, tokenize
from keras_course.plots import plot_history, save_figure
from keras_course.rnn import (
    CharVocab,
    SimpleRNN,
    bptt,
    char_language_model,
    char_windows,
    clip_by_global_norm,
    init_rnn_params,
    perplexity,
    rnn_classifier,
    sample_text,
)
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.text import build_vocab, encode_padded
from keras_course.train import fit, set_seed

QUESTIONS = (38,)
TEMPERATURES = (0.3, 0.7, 1.0, 1.5)


def _checks_against_references(seed):
    """Our SimpleRNN vs Keras's, our BPTT vs tf.GradientTape: largest differences."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 9, 5)).astype("float32")
    ours, ref = SimpleRNN(8, return_sequences=True), keras.layers.SimpleRNN(8, return_sequences=True)
    ours.build(x.shape)
    ref.build(x.shape)
    ref.set_weights(ours.get_weights())
    layer_diff = float(np.max(np.abs(ours(x) - ref(x))))

    params = init_rnn_params(5, 8, 3, rng)
    targets = rng.integers(0, 3, (4, 9))
    _, grads, _ = bptt(x.astype("float64"), targets, params)
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        h, logits = tf.zeros((4, 8), tf.float64), []
        for t in range(9):
            h = tf.tanh(x[:, t].astype("float64") @ variables["W_xh"] + h @ variables["W_hh"] + variables["b"])
            logits.append(h @ variables["W_hy"] + variables["c"])
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets, tf.stack(logits, 1)))
    tape_grads = tape.gradient(loss, variables)
    grad_diff = max(float(np.max(np.abs(grads[k] - tape_grads[k].numpy()))) for k in params)
    return layer_diff, grad_diff


def _gradient_norm_plot(out, rng):
    """||dL/dh_t|| for a loss at the last of 50 steps, for W_hh = s x orthogonal."""
    import matplotlib.pyplot as plt

    x = rng.normal(size=(16, 50, 8)) * 0.5
    targets = rng.integers(0, 4, 16)
    fig, ax = plt.subplots(figsize=(6, 4))
    ratios = {}
    for scale in (0.5, 1.0, 1.5, 3.0):
        norms = bptt(x, targets, init_rnn_params(8, 64, 4, np.random.default_rng(0), scale))[2]
        ax.semilogy(np.arange(1, 51), norms, label=f"W_hh = {scale} x orthogonal")
        ratios[f"scale_{scale}"] = float(norms[0] / norms[-1])
    ax.set_xlabel("time step t (the loss is at t = 50)")
    ax.set_ylabel("||dL / dh_t||")
    ax.set_title("Gradient reaching h_t through BPTT")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, out / "gradient_norm_vs_time.png")
    return ratios


def _clipping_demo(out, ids, vocab_size, steps, rng):
    """NumPy RNN language model trained by our BPTT with SGD, W_hh started large (exploding),
    with and without global-norm clipping."""
    import matplotlib.pyplot as plt

    x_all, y_all = char_windows(ids, 30, stride=7)
    eye = np.eye(vocab_size)
    curves = {}
    for label, max_norm in (("no clipping", None), ("clip global norm 1", 1.0)):
        params = init_rnn_params(vocab_size, 64, vocab_size, np.random.default_rng(0), recurrent_scale=2.0)
        batches = np.random.default_rng(1)
        losses, norms = [], []
        for _ in range(steps):
            b = batches.integers(0, len(x_all), 32)
            loss, grads, _ = bptt(eye[x_all[b]], y_all[b], params)
            clipped, norm = clip_by_global_norm(grads, max_norm if max_norm else np.inf)
            for k in params:
                params[k] -= 1.0 * clipped[k]
            losses.append(loss if np.isfinite(loss) else np.nan)
            norms.append(norm)
        curves[label] = (np.array(losses), np.array(norms))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for label, (losses, norms) in curves.items():
        axes[0].plot(losses, label=label)
        axes[1].semilogy(norms, label=label)
    axes[0].set_ylabel("training loss (nats/char)")
    axes[1].set_ylabel("gradient global norm (before clipping)")
    for ax in axes:
        ax.set_xlabel("SGD step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("RNN with W_hh = 2 x orthogonal, SGD lr 1.0, BPTT over 30 steps")
    save_figure(fig, out / "gradient_clipping.png")
    return {label: float(np.nanmean(losses[-20:])) for label, (losses, _) in curves.items()}


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q38_simple_rnn")
    set_seed(seed)
    rng = np.random.default_rng(seed)
    verbose = 0 if quick else "auto"

    # ## From scratch = references
    layer_diff, grad_diff = _checks_against_references(seed)

    # ## Vanishing and exploding gradients, and clipping
    ratios = _gradient_norm_plot(out, rng)
    text = load_hamlet()
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    final_losses = _clipping_demo(out, ids[:20_000], len(vocab), 60 if quick else 300, rng)

    # ## A character language model on Hamlet (last 10% held out)
    split = int(0.9 * len(ids))
    train_ids, val_ids = (ids[:30_000], ids[split:split + 5_000]) if quick else (ids[:split], ids[split:])
    seq_len = 50 if quick else 100
    x_train, y_train = char_windows(train_ids, seq_len, stride=seq_len // 2)
    x_val, y_val = char_windows(val_ids, seq_len)
    lm = char_language_model(len(vocab), units=96 if quick else 256, embedding_dim=32)
    lm.compile(optimizer=keras.optimizers.Adam(3e-3 if quick else 2e-3, global_clipnorm=1.0),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    initial_perplexity = perplexity(lm, x_val, y_val)
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays would not, once seeded)
    history = fit(lm, make_dataset(x_train, y_train, 64, seed=seed), 3 if quick else 30,
                  run_dir=checkpoint_dir(out, "char_lm"), validation_data=(x_val, y_val), verbose=verbose)
    val_perplexity = perplexity(lm, x_val, y_val)
    plot_history(history, out / "char_lm.png", title="Character RNN on Hamlet (loss in nats/char)")
    samples = {str(t): sample_text(lm, vocab, "HAMLET\n", length=120 if quick else 300, temperature=t, seed=seed)
               for t in TEMPERATURES}
    (out / "samples.txt").write_text("".join(f"--- temperature {t}\n{s}\n\n" for t, s in samples.items()))

    # ## Review classification on Rotten Tomatoes with the same RNN layer
    (texts_train, y_rt_train), (texts_test, y_rt_test) = load_rotten_tomatoes(seed=seed)
    if quick:
        texts_train, y_rt_train = texts_train[:3000], y_rt_train[:3000]
    tokens_train = [tokenize(t) for t in texts_train]
    word_vocab = build_vocab(tokens_train, min_count=2)
    x_rt_train = encode_padded(tokens_train, word_vocab, max_len=50)
    x_rt_test = encode_padded([tokenize(t) for t in texts_test], word_vocab, max_len=50)
    classifier = rnn_classifier(len(word_vocab) + 1, units=64, embedding_dim=64)
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=1.0),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n_fit = len(x_rt_train) - len(x_rt_train) // 10  # the last 10% of the (shuffled) training set validates
    rt_history = fit(classifier, make_dataset(x_rt_train[:n_fit], y_rt_train[:n_fit], 64, seed=seed),
                     3 if quick else 6, run_dir=checkpoint_dir(out, "review_rnn"),
                     validation_data=(x_rt_train[n_fit:], y_rt_train[n_fit:]), verbose=verbose)
    _, rt_accuracy = classifier.evaluate(x_rt_test, y_rt_test, verbose=0)
    plot_history(rt_history, out / "review_rnn.png", metrics=("loss", "accuracy"), title="RNN review classifier")

    return save_metrics(out, {
        "max_abs_difference_vs_keras_simple_rnn": layer_diff,
        "max_abs_difference_bptt_vs_gradient_tape": grad_diff,
        "gradient_ratio_first_over_last_step": ratios,
        "clipping_final_train_loss": final_losses,
        "char_vocab": len(vocab),
        "lm_initial_val_perplexity": initial_perplexity,
        "lm_val_perplexity": val_perplexity,
        "lm_train_loss": history.history["loss"],
        "samples": samples,
        "review_test_accuracy": rt_accuracy,
        "review_majority_baseline": float(max(y_rt_test.mean(), 1 - y_rt_test.mean())),
        "review_train_examples": len(texts_train),
    })


# ## Conclusion
# The RNN is one small dense layer applied again and again; BPTT is backprop through the
# unrolled copies. Products of T Jacobians make gradients vanish (||W_hh|| < 1) or explode
# (> 1): clipping fixes the explosion, the vanishing is what LSTM/GRU gates address.
if __name__ == "__main__":
    recipe_main(run)
