"""Vocabulary and the training examples of word2vec, generated vectorised in NumPy.

A corpus is a list of sentences, each a list of str tokens. ``encode_corpus`` turns it into
two flat int arrays: word ids and the sentence each token belongs to. Every example
generator below works on these arrays with whole-array operations (one pass per window
offset), never a Python loop per token, so 0.5M tokens become ~2M skip-gram pairs in well
under a second.
"""

from collections import Counter

import numpy as np

from keras_course.checks import (
    check_array,
    check_choice,
    check_int,
    check_real,
    check_rng,
    check_same_length,
    check_tokens,
    describe,
)


class Vocab:
    """Words sorted by count (most frequent first; ties in order of first appearance, as
    gensim sorts them), with ``counts`` (int64) and a word -> id ``index``."""

    def __init__(self, words, counts):
        words = check_tokens("words", words)
        counts = check_array("counts", counts, ndim=1, kind="int", allow_empty=True).astype(np.int64)
        if counts.shape != (len(words),):
            raise ValueError(f"counts must have one entry per word ({len(words)}), got shape {counts.shape}")
        if counts.size and counts.min() < 0:
            raise ValueError(f"counts must be >= 0, got {int(counts.min())}")
        if len(set(words)) != len(words):
            raise ValueError(f"words must be unique, got {_first_repeat(words)!r} more than once")
        self.words = words
        self.counts = counts
        self.index = {w: i for i, w in enumerate(words)}

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def encode(self, tokens):
        """int64 ids of the in-vocabulary ``tokens`` (the others are dropped, as word2vec does).

        A str is refused: iterating it would look up its characters."""
        tokens = check_tokens("tokens", tokens)
        return np.fromiter((self.index[t] for t in tokens if t in self.index), np.int64)

    @property
    def frequencies(self):
        """Relative frequency f(w) = count(w) / total count of the kept words."""
        return self.counts / self.counts.sum()


def _first_repeat(words):
    seen = set()
    return next(w for w in words if w in seen or seen.add(w))


def _check_sentences(sentences):
    """A list of token lists (a generator is read once into a list: it is iterated twice)."""
    if isinstance(sentences, (str, bytes)) or not hasattr(sentences, "__iter__"):
        raise TypeError(
            "sentences must be an iterable of token lists, e.g. [['a', 'cat'], ['a', 'dog']], "
            f"got {describe(sentences)}"
        )
    sentences = list(sentences)
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, str):
            raise TypeError(
                f"sentences[{i}] must be a list of tokens, got the str {describe(sentence)}; split it first"
            )
    return sentences


def build_vocab(sentences, min_count=5, max_size=None):
    """The ``Vocab`` of words that occur at least ``min_count`` times in ``sentences``.

    ``max_size`` keeps only the most frequent words when given.
    """
    sentences = _check_sentences(sentences)
    min_count = check_int("min_count", min_count, minimum=1)
    if max_size is not None:
        max_size = check_int("max_size", max_size, minimum=1)
    counter = Counter()
    for i, sentence in enumerate(sentences):
        counter.update(check_tokens(f"sentences[{i}]", sentence))
    # Counter keeps first-appearance order; a stable sort by count then gives gensim's order.
    kept = [(w, c) for w, c in counter.items() if c >= min_count]
    kept.sort(key=lambda wc: -wc[1])
    if max_size is not None:
        kept = kept[:max_size]
    if not kept:
        raise ValueError(f"no word occurs min_count={min_count} times; lower min_count or give more text")
    words, counts = zip(*kept, strict=True)
    return Vocab(words, counts)


def _check_vocab(vocab):
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab (build_vocab(sentences)), got {describe(vocab)}")


def encode_corpus(sentences, vocab):
    """``(ids, sentence_ids)``: int64 arrays, one entry per in-vocabulary token, in order."""
    sentences = _check_sentences(sentences)
    _check_vocab(vocab)
    encoded = [vocab.encode(check_tokens(f"sentences[{i}]", s)) for i, s in enumerate(sentences)]
    if not encoded:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ids = np.concatenate(encoded)
    sentence_ids = np.repeat(np.arange(len(encoded)), [len(e) for e in encoded])
    return ids, sentence_ids


SUBSAMPLING_RULES = ("paper", "word2vec")


