"""Exercises of the optimization chapter: the update steps of SGD, momentum, Nesterov, AdaGrad,
RMSProp and Adam. Each takes a gradient function and returns the parameters after every step;
the reference runs the library's Keras optimizer on a float64 variable."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library

F = np.float64


class Quadratic:
    """``grad(w) = scales * (w - centre)``: the gradient of ``sum(scales * (w - centre)**2) / 2``."""

    def __init__(self, scales, centre):
        self.scales, self.centre = np.asarray(scales, F), np.asarray(centre, F)

    def __call__(self, w):
        return self.scales * (np.asarray(w, F) - self.centre)

    def __repr__(self):
        return f"Quadratic(scales={self.scales.tolist()}, centre={self.centre.tolist()})"


def _keras_trajectory(optimizer_class, kwargs, grad, w0, steps, nesterov=False):
    import keras

    optimizer = library("keras_course.optim", optimizer_class)(**kwargs)
    variable = keras.Variable(np.array(w0, F), dtype="float64")
    path = []
    for _ in range(steps):
        optimizer.apply([grad(variable.numpy())], [variable])
        w = variable.numpy().copy()
        if nesterov:  # the variable holds the look-ahead point u = w - a h; the notes' iterate is u + a h
            w = w + kwargs["momentum"] * optimizer._velocities[0].numpy()
        path.append(w)
    return np.array(path).reshape((steps, *np.shape(w0)))


def _cases(extra):
    q = Quadratic([1.0, 3.0], [1.0, -1.0])
    return [
        Case("a 2-D quadratic, 4 steps", {"grad": q, "w0": np.array([3.0, 2.0]), "steps": 4, **extra[0]}),
        Case(
            "one parameter, 3 steps", {"grad": Quadratic([0.5], [2.0]), "w0": np.array([-1.0]), "steps": 3, **extra[1]}
        ),
        Case("already at the minimum", {"grad": q, "w0": np.array([1.0, -1.0]), "steps": 2, **extra[0]}),
    ]


def _random(hyper):
    def strategy(st, hnp):
        def build(n):
            vec = lambda values: st.lists(st.sampled_from(values), min_size=n, max_size=n)
            return st.fixed_dictionaries(
                {
                    "grad": st.builds(Quadratic, vec([0.5, 1.0, 2.0, 3.0]), vec([-2.0, -1.0, 0.0, 1.0, 2.0])),
                    "w0": vec([-3.0, -1.0, 0.0, 1.0, 2.0, 3.0]).map(np.array),
                    "steps": st.integers(1, 5),
                    **{k: st.sampled_from(v) for k, v in hyper.items()},
                }
            )

        return st.integers(1, 3).flatmap(build)

    return strategy


def _loop(update):
    """An implementation from ``update(state, w, g_fn, t, **hyper) -> w``; ``state`` is a dict."""

    def optimizer(grad, w0, steps, **hyper):
        w, state, path = np.array(w0, F), {}, []
        for t in range(1, steps + 1):
            w = update(state, w, grad, t, **hyper)
            path.append(w)
        return np.array(path).reshape((steps, *np.shape(w0)))

    return optimizer


_SIGNATURE = "{name}(grad, w0, {extra}steps)"
_RETURNS = (
    " `grad(w)` returns the gradient at `w`; start from `w0` and return an array "
    "(steps, *w0.shape): the parameters after each of the `steps` updates."
)


def _exercise(name, title, questions, statement, extra, reference, cases, hyper, slips, hints, example, rtol=1e-6):
    return Exercise(
        name=name,
        title=title,
        questions=questions,
        function=name,
        signature=_SIGNATURE.format(name=name, extra="".join(f"{k}, " for k in extra)),
        statement=statement + _RETURNS,
        example=example,
        hints=hints,
        reference=reference,
        cases=_cases(cases),
        random=_random(hyper),
        slips=[Slip(*s) for s in slips],
        call=lambda impl, grad, w0, steps, **hyper: impl(grad=grad, w0=w0, steps=steps, **hyper),
        rtol=rtol,
        atol=1e-9,
    )


def _h(state, w):
    return state.get("h", np.zeros_like(w))


SGD = _exercise(
    "sgd",
    "The stochastic gradient descent step",
    (14,),
    r"""Plain gradient descent: $w \leftarrow w - \eta\, \nabla f(w)$ with $\eta$ = `lr`.""",
    ["lr"],
    lambda: lambda grad, w0, lr, steps: _keras_trajectory("SGD", {"learning_rate": lr}, grad, w0, steps),
    [{"lr": 0.1}, {"lr": 0.5}],
    {"lr": [0.01, 0.1, 0.5]},
    [
        (
            "gradient ascent",
            "the step went up the gradient (w + lr g); descend: w - lr g",
            _loop(lambda s, w, g, t, lr: w + lr * g(w)),
        ),
        (
            "stale gradient",
            "the gradient was taken once at w0 and reused; take it at the current w every step",
            _loop(lambda s, w, g, t, lr: w - lr * s.setdefault("g", g(w))),
        ),
    ],
    ["Call `grad(w)` at the current point every step.", "Store a copy of `w` after each step."],
    ">>> sgd(lambda w: 2 * w, np.array([1.0]), 0.25, 2)\narray([[0.5 ],\n       [0.25]])",
)


def _momentum(velocity, step):
    def update(s, w, g, t, lr, momentum):
        s["h"] = velocity(_h(s, w), g(w), lr, momentum)
        return step(w, s["h"], lr)

    return _loop(update)


SGD_MOMENTUM = _exercise(
    "sgd_momentum",
    "SGD with momentum (heavy ball)",
    (15,),
    r"""With the velocity $h$ starting at 0 and $a$ = `momentum`:
