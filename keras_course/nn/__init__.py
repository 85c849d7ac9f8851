"""Chapter 1, Q1-Q5 and Q17-Q18: dense layers, nonlinearities, backprop, dropout, batch norm."""

from keras_course.nn import activations
from keras_course.nn.dense import Dense, dense_params

__all__ = ["Dense", "activations", "dense_params"]
