# %% [markdown]
# # Convolutional networks for text, with word2vec inputs
#
# **Q37.** How can convolutional neural networks be used for classification or regression on
# text data? How can representations from word2vec or other methods be used in them?
#
# ## Introduction
# A sentence of $T$ words is a $T \times d$ matrix: row $i$ is the vector $\mathbf{x}_i \in \mathbb{R}^d$
# of word $i$. Kim (2014) slides filters $\mathbf{w} \in \mathbb{R}^{h d}$ spanning $h = 3, 4$ or
# $5$ whole words over it (a 1-D convolution over time), and keeps each filter's maximum over
# the sentence (max-over-time pooling):
#
# $$c_i = \operatorname{ReLU}\left(\mathbf{w}^{\top} \mathbf{x}_{i:i+h-1} + b\right), \quad i = 1, \dots, T - h + 1,
# \qquad \hat c = \max_i c_i,$$
#
# where $\mathbf{x}_{i:i+h-1}$ stacks the vectors of words $i, \dots, i + h - 1$. So each filter
# answers "does my $h$-gram occur somewhere?", whatever the sentence's length. With $m$ filters
# the features $\mathbf{z} = (\hat c_1, \dots, \hat c_m)$ go through dropout to a softmax,
# $\hat{\mathbf{y}} = \operatorname{softmax}\left(W (\mathbf{z} \odot \mathbf{r}) + \mathbf{b}\right)$
# ($\mathbf{r}$ the dropout mask), whose weight rows are kept at $\lVert \mathbf{w}_j \rVert_2 \le 3$;
# for regression the softmax becomes one linear output trained on the squared error. The word
# vectors are random and learned ("rand"), word2vec's and frozen ("static"), word2vec's and
# fine-tuned ("non-static"), or both of the last two as two channels ("multichannel"). Here
# the vectors come from our Keras word2vec (Q35) trained on the Wikipedia + Lee corpus plus
# in-domain text: the training reviews and the file's unlabelled movie plot synopses, weighted
# 3x (never the test reviews); the task is Rotten Tomatoes fresh/rotten snippets (close to
# Kim's MR). As in Kim, 10% of the training set is a dev set for early stopping, mini-batches
# of 50, dropout 0.5 and a max-norm 3 output layer (Adam in place of his Adadelta). A TF-IDF +
# logistic regression baseline (scikit-learn), its n-gram range and $C$ chosen on the same
# dev set, runs on the same split.
#
# > **Errata (notes 1.1.37).** The notes list three ways to get the vectors (CNN-rand,
# > CNN-static, CNN-non-static) and leave out Kim's fourth, CNN-multichannel: a frozen and a
# > fine-tuned copy of the word2vec vectors side by side, each filter applied to both and
# > its two responses added. They also say the filter goes "по всем словам нашего датасета"
# > (over all the words of our data set): it slides over the words of one text at a time,
# > and the maximum is taken over that text's positions, giving one number per filter per text.

# %% tags=["parameters"]
quick = False  # True: 2,000 training snippets, a small word2vec, 3 epochs, under a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q37_text_cnn

# %% [markdown]
# ## Setup

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from keras_course.data import (
    load_rotten_tomatoes,
    load_rotten_tomatoes_plots,
    load_word2vec_corpus,
    make_dataset,
    tokenize,
)
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plot_history, save_figure
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.text import (
    VARIANTS,
    build_vocab,
    encode_padded,
    pretrained_matrix,
    text_cnn,
    train_word2vec,
)
from keras_course.train import fit, set_seed

QUESTIONS = (37,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "test_accuracy.rand": ("test accuracy, CNN-rand", ""),
    "test_accuracy.static": ("test accuracy, CNN-static", ""),
    "test_accuracy.non-static": ("test accuracy, CNN-non-static", ""),
    "test_accuracy.multichannel": ("test accuracy, CNN-multichannel", ""),
    "tfidf_logreg_accuracy": ("test accuracy, TF-IDF + logistic regression", ""),
    "majority_baseline": ("test accuracy of always answering the majority class", ""),
    "words_with_word2vec_vector": ("vocabulary words with a word2vec vector", "words"),
}
quick, seed, out = recipe_parameters("q37_text_cnn", quick, seed, out)
set_seed(seed)


