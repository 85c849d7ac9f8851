"""Q16: Adam, momentum on the gradient plus RMSProp's per-parameter scale, bias-corrected."""

import keras
from keras import ops

from keras_course.optim._validate import check_learning_rate, positive, real_in


@keras.saving.register_keras_serializable(package="keras_course")
class Adam(keras.optimizers.Optimizer):
    """Adam (Kingma & Ba, 2014, Algorithm 1).

    With ``g`` the gradient at step ``t = 1, 2, ...`` and ``m``, ``v`` starting at 0::

        m <- beta_1 * m + (1 - beta_1) * g          (momentum: mean of g)
        v <- beta_2 * v + (1 - beta_2) * g^2        (RMSProp: mean of g^2)
        m_hat = m / (1 - beta_1^t)                  (bias correction: m, v start at 0,
        v_hat = v / (1 - beta_2^t)                   so early averages are too small)
        w <- w - lr * m_hat / (sqrt(v_hat) + eps)

    Against ``keras.optimizers.Adam``: Keras folds both corrections into the step size,
    ``w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)``, the
    paper's "epsilon hat" form. The formula above is exactly that with ``eps`` replaced by
    ``eps * sqrt(1 - beta_2^t)`` (which is how we compute it, to keep the corrections on
    scalars): the same when ``eps = 0``, and within rounding whenever
    ``eps`` is much smaller than ``sqrt(v_hat)``. They differ visibly for large ``eps``
    in the first steps (the tests show both). Keras's default ``epsilon`` is 1e-7; the
    paper's, and ours, is 1e-8.

    Args:
        learning_rate: float > 0, a ``LearningRateSchedule`` or a callable.
        beta_1: float in [0, 1), decay of the mean of gradients.
        beta_2: float in [0, 1), decay of the mean of squared gradients.
        epsilon: float > 0, added to ``sqrt(v_hat)``.
        **kwargs: the base ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, name="adam", **kwargs):
        super().__init__(learning_rate=check_learning_rate(learning_rate), name=name, **kwargs)
        self.beta_1 = real_in("beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = real_in("beta_2", beta_2, 0.0, 1.0)
        self.epsilon = positive("epsilon", epsilon)  # 0 makes 0 / 0 = NaN where g stays 0

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["m", "v"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        t = ops.cast(self.iterations + 1, dtype)
        correction_1 = 1.0 - ops.power(ops.cast(self.beta_1, dtype), t)
        correction_2 = 1.0 - ops.power(ops.cast(self.beta_2, dtype), t)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        # beta m + (1 - beta) x written as m + (1 - beta)(x - m): one multiply fewer.
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1.0 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1.0 - self.beta_2))
        # lr m_hat / (sqrt(v_hat) + eps) = [lr sqrt(c2) / c1] m / (sqrt(v) + eps sqrt(c2)) with
        # c1, c2 the bias corrections: the same formula, but the corrections act on scalars,
        # so a step costs as many element-wise operations as Keras's.
        sqrt_correction_2 = ops.sqrt(correction_2)
        step = ops.divide(
            ops.multiply(m, lr * sqrt_correction_2 / correction_1),
            ops.add(ops.sqrt(v), self.epsilon * sqrt_correction_2),
        )
        self.assign_sub(variable, step)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