def subsample_probability(freqs, t=1e-5, rule="paper"):
    """Probability of discarding each occurrence of word w, from its relative frequency f(w).

    ``rule="paper"``: Mikolov et al. (2013)'s ``P(w) = 1 - sqrt(t / f(w))``.
    ``rule="word2vec"``: what word2vec's C code and gensim do with ``sample=t``,
    ``P(w) = 1 - (sqrt(f(w) / t) + 1) t / f(w)``: it keeps a little more of every frequent word
    and nothing at all is dropped below f = 2.6 t (the paper's rule drops from f = t).
    Both give 0 where the formula goes negative.

    ``freqs``: relative frequencies (N,) in (0, 1]. Returns float64 (N,) in [0, 1).
    """
    freqs = check_array("freqs", freqs, ndim=1, kind="real").astype(np.float64)
    if np.any(freqs <= 0) or np.any(freqs > 1):
        raise ValueError(
            f"freqs must be relative frequencies in (0, 1], got values from {freqs.min():.4g} to {freqs.max():.4g}"
        )
    check_real("t", t, minimum=0, low_open=True)
    check_choice("rule", rule, SUBSAMPLING_RULES)
    keep = np.sqrt(t / freqs) if rule == "paper" else (np.sqrt(freqs / t) + 1.0) * t / freqs
    return np.clip(1.0 - keep, 0.0, 1.0)


def subsample(ids, sentence_ids, discard, rng):
    """Drop each token w with probability ``discard[w]``; returns the kept ``(ids, sentence_ids)``."""
    ids, sentence_ids, discard = _check_ids(ids, sentence_ids), np.asarray(sentence_ids), np.asarray(discard)
    check_same_length(ids=ids, sentence_ids=sentence_ids)
    discard = check_array("discard", discard, ndim=1, kind="real")
    if ids.size and ids.max() >= len(discard):
        raise ValueError(f"ids must be < len(discard)={len(discard)}, got {int(ids.max())}")
    check_rng("rng", rng)
    keep = rng.random(len(ids)) >= discard[ids]
    return ids[keep], sentence_ids[keep]


def noise_distribution(counts, power=0.75):
    """Negative-sampling noise ``P_n(w) = U(w)^power / sum_v U(v)^power`` (power 3/4 in word2vec)."""
    counts = check_array("counts", counts, ndim=1, kind="real").astype(np.float64)
    if np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError(
            f"counts must be non-negative counts, not all 0, got values from {counts.min():.4g} to {counts.max():.4g}"
        )
    check_real("power", power, minimum=0)
    weights = counts**power
    return weights / weights.sum()


def noise_table(noise, table_size=10_000_000):
    """word2vec's unigram table: int32 array in which word w fills ``noise[w] * table_size``
    cells (rounded). Build it once per training run and pass it to ``sample_negatives``."""
    noise = check_array("noise", noise, ndim=1, kind="real").astype(np.float64)
    if np.any(noise < 0):
        raise ValueError(f"noise must hold non-negative probabilities, got a minimum of {noise.min():.4g}")
    check_int("table_size", table_size, minimum=1)
    cells = np.round(noise / max(noise.sum(), 1e-300) * table_size).astype(np.int64)
    table = np.repeat(np.arange(len(noise), dtype=np.int32), cells)
    if len(table) == 0:
        raise ValueError("noise must have some probability mass")
    return table


def sample_negatives(noise, shape, rng, table_size=10_000_000, table=None):
    """Word ids drawn from ``noise`` (N,), an int array of ``shape`` (int32 from a table).

    Like word2vec, draws uniformly from a table in which word w fills ``noise[w] * table_size``
    cells (rounded): one random integer and one lookup per draw, several times faster than
    inverse-CDF search for the millions of draws an epoch needs. ``table``: a prebuilt
    ``noise_table(noise, table_size)``; building the 10M-cell table costs more than the draws,
    so training loops build it once.
    """
    check_rng("rng", rng)
    shape = (shape,) if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool) else shape
    if not isinstance(shape, tuple):
        raise TypeError(f"shape must be an int or a tuple of ints, got {describe(shape)}")
    for i, n in enumerate(shape):
        check_int(f"shape[{i}]", n, minimum=0)
    table = noise_table(noise, table_size) if table is None else check_array("table", table, ndim=1, kind="int")
    return table[rng.integers(0, len(table), shape)]


