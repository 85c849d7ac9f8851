"""Q16: AdaGrad, a per-parameter step size that shrinks with the squared gradients seen so far."""

import keras
from keras import ops

from keras_course.optim._validate import check_learning_rate, non_negative


@keras.saving.register_keras_serializable(package="keras_course")
class AdaGrad(keras.optimizers.Optimizer):
    """AdaGrad: each parameter ``j`` gets its own step ``lr / sqrt(G_j + eps)``.

    With ``g`` the gradient and ``G`` starting at ``initial_accumulator_value`` (0 in the
    notes)::

        G <- G + g^2                      (element-wise)
        w <- w - lr * g / sqrt(G + eps)

    Parameters with large or frequent gradients take ever smaller steps, rare ones keep
    large steps. ``G`` only grows, so the step size decays like ``1 / sqrt(t)`` and
    training can stall before the minimum (RMSProp fixes that).

    Against ``keras.optimizers.Adagrad``: the formula and the place of ``eps`` (inside the
    square root) are the same, but Keras starts ``G`` at ``initial_accumulator_value=0.1``
    by default, which damps the first steps; with ``initial_accumulator_value=0.0`` on
    both sides the parameters agree step for step.

    Args:
        learning_rate: float > 0, a ``LearningRateSchedule`` or a callable.
        epsilon: float >= 0, keeps the first step finite when ``G`` is 0.
        initial_accumulator_value: float >= 0, the starting value of ``G``.
        **kwargs: the base ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.01, epsilon=1e-7, initial_accumulator_value=0.0, name="adagrad", **kwargs):
        super().__init__(learning_rate=check_learning_rate(learning_rate), name=name, **kwargs)
        self.epsilon = non_negative("epsilon", epsilon)
        self.initial_accumulator_value = non_negative("initial_accumulator_value", initial_accumulator_value)
        if self.epsilon == 0.0 and self.initial_accumulator_value == 0.0:
            raise ValueError(
                "epsilon and initial_accumulator_value cannot both be 0: the first step divides by sqrt(G + eps)"
            )

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        initializer = keras.initializers.Constant(self.initial_accumulator_value)
        self._accumulators = self.add_optimizer_variables(var_list, "accumulator", initializer=initializer)

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        G = self._accumulators[self._get_variable_index(variable)]
        self.assign_add(G, ops.square(gradient))
        self.assign_sub(variable, ops.divide(ops.multiply(gradient, lr), ops.sqrt(ops.add(G, self.epsilon))))

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "initial_accumulator_value": self.initial_accumulator_value,
        }
