"""Chapter 1, Q1-Q5 and Q17-Q18: dense layers, nonlinearities, backprop, dropout, batch norm."""

from keras_course.nn import activations
from keras_course.nn.autodiff import Network, Value, gradient_dependencies, notes_network, numeric_dependencies
from keras_course.nn.batchnorm import BatchNormalization
from keras_course.nn.dense import Dense, dense_params
from keras_course.nn.dropout import Dropout
from keras_course.nn.path_sums import backprop_multiplications, path_sum_gradients, path_sum_multiplications

__all__ = [
    "BatchNormalization",
    "Dense",
    "Dropout",
    "Network",
    "Value",
    "activations",
    "backprop_multiplications",
    "dense_params",
    "gradient_dependencies",
    "notes_network",
    "numeric_dependencies",
    "path_sum_gradients",
    "path_sum_multiplications",
]
