"""Word-vector quality on the standard test sets that gensim carries.

- wordsim353: 353 word pairs with human relatedness scores; Spearman correlation with the
  cosine similarity of the vectors (pairs with an unknown word are skipped, their share is
  reported as ``*_oov``).
- simlex999: 999 pairs scored for similarity proper (not relatedness); same measure.
- questions-words: Mikolov's analogies "a is to b as c is to ?", answered by the nearest
  vector to b - a + c; accuracy over the questions whose four words are all known.
"""

import logging

from keras_course.checks import check_bool, check_int, check_tokens, describe
from keras_course.data.text import evaluation_file


def _check_kv(kv):
    from gensim.models import KeyedVectors

    if not isinstance(kv, KeyedVectors):
        raise TypeError(f"kv must be gensim KeyedVectors, got {describe(kv)}")


def evaluate_embeddings(kv, analogies=True, restrict_vocab=30000):
    """``{"wordsim353", "wordsim353_oov", "simlex999", "simlex999_oov", "analogy_accuracy",
    "analogy_questions"}`` for gensim KeyedVectors ``kv``, via gensim's
    ``evaluate_word_pairs`` (Spearman) and ``evaluate_word_analogies``.

    ``analogies=False`` skips the (slower) analogy test. ``restrict_vocab``: only the most
    frequent words are candidates and questions (gensim's argument).
    """
    _check_kv(kv)
    check_bool("analogies", analogies)
    check_int("restrict_vocab", restrict_vocab, minimum=1)
    # gensim logs every unknown pair at INFO/DEBUG; keep our output readable
    logging.getLogger("gensim.models.keyedvectors").setLevel(logging.WARNING)
    results = {}
    for name in ("wordsim353", "simlex999"):
        _, spearman, oov = kv.evaluate_word_pairs(str(evaluation_file(name)), restrict_vocab=restrict_vocab)
        results[name] = float(spearman.statistic if hasattr(spearman, "statistic") else spearman[0])
        results[f"{name}_oov"] = float(oov) / 100.0
    if analogies:
        accuracy, sections = kv.evaluate_word_analogies(
            str(evaluation_file("questions-words")), restrict_vocab=restrict_vocab
        )
        total = next(s for s in sections if s["section"] == "Total accuracy")
        results["analogy_accuracy"] = float(accuracy)
        results["analogy_questions"] = len(total["correct"]) + len(total["incorrect"])
    return results


def plot_word_maps(vectors, words, path, title=None, caption=None):
    """Side-by-side 2-D PCA maps of ``words``, one panel per ``{label: KeyedVectors}``.

    Each panel projects that model's (unit-normalised) vectors of ``words`` on their own two
    principal axes, so panels compare neighbourhoods, not coordinates. ``caption``: what to
    see in the figure (``keras_course.plots.save_figure``).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from keras_course.plots import save_figure

    if not isinstance(vectors, dict) or not vectors:
        raise TypeError(f"vectors must be a non-empty dict {{label: KeyedVectors}}, got {describe(vectors)}")
    words = check_tokens("words", words)  # a str would plot its letters
    for label, kv in vectors.items():
        _check_kv(kv)
        if sum(w in kv.key_to_index for w in words) < 2:
            raise ValueError(
                f"words must hold at least 2 words known to vectors[{label!r}], got "
                f"{sum(w in kv.key_to_index for w in words)} of {len(words)}"
            )
    fig, axes = plt.subplots(1, len(vectors), figsize=(5.5 * len(vectors), 5), squeeze=False)
    for ax, (label, kv) in zip(axes[0], vectors.items(), strict=True):
        _check_kv(kv)
        known = [w for w in words if w in kv.key_to_index]
        x = np.stack([kv.get_vector(w, norm=True) for w in known])
        x = x - x.mean(axis=0)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        xy = x @ vt[:2].T
        ax.scatter(xy[:, 0], xy[:, 1], s=12, color="tab:blue")
        for (px, py), word in zip(xy, known, strict=True):
            ax.annotate(word, (px, py), fontsize=8, xytext=(2, 2), textcoords="offset points")
        ax.set_title(label)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, caption)
