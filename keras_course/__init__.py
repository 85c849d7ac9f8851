"""keras-course: a runnable, tested Keras 3 companion to the HSE deep-learning exam questions.

Chapters live in subpackages (``nn``, ``conv``, ``optim``, ...); data loaders in ``data``,
training helpers in ``train``, figures in ``plots``.
"""

import os

# Keep TensorFlow's C++ start-up chatter out of recipe output (warnings and errors still show).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
