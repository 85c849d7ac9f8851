"""Markdown with LaTeX formulas -> HTML with MathML, offline (markdown-it-py + latex2mathml).

``$...$`` is inline math, ``$$...$$`` displayed math (on its own lines, or inside a paragraph);
both become ``<math>`` elements at build time, so a page needs no script and no CDN. A formula
latex2mathml cannot convert raises ``MathError`` naming it: a page never shows raw LaTeX.
A blockquote whose text starts with **Errata** gets ``class="errata"`` (the recipes' box for
what the course notes get wrong).
"""

import re
from html.parser import HTMLParser

from latex2mathml.converter import convert
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = [
    "MathError",
    "highlight_python",
    "math_to_mathml",
    "plain_text",
    "render",
    "render_inline",
    "render_markdown",
]

# latex2mathml passes a command it does not know through as text (``<mi>\foo</mi>``): caught here.
_UNCONVERTED = re.compile(r">[^<]*?(\\[A-Za-z]+)")


# Standard LaTeX operators latex2mathml does not know, spelled in a form it does.
_OPERATORS = re.compile(r"\\(arg)(?![A-Za-z])")


# Chromium raises a prime set as a superscript (latex2mathml's f' -> <msup>f ′</msup>) far above
# the letter: the prime glyph is already a raised one, so it follows the letter on the baseline.
_PRIME = re.compile(r"<msup>(<m[in]>[^<]*</m[in]>)(<mrow>)?<mi>(&#x0203[234];)</mi>(?(2)</mrow>)</msup>")
# A slash and a bar are ordinary symbols in TeX (dL/dw, |W|, ||x||), not spaced operators
# (\mid is the spaced bar).
_ORDINARY = re.compile(r'<mo(?: fence="false")?(?: stretchy="false")?>(&#x0002F;|&#x0007C;|&#x02016;)</mo>')


# latex2mathml writes \log, \sin, \exp as a bare multi-letter <mi>, which Chromium sets with no
# space around it ("yloga"); TeX puts a thin space on each side, none before a parenthesis.
_FUNCTION = re.compile(r'<mi>([A-Za-z]{2,})</mi>(<mo stretchy="false">&#x00028;)?')


def _function(match):
    after = "0" if match.group(2) else "0.1667em"
    return f'<mo lspace="0.1667em" rspace="{after}">{match.group(1)}</mo>' + (match.group(2) or "")


def _tidy(mathml):
    mathml = _FUNCTION.sub(_function, mathml)
    mathml = _PRIME.sub(r'\1<mo lspace="0" rspace="0">\3</mo>', mathml)
    mathml = mathml.replace("<mo>&#x02202;</mo>", "<mi>&#x02202;</mi>")  # \partial is a letter in TeX
    return _ORDINARY.sub(r'<mo lspace="0" rspace="0" stretchy="false">\1</mo>', mathml)


class MathError(ValueError):
    """A formula latex2mathml cannot turn into MathML."""


