"""# Convolutional networks for text, with word2vec inputs

Answers Q37: how a CNN classifies (or regresses on) text, and how word2vec vectors feed it.

## Introduction
A sentence is a matrix: one row per word, the word's vector. Kim (2014) slides filters
spanning 3, 4 or 5 words over it (1-D convolutions over time, each filter sees whole word
vectors), keeps each filter's maximum over the sentence, and classifies the 300 maxima with
dropout and a softmax. The word vectors are random and learned ("rand"), word2vec's and
frozen ("static"), word2vec's and fine-tuned ("non-static"), or both of the last two as two
channels ("multichannel"). Here the vectors come from our Keras word2vec trained on the
Wikipedia + Lee corpus plus in-domain text: the training reviews and the file's unlabelled
movie plot synopses, weighted 3x (never the test reviews); and the task is Rotten Tomatoes
fresh/rotten snippets (close to Kim's MR). As in Kim, 10% of the training set is a dev set
for early stopping, mini-batches of 50, dropout 0.5 and a max-norm 3 output layer (Adam in
place of his Adadelta). A TF-IDF + logistic regression baseline (scikit-learn), its n-gram
range and C chosen on the same dev set, runs on the same split.

Errata: the notes list three ways to get the vectors and leave out Kim's fourth,
"multichannel" (a frozen and a fine-tuned copy side by side; each filter sees both).
"""

import keras
import numpy as np

from keras_course.data import make_dataset
from keras_course.data import load_rotten_tomatoes, load_rotten_tomatoes_plots, load_word2vec_corpus, tokenize
from keras_course.plots import plot_history, save_figure
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.text import VARIANTS, build_vocab, encode_padded, pretrained_matrix, text_cnn, train_word2vec
from keras_course.train import fit, set_seed

QUESTIONS = (37,)


def _tfidf_baseline(fit, dev, train, test):
    """TF-IDF + logistic regression: n-gram range and C chosen on the dev set, then refit on
    the whole training set. Each argument is ``(texts, labels)``; returns (test accuracy, choice)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    def model(ngrams, c):
        return make_pipeline(TfidfVectorizer(tokenizer=tokenize, token_pattern=None, ngram_range=ngrams,
                                             sublinear_tf=True),
                             # liblinear: the same L2-regularised objective, ~10x faster than lbfgs here
                             LogisticRegression(C=c, solver="liblinear", max_iter=2000))

    grid = [(ngrams, c) for ngrams in ((1, 1), (1, 2)) for c in (1.0, 2.0, 4.0, 8.0, 16.0)]
    ngrams, c = max(grid, key=lambda g: model(*g).fit(*fit).score(*dev))
    return float(model(ngrams, c).fit(*train).score(*test)), {"ngram_range": ngrams, "C": c}


def _accuracy_plot(results, baseline, path):
    import matplotlib.pyplot as plt

    names = list(results) + ["TF-IDF + LR"]
    values = [results[n] for n in results] + [baseline]
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    bars = ax.bar(names, values, color=["tab:blue"] * len(results) + ["tab:gray"])
    for bar, value in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, value + 0.003, f"{value:.3f}", ha="center", fontsize=8)
    ax.set_ylim(min(values) - 0.05, max(values) + 0.03)
    ax.set_ylabel("test accuracy")
    ax.set_title("Rotten Tomatoes, same split")
    save_figure(fig, path)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q37_text_cnn")
    set_seed(seed)
    (texts_train, y_train), (texts_test, y_test) = load_rotten_tomatoes(seed=seed)
    if quick:
        texts_train, y_train = texts_train[:2000], y_train[:2000]
    tokens_train = [tokenize(t) for t in texts_train]
    tokens_test = [tokenize(t) for t in texts_test]
    n_dev = len(texts_train) // 10  # the dev set, carved from the (shuffled) training set

    # ## word2vec vectors: our Keras skip-gram on the corpus plus in-domain text (3x)
    plots = [tokenize(text) for text in load_rotten_tomatoes_plots()]
    w2v_sentences = tokens_train if quick else load_word2vec_corpus() + 3 * (tokens_train + plots)
    kv = train_word2vec(w2v_sentences, vector_size=100, window=5, min_count=2, epochs=2 if quick else 5, seed=seed,
                        batch_size=2048 if quick else 8192)

    # ## Sentences as padded word ids (0 = padding); vocabulary from the training reviews
    vocab = build_vocab(tokens_train, min_count=1)
    x_train = encode_padded(tokens_train, vocab, max_len=56, min_len=5)
    x_test = encode_padded(tokens_test, vocab, max_len=56, min_len=5)
    x_dev, y_dev, x_fit, y_fit = x_train[:n_dev], y_train[:n_dev], x_train[n_dev:], y_train[n_dev:]
    embeddings, found = pretrained_matrix(vocab.words, kv, np.random.default_rng(seed))

    # ## The four variants, each stopped early on the dev set (never on the test set)
    results, histories, best_epochs = {}, {}, {}
    num_filters, epochs = (32, 3) if quick else (100, 10)
    for variant in VARIANTS:
        keras.utils.set_random_seed(seed)
        model = text_cnn(len(vocab) + 1, 100, variant=variant, embeddings=None if variant == "rand" else embeddings,
                         num_filters=num_filters)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=3, restore_best_weights=True)
        # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays would not, once seeded)
        histories[variant] = fit(model, make_dataset(x_fit, y_fit, 50, seed=seed), epochs,
                                 run_dir=checkpoint_dir(out, f"text_cnn_{variant}"), validation_data=(x_dev, y_dev),
                                 callbacks=[] if quick else [stop], verbose=0 if quick else "auto")
        best_epochs[variant] = int(np.argmax(histories[variant].history["val_accuracy"])) + 1
        results[variant] = float(model.evaluate(x_test, y_test, verbose=0)[1])
    baseline, tfidf_choice = _tfidf_baseline((texts_train[n_dev:], y_fit), (texts_train[:n_dev], y_dev),
                                             (texts_train, y_train), (texts_test, y_test))
    plot_history(histories, out / "training.png", metrics=("loss", "accuracy"), title="Kim's CNN variants")
    _accuracy_plot(results, baseline, out / "test_accuracy.png")

    return save_metrics(out, {
        "test_accuracy": results,
        "tfidf_logreg_accuracy": baseline,
        "tfidf_dev_choice": tfidf_choice,
        "non_static_minus_rand": results["non-static"] - results["rand"],
        "non_static_minus_tfidf": results["non-static"] - baseline,
        "majority_baseline": float(max(y_test.mean(), 1 - y_test.mean())),
        "vocab": len(vocab),
        "words_with_word2vec_vector": found,
        "train_examples": len(x_fit),
        "dev_examples": n_dev,
        "test_examples": len(texts_test),
        "epochs_max": epochs,
        "best_dev_epoch": best_epochs,
    })


# ## Conclusion
# One convolution layer with max-over-time pooling is a strong sentence classifier; starting
# from word2vec vectors helps most when the labelled set is small, because the vectors carry
# what was learned from unlabelled text.
if __name__ == "__main__":
    recipe_main(run)
