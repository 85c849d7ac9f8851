"""# word2vec: skip-gram, CBOW and negative sampling

Answers Q35: the idea of word2vec, what is asked of the word vectors, and why negative
sampling.

## Introduction
word2vec learns a vector for every word from raw text alone (self-supervision): words that
occur in the same contexts should get similar vectors. Skip-gram predicts each context word
o from the centre word I with ``p(o | I) = exp(v'_o . v_I) / sum_w exp(v'_w . v_I)``; every
word has an input vector v and an output vector v'. The softmax costs O(V) per example, so
negative sampling replaces it by one logistic regression against k noise words drawn from
``U(w)^{3/4}``: ``-log s(v'_o . v_I) - sum_k log s(-v'_k . v_I)``. We train our Keras
skip-gram with negative sampling and gensim's Word2Vec on the same Wikipedia + Lee corpus
with the same hyperparameters, compare wordsim353 / simlex999 / analogies, nearest
neighbours and 2-D maps, and train the full-softmax skip-gram on a small vocabulary.

Errata: in the negative-sampling formula the notes write ``p(w_0 | w_I) = log s(...) + ...``:
that is not a probability but the objective that replaces ``log p(w_O | w_I)``, the output
word is w_O (not w_0), and the k noise words are drawn from P_n(w) (an expectation in
Mikolov et al.). The notes also say skip-gram predicts the context words' "vector
representations": it predicts the words themselves (a distribution over the vocabulary).
"""

import time

import keras
import numpy as np

from keras_course.data import make_dataset
from keras_course.data.text import load_word2vec_corpus
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
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
PROBES = ("war", "music", "government", "january", "three", "water")
MAP_WORDS = ("one", "two", "three", "four", "five", "six", "january", "march", "april", "june",
             "war", "army", "military", "soldiers", "police", "music", "album", "band", "song",
             "government", "minister", "president", "party", "water", "energy", "light")


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
    train, val = order[:n - n // 10], order[n - n // 10:]  # 10% of the pairs held out
    model = SkipGramSoftmax(len(vocab), 50, seed=seed)
    model.build((None,))  # fit restores checkpoints into built variables
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays would not, once seeded)
    history = fit(model, make_dataset(centres[train], contexts[train], 512, seed=seed), 2 if quick else 5,
                  run_dir=run_dir, validation_data=(centres[val], contexts[val]), verbose=0 if quick else "auto")
    return history, float(np.log(len(vocab)))


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q35_word2vec")
    set_seed(seed)
    from gensim.models import Word2Vec

    sentences = load_word2vec_corpus()
    if quick:  # the first ~120k tokens, one epoch: the pipeline and the effect, in seconds
        sentences = sentences[:120]
    epochs = 1 if quick else 5
    words = sum(len(s) for s in sentences)
    hyper = dict(sg=1, vector_size=100, window=5, negative=5, min_count=5, epochs=epochs, sample=1e-3, seed=seed)

    # ## Ours (Keras, negative sampling) and gensim, same corpus and hyperparameters
    kv, _, info = train_word2vec(sentences, batch_size=4096 if quick else 8192, return_model=True, **hyper)
    start = time.perf_counter()
    gensim_kv = Word2Vec(sentences, workers=2, **hyper).wv
    gensim_seconds = time.perf_counter() - start
    ours, theirs = evaluate_embeddings(kv, analogies=not quick), evaluate_embeddings(gensim_kv, analogies=not quick)

    # ## Nearest neighbours and a 2-D map, side by side
    probes = [w for w in PROBES if w in kv.key_to_index]
    plot_word_maps({"ours (Keras skip-gram)": kv, "gensim Word2Vec": gensim_kv}, MAP_WORDS,
                   out / "word_map.png", title="PCA of chosen words' vectors")

    # ## Full softmax skip-gram on a small vocabulary
    history, uniform_loss = _softmax_skipgram(sentences, quick, seed, checkpoint_dir(out, "softmax_skipgram"))
    plot_history(history, out / "softmax_skipgram.png", title=f"Full-softmax skip-gram (ln V = {uniform_loss:.2f})")

    return save_metrics(out, {
        "corpus_tokens": words,
        "vocab": len(kv),
        "epochs": epochs,
        "ours": ours,
        "gensim": theirs,
        "wordsim353_gap_ours_minus_gensim": ours["wordsim353"] - theirs["wordsim353"],
        "ours_words_per_s": words * epochs / info["seconds"],
        "gensim_words_per_s": words * epochs / gensim_seconds,
        "ns_loss_per_epoch": info["loss"],
        "neighbours_ours": _neighbours(kv, probes),
        "neighbours_gensim": _neighbours(gensim_kv, probes),
        "softmax_uniform_loss": uniform_loss,
        "softmax_first_loss": history.history["loss"][0],
        "softmax_final_val_loss": history.history["val_loss"][-1],
    })


# ## Conclusion
# Trained the same way, our Keras skip-gram and gensim's C code reach similar word
# similarity scores; negative sampling makes each example cost k + 1 dot products instead of
# V, which is what makes training on real vocabularies practical.
if __name__ == "__main__":
    recipe_main(run)
