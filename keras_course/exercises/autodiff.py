"""Exercise of the backpropagation chapter (Q4, Q5): a scalar autodiff engine, ``Value``.

A case is a small program over registers (the leaves first) run with the student's class; the
output's data and the leaves' gradients after ``backward()`` are compared with the library's
``keras_course.nn.autodiff.Value``. ``make_value`` is an independent compact engine whose
switches make the known slips.
"""

import math

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library


# ------------------------------------------------------------------------------ autodiff (Q4, Q5)
def make_value(accumulate=True, ordered=True, tanh_of_output=True, power_minus_one=True):
    """A compact scalar autodiff class; its switches make the slips of the ``value`` exercise."""

    class Value:
        def __init__(self, data, parents=(), local_grads=()):
            self.data, self.grad, self.parents, self.local_grads = float(data), 0.0, parents, local_grads

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data + other.data, (self, other), (1.0, 1.0))

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data * other.data, (self, other), (other.data, self.data))

        def __pow__(self, k):
            return Value(self.data**k, (self,), (k * self.data ** (k - 1 if power_minus_one else k),))

        __radd__ = __add__
        __rmul__ = __mul__

        def __neg__(self):
            return self * -1.0

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return (-self) + other

        def __truediv__(self, other):
            return self * (other if isinstance(other, Value) else Value(other)) ** -1

        def __rtruediv__(self, other):
            return Value(other) * self**-1

        def exp(self):
            return Value(math.exp(self.data), (self,), (math.exp(self.data),))

        def log(self):
            return Value(math.log(self.data), (self,), (1.0 / self.data,))

        def tanh(self):
            t = math.tanh(self.data)
            return Value(t, (self,), (1 - (t * t if tanh_of_output else self.data**2),))

        def relu(self):
            return Value(max(self.data, 0.0), (self,), (float(self.data > 0),))

        def backward(self):
            if not ordered:  # push along every path at once, before a node's gradient is complete
                self.grad = 1.0

                def push(node):
                    for parent, local in zip(node.parents, node.local_grads, strict=True):
                        parent.grad += node.grad * local
                        push(parent)

                push(self)
                return
            order, seen = [], set()

            def visit(node):
                if id(node) not in seen:
                    seen.add(id(node))
                    for parent in node.parents:
                        visit(parent)
                    order.append(node)

            visit(self)
            self.grad = 1.0
            for node in reversed(order):
                for parent, local in zip(node.parents, node.local_grads, strict=True):
                    parent.grad = parent.grad + node.grad * local if accumulate else node.grad * local

    return Value


BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}
UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
    "sq": lambda a: a**2,
    "cube": lambda a: a**3,
    "inv": lambda a: a**-1,
    "2+": lambda a: 2.0 + a,
    "3*": lambda a: 3.0 * a,
    "1-": lambda a: 1.0 - a,
    "1/": lambda a: 1.0 / a,
}


def run_program(Value, program, leaves):
    """Evaluate ``program`` (instructions on registers; the leaves are registers 0..n-1) with the
    class ``Value``, call ``backward()`` on the last register; returns (data, leaf gradients)."""
    registers = [Value(v) for v in leaves]
    for op, *args in program:
        if op in BINARY:
            registers.append(BINARY[op](registers[args[0]], registers[args[1]]))
        else:
            registers.append(UNARY[op](registers[args[0]]))
    out = registers[-1]
    out.backward()
    return float(out.data), np.array([float(registers[i].grad) for i in range(len(leaves))])


def _programs(st, hnp):
    @st.composite
    def program(draw):
        n = draw(st.integers(1, 3))
        leaves = [float(draw(st.integers(-2, 2))) for _ in range(n)]
        steps = []
        for _ in range(draw(st.integers(1, 5))):
            op = draw(st.sampled_from(["+", "-", "*", "tanh", "relu", "sq", "cube", "2+", "3*", "1-", "neg"]))
            regs = st.integers(0, n + len(steps) - 1)
            steps.append((op, draw(regs), draw(regs)) if op in BINARY else (op, draw(regs)))
        return {"program": steps, "leaves": leaves}

    return program()


