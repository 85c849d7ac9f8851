# %% [markdown]
# # The simple recurrent network and backpropagation through time
#
# **Q38.** Describe the simplest recurrent neural network model.
#
# ## Introduction
# A recurrent network (RNN) reads a sequence $x_1, x_2, \dots, x_T$ one element at a time and
# keeps a state $h_t$, a vector summing up what it has read so far. The same weights are used
# at every step:
#
# $$h_t = \tanh\left(W_{xh} x_t + W_{hh} h_{t-1} + b\right), \qquad h_0 = 0, \qquad
# o_t = W_{hy} h_t + c, \qquad p_t = \operatorname{softmax}(o_t).$$
#
# $W_{xh}$ maps the input into the state, $W_{hh}$ carries the previous state forward, and an
# output $o_t$ can be read at every step (a language model predicts $x_{t+1}$) or only at the
# end (a classifier). Training unrolls the loop into a $T$-layer feed-forward net whose layers
# share $W_{xh}, W_{hh}, b$, and backpropagates through it: **backpropagation through time**
# (BPTT). With the loss $L = \sum_t L_t$ summed over the steps, the gradient reaching $h_t$
# comes from its own output and from the next step,
#
# $$\frac{\partial L}{\partial h_t} = \frac{\partial L_t}{\partial h_t}
# + W_{hh}^{\top} \left(\frac{\partial L}{\partial h_{t+1}} \odot \left(1 - h_{t+1}^2\right)\right),
# \qquad \frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \left(\frac{\partial L}{\partial h_t} \odot
# \left(1 - h_t^2\right)\right) h_{t-1}^{\top},$$
#
# (the square elementwise, $1 - h^2$ the derivative of $\tanh$), and the same sum over steps
# gives $\partial L / \partial W_{xh}$ and $\partial L / \partial b$. A loss at step $T$ reaches
# step $t$ through the product
# $\frac{\partial h_T}{\partial h_t} = \prod_{s=t+1}^{T} \operatorname{diag}\left(1 - h_s^2\right) W_{hh}$,
# whose norm shrinks or grows geometrically with $T - t$: vanishing or exploding gradients.
# We check our from-scratch `SimpleRNN` against `keras.layers.SimpleRNN` and our NumPy BPTT
# against the backend's autodiff (`tf.GradientTape`, `jax.grad` or `torch.autograd`); plot how
# the gradient reaching $h_t$ shrinks or grows with the distance to the loss and how clipping
# the gradient norm keeps training stable; then train a character language model on Hamlet
# (perplexity, samples at several temperatures) and a review classifier on Rotten Tomatoes.
#
# > **Errata (notes 1.1.38).** The notes write $h_t = f(W_{xh}x_t + W_{hh}h_{t-1})$, which
# > leaves out the bias $b$ (and $O_t = f_o(W_{ho}h_t)$ leaves out its bias $c$). They call
# > $W_{hh}$ "предыдущее скрытое состояние" (the previous hidden state): $W_{hh}$ is the
# > recurrent weight matrix, and it multiplies the previous state $h_{t-1}$. They name the
# > input matrix $W_{hx}$ and $W_{xh}$ in the same paragraph (one matrix). Their BPTT part only
# > describes the forward pass ("take $x_0$, get $h_0$; take $x_1$, get $h_1$"; with
# > $h_0$ the initial state, the first input $x_1$ gives $h_1$): BPTT is the backward pass
# > through these unrolled steps, adding each shared weight's gradient over all steps.

# %% tags=["parameters"]
quick = False  # True: short runs of every part, about a minute instead of many
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q38_simple_rnn

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from keras_course.backend import gradients
from keras_course.data import make_dataset
from keras_course.data.text import load_hamlet, load_rotten_tomatoes, tokenize
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plot_history, save_figure
from keras_course.rnn import SimpleRNN, bptt, char_windows, init_rnn_params
from keras_course.rnn.char_lm import CharVocab, char_language_model, perplexity, rnn_classifier, sample_text
from keras_course.rnn.clipping import sgd_char_rnn
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.text import build_vocab, encode_padded
from keras_course.train import fit, set_seed

