"""Q4-Q5: given a network and one weight w, which other parameters does dL/dw depend on?

The answer is ``keras_course.nn.autodiff.gradient_dependencies``; the solution reads it off the
paths from ``w`` to the loss (``Network.paths``) and the parameters upstream of each unit
(``Network.ancestors``). Where a ReLU unit being off (a negative pre-activation) changes the
answer, the solution says so, with the set ``numeric_dependencies`` finds at such a point.
"""

from keras_course.practice.checker import NameSet
from keras_course.practice.problem import choice

LAYER_UNITS = ("z", "h", "g")
LAYER_PARAMS = ("w", "v", "u")
LOSSES = {
    "output": ("L = a", "the derivative of the output itself, as in the notes"),
    "mse": ("L = (a - y)^2", "the squared error"),
    "cross-entropy": ("L = -y \\log a - (1 - y) \\log(1 - a)", "binary cross-entropy on a sigmoid output"),
}
_SMOOTH = ("tanh", "sigmoid")
_TEX_ACT = {"tanh": "\\tanh", "sigmoid": "\\sigma", "relu": "\\operatorname{ReLU}"}


def tex(name):
    """``w11`` -> ``w_{11}``, ``x1`` -> ``x_{1}``, ``a`` -> ``a``."""
    head, tail = name[0], name[1:]
    return f"{head}_{{{tail}}}" if tail else head


def _set(names):
    return "\\{" + ", ".join(tex(n) for n in sorted(names)) + "\\}" if names else "\\varnothing"


def build_network(rng, difficulty):
    """A random layered network: ``(inputs, units, output, loss)`` for ``autodiff.Network``."""
    widths = {1: [2, 2], 2: [2, 2, 2], 3: [2, 3, 2]}[difficulty]
    loss = ("output", "mse", "cross-entropy")[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]
    inputs = tuple(f"x{i + 1}" for i in range(widths[0]))
    layers = [list(inputs)]
    units = {}
    for depth, width in enumerate(widths[1:]):
        activation = choice(rng, ["tanh", "sigmoid", "relu"])
        names = [f"{LAYER_UNITS[depth]}{j + 1}" for j in range(width)]
        for j, name in enumerate(names):
            units[name] = (
                activation,
                {src: f"{LAYER_PARAMS[depth]}{i + 1}{j + 1}" for i, src in enumerate(layers[-1])},
            )
        layers.append(names)
    units["a"] = (
        "sigmoid" if loss == "cross-entropy" else "linear",
        {src: f"p{i + 1}1" for i, src in enumerate(layers[-1])},
    )
    layers.append(["a"])
    if difficulty > 1:  # drop an edge or two (every unit keeps an input and an output)
        for _ in range(difficulty - 1 + int(rng.random() < 0.5)):
            unit = choice(rng, [u for u in units if u != "a"])
            edges = units[unit][1]
            source = choice(rng, list(edges))
            out_degree = sum(source in e for _, e in units.values())
            if len(edges) > 1 and (source in inputs or out_degree > 1):
                del edges[source]
    return inputs, units, "a", loss, layers


def _find_relu_off(network, rng, off, loss):
    """Parameters and inputs where ReLU unit ``off`` is off and every other ReLU unit on."""
    relus = [u for u, (act, _) in network.units.items() if act == "relu"]
    for _ in range(400):
        params = {p: float(rng.choice([-1, 1]) * rng.uniform(0.4, 1.6)) for p in network.parameters}
        x = {i: float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.5)) for i in network.inputs}
        nodes = network.forward(params, x)
        pre = {u: nodes[u].parents[0].data for u in relus}
        if pre[off] < -0.1 and all(pre[u] > 0.1 for u in relus if u != off):
            y = 0.3 if loss == "output" else float(rng.uniform(0.05, 0.95))
            return params, x, y
    return None


