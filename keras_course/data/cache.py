"""Where keras_course keeps files it derives once (converted weights, tokenized corpora)."""

import os
from pathlib import Path

# ``$KERAS_COURSE_CACHE`` overrides it; everything here can be deleted and is rebuilt on use.
CACHE_DIR = Path(os.environ.get("KERAS_COURSE_CACHE", Path.home() / ".cache" / "keras_course"))
