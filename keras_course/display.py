"""What a recipe shows as it runs: figures, tables and its key figures.

In a notebook (a Jupyter kernel) they are displayed as images and Markdown tables, which is
what the book renders; in a terminal they are printed as text. Either way the same call
reads the same in the recipe.
"""

import json
import math
from pathlib import Path

from keras_course.checks import check_tokens, describe

CAPTIONS_FILE = "captions.json"


def in_notebook():
    """True inside a Jupyter kernel (papermill, nbclient, JupyterLab), False in a terminal."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def format_value(value):
    """A figure as a reader wants it: 4 significant digits, lists joined, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return " / ".join(format_value(v) for v in value)
    if value is None:
        return "-"
    return str(value)


def _check_rows(rows, columns):
    """The table's columns; rows a non-empty list of dicts, or of sequences with one value per column."""
    if not isinstance(rows, (list, tuple)):
        raise TypeError(f"rows must be a non-empty list of dicts or sequences, got {describe(rows)}")
    if not rows:
        raise ValueError("rows must be a non-empty list, got an empty one")
    if columns is None:
        if not isinstance(rows[0], dict):
            raise ValueError("columns must be given when rows are not dicts")
        columns = list(rows[0])
    columns = check_tokens("columns", columns)  # columns="ab" would be the columns "a" and "b"
    for i, row in enumerate(rows):
        if isinstance(row, dict):
            continue
        if isinstance(row, str) or not hasattr(row, "__len__"):
            raise TypeError(f"rows[{i}] must be a dict or a sequence, got {describe(row)}")
        if len(row) != len(columns):
            raise ValueError(f"rows[{i}] must have one value per column ({len(columns)}), got {len(row)}")
    return columns


def markdown_table(rows, columns=None):
    """Rows (dicts, or sequences with ``columns``) as a GitHub-flavoured Markdown table."""
    columns = _check_rows(rows, columns)
    cells = [
        [format_value(row.get(c) if isinstance(row, dict) else row[i]) for i, c in enumerate(columns)] for row in rows
    ]
    escape = lambda text: str(text).replace("|", "\\|")
    lines = ["| " + " | ".join(escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in cells]
    return "\n".join(lines)


def _text_table(rows, columns):
    cells = [
        [format_value(row.get(c) if isinstance(row, dict) else row[i]) for i, c in enumerate(columns)] for row in rows
    ]
    widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def show_table(rows, columns=None, title=None):
    """Show a table: a Markdown table in a notebook, aligned text in a terminal."""
    columns = _check_rows(rows, columns)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {describe(title)}")
    table = markdown_table(rows, columns)
    if in_notebook():
        from IPython.display import Markdown, display

        display(Markdown((f"**{title}**\n\n" if title else "") + table))
    else:
        print((f"{title}\n" if title else "") + _text_table(rows, columns))


def lookup(metrics, key):
    """``metrics[key]``, where a dotted key walks nested dicts (``"by_width.256"``)."""
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict, got {describe(metrics)}")
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, got {describe(key)}")
    if key in metrics:
        return metrics[key]
    value = metrics
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"metrics have no {key!r}")
        value = value[part]
    return value


def show_key_figures(metrics, key_figures):
    """The recipe's key figures (``{metrics key: (what it is, unit)}``) as a table."""
    if not isinstance(key_figures, dict) or not key_figures:
        raise TypeError(f"key_figures must be a non-empty dict {{key: (label, unit)}}, got {describe(key_figures)}")
    for key, spec in key_figures.items():
        if not isinstance(spec, (tuple, list)) or len(spec) != 2:
            raise ValueError(f"key_figures[{key!r}] must be a pair (label, unit), got {describe(spec)}")
    rows = [
        {"figure": label, "value": lookup(metrics, key), "unit": unit} for key, (label, unit) in key_figures.items()
    ]
    show_table(rows, title="Key figures")


def show_figure(path, caption=None):
    """Record ``caption`` for the PNG at ``path`` (in its folder's captions.json) and, in a
    notebook, display the image with it."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a file path (str or Path), got {describe(path)}")
    path = Path(path)
    if caption is not None:
        if not isinstance(caption, str) or not caption.strip():
            raise ValueError(f"caption must be a non-empty str, got {caption!r}")
        captions_path = path.parent / CAPTIONS_FILE
        captions = json.loads(captions_path.read_text()) if captions_path.is_file() else {}
        captions[path.name] = caption
        captions_path.write_text(json.dumps(captions, indent=2, ensure_ascii=False) + "\n")
    if in_notebook():
        import base64

        from IPython.display import display

        data = {
            "image/png": base64.b64encode(path.read_bytes()).decode("ascii"),
            "text/plain": f"<figure {path.name}: {caption or ''}>",
        }
        display(data, raw=True, metadata={"keras_course": {"file": path.name, "caption": caption or ""}})
