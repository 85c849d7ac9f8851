"""Q14-Q16: a few steps of mini-batch SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam by hand.

The answer is what ``keras_course.optim``'s optimizers do to a ``keras.Variable`` (float64); the
solution shows every step with their state read from ``optimizer.variables``. Only the
problem's own loss gradient is computed here.
"""

import numpy as np

from keras_course.practice.checker import Parts, Vector, fmt
from keras_course.practice.problem import choice, num, plain, vec

EPSILON = 1e-8


def _v(values):
    """A value inside a formula: a scalar (negatives in parentheses) or a vector."""
    return num(values[0]) if len(values) == 1 else vec(values)


def _r(values):
    """A result, after '='."""
    return fmt(values[0]) if len(values) == 1 else vec(values)


def _loss(rng, dim, variant):
    """A quadratic loss: ``(text, gradient function, data)``; mini-batch: a mean over examples."""
    if variant == "mini-batch":
        points = rng.integers(-3, 4, (4, dim)).astype(float)
        batches = [sorted(rng.choice(4, 2, replace=False).tolist()) for _ in range(3)]
        one = "(w - x_i)^2" if dim == 1 else "\\|w - x_i\\|^2"
        rows = ", ".join(f"$x_{i + 1} = {_r(p)}$" for i, p in enumerate(points))
        text = (
            f"The loss is the mean over a mini-batch $B$ of $\\ell_i(w) = {one}$, with examples {rows}; "
            f"its gradient is $\\nabla L_B(w) = \\frac{{2}}{{|B|}} \\sum_{{i \\in B}} (w - x_i)$."
        )
        grad = [lambda w, b=b: 2 * (w - points[b].mean(axis=0)) for b in batches]
        return text, grad, {"points": plain(points), "batches": [list(b) for b in batches]}
    k = np.array([choice(rng, [0.5, 1.0, 2.0]) for _ in range(dim)])
    c = rng.integers(-2, 3, dim).astype(float)

    def shifted(i, power):
        name = f"w_{{{i + 1}}}" if dim > 1 else "w"
        if c[i] == 0:
            return name + power
        return f"({name} {'-' if c[i] > 0 else '+'} {fmt(abs(c[i]))}){power}"

    terms = " + ".join(f"{fmt(k[i]) if k[i] != 1 else ''}{shifted(i, '^2')}" for i in range(dim))
    grads = ", ".join(f"{fmt(2 * k[i]) if k[i] != 0.5 else ''}{shifted(i, '')}" for i in range(dim))
    text = (
        f"The loss is $L(w) = {terms}$, so $\\nabla L(w) = ({grads})$."
        if dim > 1
        else f"The loss is $L(w) = {terms}$, so $L'(w) = {grads}$."
    )
    return text, [lambda w: 2 * k * (w - c)] * 3, {"k": plain(k), "c": plain(c)}


def _state(optimizer):
    """The optimizer's slot variables (velocity, accumulator, m, v) by their last name part."""
    return {v.path.rsplit("_", 1)[-1].split("/")[-1]: np.array(v.numpy()) for v in optimizer.variables[2:]}


def _run(optimizer, w0, grads, steps, look_ahead=0.0):
    """Apply ``steps`` steps; returns the records ``(point where g is taken, g, state, variable)``."""
    import keras

    variable = keras.Variable(np.array(w0, dtype="float64"), dtype="float64")
    records = []
    for t in range(steps):
        point = np.array(variable.numpy())
        g = grads[t](point)
        optimizer.apply_gradients([(g, variable)])
        records.append((point, g, _state(optimizer), np.array(variable.numpy())))
    return records


def _answer(ws, dim):
    values = {f"w{t + 1}": plain(w) for t, w in enumerate(ws)}
    spec = Parts(
        {name: Vector(dim, labels=tuple(f"w_{i + 1}" for i in range(dim)) if dim > 1 else ()) for name in values},
        aliases={f"w_{t + 1}": f"w{t + 1}" for t in range(len(ws))},
    )
    return values, spec


