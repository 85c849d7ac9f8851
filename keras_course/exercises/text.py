"""Exercises of the text chapter: skip-gram pairs and the negative-sampling loss (Q35), FastText
n-grams (Q36)."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library


class _FixedReach(np.random.Generator):
    """Stands in for the random generator of word2vec's dynamic window: it draws ``reach``.
    (A Generator subclass, since skipgram_pairs checks that ``rng`` is one.)"""

    def __init__(self, reach, window):
        super().__init__(np.random.PCG64(0))
        self.reach, self.window = reach, window

    def integers(self, low, high, size):
        return self.window - self.reach


def _skipgram_reference():
    skipgram_pairs = library("keras_course.text.vocab", "skipgram_pairs")

    def pairs(ids, sentence_ids, reach):
        reach = np.asarray(reach, np.int64)
        window = int(reach.max()) if len(reach) else 1
        centres, contexts = skipgram_pairs(np.asarray(ids), window, _FixedReach(reach, window), sentence_ids)
        return np.stack([centres, contexts], 1)

    return pairs


def _sorted_pairs(out):
    pairs = np.asarray(out)
    if pairs.ndim == 2 and pairs.shape[1] == 2 and np.issubdtype(pairs.dtype, np.number):
        return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].astype(np.int64)
    if pairs.size == 0:
        return np.zeros((0, 2), np.int64)
    return pairs


def _skipgram(cross=False, context_reach=False, strict=False, self_pair=False):
    def skipgram_pairs(ids, sentence_ids, reach):
        out = []
        for i in range(len(ids)):
            for j in range(len(ids)):
                dist, r = abs(i - j), reach[j] if context_reach else reach[i]
                ok = (dist < r if strict else dist <= r) and (dist > 0 or self_pair)
                if ok and (cross or sentence_ids[i] == sentence_ids[j]):
                    out.append((ids[i], ids[j]))
        return np.array(out, np.int64).reshape(-1, 2)

    return skipgram_pairs


_IDS = np.array([4, 7, 1, 7, 3, 9, 2, 5])
_SENT = np.array([0, 0, 0, 0, 1, 1, 1, 1])
_REACH = np.array([2, 1, 2, 2, 1, 2, 1, 2])
SKIPGRAM = Exercise(
    name="skipgram_pairs",
    title="Skip-gram (centre, context) pairs with the dynamic window",
    questions=(35,),
    function="skipgram_pairs",
    signature="skipgram_pairs(ids, sentence_ids, reach)",
    statement=r"""`ids` (N,) are a corpus's word ids, `sentence_ids` (N,) the sentence of each token, and
