"""Q4-Q5: a tiny scalar reverse-mode autodiff engine, and what a gradient depends on.

``Value`` wraps one float and remembers how it was computed; ``backward()`` walks the graph once
from the output back to the leaves, using every local derivative once per edge (backpropagation).
``Network`` is a small network as a graph of named units and edge weights (the notes' picture);
``gradient_dependencies`` reads off what ``dL/dw`` depends on from the paths ``w -> output``,
``numeric_dependencies`` confirms it by perturbation. ``keras_course.nn.path_sums`` computes the
same gradients the naive way (one product per path) and counts what both ways cost.
"""

import math

from keras_course.checks import check_choice, check_real, describe

__all__ = [
    "ACTIVATIONS",
    "Network",
    "Value",
    "gradient_dependencies",
    "notes_network",
    "numeric_dependencies",
]


def _check_number(value, name):
    # Finite only: a NaN leaf would silently turn every gradient into NaN.
    return check_real(name, value)


class Value:
    """A scalar node of a computation graph: ``data`` (the value) and ``grad`` (dOut/dself).

    Every operation returns a new ``Value`` that keeps its inputs (``parents``) and the
    local derivatives ``d(result)/d(parent)`` (``local_grads``). ``backward()`` applies the
    chain rule from this node to every node it was computed from.

    >>> x = Value(2.0); y = x * x + 3 * x; y.backward(); x.grad
    7.0
    """

    __slots__ = ("data", "grad", "label", "local_grads", "op", "parents")

    def __init__(self, data, parents=(), local_grads=(), op="", label=""):
        self.data = _check_number(data, "data")
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(local_grads)
        self.op = op
        self.label = label

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def wrap(other):
        """``other`` as a ``Value`` (a constant leaf when it is a plain number)."""
        return other if isinstance(other, Value) else Value(_check_number(other, "operand"))

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):
        other = Value.wrap(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = Value.wrap(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("the exponent of ** must be a plain number (use exp/log for x ** y)")
        exponent = _check_number(exponent, "exponent")
        if exponent == 0:
            return Value(1.0, (self,), (0.0,), "**0")
        if self.data == 0 and exponent < 1:
            raise ValueError(f"0 ** {exponent} has no derivative at 0")
        if self.data < 0 and not exponent.is_integer():
            raise ValueError(f"a negative base needs an integer exponent, got {self.data} ** {exponent}")
        return Value(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),), f"**{exponent:g}")

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Value.wrap(other))

    def __truediv__(self, other):
        other = Value.wrap(other)
        if other.data == 0:
            raise ZeroDivisionError("division by a Value equal to 0")
        return self * other**-1

    __radd__ = __add__  # addition and multiplication commute
    __rmul__ = __mul__

    def __rsub__(self, other):
        return Value.wrap(other) - self

    def __rtruediv__(self, other):
        return Value.wrap(other) / self

    # ------------------------------------------------------------------ functions
    def exp(self):
        out = math.exp(self.data)
        return Value(out, (self,), (out,), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive Value, got {self.data}")
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self):
        out = math.tanh(self.data)
        return Value(out, (self,), (1.0 - out * out,), "tanh")

    def sigmoid(self):
        # Written so that exp never overflows for large |x|.
        z = math.exp(-abs(self.data))
        out = 1.0 / (1.0 + z) if self.data >= 0 else z / (1.0 + z)
        return Value(out, (self,), (out * (1.0 - out),), "sigmoid")

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (float(self.data > 0),), "relu")

    # ------------------------------------------------------------------ backprop
    def topological_order(self):
        """Every node this one depends on, each after all of its parents (iterative DFS)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if id(p) not in seen)
        return order

    def backward(self):
        """Fill ``grad`` of every node with ``d(self)/d(node)``; returns the nodes in order.

        One sweep in reverse topological order: a node's ``grad`` is complete before it is
        pushed to its parents, and each edge costs one multiplication.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += node.grad * local
        return order


