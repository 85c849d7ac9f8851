"""Runnable recipes, one module per exam question (or a few adjacent ones).

Run one with ``python -m recipes.<name> [--quick] [--seed N] [--out DIR]`` or
``keras-course run <name>``; ``keras-course list`` shows which question each answers.
"""