`reach` (N,) word2vec's dynamic window already drawn: centre token $i$ looks $b_i$ = `reach[i]`
tokens each way. Return every pair `(ids[i], ids[j])` with $1 \le |i - j| \le b_i$ and `j` in
the same sentence as `i`, as an int array (P, 2), in any order (repeated pairs repeated).
An empty corpus gives a (0, 2) array.""",
    example=">>> skipgram_pairs(np.array([5, 6, 7]), np.array([0, 0, 0]), np.array([1, 1, 2]))\n"
    "array([[5, 6], [6, 5], [6, 7], [7, 6], [7, 5]])  # (in any order)",
    hints=[
        "The window is the *centre's* reach; a context word never crosses a sentence boundary.",
        "A vectorised version compares `sentence_ids[:-d]` with `sentence_ids[d:]` for each offset d.",
    ],
    reference=_skipgram_reference,
    normalize=_sorted_pairs,
    cases=[
        Case("two sentences", {"ids": _IDS, "sentence_ids": _SENT, "reach": _REACH}),
        Case(
            "one sentence, window 3",
            {"ids": _IDS[:5], "sentence_ids": np.zeros(5, int), "reach": np.array([3, 1, 3, 2, 3])},
        ),
        Case(
            "one-word sentences",
            {"ids": np.array([1, 2, 3]), "sentence_ids": np.array([0, 1, 2]), "reach": np.array([2, 2, 2])},
        ),
        Case("an empty corpus", {"ids": np.zeros(0, int), "sentence_ids": np.zeros(0, int), "reach": np.zeros(0, int)}),
    ],
    random=lambda st, hnp: st.integers(0, 7).flatmap(
        lambda n: st.fixed_dictionaries(
            {
                "ids": hnp.arrays(np.int64, n, elements=st.integers(0, 9)),
                "sentence_ids": st.lists(st.integers(0, 1), min_size=n, max_size=n).map(
                    lambda s: np.sort(np.array(s, int))
                ),
                "reach": hnp.arrays(np.int64, n, elements=st.integers(1, 3)),
            }
        )
    ),
    slips=[
        Slip("crosses sentences", "context words must come from the centre's sentence", _skipgram(cross=True)),
        Slip(
            "the context's window",
            "the window is the centre's reach b_i, not the context word's",
            _skipgram(context_reach=True),
        ),
        Slip(
            "window off by one",
            "a context word at distance exactly b_i is included: |i - j| <= b_i",
            _skipgram(strict=True),
        ),
        Slip("centre paired with itself", "distance 0 is not a context: 1 <= |i - j|", _skipgram(self_pair=True)),
    ],
    needs_keras=False,
)


def _ns_reference():
    NegativeSamplingLoss = library("keras_course.text.word2vec", "NegativeSamplingLoss")

    def negative_sampling_loss(v_centre, v_context, v_negatives):
        logits = np.concatenate(
            [np.sum(v_centre * v_context, -1)[:, None], np.einsum("bkd,bd->bk", v_negatives, v_centre)], axis=1
        )
        labels = np.zeros_like(logits)
        labels[:, 0] = 1.0
        return np.asarray(NegativeSamplingLoss(reduction=None, dtype="float64")(labels, logits))

    return negative_sampling_loss


def _ns(negative_sign=-1.0, reduce="sum", minus=True):
    def negative_sampling_loss(v_centre, v_context, v_negatives):
        log_sig = lambda z: -np.logaddexp(0.0, -z)
        pos = log_sig(np.sum(v_centre * v_context, -1))
        neg = log_sig(negative_sign * np.einsum("bkd,bd->bk", v_negatives, v_centre))
        total = pos + (neg.sum(1) if reduce == "sum" else neg.mean(1))
        return -total if minus else total

    return negative_sampling_loss


_RNG = np.random.default_rng(5)
NEGATIVE_SAMPLING = Exercise(
    name="negative_sampling_loss",
    title="word2vec's negative-sampling loss",
    questions=(35,),
    function="negative_sampling_loss",
    signature="negative_sampling_loss(v_centre, v_context, v_negatives)",
    statement=r"""For each of B examples: the centre word's input vector $v_I$ (`v_centre`, (B, D)), the
true context word's output vector $v'_O$ (`v_context`, (B, D)) and k noise words' output vectors
$v'_1 \dots v'_k$ (`v_negatives`, (B, k, D)). With $\sigma$ the sigmoid,

$$\mathrm{loss} = -\log \sigma(v'_O \cdot v_I) - \sum_{j=1}^{k} \log \sigma(-v'_j \cdot v_I) .$$