# ---------------------------------------------------------------------- networks as graphs
ACTIVATIONS = {"linear": lambda v: v, "relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid}
# Activations whose derivative is (locally) constant: through them, the gradient does not
# depend on the unit's pre-activation, hence not on the parameters that feed it.
_FLAT_DERIVATIVE = {"linear", "relu"}
LOSSES = ("output", "mse")


class Network:
    """A small feed-forward network drawn as a graph, the way the notes draw it.

    Args:
        inputs: names of the input nodes, e.g. ``("x1", "x2")``.
        units: ``{unit: (activation, {parent: parameter name})}`` in topological order;
            ``unit = activation(sum_parent parameter * parent)``.
        output: the unit whose value is the network's output ``a(x)``.
    """

    def __init__(self, inputs, units, output):
        inputs = tuple(inputs)
        if not inputs or not all(isinstance(n, str) for n in inputs):
            raise ValueError(f"inputs must be a non-empty sequence of names, got {inputs!r}")
        if not isinstance(units, dict) or not units:
            raise TypeError(f"units must be a non-empty dict {{unit: (activation, {{parent: param}})}}, got {units!r}")
        known, params = set(inputs), {}
        for unit, spec in units.items():
            if not (isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict) and spec[1]):
                raise ValueError(f"units[{unit!r}] must be (activation, {{parent: parameter}}), got {spec!r}")
            activation, edges = spec
            if activation not in ACTIVATIONS:
                raise ValueError(f"activation of {unit!r} must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
            if unit in known:
                raise ValueError(f"unit name {unit!r} is used twice")
            for parent, param in edges.items():
                if parent not in known:
                    raise ValueError(f"unit {unit!r} reads {parent!r}, which is not an input or an earlier unit")
                if param in params or param in known or param in units:
                    raise ValueError(f"parameter name {param!r} is used twice or clashes with a node name")
                params[param] = (parent, unit)
            known.add(unit)
        if output not in units:
            raise ValueError(f"output must be one of the units {list(units)}, got {output!r}")
        self.inputs, self.units, self.output = inputs, dict(units), output
        self.edges = params  # parameter -> (from node, to node)
        self.children = {n: [] for n in known}
        for param, (parent, unit) in params.items():
            self.children[parent].append((unit, param))

    @property
    def parameters(self):
        return tuple(self.edges)

    def forward(self, params, x):
        """All node values as ``Value``s: ``params`` and ``x`` are dicts of numbers or Values."""
        self._check_values(params, x)
        nodes = {name: Value.wrap(x[name]) for name in self.inputs}
        for unit, (activation, edges) in self.units.items():
            pre = sum((Value.wrap(params[p]) * nodes[parent] for parent, p in edges.items()), Value(0.0))
            nodes[unit] = ACTIVATIONS[activation](pre)
        return nodes

    def loss(self, params, x, y=None, loss="mse"):
        """``a(x)`` itself (``loss="output"``) or the squared error ``(a(x) - y) ** 2``."""
        check_choice("loss", loss, LOSSES)
        a = self.forward(params, x)[self.output]
        if loss == "output":
            return a
        if y is None:
            raise ValueError('loss="mse" needs a target y')
        return (a - y) ** 2

    def _check_values(self, params, x):
        for name, given, wanted in (("params", params, self.edges), ("x", x, self.inputs)):
            if not isinstance(given, dict):
                raise TypeError(f"{name} must be a dict {{name: number}}, got {describe(given)}")
            missing = [k for k in wanted if k not in given]
            if missing:
                raise ValueError(f"{name} must give a value for every one of {list(wanted)}, missing {missing}")
            for k in wanted:
                if not isinstance(given[k], Value):
                    check_real(f"{name}[{k!r}]", given[k])

    def gradients(self, params, x, y=None, loss="mse"):
        """``{parameter: dL/dparameter}`` by backprop through ``Value``s."""
        self._check_values(params, x)
        leaves = {p: Value(params[p], label=p) for p in self.edges}
        self.loss(leaves, x, y, loss).backward()
        return {p: v.grad for p, v in leaves.items()}

    # ----------------------------------------------------------------- structure
    def ancestors(self, node):
        """Parameters that the value of ``node`` depends on (every edge upstream of it)."""
        found, stack = set(), [node]
        while stack:
            n = stack.pop()
            if n in self.units:
                for parent, p in self.units[n][1].items():
                    if p not in found:
                        found.add(p)
                        stack.append(parent)
        return found

    def paths(self, start):
        """Every path from node ``start`` to the output, as lists of parameter names."""
        if start == self.output:
            return [[]]
        return [[p] + rest for child, p in self.children[start] for rest in self.paths(child)]


def notes_network():
    """The notes' example: two inputs, two hidden layers of two units, one output.

    ``a(x) = p11 f(v11 z1(x) + v21 z2(x)) + p21 h2(x)`` with ``z_j = g(w1j x1 + w2j x2)``,
    ``h_j = f(v1j z1 + v2j z2)``; ``f = g = tanh`` and a linear output.
    """
    return Network(
        inputs=("x1", "x2"),
        units={
            "z1": ("tanh", {"x1": "w11", "x2": "w21"}),
            "z2": ("tanh", {"x1": "w12", "x2": "w22"}),
            "h1": ("tanh", {"z1": "v11", "z2": "v21"}),
            "h2": ("tanh", {"z1": "v12", "z2": "v22"}),
            "a": ("linear", {"h1": "p11", "h2": "p21"}),
        },
        output="a",
    )


def _check_network(network, wrt=None):
    if not isinstance(network, Network):
        raise TypeError(f"network must be a keras_course.nn.autodiff.Network, got {type(network).__name__}")
    if wrt is not None and wrt not in network.edges:
        raise ValueError(f"wrt must be one of the parameters {list(network.parameters)}, got {wrt!r}")


def gradient_dependencies(network, wrt, loss="mse"):
    """The other parameters that ``dL/dw`` depends on, read from the paths ``w -> output``.

    For the edge ``w: u -> v``, ``dL/dw = L'(a) * u * sum over paths v -> a of the product of
    the edge factors ``w_e * act'(pre)`` along the path``. So it depends on

    - every weight on a path from ``v`` to the output;
    - every parameter upstream of ``u`` (through the value ``u``);
    - every parameter upstream of each unit on those paths whose activation has a
      non-constant derivative (tanh, sigmoid): ``act'(pre)`` changes with them;
    - with ``loss="mse"``, every parameter upstream of the output, through ``L'(a) = 2 (a - y)``.

    ReLU and linear units have a locally constant derivative, so they pass nothing on.
    Returns a set of parameter names without ``wrt`` itself.
    """
    _check_network(network, wrt)
    check_choice("loss", loss, LOSSES)
    source, target = network.edges[wrt]
    found = set(network.ancestors(source))
    for path in network.paths(target):
        nodes = [target] + [network.edges[p][1] for p in path]
        found.update(path)
        for node in nodes:
            if network.units[node][0] not in _FLAT_DERIVATIVE:
                found.update(network.ancestors(node))
    if loss == "mse":
        found.update(network.ancestors(network.output))
    found.discard(wrt)
    return found


def numeric_dependencies(network, wrt, params, x, y=None, loss="mse", step=1e-3, tol=1e-9):
    """The other parameters whose perturbation by ``step`` moves ``dL/dw`` by more than ``tol``.

    The numerical check of ``gradient_dependencies``: parameter values should be generic
    (random, non-zero), or a zero weight can hide a dependency that exists in general.
    """
    _check_network(network, wrt)
    check_choice("loss", loss, LOSSES)
    step = check_real("step", step, minimum=0.0, low_open=True)
    tol = check_real("tol", tol, minimum=0.0)
    base = network.gradients(params, x, y, loss)[wrt]
    moved = set()
    for other in network.parameters:
        if other == wrt:
            continue
        nudged = {**params, other: float(params[other]) + step}
        if abs(network.gradients(nudged, x, y, loss)[wrt] - base) > tol:
            moved.add(other)
    return moved