$h \leftarrow a h + \eta \nabla f(w)$, then $w \leftarrow w - h$.""",
    ["lr", "momentum"],
    lambda: (
        lambda grad, w0, lr, momentum, steps: _keras_trajectory(
            "SGD", {"learning_rate": lr, "momentum": momentum}, grad, w0, steps
        )
    ),
    [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.5, "momentum": 0.5}],
    {"lr": [0.05, 0.1, 0.3], "momentum": [0.5, 0.9]},
    [
        (
            "lr applied twice",
            "h = a h + lr g already holds the step; w <- w - h, not w - lr h",
            _momentum(lambda h, g, lr, a: a * h + lr * g, lambda w, h, lr: w - lr * h),
        ),
        (
            "exponential average of gradients",
            ("h = a h + (1 - a) g is another convention, with a step (1 - a) times smaller; here h = a h + lr g"),
            _momentum(lambda h, g, lr, a: a * h + (1 - a) * g, lambda w, h, lr: w - lr * h),
        ),
    ],
    ["Keep `h` between steps, the same shape as `w`.", "Update `h` first, then `w`."],
    ">>> sgd_momentum(lambda w: 2 * w, np.array([1.0]), 0.25, 0.5, 2)\narray([[0.5],\n       [0. ]])",
)


def _nesterov(point):
    def update(s, w, g, t, lr, momentum):
        s["h"] = momentum * _h(s, w) + lr * g(point(w, momentum * _h(s, w)))
        return w - s["h"]

    return _loop(update)


SGD_NESTEROV = _exercise(
    "sgd_nesterov",
    "Nesterov momentum",
    (15,),
    r"""Take the gradient at the look-ahead point that momentum alone would reach:
