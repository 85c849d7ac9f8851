"""Vocabulary and the training examples of word2vec, generated vectorised in NumPy.

A corpus is a list of sentences, each a list of str tokens. ``encode_corpus`` turns it into
two flat int arrays: word ids and the sentence each token belongs to. Every example
generator below works on these arrays with whole-array operations (one pass per window
offset), never a Python loop per token, so 0.5M tokens become ~2M skip-gram pairs in well
under a second.
"""

from collections import Counter

import numpy as np


class Vocab:
    """Words sorted by count (most frequent first; ties in order of first appearance, as
    gensim sorts them), with ``counts`` (int64) and a word -> id ``index``."""

    def __init__(self, words, counts):
        words = list(words)
        counts = np.asarray(counts, np.int64)
        if counts.shape != (len(words),):
            raise ValueError(f"counts must have one entry per word ({len(words)}), got shape {counts.shape}")
        if len(set(words)) != len(words):
            raise ValueError("words must be unique")
        self.words = words
        self.counts = counts
        self.index = {w: i for i, w in enumerate(words)}

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def encode(self, tokens):
        """int64 ids of the in-vocabulary ``tokens`` (the others are dropped, as word2vec does)."""
        return np.fromiter((self.index[t] for t in tokens if t in self.index), np.int64)

    @property
    def frequencies(self):
        """Relative frequency f(w) = count(w) / total count of the kept words."""
        return self.counts / self.counts.sum()


def _check_sentences(sentences):
    if isinstance(sentences, (str, bytes)) or not hasattr(sentences, "__iter__"):
        raise TypeError("sentences must be an iterable of token lists, e.g. [['a', 'cat'], ['a', 'dog']]")


def build_vocab(sentences, min_count=5, max_size=None):
    """The ``Vocab`` of words that occur at least ``min_count`` times in ``sentences``.

    ``max_size`` keeps only the most frequent words when given.
    """
    _check_sentences(sentences)
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
    if max_size is not None and (not isinstance(max_size, (int, np.integer)) or max_size < 1):
        raise ValueError(f"max_size must be None or an int >= 1, got {max_size!r}")
    counter = Counter()
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("each sentence must be a list of tokens, got a str; split it first")
        counter.update(sentence)
    # Counter keeps first-appearance order; a stable sort by count then gives gensim's order.
    kept = [(w, c) for w, c in counter.items() if c >= min_count]
    kept.sort(key=lambda wc: -wc[1])
    if max_size is not None:
        kept = kept[:max_size]
    if not kept:
        raise ValueError(f"no word occurs min_count={min_count} times; lower min_count or give more text")
    words, counts = zip(*kept)
    return Vocab(words, counts)


def encode_corpus(sentences, vocab):
    """``(ids, sentence_ids)``: int64 arrays, one entry per in-vocabulary token, in order."""
    _check_sentences(sentences)
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    encoded = [vocab.encode(s) for s in sentences]
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
    freqs = np.asarray(freqs, np.float64)
    if freqs.ndim != 1 or np.any(freqs <= 0) or np.any(freqs > 1):
        raise ValueError("freqs must be a 1-D array of relative frequencies in (0, 1]")
    if not t > 0:
        raise ValueError(f"t must be > 0, got {t!r}")
    if rule not in SUBSAMPLING_RULES:
        raise ValueError(f"rule must be one of {SUBSAMPLING_RULES}, got {rule!r}")
    keep = np.sqrt(t / freqs) if rule == "paper" else (np.sqrt(freqs / t) + 1.0) * t / freqs
    return np.clip(1.0 - keep, 0.0, 1.0)


def subsample(ids, sentence_ids, discard, rng):
    """Drop each token w with probability ``discard[w]``; returns the kept ``(ids, sentence_ids)``."""
    keep = rng.random(len(ids)) >= discard[ids]
    return ids[keep], sentence_ids[keep]


def noise_distribution(counts, power=0.75):
    """Negative-sampling noise ``P_n(w) = U(w)^power / sum_v U(v)^power`` (power 3/4 in word2vec)."""
    counts = np.asarray(counts, np.float64)
    if counts.ndim != 1 or len(counts) == 0 or np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("counts must be a non-empty 1-D array of non-negative counts, not all 0")
    weights = counts ** power
    return weights / weights.sum()


def noise_table(noise, table_size=10_000_000):
    """word2vec's unigram table: int32 array in which word w fills ``noise[w] * table_size``
    cells (rounded). Build it once per training run and pass it to ``sample_negatives``."""
    noise = np.asarray(noise, np.float64)
    if noise.ndim != 1 or len(noise) == 0 or np.any(noise < 0):
        raise ValueError("noise must be a non-empty 1-D array of non-negative probabilities")
    if not isinstance(table_size, (int, np.integer)) or table_size < 1:
        raise ValueError(f"table_size must be a positive int, got {table_size!r}")
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
    if table is None:
        table = noise_table(noise, table_size)
    return table[rng.integers(0, len(table), shape)]


def _check_window(window):
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be an int >= 1, got {window!r}")


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
    ids = np.asarray(ids, np.int64)
    _check_window(window)
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
    ids = np.asarray(ids, np.int64)
    _check_window(window)
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
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    if not isinstance(max_len, int) or max_len < 1 or not isinstance(min_len, int) or min_len < 1:
        raise ValueError(f"max_len and min_len must be positive ints, got {max_len!r}, {min_len!r}")
    encoded = [vocab.encode(tokens)[:max_len] + 1 for tokens in token_lists]
    width = max([min_len, *(len(e) for e in encoded)])
    out = np.zeros((len(encoded), width), np.int32)
    for row, e in zip(out, encoded):
        row[:len(e)] = e
    return out
