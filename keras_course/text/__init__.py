"""Q35-Q37: vocabulary, word2vec (skip-gram, CBOW, negative sampling), FastText, text CNN."""

from keras_course.text.evaluate import evaluate_embeddings, plot_word_maps
from keras_course.text.fasttext import (
    FastTextSkipGram,
    FastTextVectors,
    char_ngrams,
    fnv1a_hash,
    ngram_hashes,
    subword_table,
    train_fasttext,
)
from keras_course.text.text_cnn import VARIANTS, pretrained_matrix, text_cnn
from keras_course.text.vocab import (
    Vocab,
    build_vocab,
    cbow_examples,
    encode_corpus,
    encode_padded,
    noise_distribution,
    noise_table,
    sample_negatives,
    skipgram_pairs,
    subsample,
    subsample_probability,
)
from keras_course.text.word2vec import (
    CBOWNegativeSampling,
    NegativeSamplingLoss,
    SkipGramNegativeSampling,
    SkipGramSoftmax,
    to_keyed_vectors,
    train_word2vec,
)

__all__ = [
    "VARIANTS",
    "CBOWNegativeSampling",
    "FastTextSkipGram",
    "FastTextVectors",
    "NegativeSamplingLoss",
    "SkipGramNegativeSampling",
    "SkipGramSoftmax",
    "Vocab",
    "build_vocab",
    "cbow_examples",
    "char_ngrams",
    "encode_corpus",
    "encode_padded",
    "evaluate_embeddings",
    "fnv1a_hash",
    "ngram_hashes",
    "noise_distribution",
    "noise_table",
    "plot_word_maps",
    "pretrained_matrix",
    "sample_negatives",
    "skipgram_pairs",
    "subsample",
    "subsample_probability",
    "subword_table",
    "text_cnn",
    "to_keyed_vectors",
    "train_fasttext",
    "train_word2vec",
]