def sgd(rng, difficulty):
    from keras_course.optim import SGD

    variant = choice(rng, ["mini-batch", "momentum", "nesterov"])
    dim, steps = (1, 2) if difficulty == 1 else (2, 2 if difficulty == 2 else 3)
    lr = float(choice(rng, [0.1, 0.2, 0.25, 0.05] if variant != "mini-batch" else [0.1, 0.25, 0.5]))
    momentum = float(choice(rng, [0.9, 0.5, 0.8])) if variant != "mini-batch" else 0.0
    loss_text, grads, data = _loss(rng, dim, variant)
    w0 = rng.integers(-2, 4, dim).astype(float)
    optimizer = SGD(learning_rate=lr, momentum=momentum, nesterov=variant == "nesterov")
    records = _run(optimizer, w0, grads, steps)
    a = momentum
    lines, w_prev, h_prev, ws = [], w0, np.zeros(dim), []
    for t, (point, g, state, var) in enumerate(records, start=1):
        if variant == "mini-batch":
            batch = ", ".join(str(i + 1) for i in data["batches"][t - 1])
            lines.append(
                f"- step {t}, batch $\\{{{batch}\\}}$: $g = {_r(g)}$, "
                f"$w_{t} = {_v(w_prev)} - {fmt(lr)} \\cdot {_v(g)} = {_r(var)}$"
            )
            w = var
        else:
            h = state["velocity"]
            if variant == "momentum":
                w = var
                lines.append(
                    f"- step {t}: $g = \\nabla L(w_{t - 1}) = {_r(g)}$; "
                    f"$h_{t} = {fmt(a)} \\cdot {_v(h_prev)} + {fmt(lr)} \\cdot {_v(g)} = {_r(h)}$; "
                    f"$w_{t} = {_v(w_prev)} - {_v(h)} = {_r(w)}$"
                )
            else:  # the library keeps the look-ahead point u = w - a h in the variable
                w = var + a * h
                lines.append(
                    f"- step {t}: look ahead to $w_{t - 1} - {fmt(a)}\\, h_{t - 1} = {_r(point)}$, "
                    f"$g = \\nabla L({_r(point)}) = {_r(g)}$; "
                    f"$h_{t} = {fmt(a)} \\cdot {_v(h_prev)} + {fmt(lr)} \\cdot {_v(g)} = {_r(h)}$; "
                    f"$w_{t} = {_v(w_prev)} - {_v(h)} = {_r(w)}$"
                )
            h_prev = h
        ws.append(w)
        w_prev = w
    answer, spec = _answer(ws, dim)
    rule = {
        "mini-batch": "mini-batch SGD: $w \\leftarrow w - \\eta \\nabla L_B(w)$, the gradient averaged over "
        "the step's mini-batch",
        "momentum": f"momentum: $h \\leftarrow \\alpha h + \\eta \\nabla L(w)$, $w \\leftarrow w - h$, "
        f"with $\\alpha = {fmt(a)}$ and $h_0 = 0$",
        "nesterov": f"Nesterov momentum: $h \\leftarrow \\alpha h + \\eta \\nabla L(w - \\alpha h)$ (the gradient "
        f"at the look-ahead point), $w \\leftarrow w - h$, with $\\alpha = {fmt(a)}$ and $h_0 = 0$",
    }[variant]
    batches = ""
    if variant == "mini-batch":
        batches = (
            " The mini-batches are "
            + ", ".join(
                f"step {t + 1}: $\\{{{', '.join(str(i + 1) for i in b)}\\}}$"
                for t, b in enumerate(data["batches"][:steps])
            )
            + "."
        )
    statement = (
        f"{loss_text} Starting from $w_0 = {_r(w0)}$, run {steps} steps of {rule}, learning rate "
        f"$\\eta = {fmt(lr)}$.{batches} Give $w$ after each step."
    )
    outro = {
        "mini-batch": "Each step sees only its mini-batch: the steps are noisy but cheap, and with a "
        "decaying learning rate they still converge.",
        "momentum": "The velocity $h$ accumulates past steps: along a direction where the gradient keeps its "
        "sign the step grows towards $\\eta g / (1 - \\alpha)$, across a ravine the signs cancel.",
        "nesterov": "Taking the gradient where momentum is about to carry $w$ corrects the step before it overshoots.",
    }[variant]
    return {
        "title": {
            "mini-batch": "Mini-batch SGD by hand",
            "momentum": "Momentum by hand",
            "nesterov": "Nesterov momentum by hand",
        }[variant],
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines + ["", outro]),
        "spec": spec,
        "data": {"variant": variant, "w0": plain(w0), "lr": lr, "momentum": a, "steps": steps, **data},
    }