def math_to_mathml(latex, display=False, where=None):
    """``latex`` as a ``<math>`` element (``display="block"`` when ``display``).

    Raises ``MathError`` naming the formula (and ``where``, the page) when it cannot be converted.
    """
    place = f" in {where}" if where else ""
    try:
        mathml = convert(_OPERATORS.sub(r"\\operatorname{\1}", latex), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises bare Exceptions of its own kinds
        raise MathError(f"cannot render the formula ${latex}${place}: {type(error).__name__} {error}") from error
    leftover = _UNCONVERTED.search(mathml)
    if leftover:
        raise MathError(f"cannot render the formula ${latex}${place}: unknown command {leftover.group(1)}")
    return _tidy(mathml)


def highlight_python(code):
    """Python source as highlighted HTML spans (pygments; the classes are styled in book.css)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))


def _fence_highlight(code, lang, _attrs):
    """Fenced code blocks: Python highlighted like the code cells; other languages escaped."""
    if lang in ("python", "py", "python3"):
        return f'<pre class="code"><code>{highlight_python(code)}</code></pre>\n'
    return ""  # markdown-it then escapes the code itself


def _math_rule(display, element):
    def rule(self, tokens, idx, options, env):
        mathml = math_to_mathml(tokens[idx].content.strip(), display=display, where=env.get("where"))
        css = "math-display" if display else "math"
        return f'<{element} class="{css}">{mathml}</{element}>' + ("\n" if element == "div" else "")

    return rule


def _mark_errata(state):
    """Give a blockquote that opens with **Errata** the class the stylesheet draws as a box."""
    tokens = state.tokens
    for i, token in enumerate(tokens[:-2]):
        if (
            token.type == "blockquote_open"
            and tokens[i + 1].type == "paragraph_open"
            and tokens[i + 2].content.lstrip().startswith("**Errata")
        ):
            token.attrSet("class", "errata")


_QUESTION = re.compile(r"Q\d+\.")


def _break_before_questions(state):
    """A line starting with **Qn.** (the recipes' headers list their questions line by line)
    starts a new line on the page too, instead of running on in the same paragraph."""
    for token in state.tokens:
        # markdown-it leaves empty text tokens around emphasis: look past them
        children = [c for c in token.children or [] if c.type != "text" or c.content]
        for i, child in enumerate(children[:-2]):
            if (
                child.type == "softbreak"
                and children[i + 1].type == "strong_open"
                and _QUESTION.fullmatch(children[i + 2].content)
            ):
                child.type, child.tag = "hardbreak", "br"


def _table_open(self, tokens, idx, options, env):
    # A wrapper that scrolls sideways, so a wide table never widens the page.
    return '<div class="table-wrap">' + self.renderToken(tokens, idx, options, env)


def _table_close(self, tokens, idx, options, env):
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def _parser():
    # Typographic quotes in prose; not markdown-it's other replacements, which would turn the
    # "(c)" of a problem's parts into a copyright sign.
    md = MarkdownIt("commonmark", {"highlight": _fence_highlight, "typographer": True}).enable(["table", "smartquotes"])
    # double_inline: the recipes and the practice solutions put $$...$$ inside paragraphs too.
    dollarmath_plugin(md, allow_labels=False, allow_space=True, allow_digits=True, double_inline=True)
    md.add_render_rule("math_inline", _math_rule(False, "span"))
    md.add_render_rule("math_inline_double", _math_rule(True, "span"))
    md.add_render_rule("math_block", _math_rule(True, "div"))
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    md.core.ruler.push("errata", _mark_errata)
    md.core.ruler.push("question_lines", _break_before_questions)
    return md


# A cell that holds one number (show_table's figures) is right-aligned, so digits line up.
_NUMBER_CELL = re.compile(r"<td>([-+]?(?:\d[\d,]*)?\.?\d+(?:e[-+]?\d+)?\s*%?)</td>")

_MD = _parser()  # parsing keeps its state per call: one parser serves every thread


def render_markdown(text, where=None):
    """Markdown ``text`` as HTML; formulas as MathML. ``where`` names the page in errors."""
    return _NUMBER_CELL.sub(r'<td class="num">\1</td>', _MD.render(text, {"where": where}))


def render_inline(text, where=None):
    """One line of Markdown (a caption, a label) as HTML without the enclosing ``<p>``."""
    return _MD.renderInline(text, {"where": where})


render = render_markdown  # the name the practice sheet, the exercise reports and tests import


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment, skipping formulas, scripts and styles."""

    SKIP = frozenset({"math", "script", "style"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.SKIP

    def handle_endtag(self, tag):
        self.depth -= tag in self.SKIP and self.depth > 0

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def plain_text(markup):
    """The words of an HTML fragment, tags and formulas stripped, whitespace collapsed
    (what the search index holds)."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
