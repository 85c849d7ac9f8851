"""Q16: RMSProp, AdaGrad with an exponentially decaying average of squared gradients."""

import keras
from keras import ops

from keras_course.optim._validate import check_learning_rate, positive, real_in


@keras.saving.register_keras_serializable(package="keras_course")
class RMSProp(keras.optimizers.Optimizer):
    """RMSProp: AdaGrad's per-parameter step, but ``G`` forgets old gradients.

    With ``g`` the gradient and ``G`` starting at 0::

        G <- rho * G + (1 - rho) * g^2
        w <- w - lr * g / sqrt(G + eps)

    ``G`` is a running mean of ``g^2`` over about ``1 / (1 - rho)`` recent steps, so the
    step size adapts to the current scale of the gradient instead of decaying forever.
    (The course notes write ``G <- G + (1 - rho) g^2``, without the decay ``rho * G``;
    that is AdaGrad with a smaller step, and it still decays forever.)

    Against ``keras.optimizers.RMSprop`` (``momentum=0``, ``centered=False``): the same
    formula with ``eps`` in the same place, inside the square root; the parameters agree
    step for step.

    Args:
        learning_rate: float > 0, a ``LearningRateSchedule`` or a callable.
        rho: float in [0, 1), the decay of the average of squared gradients.
        epsilon: float > 0, keeps the division finite.
        **kwargs: the base ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, name="rmsprop", **kwargs):
        super().__init__(learning_rate=check_learning_rate(learning_rate), name=name, **kwargs)
        self.rho = real_in("rho", rho, 0.0, 1.0)
        self.epsilon = positive("epsilon", epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._mean_squares = self.add_optimizer_variables(var_list, "mean_square")

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        G = self._mean_squares[self._get_variable_index(variable)]
        # rho G + (1 - rho) g^2 written as G + (1 - rho)(g^2 - G): one multiply fewer.
        self.assign_add(G, ops.multiply(ops.subtract(ops.square(gradient), G), 1.0 - self.rho))
        self.assign_sub(variable, ops.divide(ops.multiply(gradient, lr), ops.sqrt(ops.add(G, self.epsilon))))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