def _check_ids(ids, sentence_ids=None):
    ids = check_array("ids", ids, ndim=1, kind="int", allow_empty=True).astype(np.int64)
    if ids.size and ids.min() < 0:
        raise ValueError(f"ids must be word ids >= 0, got {int(ids.min())}")
    if sentence_ids is not None:
        sentence_ids = check_array("sentence_ids", sentence_ids, kind="int", allow_empty=True)
    return ids


def _reduced_windows(n, window, rng):
    # word2vec's dynamic window: each centre word draws b in [1, window], so a context word at
    # distance d is used with probability (window - d + 1) / window: near words weigh more.
    return window - rng.integers(0, window, n)


def skipgram_pairs(ids, window, rng, sentence_ids=None):
    """All (centre, context) pairs of skip-gram with word2vec's dynamic window.

    ``ids``: int (N,) word ids; ``sentence_ids``: int (N,) or None (one sentence). Context words
    never cross a sentence boundary. Returns ``(centres, contexts)``, int64 (P,) each, grouped by
    offset (shuffle before training).
    """
    ids = _check_ids(ids, sentence_ids)
    window = check_int("window", window, minimum=1)
    check_rng("rng", rng)
    sentence_ids = np.zeros(len(ids), np.int64) if sentence_ids is None else np.asarray(sentence_ids)
    if sentence_ids.shape != ids.shape:
        raise ValueError(f"sentence_ids must have the shape of ids {ids.shape}, got {sentence_ids.shape}")
    reach = _reduced_windows(len(ids), window, rng)
    centres, contexts = [], []
    for d in range(1, window + 1):
        same = sentence_ids[:-d] == sentence_ids[d:]
        forward = same & (reach[:-d] >= d)  # centre i, context i + d
        backward = same & (reach[d:] >= d)  # centre i + d, context i
        centres += [ids[:-d][forward], ids[d:][backward]]
        contexts += [ids[d:][forward], ids[:-d][backward]]
    if not centres:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(centres), np.concatenate(contexts)


def cbow_examples(ids, window, rng, sentence_ids=None, pad=-1):
    """CBOW examples: for each centre word, its context words (dynamic window, same sentence).

    Returns ``(contexts, targets)``: int64 (M, 2 * window) with missing places set to ``pad``,
    and int64 (M,) centre words; centres with no context word are dropped.
    """
    pad = check_int("pad", pad, maximum=-1)  # the models mask ids < 0
    ids = _check_ids(ids, sentence_ids)
    window = check_int("window", window, minimum=1)
    check_rng("rng", rng)
    sentence_ids = np.zeros(len(ids), np.int64) if sentence_ids is None else np.asarray(sentence_ids)
    if sentence_ids.shape != ids.shape:
        raise ValueError(f"sentence_ids must have the shape of ids {ids.shape}, got {sentence_ids.shape}")
    n = len(ids)
    reach = _reduced_windows(n, window, rng)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    positions = np.arange(n)[:, None] + offsets[None, :]
    inside = (positions >= 0) & (positions < n)
    positions = np.clip(positions, 0, max(n - 1, 0))
    valid = inside & (sentence_ids[positions] == sentence_ids[:, None]) & (np.abs(offsets)[None, :] <= reach[:, None])
    contexts = np.where(valid, ids[positions], pad)
    has_context = valid.any(axis=1)
    return contexts[has_context], ids[has_context]


def encode_padded(token_lists, vocab, max_len, min_len=1):
    """int32 (N, L) word ids shifted by one so 0 is padding, cut to ``max_len`` tokens and
    post-padded to the longest kept sentence (at least ``min_len``, e.g. the widest filter)."""
    _check_vocab(vocab)
    max_len, min_len = check_int("max_len", max_len, minimum=1), check_int("min_len", min_len, minimum=1)
    if isinstance(token_lists, str):
        raise TypeError(f"token_lists must be a list of token lists, got the str {describe(token_lists)}")
    encoded = [
        vocab.encode(check_tokens(f"token_lists[{i}]", tokens))[:max_len] + 1 for i, tokens in enumerate(token_lists)
    ]
    width = max([min_len, *(len(e) for e in encoded)])
    out = np.zeros((len(encoded), width), np.int32)
    for row, e in zip(out, encoded, strict=True):
        row[: len(e)] = e
    return out
