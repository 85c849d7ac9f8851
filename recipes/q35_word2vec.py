# %% [markdown]
# # word2vec: skip-gram, CBOW and negative sampling
#
# **Q35.** Describe the idea of word2vec. What is required of the word representations it
# learns? What is negative sampling for?
#
# ## Introduction
# word2vec learns a vector for every word of a vocabulary $W$ from raw text alone
# (self-supervision): a word must be predictable from its neighbours, so words that occur in
# the same contexts get similar vectors. Every word $w$ has two vectors: $v_w$ when it is the
# centre word and $v'_w$ when it is a context word. **Skip-gram** predicts each context word
# $w_O$ from the centre word $w_I$ with a softmax over the vocabulary, and maximises over the
# text $w_1, \dots, w_n$ with a window of $c$ words on each side
#
# $$\frac{1}{n} \sum_{i=1}^{n} \sum_{-c \le j \le c,\ j \ne 0} \log p(w_{i+j} \mid w_i), \qquad
# p(w_O \mid w_I) = \frac{\exp\left(v'^{\top}_{w_O} v_{w_I}\right)}
# {\sum_{w \in W} \exp\left(v'^{\top}_{w} v_{w_I}\right)}.$$
#
# **CBOW** (continuous bag of words) goes the other way: the mean of the context's vectors
# predicts the centre word,
#
# $$\frac{1}{n} \sum_{i=1}^{n} \log p(w_i \mid w_{i-c}, \dots, w_{i+c}), \qquad
# p(w_i \mid \text{context}) = \frac{\exp\left(v'^{\top}_{w_i} \bar v_i\right)}
# {\sum_{w \in W} \exp\left(v'^{\top}_{w} \bar v_i\right)}, \qquad \bar v_i = \frac{1}{2c} \sum_{j \ne 0} v_{w_{i+j}}.$$
#
# The softmax costs $O(|W|)$ per example. **Negative sampling** replaces $\log p(w_O \mid w_I)$
# by a logistic regression of the true pair against $k$ noise words $\tilde w_1, \dots, \tilde w_k$ drawn
# from $P_n(w) \propto U(w)^{3/4}$ ($U$ the unigram frequency); the loss per pair is
#
# $$L = -\log \sigma\left(v'^{\top}_{w_O} v_{w_I}\right) -
# \sum_{i=1}^{k} \log \sigma\left(-v'^{\top}_{\tilde w_i} v_{w_I}\right),$$
#
# so one example costs $k + 1$ dot products instead of $|W|$. We train our Keras skip-gram
# with negative sampling and gensim's `Word2Vec` on the same Wikipedia + Lee corpus with the
# same hyperparameters, compare them on wordsim353 / simlex999 (and analogies in the full run),
# nearest neighbours and 2-D maps, and train the full-softmax skip-gram on a small vocabulary.
#
# > **Errata (notes 1.1.35).** The notes write the negative-sampling objective as
# > $p(w_0|w_I) = \log \sigma(\langle v'_{w_0}, v_{w_I} \rangle) +
# > \sum_{i=1}^k \log \sigma(-\langle v'_{w_i}, v_{w_I} \rangle) \rightarrow \max$.
# > The right-hand side is not a probability (it is $\le 0$): it is the objective that
# > *replaces* $\log p(w_O \mid w_I)$ in the skip-gram sum. The output word is $w_O$ ("output"),
# > not $w_0$, and in Mikolov et al. (2013) the noise terms are an expectation,
# > $\sum_{i=1}^{k} \mathbb{E}_{w_i \sim P_n(w)} \log \sigma(-v'^{\top}_{w_i} v_{w_I})$, estimated by drawing the
# > $k$ words. The notes also say skip-gram predicts the context words' "векторные
# > представления" (vector representations): it predicts the context *words* themselves, a
# > distribution over the vocabulary; the vectors are the parameters of that prediction.

# %% tags=["parameters"]
quick = False  # True: the first ~110k tokens, one epoch, seconds instead of many minutes
seed = 0  # the same seed gives the same figures on CPU (gensim's 2 threads add some noise)
out = None  # output folder; None means runs/q35_word2vec

# %% [markdown]
# ## Setup

# %%
import time

import keras
import numpy as np
from gensim.models import Word2Vec

from keras_course.data import make_dataset
from keras_course.data.text import load_word2vec_corpus
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.text import (
    SkipGramSoftmax,
    build_vocab,
    encode_corpus,
    evaluate_embeddings,
    plot_word_maps,
    skipgram_pairs,
    train_word2vec,
)
from keras_course.train import fit, set_seed

