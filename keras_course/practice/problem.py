"""The ``Problem`` record every generator returns, and small helpers for writing statements."""

import io
import numbers
from dataclasses import dataclass, field

from keras_course.practice.checker import Spec, fmt


@dataclass
class Problem:
    """One exam problem: its statement, its answer, and the worked solution.

    Attributes:
        kind: the generator's name (a key of ``KINDS``).
        questions: the exam questions it drills.
        seed, difficulty: what generated it; the same pair gives the same problem.
        title: a short name for headings.
        statement: the problem, Markdown with ``$...$`` LaTeX.
        answer: the answer as a Python value (int, float, tuple, list, set or a dict of parts).
        solution: the worked solution, Markdown with LaTeX.
        spec: how answers are read and compared (``keras_course.practice.checker``).
        answer_text: the answer as a student would write it.
        figure: None, or a function drawing the figure on a ``matplotlib.figure.Figure``.
        data: the problem's raw inputs (what the tests recompute the answer from).
    """

    kind: str
    questions: tuple
    seed: int
    difficulty: int
    title: str
    statement: str
    answer: object
    solution: str
    spec: Spec
    figure: object = None
    data: dict = field(default_factory=dict)
    answer_text: str = ""

    def __post_init__(self):
        if not self.answer_text:
            self.answer_text = self.spec.text(self.answer)
        self._png = None

    @property
    def answer_hint(self):
        """How to write the answer."""
        return self.spec.hint

    def figure_png(self):
        """The figure as PNG bytes (matplotlib, Agg), or None when the problem has none."""
        if self.figure is None:
            return None
        if self._png is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(6.4, 3.6), dpi=110, layout="constrained")
            self.figure(fig)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            fig.clear()
            self._png = buffer.getvalue()
        return self._png

    def text(self, solution=False):
        """The problem (and, with ``solution``, its answer and worked solution) as Markdown."""
        out = [
            f"**{self.title}** (Q{', Q'.join(map(str, self.questions))})",
            "",
            self.statement,
            "",
            f"*Answer format:* {self.answer_hint}.",
        ]
        if solution:
            out += ["", f"**Answer:** {self.answer_text}", "", self.solution]
        return "\n".join(out)


def num(value, digits=4):
    """A number for LaTeX: ``fmt`` with negatives in parentheses (ready to be multiplied)."""
    text = fmt(value, digits)
    return f"({text})" if text.startswith("-") else text


def big(value):
    """An integer for LaTeX with thin spaces between groups of three digits: ``100\\,480``."""
    return f"{int(value):,}".replace(",", "\\,")


def vec(values, digits=4):
    """A vector for LaTeX: ``(1.2,\\ -0.5)``."""
    return "(" + ",\\ ".join(fmt(v, digits) for v in values) + ")"


def matrix(rows, digits=4):
    """A matrix for LaTeX (``pmatrix``), rows of numbers."""
    body = " \\\\ ".join(" & ".join(fmt(v, digits) for v in row) for row in rows)
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"


def plain(value):
    """``value`` as a plain Python value (floats and ints, lists for arrays) for ``answer``."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def choice(rng, options):
    """One of ``options`` (a list), drawn with ``rng``."""
    return options[int(rng.integers(len(options)))]
