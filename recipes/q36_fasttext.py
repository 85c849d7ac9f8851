"""# FastText: words as bags of character n-grams

Answers Q36: the FastText model.

## Introduction
FastText (Bojanowski et al. 2017) is skip-gram with negative sampling where a word is a bag
of tokens: the character n-grams (n = 3..6) of the word with ``<`` and ``>`` marking its
ends, plus the whole marked word. Every token has a vector (the n-grams hashed into a fixed
number of buckets with FNV-1a) and the word's vector is made from its tokens' vectors (their
sum, divided by their number as fastText does). Words sharing pieces share parameters, so
rare words learn from frequent relatives, and a word never seen in training, or misspelled
("tehnology"), still gets a vector from its n-grams. We train our Keras FastText and gensim's
on the same Wikipedia + Lee corpus with the same settings and compare wordsim353 and where
misspelled words land.

Errata: the notes' example keeps only 3-grams; fastText uses all n-grams with 3 <= n <= 6
(and hashes them into buckets, which the notes do not mention). "Different upper and lower
case" is not something n-grams handle: fastText does not lower-case, so "Word" and "word"
share only their inner n-grams.
"""

import time

import numpy as np

from keras_course.data.text import load_word2vec_corpus
from keras_course.plots import save_figure
from keras_course.runner import prepare_out, recipe_main, save_metrics
from keras_course.text import char_ngrams, evaluate_embeddings, train_fasttext
from keras_course.train import set_seed

QUESTIONS = (36,)
MISSPELLINGS = {"tehnology": "technology", "goverment": "government", "austrlia": "australia",
                "internatonal": "international", "infromation": "information", "presdient": "president",
                "militray": "military", "economc": "economic", "langauge": "language", "philosphy": "philosophy",
                "politcal": "political", "histroy": "history", "musci": "music", "copmany": "company"}


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def _misspelling_report(get_vector, most_similar, pairs):
    rows = {}
    for typo, word in pairs.items():
        neighbours = [w for w, _ in most_similar(typo)]
        rows[typo] = {"correct": word, "cosine": _cosine(get_vector(typo), get_vector(word)),
                      "rank_of_correct": neighbours.index(word) + 1 if word in neighbours else None,
                      "neighbours": neighbours[:5]}
    return rows


def _plot(ours, theirs, path):
    import matplotlib.pyplot as plt

    typos = list(ours)
    x = np.arange(len(typos))
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(typos)), 3.8))
    ax.bar(x - 0.2, [ours[t]["cosine"] for t in typos], 0.4, label="ours (Keras)")
    ax.bar(x + 0.2, [theirs[t]["cosine"] for t in typos], 0.4, label="gensim FastText")
    ax.set_xticks(x, [f"{t}\n({ours[t]['correct']})" for t in typos], rotation=60, fontsize=7)
    ax.set_ylabel("cosine(misspelled, correct)")
    ax.set_title("Unseen misspellings get vectors from their n-grams")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q36_fasttext")
    set_seed(seed)
    from gensim.models import FastText

    sentences = load_word2vec_corpus()
    if quick:  # ~60k tokens, one epoch, fewer buckets
        sentences = sentences[:60]
    hyper = dict(vector_size=100 if not quick else 50, window=5, negative=5, min_count=5,
                 epochs=1 if quick else 3, sample=1e-3, seed=seed)
    buckets = 20_000 if quick else 200_000

    # ## Ours and gensim's, same corpus and settings
    vectors, info = train_fasttext(sentences, buckets=buckets, batch_size=4096, **hyper)
    start = time.perf_counter()
    gensim_model = FastText(sentences, sg=1, min_n=3, max_n=6, bucket=buckets, workers=2, **hyper)
    gensim_seconds = time.perf_counter() - start
    kv = vectors.to_keyed_vectors()
    ours_eval = evaluate_embeddings(kv, analogies=False)
    gensim_eval = evaluate_embeddings(gensim_model.wv, analogies=False)

    # ## Misspelled words never seen in training
    pairs = {t: w for t, w in MISSPELLINGS.items() if w in vectors and t not in vectors}
    ours_typos = _misspelling_report(lambda w: vectors[w], lambda w: vectors.most_similar(w, topn=10), pairs)
    gensim_typos = _misspelling_report(lambda w: gensim_model.wv[w],
                                       lambda w: gensim_model.wv.most_similar(w, topn=10), pairs)
    _plot(ours_typos, gensim_typos, out / "misspellings.png")
    words = sum(len(s) for s in sentences)

    def found(report):
        return sum(r["rank_of_correct"] is not None for r in report.values())

    return save_metrics(out, {
        "example_tokens_where": char_ngrams("where", 3, 6),
        "corpus_tokens": words,
        "vocab": info["vocab"],
        "buckets": buckets,
        "epochs": hyper["epochs"],
        "ours": ours_eval,
        "gensim": gensim_eval,
        "misspellings_tested": len(pairs),
        "ours_correct_in_top10": found(ours_typos),
        "gensim_correct_in_top10": found(gensim_typos),
        "ours_mean_cosine_typo_correct": float(np.mean([r["cosine"] for r in ours_typos.values()])),
        "gensim_mean_cosine_typo_correct": float(np.mean([r["cosine"] for r in gensim_typos.values()])),
        "ours_typos": ours_typos,
        "gensim_typos": gensim_typos,
        "ours_words_per_s": words * hyper["epochs"] / info["seconds"],
        "gensim_words_per_s": words * hyper["epochs"] / gensim_seconds,
    })


# ## Conclusion
# Sharing n-gram vectors gives every string a vector: misspellings and unseen inflections
# land next to their correct forms, which plain word2vec cannot do at all (it has no vector
# for a word it never saw).
if __name__ == "__main__":
    recipe_main(run)