def _tfidf_baseline(fit, dev, train, test):
    """TF-IDF + logistic regression: n-gram range and C chosen on the dev set, then refit on
    the whole training set. Each argument is ``(texts, labels)``; returns (test accuracy, choice)."""

    def model(ngrams, c):
        return make_pipeline(
            TfidfVectorizer(tokenizer=tokenize, token_pattern=None, ngram_range=ngrams, sublinear_tf=True),
            # liblinear: the same L2-regularised objective, ~10x faster than lbfgs here
            LogisticRegression(C=c, solver="liblinear", max_iter=2000),
        )

    grid = [(ngrams, c) for ngrams in ((1, 1), (1, 2)) for c in (1.0, 2.0, 4.0, 8.0, 16.0)]
    ngrams, c = max(grid, key=lambda g: model(*g).fit(*fit).score(*dev))
    return float(model(ngrams, c).fit(*train).score(*test)), {"ngram_range": ngrams, "C": c}


# %% [markdown]
# ## The reviews
# Rotten Tomatoes critics' snippets labelled fresh (1) or rotten (0), split once into a
# training and a test part with the same class balance. The first 10% of the (shuffled)
# training part is the dev set; the test part is only used for the final accuracies.

# %%
(texts_train, y_train), (texts_test, y_test) = load_rotten_tomatoes(seed=seed)
if quick:
    texts_train, y_train = texts_train[:2000], y_train[:2000]
tokens_train = [tokenize(t) for t in texts_train]
tokens_test = [tokenize(t) for t in texts_test]
n_dev = len(texts_train) // 10  # the dev set, carved from the (shuffled) training set
print(
    f"{len(texts_train):,} training snippets ({n_dev:,} of them the dev set), {len(texts_test):,} test snippets; "
    f"{y_test.mean():.1%} of the test snippets are fresh"
)
print("example:", texts_train[0], "->", "fresh" if y_train[0] else "rotten")

# %% [markdown]
# ## word2vec vectors: our Keras skip-gram on the corpus plus in-domain text (3x)
# Skip-gram with negative sampling (Q35), 100 dimensions, window 5. The full run trains it on
# the general corpus plus the training reviews and the plot synopses, repeated 3 times so the
# film vocabulary weighs more; quick mode trains it on the 2,000 training snippets only.

# %%
plots = [tokenize(text) for text in load_rotten_tomatoes_plots()]
w2v_sentences = tokens_train if quick else load_word2vec_corpus() + 3 * (tokens_train + plots)
kv = train_word2vec(
    w2v_sentences,
    vector_size=100,
    window=5,
    min_count=2,
    epochs=2 if quick else 5,
    seed=seed,
    batch_size=2048 if quick else 8192,
)
print(
    f"word2vec: {len(kv):,} words with a {kv.vector_size}-dimensional vector, "
    f"trained on {sum(len(s) for s in w2v_sentences):,} tokens"
)

# %% [markdown]
# ## Sentences as padded word ids (0 = padding); vocabulary from the training reviews
# Each snippet becomes at most 56 word ids, padded with 0 to at least 5 (the widest filter
# needs 5 words). The embedding matrix starts from the word2vec vectors; words word2vec does
# not know get uniform random vectors of the same variance (Kim's choice).

# %%
vocab = build_vocab(tokens_train, min_count=1)
x_train = encode_padded(tokens_train, vocab, max_len=56, min_len=5)
x_test = encode_padded(tokens_test, vocab, max_len=56, min_len=5)
x_dev, y_dev, x_fit, y_fit = x_train[:n_dev], y_train[:n_dev], x_train[n_dev:], y_train[n_dev:]
embeddings, found = pretrained_matrix(vocab.words, kv, np.random.default_rng(seed))
print(
    f"vocabulary {len(vocab):,} words, {found:,} of them with a word2vec vector; "
    f"x_train {x_train.shape}, x_test {x_test.shape}, embeddings {embeddings.shape}"
)
print("first snippet as ids:", x_train[0].tolist())

# %% [markdown]
# ## The four variants, each stopped early on the dev set (never on the test set)
# The same network (filters of 3, 4 and 5 words, ReLU, max-over-time pooling, dropout 0.5,
# softmax) with the four ways of getting the word vectors. In the full run each trains up to
# 10 epochs and keeps the weights of its best dev-set epoch; quick mode trains 3 epochs with
# 32 filters per size instead of 100.