$h \leftarrow a h + \eta \nabla f(w - a h)$, then $w \leftarrow w - h$ ($h$ starts at 0).""",
    ["lr", "momentum"],
    lambda: (
        lambda grad, w0, lr, momentum, steps: _keras_trajectory(
            "SGD", {"learning_rate": lr, "momentum": momentum, "nesterov": True}, grad, w0, steps, nesterov=True
        )
    ),
    [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.5, "momentum": 0.5}],
    {"lr": [0.05, 0.1, 0.3], "momentum": [0.5, 0.9]},
    [
        (
            "gradient at w",
            "the gradient was taken at w (plain momentum); Nesterov takes it at w - a h",
            _nesterov(lambda w, ah: w),
        ),
        (
            "look-ahead with +",
            "the look-ahead point is w - a h (where momentum moves w), not w + a h",
            _nesterov(lambda w, ah: w + ah),
        ),
    ],
    ["The look-ahead uses the *old* h.", "Return the points w, not the look-ahead points."],
    ">>> sgd_nesterov(lambda w: 2 * w, np.array([1.0]), 0.25, 0.5, 2)\narray([[0.5  ],\n       [0.125]])",
)


def _adagrad(eps_inside=True, accumulate=True, root=True):
    def update(s, w, g, t, lr, eps):
        grad = g(w)
        s["G"] = (s.get("G", 0.0) if accumulate else 0.0) + grad**2
        scale = (np.sqrt(s["G"] + eps) if eps_inside else np.sqrt(s["G"]) + eps) if root else s["G"] + eps
        return w - lr * grad / scale

    return _loop(update)


ADAGRAD = _exercise(
    "adagrad",
    "The AdaGrad step",
    (16,),
    r"""Each parameter gets its own step size: with $G$ starting at 0 (element-wise),
$G \leftarrow G + g^2$, $w \leftarrow w - \eta\, g / \sqrt{G + \varepsilon}$ where $g = \nabla f(w)$
and $\varepsilon$ = `eps`.""",
    ["lr", "eps"],
    lambda: (
        lambda grad, w0, lr, eps, steps: _keras_trajectory(
            "AdaGrad", {"learning_rate": lr, "epsilon": eps}, grad, w0, steps
        )
    ),
    [{"lr": 0.5, "eps": 0.5}, {"lr": 1.0, "eps": 1e-7}],
    {"lr": [0.1, 0.5, 1.0], "eps": [1e-7, 0.1, 1.0]},
    [
        ("epsilon outside the square root", "sqrt(G) + eps instead of sqrt(G + eps)", _adagrad(eps_inside=False)),
        (
            "G not accumulated",
            "G must sum the squared gradients of all steps so far (G <- G + g^2)",
            _adagrad(accumulate=False),
        ),
        ("no square root", "the step divides by sqrt(G + eps), not by G + eps", _adagrad(root=False)),
    ],
    ["Everything is element-wise: `G` has the shape of `w`.", "Add `g ** 2` to `G` before the step."],
    ">>> adagrad(lambda w: 2 * w, np.array([1.0]), 0.5, 1e-7, 2)\narray([[0.5       ],\n       [0.27639321]])",
)


def _rmsprop(decay=True, eps_inside=True, swap=False):
    def update(s, w, g, t, lr, rho, eps):
        grad = g(w)
        keep, add = (1 - rho, rho) if swap else (rho, 1 - rho)
        s["G"] = (keep if decay else 1.0) * s.get("G", 0.0) + add * grad**2
        return w - lr * grad / (np.sqrt(s["G"] + eps) if eps_inside else np.sqrt(s["G"]) + eps)

    return _loop(update)


RMSPROP = _exercise(
    "rmsprop",
    "The RMSProp step",
    (16,),
    r"""AdaGrad with a running mean of squared gradients: with $G$ starting at 0 and $\rho$ = `rho`,