Return the (B,) losses.""",
    example=">>> negative_sampling_loss(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 3, 2)))\n"
    "array([2.77258872])  # 4 log 2",
    hints=[
        "$\\log \\sigma(z) = -\\log(1 + e^{-z})$: `-np.logaddexp(0, -z)` never overflows.",
        "`np.einsum('bkd,bd->bk', v_negatives, v_centre)` gives the k dot products per example.",
    ],
    reference=_ns_reference,
    cases=[
        Case(
            "two examples, three negatives",
            {
                "v_centre": np.array([[1.0, 0], [0.5, -1]]),
                "v_context": np.array([[2.0, 1], [0, 1]]),
                "v_negatives": np.array([[[1.0, 1], [-1, 0], [0, 2]], [[1.0, 0], [0, -1], [2, 2]]]),
            },
        ),
        Case(
            "random vectors, five negatives",
            {
                "v_centre": np.round(_RNG.normal(size=(4, 3)), 2),
                "v_context": np.round(_RNG.normal(size=(4, 3)), 2),
                "v_negatives": np.round(_RNG.normal(size=(4, 5, 3)), 2),
            },
        ),
        Case(
            "large dot products",
            {
                "v_centre": np.array([[10.0, 10]]),
                "v_context": np.array([[3.0, 3]]),
                "v_negatives": np.array([[[3.0, 3], [-3, -3]]]),
            },
        ),
    ],
    random=lambda st, hnp: st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).flatmap(
        lambda s: st.fixed_dictionaries(
            {
                "v_centre": hnp.arrays(np.float64, (s[0], s[2]), elements=st.integers(-2, 2).map(float)),
                "v_context": hnp.arrays(np.float64, (s[0], s[2]), elements=st.integers(-2, 2).map(float)),
                "v_negatives": hnp.arrays(np.float64, (s[0], s[1], s[2]), elements=st.integers(-2, 2).map(float)),
            }
        )
    ),
    slips=[
        Slip(
            "no minus on the negatives",
            "noise words are pushed away: log sigma(-v'_j . v_I), with the minus inside",
            _ns(negative_sign=1.0),
        ),
        Slip("mean over the negatives", "the k noise terms are summed, not averaged", _ns(reduce="mean")),
        Slip("log-likelihood, not loss", "the loss is the negative of the log-likelihood", _ns(minus=False)),
    ],
    rtol=1e-6,
    atol=1e-7,
)


def _ngrams(markers=True, whole=True, n_max_exclusive=False):
    def char_ngrams(word, n_min=3, n_max=6):
        marked = f"<{word}>" if markers else word
        top = min(len(marked), n_max - 1 if n_max_exclusive else n_max)
        grams = [marked[i : i + n] for n in range(n_min, top + 1) for i in range(len(marked) - n + 1)]
        return grams + ([f"<{word}>"] if whole else [])

    return char_ngrams


FASTTEXT_NGRAMS = Exercise(
    name="char_ngrams",
    title="FastText's character n-grams of a word",
    questions=(36,),
    function="char_ngrams",
    signature="char_ngrams(word, n_min=3, n_max=6)",
    statement=r"""FastText represents a word by the character n-grams of the word wrapped in boundary
markers, `<word>`, for $n$ = `n_min` .. `n_max`, plus the whole marked word itself. Return a
list of str: all n-grams of length `n_min` first (left to right), then `n_min + 1`, ... up to
`min(n_max, len("<word>"))`, and last `"<word>"`. (For a short word the longest n-gram is
`"<word>"` itself, so it appears twice: the n-gram and the word.)""",
    example=">>> char_ngrams(\"where\", 3, 3)\n['<wh', 'whe', 'her', 'ere', 're>', '<where>']",
    hints=[
        "`marked[i:i + n]` for every start `i` with `i + n <= len(marked)`.",
        "The markers make `her` inside 'where' differ from the word `<her>`.",
    ],
    reference=lambda: library("keras_course.text.fasttext", "char_ngrams"),
    compare=lambda expected, got: (
        None
        if list(got) == list(expected)
        else (
            f"expected {len(expected)} n-grams, got {len(list(got))}; first difference at position "
            f"{next((i for i, (e, g) in enumerate(zip(expected, got, strict=False)) if e != g), min(len(expected), len(list(got))))}"
        )
    ),
    cases=[
        Case("where, n = 3", {"word": "where", "n_min": 3, "n_max": 3}),
        Case("where, n = 3 .. 6", {"word": "where", "n_min": 3, "n_max": 6}),
        Case("a short word: go, n = 2 .. 6", {"word": "go", "n_min": 2, "n_max": 6}),
        Case("non-ASCII: ёж, n = 1 .. 2", {"word": "ёж", "n_min": 1, "n_max": 2}),
    ],
    random=lambda st, hnp: st.tuples(st.text("abж", min_size=1, max_size=6), st.integers(1, 3), st.integers(0, 3)).map(
        lambda s: {"word": s[0], "n_min": s[1], "n_max": s[1] + s[2]}
    ),
    slips=[
        Slip("no boundary markers", "the n-grams are taken from '<word>', with the markers", _ngrams(markers=False)),
        Slip("the word itself missing", "the list ends with the whole marked word '<word>'", _ngrams(whole=False)),
        Slip("n_max excluded", "n runs from n_min to n_max inclusive", _ngrams(n_max_exclusive=True)),
    ],
)

EXERCISES = [SKIPGRAM, NEGATIVE_SAMPLING, FASTTEXT_NGRAMS]
