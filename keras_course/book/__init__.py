"""The book: every recipe executed as a notebook under a Jupyter kernel, one HTML page each.

``build.build_book(out, quick=True, seed=0, names=None, jobs=1)`` writes ``out/index.html``
and one page per recipe (``keras-course book`` calls it). ``markdown.render`` turns the
recipes' Markdown (``$...$`` LaTeX) into HTML with MathML, offline; ``notebook`` reads and
executes recipes (jupytext, papermill); ``render`` turns executed cells into HTML; ``pages``
makes the rest of a page (key figures, the full run, library code, practice problems).
"""

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]  # the checkout: recipes/, benchmarks/ live here

__all__ = ["REPOSITORY"]
