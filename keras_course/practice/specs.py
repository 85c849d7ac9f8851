"""Answer specs: how one kind of answer is written, read and compared (numbers, sizes, shapes,
vectors, sets of names). ``keras_course.practice.checker`` combines them and gives the verdict."""

import ast
import math
import numbers
import re
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["Integer", "Malformed", "NameSet", "Number", "Shape", "Spec", "Vector", "fmt", "parse_number"]


class Malformed(ValueError):
    """An answer that cannot be read as the kind of answer the problem asks for."""


# ------------------------------------------------------------------------------- reading
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00d7": "x", "\u2009": " ", "\u00a0": " "})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _clean(text):
    return str(text).translate(_MINUS).replace("$", "").strip()


def _literal(text):
    """``text`` as a Python literal (what ``str(answer)`` writes), or None."""
    text = text.strip()
    if text == "set()":
        return set()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def parse_number(token):
    """One number as people write it: ``0.357``, ``-1e-3``, ``5/14``, ``35.7%``, ``0,357``."""
    if isinstance(token, bool):
        raise Malformed(f"{token!r} is not a number")
    if isinstance(token, numbers.Real):
        value = float(token)
    else:
        text = _clean(token).replace("\\frac{", "(").replace("}{", ")/(").rstrip("}")
        text = text.replace(" ", "")
        if re.fullmatch(r"[+-]?\d+,\d+", text):
            text = text.replace(",", ".")
        percent = text.endswith("%")
        text = text.rstrip("%")
        match = re.fullmatch(r"\(?([^()/]+)\)?/\(?([^()/]+)\)?", text)
        try:
            if match:
                value = float(Fraction(match.group(1)) / Fraction(match.group(2)))
            elif _NUMBER.match(text):
                value = float(text)
            else:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            raise Malformed(f"{str(token).strip()!r} is not a number") from None
        value = value / 100 if percent else value
    if not math.isfinite(value):
        raise Malformed(f"{token!r} is not a finite number")
    return value


def _tokens(text):
    """The items of a list written as text: brackets dropped, split on commas, semicolons, spaces."""
    text = _clean(text)
    text = re.sub(r"[\[\](){}]", " ", text)
    return [t for t in re.split(r"[,;\s]+|\band\b", text) if t]


def _flatten(value):
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flatten(item)]
    if hasattr(value, "tolist"):
        return _flatten(value.tolist())
    return [value]


