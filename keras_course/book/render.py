"""An executed notebook's cells as HTML: the prose, each code cell, and its real outputs.

Markdown cells go through ``markdown.render_markdown`` (formulas as MathML); code cells are
highlighted by pygments into ``<pre class="code">``; their outputs follow in
``<div class="outputs">``: printed text, ``show_table``'s Markdown tables, HTML, and PNG figures
written as files beside the page, each with the caption ``show_figure`` put in its metadata.
"""

import ast
import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from keras_course.book.markdown import highlight_python, render_inline, render_markdown

__all__ = ["Rendered", "parameters_note", "render_notebook", "terminal_text"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Reprs a cell's last expression leaves behind that say nothing to a reader: the Path a
# save_figure call returns, None, matplotlib's artists and figures.
_NOISE = re.compile(
    r"^(?:(?:Posix|Windows)?Path\(.*\)|None|<Figure size .*>|\[?<matplotlib\..*>\]?|Text\(.*\))$", re.DOTALL
)


@dataclass
class Rendered:
    """The cells' HTML, and the figures written: ``{file name: caption}``."""

    html: str
    figures: dict = field(default_factory=dict)


def terminal_text(text):
    """Text as a terminal would show it: colour codes dropped, each ``\\r`` overwriting its line
    (Keras progress bars), backspaces applied."""
    text = _ANSI.sub("", text)
    lines = []
    for line in text.split("\n"):
        kept = []
        for char in line.rstrip("\r").rsplit("\r", 1)[-1]:
            if char != "\b":
                kept.append(char)
            elif kept:
                kept.pop()
        lines.append("".join(kept))
    return "\n".join(lines)


def parameters_note(source):
    """The injected-parameters cell as a sentence: ``quick=True, seed=0`` (``out`` left out: a
    folder of this build, not a choice the reader makes)."""
    values = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id != "out":
            values.append(f"{node.targets[0].id}={ast.unparse(node.value)}")
    return (
        '<p class="parameters-note">Parameters of this build: <code>'
        + html.escape(", ".join(values))
        + "</code> (set by the book after the cell above).</p>\n"
    )


class _Figures:
    """Writes the PNG outputs of one notebook into one folder, one unique name each."""

    def __init__(self, folder, url):
        self.folder, self.url, self.captions = Path(folder), url.rstrip("/") + "/", {}

    def write(self, output, fallback):
        meta = output.get("metadata", {}).get("keras_course", {})
        name = Path(meta.get("file") or fallback).name
        stem, number = Path(name).stem, 2
        while name in self.captions:  # a recipe may show the same file twice; keep both versions
            name, number = f"{stem}-{number}.png", number + 1
        caption = (meta.get("caption") or "").strip()
        self.captions[name] = caption
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(base64.b64decode(output["data"]["image/png"]))
        src = html.escape(self.url + name)
        if not caption:
            return f'<figure class="output"><img src="{src}" alt="{html.escape(name)}"></figure>\n'
        return (
            f'<figure class="output"><img src="{src}" alt="{html.escape(caption)}">'
            f"<figcaption>{render_inline(caption)}</figcaption></figure>\n"
        )


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def _data_output(output, figures, fallback, where):
    """A display_data or execute_result bundle, best representation first; "" for noise."""
    data = output.get("data", {})
    if "image/png" in data:
        return figures.write(output, fallback)
    if "text/html" in data:
        return f'<div class="html-output">{_text(data["text/html"])}</div>\n'
    if "text/markdown" in data:
        return f'<div class="markdown-output">{render_markdown(_text(data["text/markdown"]), where)}</div>\n'
    plain = _text(data.get("text/plain", "")).strip()
    if not plain or (output["output_type"] == "execute_result" and _NOISE.match(plain)):
        return ""
    return f'<pre class="result">{html.escape(terminal_text(plain))}</pre>\n'


def _error_output(output):
    traceback = terminal_text("\n".join(output.get("traceback", [])))
    return (
        '<div class="error"><p><strong>'
        + html.escape(output.get("ename", "Error"))
        + "</strong>: "
        + html.escape(output.get("evalue", ""))
        + "</p><details><summary>Traceback</summary><pre>"
        + html.escape(traceback)
        + "</pre></details></div>\n"
    )


def _merged_streams(outputs):
    """Consecutive stream outputs of the same stream joined (the kernel flushes in pieces)."""
    merged = []
    for output in outputs:
        if (
            output["output_type"] == "stream"
            and merged
            and merged[-1]["output_type"] == "stream"
            and merged[-1]["name"] == output["name"]
        ):
            merged[-1] = {**merged[-1], "text": _text(merged[-1]["text"]) + _text(output["text"])}
        else:
            merged.append(output)
    return merged


def _outputs(cell, index, figures, where):
    parts = []
    for k, output in enumerate(_merged_streams(cell.get("outputs", []))):
        kind = output["output_type"]
        if kind == "stream":
            text = terminal_text(_text(output["text"])).strip("\n")
            if text.strip():
                parts.append(f'<pre class="stream {output["name"]}">{html.escape(text)}</pre>\n')
        elif kind in ("display_data", "execute_result"):
            parts.append(_data_output(output, figures, f"output-{index:02d}-{k}.png", where))
        elif kind == "error":
            parts.append(_error_output(output))
    body = "".join(parts)
    return f'<div class="outputs">\n{body}</div>\n' if body else ""


def _code_cell(cell, index, figures, where):
    tags = cell.get("metadata", {}).get("tags", [])
    if "injected-parameters" in tags:
        return parameters_note(cell.source)
    if not cell.source.strip():
        return ""
    css = "cell parameters" if "parameters" in tags else "cell"
    label = '<p class="cell-label">Parameters (the defaults of a full run)</p>\n' if "parameters" in tags else ""
    code = f'<pre class="code"><code>{highlight_python(cell.source)}</code></pre>\n'
    return f'<div class="{css}">\n{label}{code}{_outputs(cell, index, figures, where)}</div>\n'


def render_notebook(notebook, figure_dir, figure_url, where=None):
    """The cells of ``notebook`` (nbformat, executed) as HTML.

    PNG outputs are written to ``figure_dir`` and linked as ``figure_url/FILE`` (relative to
    the page); ``where`` names the page in the error of a formula that cannot be rendered.
    """
    figures, parts = _Figures(figure_dir, figure_url), []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            parts.append(f'<div class="prose">\n{render_markdown(cell.source, where)}</div>\n')
        elif cell.cell_type == "code":
            parts.append(_code_cell(cell, index, figures, where))
    return Rendered(html="".join(parts), figures=figures.captions)