VALUE_SKELETON = '''class Value:
    """A scalar that remembers how it was computed: ``data``, ``grad``, its parents and the
    local derivatives d(self)/d(parent)."""

    def __init__(self, data, parents=(), local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        raise NotImplementedError("Value.__add__")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        raise NotImplementedError("Value.__mul__")

    def __pow__(self, k):  # k is a plain number
        raise NotImplementedError("Value.__pow__")

    def exp(self):
        raise NotImplementedError("Value.exp")

    def log(self):
        raise NotImplementedError("Value.log")

    def tanh(self):
        raise NotImplementedError("Value.tanh")

    def relu(self):
        raise NotImplementedError("Value.relu")

    def backward(self):
        """Set ``grad`` of every node this one depends on to d(self)/d(node)."""
        raise NotImplementedError("Value.backward")

    # Given: the rest is built from the operations above.
    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def __rtruediv__(self, other):
        return Value(other) * self ** -1
'''

VALUE = Exercise(
    name="value",
    title="A scalar autodiff engine: Value operations and backward()",
    questions=(4, 5),
    function="Value",
    signature="class Value",
    statement=r"""Write `Value`, a float that remembers how it was computed. Each operation returns a
new `Value` whose `parents` are its inputs and whose `local_grads` are the derivatives of
the result with respect to each input: for $c = a b$ they are $(b, a)$; for $c = a^k$,
$k a^{k-1}$; for $\tanh a$, $1 - \tanh^2 a$; for $e^a$, $e^a$; for $\log a$, $1/a$; for
$\mathrm{relu}(a)$, 1 if $a > 0$ else 0.

`out.backward()` sets `node.grad` $= \partial\,\mathrm{out} / \partial\,\mathrm{node}$ for every node
`out` depends on: `out.grad = 1`, then in reverse topological order (every node after all
the nodes computed from it) each node adds `node.grad * local` to each parent's `grad`.
A node used twice receives both contributions (the chain rule sums over paths).""",
    example=">>> x = Value(3.0); y = x * x + 2 * x; y.backward(); (y.data, x.grad)\n(15.0, 8.0)",
    hints=[
        "`grad` must accumulate (`+=`): `x * x` reaches `x` twice.",
        (
            "Sort the graph topologically first (a depth-first search that appends a node after its "
            "parents), then walk it backwards; pushing along every path at once counts paths twice."
        ),
    ],
    reference=lambda: library("keras_course.nn.autodiff", "Value"),
    call=lambda impl, program, leaves: run_program(impl, program, leaves),
    cases=[
        Case("x * y + x", {"program": [("*", 0, 1), ("+", 2, 0)], "leaves": [2.0, -3.0]}),
        Case("x * x * x: a node used three times", {"program": [("*", 0, 0), ("*", 1, 0)], "leaves": [3.0]}),
        Case("a diamond: a = 2x, (a + a) * a", {"program": [("3*", 0), ("+", 1, 1), ("*", 2, 1)], "leaves": [0.5]}),
        Case(
            "tanh, exp, log and relu",
            {
                "program": [
                    ("tanh", 0),
                    ("exp", 1),
                    ("sq", 0),
                    ("2+", 3),
                    ("log", 4),
                    ("relu", 1),
                    ("*", 2, 5),
                    ("+", 7, 6),
                ],
                "leaves": [0.7],
            },
        ),
        Case(
            "powers and division",
            {"program": [("cube", 0), ("inv", 1), ("/", 0, 1), ("1/", 3), ("-", 2, 4)], "leaves": [1.5, -0.5]},
        ),
    ],
    random=_programs,
    slips=[
        Slip(
            "gradient overwritten",
            "backward sets parent.grad = ... instead of adding to it, so a node used "
            "twice keeps only one path's contribution",
            make_value(accumulate=False),
        ),
        Slip(
            "no topological order",
            "backward pushes each node's gradient to its parents before that "
            "gradient is complete, so shared nodes pass some paths on twice",
            make_value(ordered=False),
        ),
        Slip(
            "tanh' = 1 - x^2",
            "the derivative of tanh is 1 - tanh(x)^2 (of the output), not 1 - x^2",
            make_value(tanh_of_output=False),
        ),
        Slip("power rule without -1", "d/dx x^k is k x^(k-1), not k x^k", make_value(power_minus_one=False)),
    ],
    needs_keras=False,
    skeleton=VALUE_SKELETON,
    imports="import math",
)

EXERCISES = [VALUE]