def grad_deps(rng, difficulty):
    from keras_course.nn.autodiff import (
        Network,
        gradient_dependencies,
        numeric_dependencies,
    )

    inputs, units, output, loss, layers = build_network(rng, difficulty)
    network = Network(inputs, units, output)
    w = choice(rng, [p for p in network.parameters if not p.startswith("p")] + ["p11"] * (difficulty == 1))
    # gradient_dependencies knows "output" and "mse"; a cross-entropy on a sigmoid output has
    # dL/ds_a = a - y, which like 2 (a - y) depends on every parameter upstream of a.
    library_loss = "output" if loss == "output" else "mse"
    answer = set(gradient_dependencies(network, w, library_loss))

    source, target = network.edges[w]
    paths = network.paths(target)
    reasons = {}
    on_paths = sorted({p for path in paths for p in path})
    for p in on_paths:
        reasons.setdefault(p, f"it lies on a path from {w} to the output")
    before = sorted(network.ancestors(source))
    for p in before:
        reasons.setdefault(p, f"it feeds {source}, the value {w} multiplies")
    smooth_units = [
        u
        for u in dict.fromkeys([target] + [network.edges[p][1] for path in paths for p in path])
        if network.units[u][0] in _SMOOTH
    ]
    through = {u: sorted(network.ancestors(u)) for u in smooth_units}
    for u, params in through.items():
        for p in params:
            reasons.setdefault(p, f"it feeds {u}, whose {network.units[u][0]}' on the path changes with it")
    via_loss = sorted(network.ancestors(output)) if loss != "output" else []
    for p in via_loss:
        reasons.setdefault(p, "it changes a, and the loss's derivative L'(a) depends on a")
    pieces = set(on_paths) | set(before) | {p for ps in through.values() for p in ps} | set(via_loss)
    pieces.discard(w)
    if pieces != answer:
        raise RuntimeError(
            f"the worked solution {sorted(pieces)} disagrees with gradient_dependencies {sorted(answer)}"
        )
    for p in network.parameters:
        if p not in answer and p != w:
            reasons[p] = "it is on no path from w to the loss and feeds no unit whose derivative matters there"

    # --- the statement
    lines = []
    for u, (act, edges) in units.items():
        total = " + ".join(f"{tex(p)} {tex(s)}" for s, p in edges.items())
        body = total if act == "linear" else f"{_TEX_ACT[act]}({total})"
        lines.append(f"$${tex(u)} = {body}$$")
    formula, words = LOSSES[loss]
    statement = "\n".join(
        [
            (
                f"The network below has inputs {', '.join(f'${tex(i)}$' for i in inputs)}, one weight per edge and "
                "no biases:"
            ),
            "",
            *lines,
            "",
            (
                f"The loss is ${formula}$ ({words}). On which other parameters does "
                f"$\\partial L / \\partial {tex(w)}$ depend (for generic inputs and weights"
                + (", every ReLU active)?" if any(act == "relu" for act, _ in units.values()) else ")?")
            ),
        ]
    )

    # --- the worked solution
    arrow = " \\to ".join
    sol = [
        f"The weight ${tex(w)}$ sits on the edge ${tex(source)} \\to {tex(target)}$. By the chain rule",
        (
            f"$$\\frac{{\\partial L}}{{\\partial {tex(w)}}} = \\frac{{\\partial L}}{{\\partial a}} \\cdot "
            f"\\sum_{{\\text{{paths }} {tex(target)} \\to a}} \\prod_{{\\text{{edges}}}} (\\text{{weight}} \\cdot "
            f"\\text{{activation}}') \\cdot {tex(target)}'(s) \\cdot {tex(source)}$$"
        ),
        ("where each unit contributes the derivative of its activation at its pre-activation $s$. So it depends on:"),
        "",
    ]
    path_text = "; ".join(
        f"${arrow([tex(target)] + [tex(network.edges[p][1]) for p in path])}$"
        + (f" (weights {', '.join(f'${tex(p)}$' for p in path)})" if path else "")
        for path in paths
    )
    sol.append(f"1. the weights on the paths from ${tex(target)}$ to the output: {path_text}: ${_set(on_paths)}$;")
    sol.append(
        f"2. the value ${tex(source)}$ that ${tex(w)}$ multiplies: "
        + ("an input, no parameters;" if source in inputs else f"${_set(before)}$;")
    )
    flat = [
        u
        for u in dict.fromkeys([target] + [network.edges[p][1] for path in paths for p in path])
        if network.units[u][0] == "relu"
    ]
    relu_text = (
        (
            f" (the ReLU unit{'s' if len(flat) > 1 else ''} ${', '.join(tex(u) for u in flat)}$ on the paths "
            "add nothing: the derivative of ReLU is 1 while active)"
        )
        if flat
        else ""
    )
    if smooth_units:
        parts = "; ".join(f"${tex(u)}$ ({network.units[u][0]}, fed by ${_set(ps)}$)" for u, ps in through.items())
        sol.append(
            f"3. the parameters feeding each unit on those paths whose activation has a non-constant "
            f"derivative: {parts}{relu_text};"
        )
    else:
        sol.append(
            "3. nothing more through the activations: the units on the paths are ReLU or linear, whose "
            f"derivative is constant (1 while active){relu_text};"
        )
    if loss == "output":
        sol.append("4. nothing through the loss: $L = a$, so $\\partial L / \\partial a = 1$.")
    elif loss == "mse":
        sol.append(
            f"4. through $\\partial L / \\partial a = 2(a - y)$, every parameter upstream of $a$: ${_set(via_loss)}$."
        )
    else:
        sol.append(
            "4. through the loss: with a sigmoid output, $\\partial L / \\partial s_a = a - y$ depends "
            f"on $a$, so on every parameter upstream of $a$: ${_set(via_loss)}$."
        )
    sol += ["", f"Together (without ${tex(w)}$ itself): ${_set(answer)}$."]
    others = sorted(set(network.parameters) - answer - {w})
    sol.append(f"It does not depend on ${_set(others)}$." if others else "That is every other parameter.")

    notes = []
    for unit, (act, _) in units.items():
        if act != "relu":
            continue
        point = _find_relu_off(network, rng, unit, loss)
        if point is None:
            continue
        params, x, y = point
        local = set(numeric_dependencies(network, w, params, x, y, library_loss))
        if local == answer:
            continue
        zero = abs(network.gradients(params, x, y, library_loss)[w]) < 1e-12
        notes.append({"unit": unit, "params": params, "x": x, "y": y, "deps": sorted(local), "zero": zero})
        if zero:
            effect = f"$\\partial L / \\partial {tex(w)} = 0$ there, whatever the other parameters"
        else:
            effect = (
                f"$\\partial L / \\partial {tex(w)}$ then depends only on ${_set(local)}$ "
                f"(no longer on ${_set(answer - local)}$)"
            )
        sol += [
            "",
            (
                f"*When a ReLU is off.* If ${tex(unit)}$'s pre-activation is negative at the current input, "
                f"its ReLU outputs 0 and passes no gradient: {effect}. The answer above is the generic one, "
                "with every ReLU active."
            ),
        ]
    spec = NameSet(
        universe=tuple(p for p in network.parameters if p != w),
        reasons=reasons,
        what="parameters",
        example=", ".join(sorted(answer)[:2]) if len(answer) > 1 else "w11, v21",
    )

    def figure(fig):
        from keras_course.practice.figures import draw_network

        draw_network(fig, layers, units, w, formula)

    return {
        "title": "What does dL/dw depend on?",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(sol),
        "spec": spec,
        "figure": figure,
        "data": {"inputs": inputs, "units": units, "output": output, "loss": loss, "w": w, "relu_off": notes},
    }
