"""The book's pieces without executing a recipe: Markdown and math, a hand-made executed
notebook rendered to HTML, and the key-figures table read from a full-run record."""

import base64
import json

import nbformat
import pytest

from keras_course.book.build import index_rows, write_search
from keras_course.book.extras import library_modules
from keras_course.book.markdown import MathError, plain_text, render, render_markdown
from keras_course.book.pages import (
    FullRun,
    banner,
    key_figure_rows,
    key_figures_table,
    run_line,
)
from keras_course.book.render import render_notebook, terminal_text

# A 1x1 PNG: the renderer writes the bytes it is given, it does not decode them.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


# ----------------------------------------------------------------------------- markdown and math
def test_inline_and_display_math_become_mathml():
    html = render_markdown("The sum $a_1 + b$ is\n\n$$\\frac{a}{b}$$\n\nand $$x^2$$ inside a line.")
    assert html.count("<math") == 3
    assert 'display="inline"' in html and html.count('display="block"') == 2
    assert "$" not in html and "\\frac" not in html
    assert '<div class="math-display">' in html  # the $$ on its own lines
    assert "<mfrac>" in html


def test_errata_blockquote_gets_its_class_and_a_plain_quote_does_not():
    html = render_markdown("> **Errata (notes 1.1.10).** The notes give $l_k$.\n\n> A plain quote.")
    assert html.count('<blockquote class="errata">') == 1 and html.count("<blockquote>") == 1


def test_a_formula_latex2mathml_cannot_convert_names_it_and_the_page():
    with pytest.raises(ValueError, match=r"\\notacommand\{x\}.*q99_page\.html"):
        render_markdown("Bad: $\\notacommand{x} + 1$.", where="q99_page.html")
    with pytest.raises(MathError, match=r"\\frac\{a\}\{"):
        render("Unfinished: $\\frac{a}{$ here")


def test_standard_operators_latex2mathml_lacks_still_render():
    assert "<math" in render("$n^* = \\arg\\min_n d_n$")


def test_markdown_tables_render_with_numbers_aligned():
    html = render_markdown("| layer | field (px) |\n|---|---|\n| conv1 | 5 |\n| pool1 | 1,024 |\n")
    assert "<table>" in html and html.count("<tr>") == 3 and '<td class="num">1,024</td>' in html
    assert '<div class="table-wrap">' in html  # a wide table scrolls inside the page


def test_question_lines_stay_on_their_own_lines():
    html = render_markdown("**Q9.** What is a receptive field?\n**Q10.** Two layers?")
    assert "<br />\n<strong>Q10.</strong>" in html


def test_plain_text_strips_tags_and_formulas():
    text = plain_text(render_markdown("# Title\n\nSome *dilation* and $x^2$ &amp; more.\n\n| a |\n|---|\n| b |"))
    assert text == "Title Some dilation and & more. a b"


def test_the_renderer_keeps_the_paragraph_shape_the_practice_sheet_slices():
    assert render("a whole number, e.g. 7")[3:-5] == "a whole number, e.g. 7"


# ----------------------------------------------------------------------------- a notebook
def _notebook():
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Receptive field\n\nThe field is $r_k$.\n\n> **Errata (notes 1.1.10).** Fixed."),
        v4.new_code_cell("quick = False\nseed = 0\nout = None", metadata={"tags": ["parameters"]}),
        v4.new_code_cell(
            '# Parameters\nquick = True\nseed = 0\nout = "/tmp/x/run"\n', metadata={"tags": ["injected-parameters"]}
        ),
        v4.new_code_cell(
            "print('measured: 7x7')\nshow_table(rows)\nsave_figure(fig, out / 'field.png', caption=c)",
            outputs=[
                v4.new_output("stream", name="stdout", text="epoch 1\repoch 2\nmeasured: 7x7\n"),
                v4.new_output(
                    "display_data",
                    data={
                        "text/markdown": "**Fields**\n\n| layer | px |\n|---|---|\n| conv1 | 3 |",
                        "text/plain": "<Markdown>",
                    },
                ),
                v4.new_output(
                    "display_data",
                    data={"image/png": PNG, "text/plain": "<figure>"},
                    metadata={"keras_course": {"file": "field.png", "caption": "The 7x7 field, $r_2 = 7$."}},
                ),
                v4.new_output(
                    "execute_result", execution_count=3, data={"text/plain": "PosixPath('/tmp/x/run/field.png')"}
                ),
            ],
        ),
        v4.new_code_cell(
            "1 / 0",
            outputs=[
                v4.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["\x1b[0;31mTraceback\x1b[0m", "1 / 0"],
                )
            ],
        ),
    ]
    return v4.new_notebook(cells=cells)


def test_an_executed_notebook_renders_each_kind_of_output(tmp_path):
    rendered = render_notebook(_notebook(), tmp_path / "figures", "page/figures", where="page.html")
    html = rendered.html
    assert html.count('<pre class="code">') == 3  # the parameters cell, the work, the failing cell
    assert '<div class="cell parameters">' in html
    assert "Parameters of this build: <code>quick=True, seed=0</code>" in html and "/tmp/x/run" not in html
    assert html.count('<div class="outputs">') == 2
    assert '<pre class="stream stdout">epoch 2\nmeasured: 7x7</pre>' in html  # \r overwrote the progress line
    assert "<table>" in html and "<strong>Fields</strong>" in html
    assert '<figure class="output"><img src="page/figures/field.png"' in html
    assert '<figcaption>The 7x7 field, <span class="math"><math' in html
    assert (tmp_path / "figures" / "field.png").read_bytes() == base64.b64decode(PNG)
    assert rendered.figures == {"field.png": "The 7x7 field, $r_2 = 7$."}
    assert "PosixPath" not in html
    assert '<div class="error">' in html and "ZeroDivisionError" in html and "\x1b" not in html
    assert '<blockquote class="errata">' in html