$G \leftarrow \rho G + (1 - \rho) g^2$, $w \leftarrow w - \eta\, g / \sqrt{G + \varepsilon}$.""",
    ["lr", "rho", "eps"],
    lambda: (
        lambda grad, w0, lr, rho, eps, steps: _keras_trajectory(
            "RMSProp", {"learning_rate": lr, "rho": rho, "epsilon": eps}, grad, w0, steps
        )
    ),
    [{"lr": 0.1, "rho": 0.9, "eps": 0.1}, {"lr": 0.3, "rho": 0.5, "eps": 1e-7}],
    {"lr": [0.01, 0.1, 0.3], "rho": [0.5, 0.9], "eps": [1e-7, 0.1, 1.0]},
    [
        (
            "no decay",
            ("G <- G + (1 - rho) g^2 (the notes' formula) never forgets; RMSProp decays it: rho G + (1 - rho) g^2"),
            _rmsprop(decay=False),
        ),
        ("epsilon outside the square root", "sqrt(G) + eps instead of sqrt(G + eps)", _rmsprop(eps_inside=False)),
        ("rho swapped", "the old G keeps weight rho and the new g^2 gets 1 - rho", _rmsprop(swap=True)),
    ],
    ["`rho` is the weight of the *old* average.", "The epsilon goes inside the square root."],
    ">>> rmsprop(lambda w: 2 * w, np.array([1.0]), 0.1, 0.9, 1e-7, 1)\narray([[0.68377227]])",
)


def _adam(correct_m=True, correct_v=True, eps_inside=False):
    def update(s, w, g, t, lr, beta_1, beta_2, eps):
        grad = g(w)
        s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * grad
        s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * grad**2
        m = s["m"] / (1 - beta_1**t) if correct_m else s["m"]
        v = s["v"] / (1 - beta_2**t) if correct_v else s["v"]
        return w - lr * m / (np.sqrt(v + eps) if eps_inside else np.sqrt(v) + eps)

    return _loop(update)


ADAM = _exercise(
    "adam",
    "The Adam step, with bias correction",
    (16,),
    r"""Momentum plus RMSProp, bias-corrected (Kingma and Ba, Algorithm 1). With $m = v = 0$ and the
step number $t = 1, 2, \dots$:
$m \leftarrow \beta_1 m + (1 - \beta_1) g$, $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
$\hat m = m / (1 - \beta_1^t)$, $\hat v = v / (1 - \beta_2^t)$,
$w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \varepsilon)$.""",
    ["lr", "beta_1", "beta_2", "eps"],
    lambda: (
        lambda grad, w0, lr, beta_1, beta_2, eps, steps: _keras_trajectory(
            "Adam", {"learning_rate": lr, "beta_1": beta_1, "beta_2": beta_2, "epsilon": eps}, grad, w0, steps
        )
    ),
    [{"lr": 0.1, "beta_1": 0.9, "beta_2": 0.999, "eps": 1e-8}, {"lr": 0.5, "beta_1": 0.5, "beta_2": 0.9, "eps": 0.1}],
    {"lr": [0.01, 0.1, 0.5], "beta_1": [0.5, 0.9], "beta_2": [0.9, 0.999], "eps": [1e-8, 0.1]},
    [
        (
            "no bias correction",
            ("m and v start at 0, so early averages are too small: divide them by 1 - beta^t"),
            _adam(correct_m=False, correct_v=False),
        ),
        ("only m corrected", "v needs its correction 1 - beta_2^t too", _adam(correct_v=False)),
        ("epsilon inside the square root", "Adam adds eps to sqrt(v_hat): sqrt(v_hat) + eps", _adam(eps_inside=True)),
    ],
    ["`t` starts at 1, so the first correction divides by 1 - beta.", "Keep `m` and `v` between steps."],
    ">>> adam(lambda w: 2 * w, np.array([1.0]), 0.1, 0.9, 0.999, 0.0, 2)\narray([[0.9       ],\n       [0.80041223]])",
    # The library's Adam computes the bias corrections from beta_1, beta_2 cast to the variable's
    # dtype through float32 (a Python float becomes a float32 tensor first): in float64 that is
    # ~1e-6 relative off the formula in the first steps, so Adam is compared at rtol 2e-5.
    rtol=2e-5,
)

EXERCISES = [SGD, SGD_MOMENTUM, SGD_NESTEROV, ADAGRAD, RMSPROP, ADAM]
