# %% [markdown]
# # FastText: words as bags of character n-grams
#
# **Q36.** Describe the FastText model.
#
# ## Introduction
# FastText (Bojanowski et al. 2017) is skip-gram with negative sampling (Q35) in which a word
# is a bag of tokens: the character n-grams ($3 \le n \le 6$) of the word with `<` and `>`
# marking its ends, plus the whole marked word. For "where" with $n = 3$ these are
# `<wh, whe, her, ere, re>` and `<where>`; the `<her>` of the word "her" differs from the
# 3-gram `her` inside "where". Every token $g$ has a vector $z_g$, and the word's vector is
# the sum of its tokens' vectors,
#
# $$v_w = \sum_{g \in G_w} z_g, \qquad s(w, c) = \sum_{g \in G_w} z_g^{\top} v'_c,$$
#
# where $G_w$ is the bag of $w$ and $s(w, c)$ replaces skip-gram's score $v'^{\top}_c v_w$ in
# the negative-sampling loss
# $-\log \sigma(s(w, c)) - \sum_{i=1}^{k} \log \sigma(-s(w, c_i))$.
# (fastText and gensim divide the sum by $|G_w|$: the direction, and so every cosine, is the
# same.) There are millions of possible n-grams, so they are hashed into $B$ buckets with
# FNV-1a: n-gram $g$ uses row $|W| + \operatorname{hash}(g) \bmod B$ of the token table.
# Words sharing pieces share parameters, so rare words learn from frequent relatives, and a
# word never seen in training, or misspelled ("tehnology"), still gets a vector from its
# n-grams. We train our Keras FastText and gensim's on the same Wikipedia + Lee corpus with
# the same settings, and compare wordsim353 and where misspelled words land.
#
# > **Errata (notes 1.1.36).** The notes' example bag of "слово" keeps only the 3-grams
# > (`<сл, сло, лов, ово, во>` plus the word). fastText uses every n-gram with
# > $3 \le n \le 6$ (for "слово" also `<сло, слов, ..., <слово, слово>`), and it hashes
# > them into a fixed number of buckets, which the notes do not mention (so two n-grams may
# > share a vector). The notes also say n-grams handle "различия в верхнем и нижнем регистре"
# > (differences between upper and lower case): fastText does not lower-case, so "Word" and
# > "word" share only the n-grams that do not contain the first letter (`ord, rd>, ord>`).

# %% tags=["parameters"]
quick = False  # True: ~60k tokens, one epoch, 20k buckets, seconds instead of minutes
seed = 0  # the same seed gives the same figures on CPU (gensim's 2 threads add some noise)
out = None  # output folder; None means runs/q36_fasttext

# %% [markdown]
# ## Setup

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from gensim.models import FastText

from keras_course.data.text import load_word2vec_corpus
from keras_course.display import show_key_figures, show_table
from keras_course.plots import save_figure
from keras_course.runner import recipe_parameters, save_metrics
from keras_course.text import (
    char_ngrams,
    evaluate_embeddings,
    ngram_hashes,
    train_fasttext,
)
from keras_course.train import set_seed

QUESTIONS = (36,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "ours.wordsim353": ("wordsim353 Spearman, ours (Keras)", ""),
    "corpus_tokens": ("corpus size", "tokens"),
    "gensim.wordsim353": ("wordsim353 Spearman, gensim", ""),
    "misspellings_tested": ("unseen misspellings tested", "words"),
    "ours_correct_in_top10": ("correct word among the 10 nearest, ours", "words"),
    "gensim_correct_in_top10": ("correct word among the 10 nearest, gensim", "words"),
    "vocab": ("vocabulary (words seen at least 5 times)", "words"),
}
quick, seed, out = recipe_parameters("q36_fasttext", quick, seed, out)
set_seed(seed)
MISSPELLINGS = {
    "tehnology": "technology",
    "goverment": "government",
    "austrlia": "australia",
    "internatonal": "international",
    "infromation": "information",
    "presdient": "president",
    "militray": "military",
    "economc": "economic",
    "langauge": "language",
    "philosphy": "philosophy",
    "politcal": "political",
    "histroy": "history",
    "musci": "music",
    "copmany": "company",
}


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def _misspelling_report(get_vector, most_similar, pairs):
    rows = {}
    for typo, word in pairs.items():
        neighbours = [w for w, _ in most_similar(typo)]
        rows[typo] = {
            "correct": word,
            "cosine": _cosine(get_vector(typo), get_vector(word)),
            "rank_of_correct": neighbours.index(word) + 1 if word in neighbours else None,
            "neighbours": neighbours[:5],
        }
    return rows


def found(report):
    """How many misspellings have their correct word among the 10 nearest."""
    return sum(r["rank_of_correct"] is not None for r in report.values())


def _mean_pair_cosine(normed):
    """Mean cosine over all pairs of (unit) vocabulary vectors: what 'unrelated' looks like."""
    return float((normed @ normed.T).mean())


# %% [markdown]
# ## A word as a bag of n-grams
# The tokens of "where" for $n = 3, \dots, 6$, and the rows of the token table the n-grams
# are hashed to ($B$ buckets after the $|W|$ rows of the whole words).

# %%
sentences = load_word2vec_corpus()
if quick:  # ~60k tokens, one epoch, fewer buckets
    sentences = sentences[:60]