# %%
results, histories, best_epochs = {}, {}, {}
num_filters, epochs = (32, 3) if quick else (100, 10)
for variant in VARIANTS:
    keras.utils.set_random_seed(seed)
    model = text_cnn(
        len(vocab) + 1,
        100,
        variant=variant,
        embeddings=None if variant == "rand" else embeddings,
        num_filters=num_filters,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=3, restore_best_weights=True)
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays would not, once seeded)
    histories[variant] = fit(
        model,
        make_dataset(x_fit, y_fit, 50, seed=seed),
        epochs,
        run_dir=checkpoint_dir(out, f"text_cnn_{variant}"),
        validation_data=(x_dev, y_dev),
        callbacks=[] if quick else [stop],
        verbose=0 if quick else "auto",
    )
    best_epochs[variant] = int(np.argmax(histories[variant].history["val_accuracy"])) + 1
    results[variant] = float(model.evaluate(x_test, y_test, verbose=0)[1])
plot_history(
    histories,
    out / "training.png",
    metrics=("loss", "accuracy"),
    title="Kim's CNN variants",
    caption="Training (solid) and dev-set (dashed) loss and accuracy of the four variants: those that "
    "train their word vectors (rand, non-static, multichannel) fit the training set much faster "
    "than static, which can only train its filters and output layer; the dev curves show how "
    "much of that carries over to unseen snippets.",
)
show_table(
    [
        {
            "variant": v,
            "best dev epoch": best_epochs[v],
            "test accuracy": results[v],
            "best dev accuracy": max(histories[v].history["val_accuracy"]),
        }
        for v in VARIANTS
    ],
    title="Kim's CNN, four ways to get the word vectors",
)

# %% [markdown]
# ## A baseline: TF-IDF + logistic regression
# Each snippet becomes a sparse vector of TF-IDF weights of its words (and word pairs, if the
# dev set prefers them); an L2-regularised logistic regression classifies it. Its n-gram range
# and $C$ are chosen on the same dev set, then it is refit on the whole training part.

# %%
baseline, tfidf_choice = _tfidf_baseline(
    (texts_train[n_dev:], y_fit), (texts_train[:n_dev], y_dev), (texts_train, y_train), (texts_test, y_test)
)
majority = float(max(y_test.mean(), 1 - y_test.mean()))
names = list(results) + ["TF-IDF + LR"]
values = [results[n] for n in results] + [baseline]

fig, ax = plt.subplots(figsize=(6.5, 3.5))
bars = ax.bar(names, values, color=["tab:blue"] * len(results) + ["tab:gray"])
for bar, value in zip(bars, values, strict=True):
    ax.text(bar.get_x() + bar.get_width() / 2, value + 0.003, f"{value:.3f}", ha="center", fontsize=8)
ax.set_ylim(min(values) - 0.05, max(values) + 0.03)
ax.set_ylabel("test accuracy")
ax.set_title("Rotten Tomatoes, same split")
save_figure(
    fig,
    out / "test_accuracy.png",
    caption="Test accuracy of the four CNN variants (blue) and of TF-IDF + logistic regression (grey) "
    "on the same split. Note the cut y axis: the differences are a few points.",
)
show_table(
    [
        {"model": n, "test accuracy": v, "minus majority class": v - majority}
        for n, v in zip(names, values, strict=True)
    ],
    title=f"Test accuracy on {len(texts_test):,} snippets (majority class: {majority:.3f})",
)
print("TF-IDF settings chosen on the dev set:", tfidf_choice)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "test_accuracy": results,
        "tfidf_logreg_accuracy": baseline,
        "tfidf_dev_choice": tfidf_choice,
        "non_static_minus_rand": results["non-static"] - results["rand"],
        "non_static_minus_tfidf": results["non-static"] - baseline,
        "majority_baseline": majority,
        "vocab": len(vocab),
        "words_with_word2vec_vector": found,
        "train_examples": len(x_fit),
        "dev_examples": n_dev,
        "test_examples": len(texts_test),
        "epochs_max": epochs,
        "best_dev_epoch": best_epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# One convolution layer with max-over-time pooling is a strong sentence classifier. In the
# full run non-static reaches 0.787, rand 0.764 and TF-IDF + logistic regression 0.780:
# starting from word2vec vectors helps, because the vectors carry what was learned from
# unlabelled text (Kim found the gain largest on the smallest data sets). In quick mode (1,800
# training snippets, 3 epochs, word2vec trained on those snippets alone) the CNNs are only a
# few points above the majority class (non-static the best), and the TF-IDF baseline is ahead.
#
# **Try a variation.** Pass `filter_sizes=(1,)` to the `text_cnn(...)` call: every filter
# then sees one word, the network becomes a bag of words, and it can no longer tell "not good"
# from "good"; expect a lower accuracy. Or keep fewer labelled snippets (`texts_train[:2000]`
# in the reviews cell of a full run, where word2vec still learns from the whole corpus): the gap
# between "rand" and "non-static" should grow.