QUESTIONS = (38,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "max_abs_difference_vs_keras_simple_rnn": ("our SimpleRNN vs Keras's, largest difference", ""),
    "max_abs_difference_bptt_vs_gradient_tape": (
        "our BPTT vs the backend's autodiff (tf.GradientTape, jax.grad or torch.autograd), largest difference",
        "",
    ),
    "clipping_final_train_loss.no clipping": ("exploding RNN, final training loss without clipping", "nats/char"),
    "clipping_final_train_loss.clip global norm 1": ("the same with the gradient norm clipped to 1", "nats/char"),
    "lm_initial_val_perplexity": ("Hamlet character model, held-out perplexity before training", ""),
    "lm_val_perplexity": ("the same after training", ""),
    "review_test_accuracy": ("review classifier, test accuracy", ""),
    "review_majority_baseline": ("always answering the majority class", ""),
}
quick, seed, out = recipe_parameters("q38_simple_rnn", quick, seed, out)
set_seed(seed)
rng = np.random.default_rng(seed)
verbose = 0 if quick else "auto"
TEMPERATURES = (0.3, 0.7, 1.0, 1.5)


def _checks_against_references(seed):
    """Our SimpleRNN vs Keras's, our BPTT vs the backend's autodiff (float64 where the backend has
    it; JAX without jax_enable_x64 computes in float32): largest differences."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 9, 5)).astype("float32")
    ours, ref = SimpleRNN(8, return_sequences=True), keras.layers.SimpleRNN(8, return_sequences=True)
    ours.build(x.shape)
    ref.build(x.shape)
    ref.set_weights(ours.get_weights())
    layer_diff = float(keras.ops.max(keras.ops.abs(ours(x) - ref(x))))

    params = init_rnn_params(5, 8, 3, rng)
    targets = rng.integers(0, 3, (4, 9))
    _, grads, _ = bptt(x.astype("float64"), targets, params)

    def loss(*weights):
        w = dict(zip(params, weights, strict=True))
        h, logits = ops.zeros((4, 8), w["W_hh"].dtype), []
        for t in range(9):
            h = ops.tanh(ops.matmul(ops.cast(x[:, t], h.dtype), w["W_xh"]) + ops.matmul(h, w["W_hh"]) + w["b"])
            logits.append(ops.matmul(h, w["W_hy"]) + w["c"])
        return ops.mean(ops.sparse_categorical_crossentropy(targets, ops.stack(logits, 1), from_logits=True))

    _, reference = gradients(loss, list(params.values()))
    grad_diff = max(float(np.max(np.abs(grads[k] - g))) for k, g in zip(params, reference, strict=True))
    return layer_diff, grad_diff


# %% [markdown]
# ## From scratch = references
# Our `SimpleRNN` layer (a `keras.ops` loop over $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$)
# gets Keras's weights and must give the same states; our NumPy BPTT must give the gradients
# that the backend's autodiff (`keras_course.backend.gradients`: `tf.GradientTape`, `jax.grad`
# or `torch.autograd`) finds by differentiating the same unrolled loop.

# %%
layer_diff, grad_diff = _checks_against_references(seed)
print(f"largest |ours - keras.layers.SimpleRNN| over all states: {layer_diff:.2g}")
print(f"largest |our BPTT - backend autodiff| over all gradients: {grad_diff:.2g}")

# %% [markdown]
# ## Vanishing and exploding gradients
# A loss at the last of 50 steps, an RNN of 64 units whose $W_{hh}$ is $s$ times an orthogonal
# matrix (all its singular values equal $s$). Going back one step multiplies the gradient by
# $W_{hh}^{\top}$ and by $\tanh' \le 1$, so for $s < 1$ it shrinks geometrically; for $s$
# large enough it grows geometrically, as long as the $\tanh$ units are not saturated.

# %%
x = rng.normal(size=(16, 50, 8)) * 0.5
targets = rng.integers(0, 4, 16)
fig, ax = plt.subplots(figsize=(6, 4))
ratios = {}
for scale in (0.5, 1.0, 1.5, 3.0):
    norms = bptt(x, targets, init_rnn_params(8, 64, 4, np.random.default_rng(0), scale))[2]
    ax.semilogy(np.arange(1, 51), norms, label=f"W_hh = {scale} x orthogonal")
    ratios[f"scale_{scale}"] = float(norms[0] / norms[-1])
ax.set(xlabel="time step t (the loss is at t = 50)", ylabel="||dL / dh_t||", title="Gradient reaching h_t through BPTT")
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
save_figure(
    fig,
    out / "gradient_norm_vs_time.png",
    caption="Norm of the gradient reaching h_t, for a loss at step 50 (log scale): with W_hh = 0.5 x "
    "orthogonal it vanishes by 16 orders of magnitude over 50 steps, with 3 x orthogonal it grows "
    "by millions; the early steps barely learn from the loss, or get huge updates.",
)
show_table(
    [{"W_hh": f"{name[6:]} x orthogonal", "||dL/dh_1|| / ||dL/dh_50||": r} for name, r in ratios.items()],
    title="How much of the gradient survives 49 steps back",
)

# %% [markdown]
# ## Gradient clipping
# A character language model in NumPy, trained by our BPTT over 30 steps with plain SGD
# (learning rate 1), $W_{hh}$ started at 3 times an orthogonal matrix so that gradients
# explode (at 2 times, whether the unclipped run blows up depends on the seed and even on the
# CPU's rounding). Clipping rescales the gradient of all parameters together when its norm is
# too large, keeping its direction:
# $g \leftarrow g \cdot \min\left(1, \tau / \lVert g \rVert\right)$, here with $\tau = 1$.
# `sgd_char_rnn` runs both trainings from the same initial weights on the same batches.

# %%
text = load_hamlet()
vocab = CharVocab(text)
ids = vocab.encode(text)
curves = {
    label: sgd_char_rnn(ids[:20_000], len(vocab), 60 if quick else 300, max_norm=max_norm)
    for label, max_norm in (("no clipping", None), ("clip global norm 1", 1.0))
}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for label, (losses, norms) in curves.items():
    axes[0].plot(losses, label=label)
    axes[1].semilogy(norms, label=label)
for ax, ylabel in zip(axes, ("training loss (nats/char)", "gradient global norm (before clipping)"), strict=True):
    ax.set(xlabel="SGD step", ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle("RNN with W_hh = 3 x orthogonal, SGD lr 1.0, BPTT over 30 steps")
save_figure(
    fig,
    out / "gradient_clipping.png",
    caption="Training loss (left) and gradient norm before clipping (right) of the same RNN trained "
    "with and without clipping: unclipped, huge steps throw the loss up again and again, far above "
    "the uniform guess; clipped to norm 1, it falls slowly and steadily.",
)
final_losses = {label: float(np.nanmean(losses[-20:])) for label, (losses, _) in curves.items()}
show_table(
    [{"training": label, "mean loss, last 20 steps (nats/char)": loss} for label, loss in final_losses.items()],
    title=f"Final training loss (uniform guess: ln {len(vocab)} = {np.log(len(vocab)):.2f})",
)

# %% [markdown]
# ## A character language model on Hamlet (last 10% held out)
# Embedding, one `SimpleRNN` layer with an output at every step, and a dense layer giving the
# logits of the next character; Adam with the global gradient norm clipped to 1. We report
# the held-out perplexity $\exp\left(-\frac{1}{N} \sum_{t} \log p(x_{t+1} \mid x_{\le t})\right)$:
# an untrained model is near the alphabet size, a perfect one would reach 1.

# %%
split = int(0.9 * len(ids))
train_ids, val_ids = (ids[:30_000], ids[split : split + 5_000]) if quick else (ids[:split], ids[split:])
seq_len = 50 if quick else 100
x_train, y_train = char_windows(train_ids, seq_len, stride=seq_len // 2)
x_val, y_val = char_windows(val_ids, seq_len)
lm = char_language_model(len(vocab), units=96 if quick else 256, embedding_dim=32)
adam = keras.optimizers.Adam(3e-3 if quick else 2e-3, global_clipnorm=1.0)
lm.compile(optimizer=adam, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
initial_perplexity = perplexity(lm, x_val, y_val)
# make_dataset reshuffles every epoch (fit(shuffle=True) on arrays would not, once seeded)
batches = make_dataset(x_train, y_train, 64, seed=seed)
epochs, run_dir = (3 if quick else 30), checkpoint_dir(out, "char_lm")
history = fit(lm, batches, epochs, run_dir=run_dir, validation_data=(x_val, y_val), verbose=verbose)
val_perplexity = perplexity(lm, x_val, y_val)
plot_history(
    history,
    out / "char_lm.png",
    title="Character RNN on Hamlet (loss in nats/char)",
    caption="Training and held-out loss of the character RNN, epoch by epoch, in nats per character: "
    f"both fall from the uniform guess ln {len(vocab)} = {np.log(len(vocab)):.2f}.",
)
print(
    f"{len(vocab)} characters, {len(x_train):,} training windows of {seq_len}; held-out perplexity "
    f"{initial_perplexity:.1f} before training, {val_perplexity:.2f} after"
)

# %% [markdown]
# ## Samples at several temperatures
# Generation feeds each drawn character back in as the next input, carrying $h_t$ along. The
# next character is drawn from $\operatorname{softmax}(o_t / \tau)$: a low temperature $\tau$
# repeats the likeliest characters, a high one approaches uniform noise.

# %%
samples = {
    str(t): sample_text(lm, vocab, "HAMLET\n", length=120 if quick else 300, temperature=t, seed=seed)
    for t in TEMPERATURES
}
(out / "samples.txt").write_text("".join(f"--- temperature {t}\n{s}\n\n" for t, s in samples.items()))
for t, s in samples.items():
    print(f"--- temperature {t}\nHAMLET\n{s}\n")

# %% [markdown]
# ## Review classification on Rotten Tomatoes with the same RNN layer
# Now the output is read only at the end: word embeddings, one `SimpleRNN` of 64 units whose
# last state $h_T$ goes through dropout to a softmax over fresh / rotten (padding is masked,
# so $h_T$ is the state after the last real word).

# %%
(texts_train, y_rt_train), (texts_test, y_rt_test) = load_rotten_tomatoes(seed=seed)
if quick:
    texts_train, y_rt_train = texts_train[:3000], y_rt_train[:3000]
tokens_train = [tokenize(t) for t in texts_train]
word_vocab = build_vocab(tokens_train, min_count=2)
x_rt_train = encode_padded(tokens_train, word_vocab, max_len=50)
x_rt_test = encode_padded([tokenize(t) for t in texts_test], word_vocab, max_len=50)
classifier = rnn_classifier(len(word_vocab) + 1, units=64, embedding_dim=64)
adam = keras.optimizers.Adam(1e-3, global_clipnorm=1.0)
classifier.compile(optimizer=adam, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
n_fit = len(x_rt_train) - len(x_rt_train) // 10  # the last 10% of the (shuffled) training set validates
batches = make_dataset(x_rt_train[:n_fit], y_rt_train[:n_fit], 64, seed=seed)
validation = (x_rt_train[n_fit:], y_rt_train[n_fit:])
epochs, run_dir = (3 if quick else 6), checkpoint_dir(out, "review_rnn")
rt_history = fit(classifier, batches, epochs, run_dir=run_dir, validation_data=validation, verbose=verbose)
_, rt_accuracy = classifier.evaluate(x_rt_test, y_rt_test, verbose=0)
majority = float(max(y_rt_test.mean(), 1 - y_rt_test.mean()))
plot_history(
    rt_history,
    out / "review_rnn.png",
    metrics=("loss", "accuracy"),
    title="RNN review classifier",
    caption="Training and validation loss and accuracy of the RNN review classifier, epoch by epoch. "
    "Where training accuracy climbs while the validation loss rises, the network memorises its "
    f"training snippets (overfitting). Always answering 'fresh' would score {majority:.3f}.",
)
print(
    f"{len(texts_train):,} training snippets, vocabulary {len(word_vocab):,} words; "
    f"test accuracy {rt_accuracy:.3f} (majority class {majority:.3f})"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
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
        "review_majority_baseline": majority,
        "review_train_examples": len(texts_train),
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# The RNN is one small dense layer applied again and again; BPTT is backprop through the
# unrolled copies, with each shared weight's gradient summed over the steps. Products of
# $T - t$ Jacobians make gradients vanish ($\lVert W_{hh} \rVert < 1$) or explode (for large
# $\lVert W_{hh} \rVert$): clipping fixes the explosion, the vanishing is what LSTM and GRU
# gates address. The full run's character model reaches a held-out perplexity of about 5.9 on
# Hamlet. In quick mode (2,700 training snippets, 3 epochs) the review classifier memorises
# its training set (training accuracy above 0.9) while its validation loss rises, and its test
# accuracy stays near the majority class: with few labels a word-level RNN overfits.
#
# **Try a variation.** In the clipping cell, change `("clip global norm 1", 1.0)` to a
# threshold of 10: larger steps get through, so expect a faster start and occasional spikes. Or
# set `seq_len` to 200 in the language-model cell: longer BPTT windows, slower steps, and the
# vanishing gradient means little gain.