hyper = dict(
    vector_size=100 if not quick else 50,
    window=5,
    negative=5,
    min_count=5,
    epochs=1 if quick else 3,
    sample=1e-3,
    seed=seed,
)
buckets = 20_000 if quick else 200_000
tokens_where = char_ngrams("where", 3, 6)
show_table(
    [
        {"n": len(g) if g != "<where>" else "word", "token": f"`{g}`", "bucket": h}
        for g, h in zip(tokens_where, ngram_hashes("where", 3, 6, buckets) + ["(its own row)"], strict=True)
    ],
    title=f'The {len(tokens_where)} tokens of "where" ({buckets:,} buckets)',
)

# %% [markdown]
# ## Ours and gensim's, same corpus and settings
# Both train skip-gram with negative sampling ($k = 5$, window 5) on the token vectors, with
# the same learning-rate schedule, subsampling and buckets. wordsim353 / simlex999 score the
# vectors of the training vocabulary (Spearman correlation with human judgements). After
# quick mode's single epoch on ~60k tokens these scores are noise (even negative); the full
# run gives about 0.21 for ours and 0.24 for gensim's.

# %%
vectors, info = train_fasttext(sentences, buckets=buckets, batch_size=4096, **hyper)
start = time.perf_counter()
gensim_model = FastText(sentences, sg=1, min_n=3, max_n=6, bucket=buckets, workers=2, **hyper)
gensim_seconds = time.perf_counter() - start
kv = vectors.to_keyed_vectors()
ours_eval = evaluate_embeddings(kv, analogies=False)
gensim_eval = evaluate_embeddings(gensim_model.wv, analogies=False)
words = sum(len(s) for s in sentences)
show_table(
    [{"test": test, "ours (Keras)": ours_eval[test], "gensim": gensim_eval[test]} for test in ours_eval],
    title="Word-vector tests (Spearman correlation; the _oov rows: share of pairs with an unknown word)",
)
print(f"{words:,} tokens, vocabulary {info['vocab']:,} words, {hyper['epochs']} epoch(s)")
print(
    f"speed: ours {words * hyper['epochs'] / info['seconds']:,.0f} words/s, "
    f"gensim {words * hyper['epochs'] / gensim_seconds:,.0f} words/s"
)

# %% [markdown]
# ## Misspelled words never seen in training
# Each misspelling is absent from the vocabulary, so plain word2vec has no vector for it at
# all. FastText builds one from its n-grams; we look for the correct word among its 10
# nearest vocabulary words. In quick mode (one epoch over ~60k tokens) all the vectors still
# share one large common direction: even two unrelated words have a cosine near 1 (printed
# below), so there the cosines say little and only the ranks are worth reading.

# %%
pairs = {t: w for t, w in MISSPELLINGS.items() if w in vectors and t not in vectors}
ours_typos = _misspelling_report(lambda w: vectors[w], lambda w: vectors.most_similar(w, topn=10), pairs)
gensim_typos = _misspelling_report(
    lambda w: gensim_model.wv[w], lambda w: gensim_model.wv.most_similar(w, topn=10), pairs
)
show_table(
    [
        {
            "misspelling": t,
            "correct": r["correct"],
            "rank, ours": r["rank_of_correct"],
            "rank, gensim": gensim_typos[t]["rank_of_correct"],
            "5 nearest, ours": ", ".join(r["neighbours"]),
            "5 nearest, gensim": ", ".join(gensim_typos[t]["neighbours"]),
        }
        for t, r in ours_typos.items()
    ],
    title="Where unseen misspellings land (rank of the correct word among the 10 nearest; - : not there)",
)
print(
    f"mean cosine of two vocabulary words, for comparison: ours {_mean_pair_cosine(kv.get_normed_vectors()):.5f}, "
    f"gensim {_mean_pair_cosine(gensim_model.wv.get_normed_vectors()):.5f}"
)

typos = list(ours_typos)
x = np.arange(len(typos))
fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(typos)), 3.8))
ax.bar(x - 0.2, [ours_typos[t]["cosine"] for t in typos], 0.4, label="ours (Keras)")
ax.bar(x + 0.2, [gensim_typos[t]["cosine"] for t in typos], 0.4, label="gensim FastText")
ax.set_xticks(x, [f"{t}\n({ours_typos[t]['correct']})" for t in typos], rotation=60, fontsize=7)
ax.set_ylabel("cosine(misspelled, correct)")
ax.set_title("Unseen misspellings get vectors from their n-grams")
ax.legend(fontsize=8)
save_figure(
    fig,
    out / "misspellings.png",
    caption="Cosine between each unseen misspelling's vector (built from its n-grams) and its correct "
    "word's, ours and gensim's: high for both. Compare it with the mean cosine of two unrelated "
    "words printed above: in quick mode that is near 1 as well.",
)

print(
    f"correct word among the 10 nearest: ours {found(ours_typos)} of {len(pairs)}, "
    f"gensim {found(gensim_typos)} of {len(pairs)}"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "example_tokens_where": tokens_where,
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
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Sharing n-gram vectors gives every string a vector: misspellings and unseen inflections
# land next to their correct forms (in the full run the correct word is among the 10 nearest
# for 5 of the 14 misspellings, for ours and for gensim's), which plain word2vec cannot do at
# all: it has no vector for a word it never saw. The price is a larger model (the bucket
# table) and slower training, since every centre word sums about 30 token vectors.
#
# **Try a variation.** Change `buckets` (the n-gram cell) to 2,000: many n-grams then share a
# row, so expect the misspellings' neighbours to get noisier. Or pass `n_min=3, n_max=3` to
# `train_fasttext` (the notes' 3-grams only): fewer, shorter pieces per word, so a typo
# breaks a larger share of them.
