"""Q14-Q15: stochastic gradient descent, with heavy-ball momentum and Nesterov momentum."""

import keras
from keras import ops

from keras_course.checks import check_bool
from keras_course.optim._validate import check_learning_rate, real_in


@keras.saving.register_keras_serializable(package="keras_course")
class SGD(keras.optimizers.Optimizer):
    """Gradient descent on the batch gradient ``g``, with optional momentum, in the notes' form.

    Plain (``momentum=0``): ``w <- w - lr * g``.

    Momentum (heavy ball), ``a = momentum``; the velocity ``h`` starts at 0::

        h <- a * h + lr * g
        w <- w - h

    ``h`` is an exponentially weighted sum of past steps, so along a direction where the
    gradient keeps its sign the step grows to ``lr * g / (1 - a)``; across a narrow valley
    the signs alternate and cancel.

    Nesterov (``nesterov=True``): the gradient is taken at the look-ahead point
    ``w - a h`` that momentum alone would reach::

        h_t = a h_{t-1} + lr * grad(w_{t-1} - a h_{t-1})
        w_t = w_{t-1} - h_t

    A framework only has the gradient at the variable's current value, so we store the
    look-ahead point ``u_t = w_t - a h_t`` in the variable instead of ``w_t``. Then
    ``g = grad(u_{t-1})`` is exactly the gradient the formula needs, and::

        u_t = w_t - a h_t = (w_{t-1} - h_t) - a h_t = u_{t-1} + a h_{t-1} - (1 + a) h_t
            = u_{t-1} + (h_t - lr g) - (1 + a) h_t = u_{t-1} - a h_t - lr g

    substituting ``a h_{t-1} = h_t - lr g``. So the update is ``h <- a h + lr g;
    w <- w - (a h + lr g)``; at the end ``w = u`` differs from the notes' iterate only by
    ``a h``, which goes to 0 at convergence. The tests check this against a literal
    transcription of the notes' formula.

    Keras's ``keras.optimizers.SGD`` keeps ``velocity = -h`` (``v <- a v - lr g``), which
    is the same algorithm: the parameters agree step for step, also with Nesterov.

    Args:
        learning_rate: float > 0, a ``LearningRateSchedule`` (a decaying step size
            ``lr_t``), or a callable; ``lr_t`` multiplies the gradient inside ``h``.
        momentum: float in [0, 1), ``a``, the decay of the velocity.
        nesterov: bool, take the gradient at the look-ahead point.
        **kwargs: the base ``keras.optimizers.Optimizer`` arguments (name, clipnorm, ...).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="sgd", **kwargs):
        super().__init__(learning_rate=check_learning_rate(learning_rate), name=name, **kwargs)
        self.momentum = real_in("momentum", momentum, 0.0, 1.0)
        check_bool("nesterov", nesterov)
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs momentum > 0 (with momentum 0 it is plain SGD)")
        self.nesterov = nesterov

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        # Plain SGD keeps no state; momentum keeps one velocity h per variable.
        self._velocities = self.add_optimizer_variables(var_list, "velocity") if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.multiply(gradient, lr)
        if not self.momentum:
            self.assign_sub(variable, step)
            return
        h = self._velocities[self._get_variable_index(variable)]
        a = ops.cast(self.momentum, variable.dtype)
        self.assign(h, ops.add(ops.multiply(h, a), step))
        if self.nesterov:
            self.assign_sub(variable, ops.add(ops.multiply(h, a), step))
        else:
            self.assign_sub(variable, h)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