QUESTIONS = (35,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "ours.wordsim353": ("wordsim353 Spearman, ours (Keras)", ""),
    "corpus_tokens": ("corpus size", "tokens"),
    "vocab": ("vocabulary (words seen at least 5 times)", "words"),
    "gensim.wordsim353": ("wordsim353 Spearman, gensim", ""),
    "ours.simlex999": ("simlex999 Spearman, ours (Keras)", ""),
    "ns_loss_per_epoch": ("negative-sampling loss per example, each epoch", "nats"),
    "softmax_uniform_loss": ("full softmax: loss of a uniform guess, ln V", "nats"),
    "softmax_final_val_loss": ("full softmax: held-out loss after training", "nats"),
}
quick, seed, out = recipe_parameters("q35_word2vec", quick, seed, out)
set_seed(seed)
PROBES = ("war", "music", "government", "january", "three", "water")
MAP_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "january",
    "march",
    "april",
    "june",
    "war",
    "army",
    "military",
    "soldiers",
    "police",
    "music",
    "album",
    "band",
    "song",
    "government",
    "minister",
    "president",
    "party",
    "water",
    "energy",
    "light",
)


def _neighbours(kv, words, topn=5):
    return {w: [n for n, _ in kv.most_similar(w, topn=topn)] for w in words if w in kv.key_to_index}


def _softmax_skipgram(sentences, quick, seed, run_dir):
    """Full-softmax skip-gram on the 1,000 most frequent words: loss vs the uniform ln V."""
    vocab = build_vocab(sentences, min_count=1, max_size=1000)
    ids, sentence_ids = encode_corpus(sentences, vocab)
    rng = np.random.default_rng(seed)
    centres, contexts = skipgram_pairs(ids, 2, rng, sentence_ids)
    n = 60_000 if quick else len(centres)
    order = rng.permutation(len(centres))[:n]
    train, val = order[: n - n // 10], order[n - n // 10 :]  # 10% of the pairs held out
    model = SkipGramSoftmax(len(vocab), 50, seed=seed)
    model.build((None,))  # fit restores checkpoints into built variables
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays would not, once seeded)
    history = fit(
        model,
        make_dataset(centres[train], contexts[train], 512, seed=seed),
        2 if quick else 5,
        run_dir=run_dir,
        validation_data=(centres[val], contexts[val]),
        verbose=0 if quick else "auto",
    )
    return history, float(np.log(len(vocab)))


# %% [markdown]
# ## The corpus
# The Wikipedia excerpt in gensim's test data (106 articles) plus the Lee news corpus, as
# lower-cased token lists, long articles cut into pieces (the "sentences"; a context window
# never crosses one's end). Both implementations get the same hyperparameters: skip-gram, 100
# dimensions, window 5, $k = 5$ noise words, words seen fewer than 5 times dropped, and
# frequent words subsampled with threshold $t = 10^{-3}$.

# %%
sentences = load_word2vec_corpus()
if quick:  # the first ~120k tokens, one epoch: the pipeline and the effect, in seconds
    sentences = sentences[:120]
epochs = 1 if quick else 5
words = sum(len(s) for s in sentences)
hyper = dict(sg=1, vector_size=100, window=5, negative=5, min_count=5, epochs=epochs, sample=1e-3, seed=seed)
print(f"{len(sentences):,} sentences, {words:,} tokens, {epochs} epoch(s)")
print("hyperparameters:", hyper)

# %% [markdown]
# ## Ours (Keras, negative sampling) and gensim, same corpus and hyperparameters
# Our model keeps the two tables $v$ and $v'$ as Keras `Embedding` layers; each example is a
# centre word with its true context word and $k$ noise words, and the loss is $L$ above
# (plain SGD, learning rate falling linearly, as in word2vec). The output vectors start at
# zero, so the first loss is $(1 + k) \ln 2 \approx 4.16$ nats. Word similarity is scored by
# the Spearman correlation between the vectors' cosine and human judgements.

# %%
kv, _, info = train_word2vec(sentences, batch_size=4096 if quick else 8192, return_model=True, **hyper)
start = time.perf_counter()
gensim_kv = Word2Vec(sentences, workers=2, **hyper).wv
gensim_seconds = time.perf_counter() - start
ours, theirs = evaluate_embeddings(kv, analogies=not quick), evaluate_embeddings(gensim_kv, analogies=not quick)
show_table(
    [{"test": test, "ours (Keras)": ours[test], "gensim": theirs[test]} for test in ours],
    title="Word-vector tests (Spearman correlation; the _oov rows: share of pairs with an unknown word)",
)
print(
    f"negative-sampling loss per example, by epoch: {[round(x, 3) for x in info['loss']]} "
    f"(start: (1 + k) ln 2 = {6 * np.log(2):.2f})"
)
print(
    f"speed: ours {words * epochs / info['seconds']:,.0f} words/s, "
    f"gensim {words * epochs / gensim_seconds:,.0f} words/s"
)

