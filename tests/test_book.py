"""The book, built for two recipes and opened in a real headless browser (Debian's chromium).

The build executes each recipe as a notebook under a Jupyter kernel in quick mode (papermill),
so this is also the test that a recipe runs top to bottom as a notebook.
"""

import json
import shutil
import urllib.parse

import pytest

from keras_course.book.build import build_book

PAGES = ("q09_q10_receptive_field", "q01_fully_connected")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    summary = build_book(out, quick=True, seed=0, names=PAGES)
    assert summary.ok, str(summary)
    return out


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM and CHROMEDRIVER, (
        "the browser tests need Debian's chromium and chromium-driver (make installs them)"
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_every_page_is_written(book):
    for name in PAGES:
        assert (book / f"{name}.html").is_file()
        assert (book / name / f"{name}.ipynb").is_file() and (book / name / f"{name}.executed.ipynb").is_file()
        info = json.loads((book / name / "build.json").read_text())
        assert info["ok"] and info["mode"] == "quick"
    assert (book / "index.html").is_file() and (book / "search.js").is_file()


def test_executed_notebook_has_real_outputs(book):
    import nbformat

    notebook = nbformat.read(str(book / PAGES[0] / f"{PAGES[0]}.executed.ipynb"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in code)
    texts = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    assert "measured from the gradient: 7x7" in texts  # the Q10 answer, printed by the kernel
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2 and all(o.metadata["keras_course"]["caption"] for o in images)


@pytest.mark.parametrize("name", PAGES)
def test_page_in_a_browser(book, browser, name):
    page = book / f"{name}.html"
    browser.get(page.as_uri())
    check = browser.execute_script("""
        const maths = [...document.querySelectorAll('math')];
        const sizes = maths.map(m => { const r = m.getBoundingClientRect(); return [r.width, r.height]; });
        const images = [...document.images].map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]);
        const text = [...document.querySelectorAll('main p, main li, main td, main h1, main h2, main blockquote')]
            .map(e => e.innerText).join('\\n');
        return {maths: sizes, images: images, text: text,
                code: document.querySelectorAll('pre.code').length,
                outputs: document.querySelectorAll('.outputs').length,
                figures: [...document.querySelectorAll('figure.output figcaption')].map(f => f.innerText.trim()),
                banner: !!document.querySelector('.banner.quick'),
                errata: document.querySelectorAll('blockquote.errata').length,
                keyRows: document.querySelectorAll('#key-figures tbody tr').length,
                links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))};
    """)
    assert check["maths"], "the page has formulas"
    assert all(w > 0 and h > 0 for w, h in check["maths"]), "every formula is rendered with a size"
    for raw in ("$", "\\frac", "\\times", "_{"):
        assert raw not in check["text"], f"raw LaTeX {raw!r} left in the prose"
    assert check["images"] and all(ok for _, ok in check["images"]), f"images that did not load: {check['images']}"
    assert check["code"] >= 4 and check["outputs"] >= 3
    assert check["figures"] and all(check["figures"]), "every figure has a caption"
    assert check["banner"] and check["errata"] >= 1 and check["keyRows"] >= 3
    for href in check["links"]:
        target, _, fragment = href.partition("#")
        path = (page.parent / urllib.parse.unquote(target)).resolve() if target else page
        assert path.is_file(), f"broken link {href}"
        if fragment:
            assert f'id="{fragment}"' in path.read_text(), f"broken anchor {href}"
    if name == PAGES[0]:
        browser.save_screenshot(str(book / "screenshot.png"))  # a look at one page, in the build output
        assert (book / "screenshot.png").stat().st_size > 10_000


def test_search_finds_a_page_by_a_word(book, browser):
    from selenium.webdriver.common.by import By

    browser.get((book / "index.html").as_uri())
    box = browser.find_element(By.ID, "search-box")
    box.send_keys("dilation")
    results = browser.find_element(By.ID, "search-results")
    links = [a.get_attribute("href") for a in results.find_elements(By.TAG_NAME, "a")]
    assert links and links[0].endswith(f"{PAGES[0]}.html")


def test_index_lists_the_38_questions(book, browser):
    browser.get((book / "index.html").as_uri())
    rows = browser.execute_script("return document.querySelectorAll('table.index tbody tr').length")
    assert rows == 38
    linked = browser.execute_script(
        "return [...document.querySelectorAll('table.index a')].map(a => a.getAttribute('href'))"
    )
    assert sorted(set(linked)) == sorted(f"{n}.html" for n in PAGES)