def fmt(value, digits=4):
    """A number as a student would write it: integers plain, others to ``digits`` significant digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}g}"
    return text if "e" not in text else f"{value:.{digits}e}"


def _join(items):
    items = list(items)
    return ", ".join(str(i) for i in items) if items else "none"


# --------------------------------------------------------------------------------- specs
class Spec:
    """How one answer is written, read and compared. Subclasses define ``parse`` and ``compare``."""

    hint = ""

    def parse(self, raw):
        raise NotImplementedError

    def compare(self, got, expected):
        """``(correct, feedback)`` for a parsed answer."""
        raise NotImplementedError

    def text(self, expected):
        """The true answer written as a student would write it."""
        return str(expected)


@dataclass
class Number(Spec):
    """A real number, right within ``tol + rel * |answer|``."""

    tol: float = 5e-3
    rel: float = 5e-3
    mistakes: dict = field(default_factory=dict)  # value -> what that value means

    @property
    def hint(self):
        return f"a number, to within {fmt(self.tol)} (a fraction such as 2/3 or a percentage such as 66.7% is read too)"

    def parse(self, raw):
        if isinstance(raw, (list, tuple, set, dict)):
            raise Malformed(f"expected one number, got {type(raw).__name__} {raw!r}")
        return parse_number(raw)

    def close(self, got, expected):
        return abs(got - expected) <= self.tol + self.rel * abs(expected)

    def compare(self, got, expected):
        if self.close(got, expected):
            return True, f"{fmt(got)} is right (exactly {fmt(expected, 6)})."
        for value, meaning in self.mistakes.items():
            if self.close(got, value):
                return False, f"{fmt(got)} is not it: {meaning}."
        side = "too large" if got > expected else "too small"
        return False, f"{fmt(got)} is {side} (off by {fmt(abs(got - expected), 3)})."

    def text(self, expected):
        return fmt(expected)


@dataclass
class Integer(Spec):
    """A whole number; ``square=True`` also reads ``7x7`` (the size of a square field or map)."""

    square: bool = False
    mistakes: dict = field(default_factory=dict)

    @property
    def hint(self):
        return "a whole number" + (", e.g. 7 or 7x7" if self.square else "")

    def parse(self, raw):
        if isinstance(raw, bool):
            raise Malformed(f"{raw!r} is not a whole number")
        if isinstance(raw, (tuple, list)) and self.square and len(raw) == 2:
            return tuple(self.parse(v) for v in raw)
        if isinstance(raw, numbers.Real):
            if float(raw) != int(raw):
                raise Malformed(f"{raw!r} is not a whole number")
            return int(raw)
        text = _clean(raw).lower()
        text = re.sub(r"\s*(px|pixels?|params?|parameters?|weights?)\.?$", "", text)
        pair = re.fullmatch(r"\(?\s*(\d+)\s*(?:x|\*|by|,)\s*(\d+)\s*\)?", text)
        if pair and self.square:
            return int(pair.group(1)), int(pair.group(2))
        if re.fullmatch(r"\d{1,3}([ ,_'\u202f]\d{3})+", text):
            text = re.sub(r"[ ,_'\u202f]", "", text)
        try:
            value = parse_number(text)
        except Malformed:
            raise Malformed(f"{str(raw).strip()!r} is not a whole number") from None
        if value != int(value):
            raise Malformed(f"{str(raw).strip()!r} is not a whole number")
        return int(value)

    def compare(self, got, expected):
        if isinstance(got, tuple):
            if got[0] != got[1]:
                return False, f"{got[0]}x{got[1]} is not square; here both sides are {expected}."
            got = got[0]
        if got == expected:
            return True, f"{got} is right."
        if got in self.mistakes:
            return False, f"{got} is not it: {self.mistakes[got]}."
        return False, f"{got} is {'too large' if got > expected else 'too small'}."

    def text(self, expected):
        return f"{expected}x{expected}" if self.square else str(expected)


@dataclass
class Shape(Spec):
    """A tensor shape without the batch axis: ``(7, 7, 16)``, ``7x7x16`` or ``7 7 16``."""

    labels: tuple = ("height", "width", "channels")
    what: str = ""

    @property
    def hint(self):
        return self.what or (
            "a shape such as 7x7x16 or (7, 7, 16), without the batch axis"
            if len(self.labels) == 3
            else f"a shape such as {', '.join(['16', '32'][: len(self.labels)])}, without the batch axis"
        )

    def parse(self, raw):
        if isinstance(raw, str):
            literal = _literal(raw)
            raw = (
                literal
                if isinstance(literal, (tuple, list))
                else re.split(r"\s*x\s*|[,\s()\[\]]+", _clean(raw).lower())
            )
        if not isinstance(raw, (tuple, list)):
            raise Malformed(f"{raw!r} is not a shape")
        items = [v for v in raw if v not in ("", None) and str(v).lower() not in ("none", "batch", "n", "b")]
        try:
            dims = tuple(Integer().parse(v) for v in items)
        except Malformed:
            raise Malformed(f"{raw!r} is not a shape of whole numbers") from None
        if len(dims) != len(self.labels):
            raise Malformed(f"expected {len(self.labels)} sizes ({', '.join(self.labels)}), got {len(dims)}")
        return dims

    def compare(self, got, expected):
        right = [name for name, g, e in zip(self.labels, got, expected, strict=True) if g == e]
        wrong = [f"{name} {g} should be {e}" for name, g, e in zip(self.labels, got, expected, strict=True) if g != e]
        if not wrong:
            return True, f"{self.text(got)} is right."
        return False, (f"right: {_join(right)}; " if right else "") + "; ".join(wrong) + "."

    def text(self, expected):
        return "x".join(str(v) for v in expected)


@dataclass
class Vector(Spec):
    """A fixed number of reals (a vector or a small matrix, row by row), each within a tolerance."""

    length: int = 1
    labels: tuple = ()
    tol: float = 5e-3
    rel: float = 5e-3

    @property
    def hint(self):
        return f"{self.length} numbers separated by commas or spaces" if self.length > 1 else "a number"

    def parse(self, raw):
        if isinstance(raw, str):
            literal = _literal(raw)
            raw = literal if isinstance(literal, (list, tuple, numbers.Real)) else _tokens(raw)
        values = [parse_number(v) for v in _flatten(raw)]
        if len(values) != self.length:
            raise Malformed(f"expected {self.length} numbers, got {len(values)}")
        return values

    def compare(self, got, expected):
        number = Number(self.tol, self.rel)
        names = self.labels or tuple(f"entry {i + 1}" for i in range(self.length))
        expected = _flatten(expected)
        wrong = [
            f"{n}: {fmt(g)} should be {fmt(e)}"
            for n, g, e in zip(names, got, expected, strict=True)
            if not number.close(g, e)
        ]
        if not wrong:
            return True, "all right." if self.length > 1 else f"{fmt(got[0])} is right."
        ok = self.length - len(wrong)
        return False, (f"{ok} of {self.length} right; " if self.length > 1 else "") + "; ".join(wrong) + "."

    def text(self, expected):
        return ", ".join(fmt(v) for v in _flatten(expected))


def _name_key(name):
    return re.sub(r"[\s$\\{}_'\"`]", "", str(name)).lower()


@dataclass
class NameSet(Spec):
    """A set of names in any order: parameter names, n-grams, box numbers.

    Args:
        universe: the names that exist (an unknown name makes the answer malformed), or None.
        reasons: ``{name: why}`` quoted in the feedback when a name is missing or extra.
        what: what the names are, for messages ("parameters", "n-grams", "boxes").
        prefix: a letter that may precede numbers ("D" reads ``D1`` as 1).
        numeric: the names are numbers (box numbers).
    """

    universe: tuple = None
    reasons: dict = field(default_factory=dict)
    what: str = "names"
    prefix: str = ""
    numeric: bool = False
    example: str = "w11, v21"

    @property
    def hint(self):
        return f"the {self.what}, in any order, separated by commas (e.g. {self.example}); 'none' for none"

    def _key(self, item):
        if self.numeric:
            text = re.sub(rf"^(?:{re.escape(self.prefix)}|#|no\.?)\s*", "", str(item).strip(), flags=re.IGNORECASE)
            try:
                return Integer().parse(text)
            except Malformed:
                raise Malformed(f"{str(item).strip()!r} is not a {self.what[:-1]} number") from None
        return str(item).strip().strip("'\"`").lower() if self.what == "n-grams" else _name_key(item)

    def parse(self, raw):
        if isinstance(raw, str):
            text = _clean(raw)
            if text.lower() in ("", "none", "nothing", "no", "{}", "[]", "set()", "\u2205", "empty"):
                return set()
            literal = _literal(text)
            if self.numeric and not isinstance(literal, (set, list, tuple, frozenset, int)):
                literal = re.findall(r"\d+", text)
                if not literal:
                    raise Malformed(f"no {self.what[:-1]} numbers in {text!r}")
            if isinstance(literal, (set, list, tuple, frozenset)):
                raw = literal
            elif isinstance(literal, (str, int)) and not isinstance(literal, bool):
                raw = [literal]
            elif self.what == "n-grams":
                text = text.strip()
                text = text[1:-1] if text[:1] in "{[" and text[-1:] in "}]" else text
                raw = [t for t in re.split(r"[,;\s]+", text) if t]
            else:  # w_{11} and w_11 are w11
                raw = _tokens(re.sub(r"_\{?(\w+)\}?", r"\1", text))
        elif isinstance(raw, (int, str)) and not isinstance(raw, bool):
            raw = [raw]
        if not isinstance(raw, (set, list, tuple, frozenset)):
            raise Malformed(f"expected a set of {self.what}, got {raw!r}")
        got = {self._key(item) for item in raw}
        if self.universe is not None:
            known = {self._key(u): u for u in self.universe}
            unknown = sorted(str(g) for g in got if g not in known)
            if unknown:
                raise Malformed(
                    f"unknown {self.what}: {', '.join(unknown)} (the {self.what} are {_join(self.universe)})"
                )
            got = {known[g] for g in got}
        return got

    def compare(self, got, expected):
        expected = {self._key(e) if self.universe is None else e for e in expected}
        missing, extra = sorted(expected - got, key=str), sorted(got - expected, key=str)
        if not missing and not extra:
            return True, f"all {len(expected)} right." if expected else "right: none."
        lines = []
        if expected & got:
            lines.append(f"right: {_join(sorted(expected & got, key=str))}")
        for label, names in (("missing", missing), ("not in the answer", extra)):
            if names:
                why = [f"{n} ({self.reasons[n]})" if n in self.reasons else str(n) for n in names]
                lines.append(f"{label}: {'; '.join(why)}")
        return False, "; ".join(lines) + "."

    def text(self, expected):
        items = sorted(expected, key=lambda v: (len(str(v)), str(v))) if self.what == "n-grams" else sorted(expected)
        return ", ".join(f"{self.prefix}{v}" for v in items) if items else "none"
