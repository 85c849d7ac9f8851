"""What a page offers beyond the recipe: the library code it uses, practice problems, exercises.

The library modules are found statically (the recipe's imports, followed through a package's
``__init__`` to the module that defines each name), so building a page imports no chapter.
"""

import ast
import html
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from keras_course.book import REPOSITORY
from keras_course.book.markdown import render_inline, render_markdown

PACKAGE = "keras_course"
PRACTICE_COUNT = 2  # problems per question: enough to try, few enough to keep the page short

__all__ = [
    "LibraryModule",
    "exercises_section",
    "library_modules",
    "library_section",
    "practice_section",
    "write_code_page",
    "write_exercise_page",
]


@dataclass
class LibraryModule:
    """A ``keras_course`` module a recipe uses: its file and ``{name: line}`` of what it defines."""

    name: str
    path: Path
    names: dict = field(default_factory=dict)

    @property
    def page(self):
        return f"code/{self.name}.html"


def module_path(module):
    """The file of ``keras_course.X.Y`` in this checkout, or None."""
    base = REPOSITORY.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _definitions(tree):
    """``{name: line}`` of what a module defines at top level (functions, classes, constants)."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node.lineno
        elif isinstance(node, ast.Assign):
            found.update({t.id: node.lineno for t in node.targets if isinstance(t, ast.Name)})
    return found


def _imported_from(tree, module, is_package):
    """``{name: module it comes from}`` for the ``from ... import name`` lines of a module."""
    base = module.split(".") if is_package else module.split(".")[:-1]  # what a leading "." means
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                source = ".".join(base[: len(base) - node.level + 1] + ([source] if source else []))
            found.update({(alias.asname or alias.name): source for alias in node.names})
    return found


def _entry(modules, module):
    return modules.setdefault(module, LibraryModule(module, module_path(module)))


def _resolve(module, name, modules, depth=0):
    """Record where ``name`` (imported from ``module``) is defined, following re-exports."""
    path = module_path(module)
    if path is None:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = _definitions(tree)
    if name in defined:
        _entry(modules, module).names[name] = defined[name]
        return
    source = _imported_from(tree, module, path.name == "__init__.py").get(name)
    if source and source != module and source.startswith(PACKAGE + ".") and depth < 5:
        _resolve(source, name, modules, depth + 1)
    elif module_path(f"{module}.{name}"):  # from keras_course.x import submodule
        _entry(modules, f"{module}.{name}")
    else:  # defined outside keras_course (Keras, NumPy): show the module that re-exports it
        _entry(modules, module)


def library_modules(source):
    """The ``keras_course`` modules a recipe's source imports from, each with the names it uses
    and their lines, sorted by module name."""
    modules = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith(PACKAGE):
            for alias in node.names:
                _resolve(node.module, alias.name, modules)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + ".") and module_path(alias.name):
                    _entry(modules, alias.name)
    return [modules[name] for name in sorted(modules)]


def write_code_page(module, out, environment):
    """``out/code/MODULE.html``: the module's source, highlighted, each line an anchor ``L-N``."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    formatter = HtmlFormatter(cssclass="code source", linenos="inline", lineanchors="L", anchorlinenos=True)
    code = highlight(module.path.read_text(encoding="utf-8"), PythonLexer(), formatter)
    relative = module.path.relative_to(REPOSITORY).as_posix()
    path = Path(out) / module.page
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        environment.get_template("plain.html").render(
            title=module.name,
            root="../",
            heading=Markup(f"<code>{html.escape(module.name)}</code>"),
            intro=f"Source of <code>{html.escape(relative)}</code>, as built into this book.",
            body=code,
        ),
        encoding="utf-8",
    )
    return path


def library_section(modules):
    """The "Library code this page uses" list: each module linked, its names linked to their lines."""
    items = []
    for module in modules:
        names = ", ".join(
            f'<a href="{module.page}#L-{line}"><code>{html.escape(name)}</code></a>'
            for name, line in sorted(module.names.items(), key=lambda item: item[1])
        )
        items.append(
            f'<li><a href="{module.page}"><code>{html.escape(module.name)}</code></a>'
            + (f": {names}" if names else "")
            + "</li>"
        )
    return '<ul class="library">\n' + "\n".join(items) + "\n</ul>\n" if items else ""


