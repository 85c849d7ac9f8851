"""Shared fixtures: quick recipe runs are cached for the whole session; a batch counter."""

import json

import pytest

from keras_course import runner
from keras_course.display import CAPTIONS_FILE, lookup


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """``quick_run(name) -> (metrics, out_dir)``: runs ``recipes.<name>`` quick once per session."""
    cache = {}

    def run(name):
        if name not in cache:
            import keras

            keras.backend.clear_session()
            out = tmp_path_factory.mktemp(name)
            recipe = runner.load_recipe(name)
            metrics = recipe.run(quick=True, seed=0, out=out)
            assert json.loads((out / "metrics.json").read_text()) == runner.to_jsonable(metrics)
            for key in recipe.KEY_FIGURES:  # the book's key-figures table reads these
                lookup(metrics, key)
            captions = json.loads((out / CAPTIONS_FILE).read_text()) if (out / CAPTIONS_FILE).is_file() else {}
            uncaptioned = sorted(p.name for p in out.glob("*.png") if p.name not in captions)
            assert not uncaptioned, f"figures without a caption: {uncaptioned}"
            cache[name] = (metrics, out)
        return cache[name]

    return run


@pytest.fixture
def batch_counter():
    """The class of a callback whose ``trained`` counts the training batches a fit ran (0 when
    ``keras_course.train.fit`` restored a finished run instead of training)."""
    import keras

    class BatchCounter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.trained = 0

        def on_train_batch_end(self, batch, logs=None):
            self.trained += 1

    return BatchCounter
