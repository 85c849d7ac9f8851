"""The file a student starts from: the signature, the statement as a docstring (formula, shapes,
an example), hints, and ``raise NotImplementedError``; and the same as a notebook."""

import textwrap


def _exercise(name):
    from keras_course.exercises import EXERCISES

    if name not in EXERCISES:
        raise KeyError(f"no exercise named {name!r}; `keras-course exercise list` shows them")
    return EXERCISES[name]


def _doc(ex, indent):
    parts = [ex.statement.strip(), "Example::\n\n" + textwrap.indent(ex.example.strip(), "    ")]
    if ex.hints:
        parts.append(
            "Hints:\n\n"
            + "\n".join(textwrap.fill(h, 92, initial_indent="- ", subsequent_indent="  ") for h in ex.hints)
        )
    text = "\n\n".join(parts).replace('"""', "'''")
    return textwrap.indent(text, " " * indent).lstrip() if indent else text


def _code(ex):
    """The code cell: imports and the thing to write, its body ``raise NotImplementedError``."""
    if ex.skeleton:
        return f"{ex.imports}\n\n\n{ex.skeleton.rstrip()}\n"
    return (
        f"{ex.imports}\n\n\ndef {ex.signature}:\n"
        f'    r"""{_doc(ex, 4)}\n    """\n'
        f'    raise NotImplementedError("{ex.function}: write its body")\n'
    )


def skeleton_source(name):
    """The Python file of exercise ``name``: fill in the body and run ``keras-course exercise check``."""
    ex = _exercise(name)
    questions = ", ".join(f"Q{q}" for q in ex.questions)
    head = f"Exercise `{ex.name}` ({questions}): {ex.title}."
    how = f"Write `{ex.function}` below, then check it:\n\n    keras-course exercise check {ex.name} {ex.name}.py"
    # a class: the statement goes into the module docstring
    doc = f"{head}\n\n{_doc(ex, 0)}\n\n{how}" if ex.skeleton else f"{head}\n\n{how}"
    return f'r"""{doc}\n"""\n\n{_code(ex)}'


def notebook_source(name):
    """The same skeleton as a jupytext percent-format script: statement, code, and a check cell."""
    ex = _exercise(name)
    questions = ", ".join(f"Q{q}" for q in ex.questions)
    markdown = (
        f"# Exercise `{ex.name}` ({questions})\n\n**{ex.title}.**\n\n{ex.statement.strip()}\n\n"
        f"Example:\n\n```python\n{ex.example.strip()}\n```\n\n" + "".join(f"- Hint: {h}\n" for h in ex.hints)
    )
    cells = [
        "# %% [markdown]\n" + textwrap.indent(markdown, "# ", lambda line: True).replace("# \n", "#\n"),
        "# %%\n" + _code(ex),
        "# %% [markdown]\n# Run the next cell to check your implementation against the reference cases.\n",
        (
            "# %%\nfrom keras_course.exercises.checker import check\n\n"
            f"print(check({ex.name!r}, {ex.function}).text())\n"
        ),
    ]
    return "\n".join(cells)


def write_skeleton(name, out, force=False):
    """Write ``out/NAME.py`` and ``out/NAME.ipynb``; returns their paths."""
    from pathlib import Path

    import jupytext

    out = Path(out)
    py, ipynb = out / f"{name}.py", out / f"{name}.ipynb"
    existing = [str(p) for p in (py, ipynb) if p.exists()]
    if existing and not force:
        raise FileExistsError(f"{', '.join(existing)} already exist (pass --force to overwrite)")
    out.mkdir(parents=True, exist_ok=True)
    py.write_text(skeleton_source(name), encoding="utf-8")
    jupytext.write(jupytext.reads(notebook_source(name), fmt="py:percent"), str(ipynb))
    return py, ipynb