def test_terminal_text_applies_carriage_returns_backspaces_and_drops_colours():
    assert terminal_text("10%\r50%\r100%\nab\bc \x1b[1mbold\x1b[0m") == "100%\nac bold"


# ----------------------------------------------------------------------------- key figures
KEY_FIGURES = {
    "field": ("receptive field", "px"),
    "growth.pooled": ("pooled, after 3 layers", "px"),
    "absent": ("never measured", ""),
}


def _record(root, metrics, run=None):
    folder = root / "q09_demo"
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics))
    if run is not None:
        (folder / "run.json").write_text(json.dumps(run))
    return FullRun.load("q09_demo", root=root)


def test_key_figures_come_from_the_record_and_say_not_recorded_when_missing(tmp_path):
    record = _record(tmp_path, {"field": 7, "growth": {"pooled": 22}})
    rows = key_figure_rows(KEY_FIGURES, {"field": 7, "growth": {"pooled": 10}}, record.metrics)
    assert [(r["value"], r["full"]) for r in rows] == [("7", "7"), ("10", "22"), ("not recorded", "not recorded")]
    table = key_figures_table(rows, quick=True, line="Full run: somewhere.")
    assert '<table id="key-figures">' in table and table.count("<tr") == 4 and "Full run: somewhere." in table


def test_key_figures_without_any_record(tmp_path):
    assert FullRun.load("q09_demo", root=tmp_path) is None
    rows = key_figure_rows(KEY_FIGURES, {"field": 7}, None)
    assert {r["full"] for r in rows} == {"not recorded"}
    assert run_line({}) == "No full run of this recipe is recorded yet."


def test_the_run_line_says_when_where_and_on_which_commit(tmp_path):
    run = {
        "started": "2026-12-03T18:36:40+00:00",
        "seed": 0,
        "wall_seconds": 8.2,
        "commit": "3a721529a24b2eb",
        "machine": {"cpu": "AMD EPYC", "cores": 2},
        "backend": "jax",
    }
    line = run_line(_record(tmp_path, {}, run).run)
    assert line == (
        "Full run: 2026-12-03 18:36 UTC on AMD EPYC, 2 cores, Keras backend jax, seed 0, 8.2 s of wall time, "
        "measured on commit 3a72152."
    )
    del run["backend"]  # records from before backends were recorded ran on TensorFlow
    assert "Keras backend tensorflow," in run_line(_record(tmp_path / "older", {}, run).run)


def test_only_a_quick_build_has_the_banner():
    assert 'class="banner quick"' in banner(True) and banner(False) == ""
    on_jax = banner(False, "jax")
    assert 'class="banner backend"' in on_jax and "Keras backend: jax." in on_jax and "quick" not in on_jax


def test_a_record_without_captions_takes_this_builds_then_the_file_stem(tmp_path):
    record = _record(tmp_path, {})
    for name in ("field.png", "growth_curve.png"):
        (record.folder / name).write_bytes(b"png")
    assert record.captions({"field.png": "From this build."}) == {
        "field.png": "From this build.",
        "growth_curve.png": "growth curve",
    }


def test_library_modules_follow_a_package_to_the_defining_module():
    source = "from keras_course.conv import receptive_field\nfrom keras_course.display import show_table\n"
    modules = library_modules(source)
    names = {m.name: m.names for m in modules}
    assert "keras_course.display" in names and "show_table" in names["keras_course.display"]
    defining = [m for m in modules if "receptive_field" in m.names]
    assert defining and defining[0].name.startswith("keras_course.conv.")


def test_the_index_links_every_page_in_the_folder_and_search_lists_them(tmp_path):
    """A later build of one page into a whole book keeps the other pages linked and searchable."""
    for name in ("q01_fully_connected", "q09_q10_receptive_field"):
        (tmp_path / f"{name}.html").write_text("<html></html>")
        (tmp_path / name).mkdir()
        (tmp_path / name / "build.json").write_text(json.dumps({"ok": True, "mode": "quick"}))
        (tmp_path / name / "search.json").write_text(json.dumps({"title": name, "url": f"{name}.html", "text": "x"}))
    rows = index_rows(tmp_path)
    assert [row["number"] for row in rows] == list(range(1, 39))
    linked = {r["url"] for row in rows for r in row["recipes"] if r["built"]}
    assert linked == {"q01_fully_connected.html", "q09_q10_receptive_field.html"}
    assert rows[8]["figures"][0].startswith("receptive field of two 3x3 stride-2 convolutions: 7")  # the record
    write_search(tmp_path)
    script = (tmp_path / "search.js").read_text()
    assert script.startswith("window.BOOK_SEARCH = [") and script.count('"url"') == 2


@pytest.mark.parametrize(
    "kwargs, error, argument",
    [
        ({"jobs": 0}, ValueError, "jobs"),
        ({"jobs": 1.5}, TypeError, "jobs"),
        ({"seed": -1}, ValueError, "seed"),
        ({"quick": "yes"}, TypeError, "quick"),
        ({"names": ["no_such_recipe"]}, ValueError, "no_such_recipe"),
    ],
)
def test_build_book_checks_its_arguments_before_any_work(tmp_path, kwargs, error, argument):
    from keras_course.book.build import build_book

    with pytest.raises(error, match=argument):
        build_book(tmp_path / "book", **kwargs)
    assert not (tmp_path / "book").exists()