def adaptive(rng, difficulty):
    from keras_course.optim import AdaGrad, Adam, RMSProp

    variant = choice(rng, ["adagrad", "rmsprop", "adam"])
    dim, steps = (1, 2) if difficulty == 1 else (2, 2 if difficulty == 2 else 3)
    loss_text, grads, data = _loss(rng, dim, "quadratic")
    w0 = rng.integers(-2, 4, dim).astype(float)
    lr = float(choice(rng, {"adagrad": [0.5, 1.0], "rmsprop": [0.1, 0.05], "adam": [0.1, 0.2]}[variant]))
    rho, beta_1, beta_2 = 0.9, 0.9, 0.999
    optimizer = {
        "adagrad": lambda: AdaGrad(lr, epsilon=EPSILON),
        "rmsprop": lambda: RMSProp(lr, rho=rho, epsilon=EPSILON),
        "adam": lambda: Adam(lr, beta_1=beta_1, beta_2=beta_2, epsilon=EPSILON),
    }[variant]()
    records = _run(optimizer, w0, grads, steps)
    lines, w_prev, prev = (
        [],
        w0,
        {"accumulator": np.zeros(dim), "square": np.zeros(dim), "m": np.zeros(dim), "v": np.zeros(dim)},
    )
    for t, (_point, g, state, w) in enumerate(records, start=1):
        head = f"- step {t}: $g = \\nabla L(w_{t - 1}) = {_r(g)}$; "
        if variant == "adagrad":
            G = state["accumulator"]
            lines.append(
                head + f"$G_{t} = {_v(prev['accumulator'])} + {_v(g)}^2 = {_v(G)}$; "
                f"$w_{t} = {_v(w_prev)} - {fmt(lr)} \\cdot {_v(g)} / \\sqrt{{{_v(G)}}} = {_r(w)}$"
            )
            prev["accumulator"] = G
        elif variant == "rmsprop":
            G = state["square"]
            lines.append(
                head + f"$G_{t} = {fmt(rho)} \\cdot {_v(prev['square'])} + {fmt(1 - rho)} \\cdot {_v(g)}^2 = "
                f"{_v(G)}$; $w_{t} = {_v(w_prev)} - {fmt(lr)} \\cdot {_v(g)} / \\sqrt{{{_v(G)}}} = {_r(w)}$"
            )
            prev["square"] = G
        else:
            m, v = state["m"], state["v"]
            m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
            lines.append(
                head + f"$m_{t} = {fmt(beta_1)} \\cdot {_v(prev['m'])} + {fmt(1 - beta_1)} \\cdot {_v(g)} = {_r(m)}$, "
                f"$v_{t} = {fmt(beta_2)} \\cdot {_v(prev['v'])} + {fmt(1 - beta_2, 3)} \\cdot {_v(g)}^2 = {_r(v)}$; "
                f"$\\hat m = m_{t} / (1 - {fmt(beta_1)}^{t}) = {_r(m_hat)}$, "
                f"$\\hat v = v_{t} / (1 - {fmt(beta_2)}^{t}) = {_r(v_hat)}$; "
                f"$w_{t} = {_v(w_prev)} - {fmt(lr)} \\cdot \\hat m / \\sqrt{{\\hat v}} = {_r(w)}$"
            )
            prev["m"], prev["v"] = m, v
        w_prev = w
    answer, spec = _answer([r[3] for r in records], dim)
    rule = {
        "adagrad": "AdaGrad: $G \\leftarrow G + g^2$, $w \\leftarrow w - \\eta\\, g / \\sqrt{G + \\varepsilon}$ "
        "(element-wise, $G_0 = 0$)",
        "rmsprop": f"RMSProp: $G \\leftarrow \\rho G + (1 - \\rho) g^2$, $w \\leftarrow w - \\eta\\, g / "
        f"\\sqrt{{G + \\varepsilon}}$ (element-wise, $G_0 = 0$, $\\rho = {fmt(rho)}$)",
        "adam": f"Adam: $m \\leftarrow \\beta_1 m + (1 - \\beta_1) g$, $v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2$, "
        "$\\hat m = m / (1 - \\beta_1^t)$, $\\hat v = v / (1 - \\beta_2^t)$, "
        "$w \\leftarrow w - \\eta\\, \\hat m / (\\sqrt{\\hat v} + \\varepsilon)$ "
        f"($m_0 = v_0 = 0$, $\\beta_1 = {fmt(beta_1)}$, $\\beta_2 = {fmt(beta_2)}$)",
    }[variant]
    statement = (
        f"{loss_text} Starting from $w_0 = {_r(w0)}$, run {steps} steps of {rule} with learning rate "
        f"$\\eta = {fmt(lr)}$ and $\\varepsilon = 10^{{-8}}$ (negligible). Give $w$ after each step."
    )
    outro = {
        "adagrad": "The first step moves every coordinate by exactly $\\eta$ (there $g / \\sqrt{g^2} = \\pm 1$); "
        "afterwards $G$ only grows, so the steps shrink, fastest for the coordinates with large "
        "gradients.",
        "rmsprop": "$G$ is a running mean of $g^2$, so unlike AdaGrad's sum it forgets old gradients and the "
        "step size does not decay forever.",
        "adam": "The bias corrections undo the zero start of $m$ and $v$: the first step has size about $\\eta$ "
        "in every coordinate, whatever the scale of the gradient.",
    }[variant]
    return {
        "title": {"adagrad": "AdaGrad by hand", "rmsprop": "RMSProp by hand", "adam": "Adam by hand"}[variant],
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines + ["", outro]),
        "spec": spec,
        "data": {
            "variant": variant,
            "w0": plain(w0),
            "lr": lr,
            "steps": steps,
            "rho": rho,
            "beta_1": beta_1,
            "beta_2": beta_2,
            "epsilon": EPSILON,
            **data,
        },
    }
