"""Q38: the simple (Elman) RNN from scratch, backpropagation through time, a char language model."""

from keras_course.rnn.bptt import bptt, clip_by_global_norm, init_rnn_params, rnn_forward
from keras_course.rnn.char_lm import (
    CharVocab,
    char_language_model,
    char_windows,
    perplexity,
    rnn_classifier,
    sample_text,
)
from keras_course.rnn.clipping import sgd_char_rnn
from keras_course.rnn.simple_rnn import SimpleRNN, SimpleRNNCell

__all__ = [
    "CharVocab",
    "SimpleRNN",
    "SimpleRNNCell",
    "bptt",
    "char_language_model",
    "char_windows",
    "clip_by_global_norm",
    "init_rnn_params",
    "perplexity",
    "rnn_classifier",
    "rnn_forward",
    "sample_text",
    "sgd_char_rnn",
]
