"""Checking a student's answer: read the forms people write, compare, say what is right and wrong.

Every problem carries an answer ``Spec`` that knows how its answer may be written (``"7x7"``
or ``7``; ``{w11, v21}`` or ``w11 v21``; ``5/14``, ``0.357`` or ``35.7%``; ``D1, D3``) and how
to compare it with the true answer. ``check(problem, answer)`` returns a ``Result`` whose
``feedback`` says which parts are right and what is wrong with the others; an answer that
cannot be read at all is ``malformed`` and the feedback says how to write it.
"""

import re
from dataclasses import dataclass, field

from keras_course.practice.specs import (
    Integer,
    Malformed,
    NameSet,
    Number,
    Shape,
    Spec,
    Vector,
    _join,
    _literal,
    fmt,
)

__all__ = ["Integer", "Malformed", "NameSet", "Number", "Parts", "Result", "Shape", "Spec", "Vector", "check", "fmt"]


@dataclass(frozen=True)
class Result:
    """The verdict on one answer.

    Attributes:
        correct: the whole answer is right.
        feedback: what is right and what is wrong, in words.
        malformed: the answer could not be read (``correct`` is then False).
        parts: ``{part: bool}`` for a problem with several parts.
    """

    correct: bool
    feedback: str
    malformed: bool = False
    parts: dict = field(default_factory=dict)


@dataclass
class Parts(Spec):
    """An answer of named parts, e.g. ``{"TP": ..., "AP": ...}``.

    Written as a dict, as ``name: value; name: value`` (``=`` works too; ``;``, ``|`` or new
    lines separate the parts), or as the values alone, in order, separated by ``;``.
    """

    parts: dict = field(default_factory=dict)  # name -> Spec
    aliases: dict = field(default_factory=dict)  # lower-case alias -> name

    @property
    def hint(self):
        groups = {}
        for name, spec in self.parts.items():
            groups.setdefault(spec.hint, []).append(name)
        form = f"`{'; '.join(f'{name}: ...' for name in self.parts)}`"
        if len(groups) == 1:
            return f"{form}, each {next(iter(groups))}"

        def names(group):
            return group[0] if len(group) == 1 else ", ".join(group[:-1]) + " and " + group[-1]

        return f"{form}, where " + "; ".join(f"{names(group)}: {hint}" for hint, group in groups.items())

    def _name(self, key):
        key = str(key).strip().lower()
        for name in self.parts:
            if key == name.lower():
                return name
        return self.aliases.get(key)

    def parse(self, raw):
        if isinstance(raw, str):
            literal = _literal(raw)
            if isinstance(literal, dict):
                raw = literal
        if isinstance(raw, dict):
            named = {}
            for key, value in raw.items():
                name = self._name(key)
                if name is None:
                    raise Malformed(f"unknown part {key!r}; the parts are {_join(self.parts)}")
                named[name] = value
        elif isinstance(raw, str):
            pieces = [p.strip() for p in re.split(r"[;|\n]", raw) if p.strip()]
            named, loose = {}, []
            for piece in pieces:
                match = re.match(r"^\s*([A-Za-z][\w \-.]*?)\s*[:=]\s*(.*)$", piece, re.DOTALL)
                name = self._name(match.group(1)) if match else None
                if name is not None:
                    named[name] = match.group(2)
                else:
                    loose.append(piece)
            rest = [n for n in self.parts if n not in named]
            if len(loose) > len(rest):
                raise Malformed(
                    f"expected {len(self.parts)} parts ({_join(self.parts)}) separated by ';', got {len(pieces)}"
                )
            named.update(zip(rest, loose, strict=False))  # the loose pieces fill the first unnamed parts
        else:
            raise Malformed(f"expected the parts {_join(self.parts)}, got {raw!r}")
        missing = [n for n in self.parts if n not in named]
        if missing:
            raise Malformed(
                f"missing part(s): {_join(missing)}; write e.g. " + "; ".join(f"{n}: ..." for n in self.parts)
            )
        parsed = {}
        for name, spec in self.parts.items():
            try:
                parsed[name] = spec.parse(named[name])
            except Malformed as error:
                raise Malformed(f"{name}: {error}") from None
        return parsed

    def compare(self, got, expected):
        verdicts, lines = {}, []
        for name, spec in self.parts.items():
            ok, message = spec.compare(got[name], expected[name])
            verdicts[name] = ok
            lines.append(f"{'right' if ok else 'wrong'} - {name}: {message}")
        return verdicts, "\n".join(lines)

    def text(self, expected):
        return "; ".join(f"{name}: {spec.text(expected[name])}" for name, spec in self.parts.items())


# --------------------------------------------------------------------------------- check
def check(problem, answer):
    """Check ``answer`` (a string as typed, or a Python value) against ``problem``'s answer.

    Returns a ``Result``; ``check(problem, problem.answer)`` and
    ``check(problem, str(problem.answer))`` are always correct.
    """
    spec = problem.spec
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Result(False, f"No answer given. Write {spec.hint}.", malformed=True)
    try:
        got = spec.parse(answer)
    except Malformed as error:
        return Result(False, f"Cannot read the answer: {error}. Write {spec.hint}.", malformed=True)
    verdict, message = spec.compare(got, problem.answer)
    if isinstance(verdict, dict):
        right = sum(verdict.values())
        head = "Correct." if right == len(verdict) else f"Not quite: {right} of {len(verdict)} parts right."
        return Result(right == len(verdict), f"{head}\n{message}", parts=verdict)
    return Result(bool(verdict), ("Correct: " if verdict else "Not quite: ") + message)