# ---------------------------------------------------------------------------- practice and exercises
def practice_problems(questions, seed=0, count=PRACTICE_COUNT):
    """The practice problems of the page's questions, each once (questions share kinds)."""
    from keras_course.practice import problems_for_question

    seen, problems = set(), []
    for q in questions:
        for problem in problems_for_question(q, count=count, seed=seed):
            key = (problem.kind, problem.seed, problem.difficulty)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems


def practice_section(problems, page_dir, url, where=None):
    """Each problem: its statement (and figure, written to ``page_dir/practice``), the answer
    format, and the answer with its worked solution behind a toggle."""
    parts = []
    for number, problem in enumerate(problems, start=1):
        questions = ", ".join(f"Q{q}" for q in problem.questions)
        figure = ""
        png = problem.figure_png()
        if png is not None:
            folder = Path(page_dir) / "practice"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"problem-{number}.png").write_bytes(png)
            figure = (
                f'<figure class="problem-figure"><img src="{url}/practice/problem-{number}.png" '
                f'alt="the figure of problem {number}"></figure>\n'
            )
        parts.append(
            f'<section class="problem" id="problem-{number}">\n<h3>Problem {number}. {html.escape(problem.title)} '
            f'<span class="tag">({questions}; <code>{html.escape(problem.kind)}</code>, seed {problem.seed}, '
            f"difficulty {problem.difficulty})</span></h3>\n"
            f"{render_markdown(problem.statement, where)}{figure}"
            f'<p class="format">Answer format: {render_inline(problem.answer_hint, where)}.</p>\n'
            f'<details class="solution"><summary>Show solution</summary>\n'
            f"<p><strong>Answer:</strong> <code>{html.escape(problem.answer_text)}</code></p>\n"
            f"{render_markdown(problem.solution, where)}</details>\n</section>\n"
        )
    return "".join(parts)


def page_exercises(questions):
    """The exercises of the page's questions, each once, in the course's order."""
    from keras_course.exercises import exercises_for_question

    found = {}
    for q in questions:
        for exercise in exercises_for_question(q):
            found.setdefault(exercise.name, exercise)
    return list(found.values())


def write_exercise_page(exercise, out, environment):
    """``out/exercises/NAME.html``: the statement and the skeleton a student starts from."""
    from keras_course.book.markdown import highlight_python
    from keras_course.exercises import skeleton_source

    path = Path(out) / "exercises" / f"{exercise.name}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    questions = ", ".join(f"Q{q}" for q in exercise.questions)
    body = (
        render_markdown(exercise.statement, where=f"exercise {exercise.name}")
        + f"<p>Start it with <code>keras-course exercise start {html.escape(exercise.name)}</code>, "
        f"which writes this file; check it with <code>keras-course exercise check {html.escape(exercise.name)} "
        f"{html.escape(exercise.name)}.py</code>.</p>\n"
        f'<pre class="code"><code>{highlight_python(skeleton_source(exercise.name))}</code></pre>\n'
    )
    path.write_text(
        environment.get_template("plain.html").render(
            title=f"Exercise {exercise.name}",
            root="../",
            heading=f"Exercise {exercise.name} ({questions})",
            intro=html.escape(exercise.title),
            body=body,
        ),
        encoding="utf-8",
    )
    return path


def exercises_section(exercises):
    """Links to the exercises, each with the command that starts it."""
    items = [
        f'<li><a href="exercises/{html.escape(ex.name)}.html">{html.escape(ex.title)}</a> '
        f"({', '.join(f'Q{q}' for q in ex.questions)}): "
        f"<code>keras-course exercise start {html.escape(ex.name)}</code></li>"
        for ex in exercises
    ]
    return '<ul class="exercises">\n' + "\n".join(items) + "\n</ul>\n" if items else ""