# %% [markdown]
# ## Nearest neighbours and a 2-D map, side by side
# The nearest neighbours of a word are the words with the largest cosine similarity
# $\cos(v_a, v_b) = v_a^{\top} v_b / (\lVert v_a \rVert \lVert v_b \rVert)$. In quick mode (one
# epoch over ~110k tokens) the vectors have barely moved from their random start: the
# neighbours below, the map and the wordsim353 scores above are not meaningful there. The
# full run (5 epochs over the whole corpus, shown in the book too) puts november, june,
# february next to january and two, four, six next to three, in both implementations.

# %%
probes = [w for w in PROBES if w in kv.key_to_index]
neighbours_ours, neighbours_gensim = _neighbours(kv, probes), _neighbours(gensim_kv, probes)
plot_word_maps(
    {"ours (Keras skip-gram)": kv, "gensim Word2Vec": gensim_kv},
    MAP_WORDS,
    out / "word_map.png",
    title="PCA of chosen words' vectors",
    caption="Chosen words' vectors projected on their first two principal axes, ours and gensim's. "
    "After a full run the numbers and the months each form a tight group in both panels; "
    "after quick mode's single epoch on a tiny corpus the map means nothing yet.",
)
show_table(
    [
        {"word": w, "ours (Keras)": ", ".join(neighbours_ours[w]), "gensim": ", ".join(neighbours_gensim[w])}
        for w in probes
    ],
    title="5 nearest neighbours (cosine similarity)",
)

# %% [markdown]
# ## Full softmax skip-gram on a small vocabulary
# With only the 1,000 most frequent words the exact softmax $p(w_O \mid w_I)$ is affordable.
# Its loss is the cross-entropy $-\log p(w_O \mid w_I)$; a model that knows nothing guesses
# uniformly and scores $\ln |W| = \ln 1000 \approx 6.91$ nats. Training must go below that.

# %%
history, uniform_loss = _softmax_skipgram(sentences, quick, seed, checkpoint_dir(out, "softmax_skipgram"))
plot_history(
    history,
    out / "softmax_skipgram.png",
    title=f"Full-softmax skip-gram (ln V = {uniform_loss:.2f})",
    caption=f"Training and held-out cross-entropy of the full-softmax skip-gram: both fall below "
    f"the uniform guess ln V = {uniform_loss:.2f} nats, and keep falling with each epoch.",
)
print(
    f"uniform guess {uniform_loss:.3f} nats; first epoch {history.history['loss'][0]:.3f}; "
    f"held-out at the end {history.history['val_loss'][-1]:.3f}"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "corpus_tokens": words,
        "vocab": len(kv),
        "epochs": epochs,
        "ours": ours,
        "gensim": theirs,
        "wordsim353_gap_ours_minus_gensim": ours["wordsim353"] - theirs["wordsim353"],
        "ours_words_per_s": words * epochs / info["seconds"],
        "gensim_words_per_s": words * epochs / gensim_seconds,
        "ns_loss_per_epoch": info["loss"],
        "neighbours_ours": neighbours_ours,
        "neighbours_gensim": neighbours_gensim,
        "softmax_uniform_loss": uniform_loss,
        "softmax_first_loss": history.history["loss"][0],
        "softmax_final_val_loss": history.history["val_loss"][-1],
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Trained the same way, our Keras skip-gram and gensim's C code reach similar word-similarity
# scores: in the full run wordsim353 is about 0.27 for ours and 0.25 for gensim's (5 seeds), at
# about a third of gensim's speed. Negative sampling makes each example cost $k + 1$ dot
# products instead of $|W|$, which is what makes training on real vocabularies practical; the
# full softmax is only affordable here because the vocabulary is cut to 1,000 words.
#
# **Try a variation.** Set `sg=0` in `hyper` (the corpus cell) to train CBOW instead of
# skip-gram in both implementations: it is faster per epoch and usually a little worse on
# rare words. Or change `negative=5` to 15: the first loss grows to $16 \ln 2$, each step costs
# more, and the similarity scores change little.
