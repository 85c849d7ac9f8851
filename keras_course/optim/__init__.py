"""Chapter Q14-Q16: optimizers written from the formulas, as ``keras.optimizers.Optimizer`` subclasses.

``SGD`` (plain, momentum, Nesterov), ``AdaGrad``, ``RMSProp`` and ``Adam``; each works in
``model.compile(optimizer=...)`` and round-trips through ``get_config`` and ``.keras`` files.
"""

from keras_course.optim.adagrad import AdaGrad
from keras_course.optim.adam import Adam
from keras_course.optim.rmsprop import RMSProp
from keras_course.optim.sgd import SGD

__all__ = ["SGD", "AdaGrad", "Adam", "RMSProp"]
