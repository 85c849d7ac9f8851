"""Runnable recipes, one notebook per exam question (or a few adjacent ones).

Each module is a jupytext percent-format notebook (see README.md here). Run one with
``python -m recipes.<name> [--quick] [--seed N] [--out DIR]`` or ``keras-course run <name>``;
``keras-course list`` shows which question each answers. Importing ``recipes.<name>`` runs
it: read or run one from Python with ``keras_course.runner.load_recipe(name)``.
"""
