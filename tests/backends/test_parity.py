"""Backend parity: every public layer, loss, metric, optimizer and model builder gives the numbers
of the TensorFlow reference (outputs, gradients, optimizer steps, metric results), and the
``.keras`` files saved on TensorFlow load and compute the same on this backend.

    .venv/bin/python -m pytest tests/backends/test_parity.py                      # TensorFlow
    KERAS_BACKEND=jax .venv-jax/bin/python -m pytest tests/backends/test_parity.py
    KERAS_BACKEND=torch .venv-torch/bin/python -m pytest tests/backends/test_parity.py

The cases are in ``parity_cases.py``, the reference in ``reference/`` (regenerate it with
``.venv/bin/python tests/backends/make_reference.py``). On TensorFlow the test checks that the
reference is up to date, to float32 round-off; on JAX and PyTorch that they match it to a
float32 tolerance between different kernels (``parity_cases.RTOL``, ``ATOL``; a case that
needs more says why).
"""

import importlib
import inspect
import json

import keras
import numpy as np
import parity_cases as cases
import pytest

BACKEND = keras.backend.backend()
PACKAGES = (
    "nn",
    "conv",
    "optim",
    "augment",
    "arch",
    "segmentation",
    "detection",
    "identification",
    "autoencoders",
    "text",
    "rnn",
)
PUBLIC_KINDS = (keras.losses.Loss, keras.metrics.Metric, keras.optimizers.Optimizer, keras.layers.Layer)
# The functions that return a model (or a pipeline of layers).
BUILDERS = {
    "conv.lenet",
    "augment.make_pipeline",
    "arch.alexnet",
    "arch.vgg",
    "arch.googlenet",
    "arch.resnet",
    "arch.resnet_cifar",
    "arch.efficientnet_lite0",
    "arch.vgg16_hed",
    "arch.application_backbone",
    "arch.build_transfer_model",
    "arch.split_transfer_model",
    "segmentation.unet",
    "segmentation.fcn",
    "detection.region_cnn",
    "detection.fast_rcnn",
    "detection.yolo_v1",
    "identification.embedding_cnn",
    "identification.embedding_head",
    "identification.pair_classifier",
    "autoencoders.autoencoder",
    "autoencoders.denoising_autoencoder",
    "autoencoders.pretrained_features",
    "text.text_cnn",
    "rnn.char_language_model",
    "rnn.rnn_classifier",
}


@pytest.fixture(scope="module")
def reference():
    if not cases.REFERENCE.is_file():
        pytest.fail(f"{cases.REFERENCE} is missing: run .venv/bin/python tests/backends/make_reference.py")
    with np.load(cases.REFERENCE) as arrays:
        return {key: arrays[key] for key in arrays.files}


def expected_for(reference, prefix):
    return {key[len(prefix) + 1 :]: value for key, value in reference.items() if key.startswith(prefix + "/")}


def tolerance(rtol=cases.RTOL, atol=cases.ATOL):
    """The case's tolerance between backends, or float32 round-off on TensorFlow itself."""
    if BACKEND == "tensorflow":
        return cases.TF_RTOL * rtol / cases.RTOL, cases.TF_ATOL * atol / cases.ATOL
    return rtol, atol


def assert_matches(actual, expected, what, rtol, atol):
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    assert not missing and not extra, (
        f"{what}: the arrays differ from the reference's (missing {missing}, new {extra}); "
        "if the case changed, run tests/backends/make_reference.py"
    )
    for key, want in expected.items():
        got = np.asarray(actual[key])
        assert got.shape == want.shape, f"{what}/{key}: shape {got.shape}, reference {want.shape}"
        if want.dtype.kind in "iub":
            np.testing.assert_array_equal(got, want, err_msg=f"{what}/{key}")
        else:
            finite = np.abs(want[np.isfinite(want)])
            scale = max(1.0, float(finite.max())) if finite.size else 1.0
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale, err_msg=f"{what}/{key} on {BACKEND}")


# ---------------------------------------------------------------------------- the cases
@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_case_matches_reference(name, reference):
    case = cases.CASES[name]
    expected = expected_for(reference, f"case/{name}")
    assert expected, f"no reference for case {name}: run tests/backends/make_reference.py {name}"
    if BACKEND in cases.SKIP_PREDICT:
        expected = {k: v for k, v in expected.items() if "predict" not in k.split("/")}
    assert_matches(case(), expected, name, *tolerance(case.rtol, case.atol))


# ---------------------------------------------------------------------------- .keras files
def _as_json(config):
    config = json.loads(json.dumps(config))  # tuples as lists, as in the file
    config.pop("jit_compile", None)  # "auto" is True on JAX, False on TensorFlow's CPU
    optimizer = config.get("optimizer")
    if isinstance(optimizer, dict):  # Keras numbers optimizer names per process: sgd, sgd_2, ...
        optimizer.get("config", {}).pop("name", None)
    return config


def _optimizer_state(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not optimizer.built:
        return []
    return [cases.to_numpy(v) for v in optimizer.variables]


@pytest.mark.parametrize("name", sorted(cases.KERAS_FILES))
def test_keras_file_round_trips(name, reference, tmp_path):
    """Built here: the reference numbers (training step included); saved here and loaded, and
    the TensorFlow file loaded (safe mode), both compute what they should."""
    entry = cases.KERAS_FILES[name]
    expected = expected_for(reference, f"keras/{name}")
    model, x, y, arrays = entry.run()
    assert_matches(arrays, expected, f"{name} built on {BACKEND}", *tolerance())

    path = tmp_path / f"{name}.keras"
    model.save(path)
    with cases.fast_init():  # loading overwrites every weight
        here = keras.saving.load_model(path, safe_mode=True)
        from_tf = keras.saving.load_model(entry.path, safe_mode=True)
    for label, loaded, want, (rtol, atol) in (
        ("saved and loaded here", here, arrays, (1e-6, 1e-7)),
        ("saved on TensorFlow", from_tf, expected, tolerance()),
    ):
        assert type(loaded) is type(model), label
        got = cases.outputs_of(loaded, x, y) | {f"optimizer{i}": v for i, v in enumerate(_optimizer_state(loaded))}
        kept = {k: v for k, v in want.items() if not k.startswith("train/")}
        assert_matches(got, kept, f"{name} {label}", rtol, atol)
        if getattr(model, "compiled", False):
            assert _as_json(loaded.get_compile_config()) == _as_json(model.get_compile_config()), label


def test_reference_is_small():
    files = [cases.REFERENCE, *(entry.path for entry in cases.KERAS_FILES.values())]
    missing = [str(f) for f in files if not f.is_file()]
    assert not missing, f"missing reference files {missing}: run tests/backends/make_reference.py"
    total = sum(f.stat().st_size for f in files)
    assert total < 2_000_000, f"the reference takes {total / 1e6:.1f} MB: use smaller cases"


# ---------------------------------------------------------------------------- coverage
def _public_objects():
    found = set()
    for package in PACKAGES:
        module = importlib.import_module(f"keras_course.{package}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, PUBLIC_KINDS):
                found.add(f"{package}.{name}")
    return found


def _exists(name):
    package, attr = name.split(".")
    return package in PACKAGES and attr in importlib.import_module(f"keras_course.{package}").__all__


def test_every_public_object_has_a_case():
    covered = {name for case in cases.CASES.values() for name in case.covers}
    assert all(_exists(name) for name in covered), sorted(n for n in covered if not _exists(n))
    public = _public_objects() | BUILDERS
    assert not public - covered, f"no parity case runs {sorted(public - covered)}"


def test_every_custom_class_is_in_a_keras_file():
    in_files = {name for entry in cases.KERAS_FILES.values() for name in entry.covers}
    assert all(_exists(name) for name in in_files), sorted(n for n in in_files if not _exists(n))
    missing = _public_objects() - in_files
    assert not missing, f"no .keras file holds {sorted(missing)}"


# ---------------------------------------------------------------------------- random layers
# In training these layers draw the backend's own random numbers, which differ between
# backends: what must agree is what the numbers are for.
def training_call(layer, x):
    """``layer(x, training=True)`` in a stateless scope, compiled on JAX (as ``fit`` runs it
    there); the seed generators start from their seeds at every call."""

    def call():
        with keras.StatelessScope():
            return layer(x, training=True)

    return cases.forward(call)


def test_dropout_training_zeros_a_fraction_rate_and_rescales_the_rest():
    from keras_course.nn import Dropout

    x = np.full((200, 50), 2.0, "float32")
    layer = Dropout(0.3, seed=0)
    first, second = (cases.to_numpy(layer(x, training=True)) for _ in range(2))
    for out in (first, second):
        assert set(np.unique(out)) <= {0.0, np.float32(2.0 / 0.7)}
        assert abs(np.mean(out == 0) - 0.3) < 0.02  # 10,000 draws: 4 standard deviations
    assert np.mean(first != second) > 0.2, "a second call must draw a fresh mask"
    again = cases.to_numpy(Dropout(0.3, seed=0)(x, training=True))
    np.testing.assert_array_equal(again, first)  # the same seed, the same masks


def test_rgb_shift_training_shifts_each_channel_of_each_image_by_one_amount():
    from keras_course.augment import RandomRGBShift

    x = cases.uniform(cases.rng_for("rgb"), (6, 5, 5, 3), 0.3, 0.7)
    shift = training_call(RandomRGBShift(0.2, seed=1), x) - x  # no clipping: |shift| <= 0.2
    per_image = shift.reshape(6, 25, 3)
    np.testing.assert_allclose(per_image, np.broadcast_to(per_image[:, :1], per_image.shape), atol=1e-6)  # over H, W
    assert np.all(np.abs(per_image) <= 0.2 + 1e-6)
    assert np.unique(np.round(per_image[:, 0], 6)).size == 18  # its own shift per image and channel
    single = training_call(RandomRGBShift(0.2, seed=1), x[0]) - x[0]  # (H, W, C)
    np.testing.assert_allclose(single, np.broadcast_to(single[:1, :1], single.shape), atol=1e-6)


@pytest.mark.parametrize("kind", ["gaussian", "salt_and_pepper", "masking"])
def test_corruption_training_noise(kind):
    from keras_course.autoencoders import Corruption

    x = np.full((100, 10, 10, 1), 0.5, "float32")
    out = training_call(Corruption(kind, 0.2, seed=0), x)
    assert out.shape == x.shape and out.min() >= 0.0 and out.max() <= 1.0
    changed = out != x
    if kind == "gaussian":
        noise = out - x  # 0.5 +- 0.2: clipped in under 1% of the values
        assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.2) < 0.01
    else:
        assert abs(changed.mean() - 0.2) < 0.015  # 10,000 draws: 3.7 standard deviations
        if kind == "masking":
            assert np.all(out[changed] == 0.0)
        else:
            assert set(np.unique(out[changed])) == {0.0, 1.0}
            assert abs(np.mean(out[changed] == 1.0) - 0.5) < 0.06


def test_pipeline_training_changes_images_and_repeats_with_its_seed():
    from keras_course.augment import AUGMENTATIONS, make_pipeline

    x = cases.uniform(cases.rng_for("pipeline"), (4, 12, 12, 3), 0, 1)
    first = training_call(make_pipeline(list(AUGMENTATIONS), seed=3), x)
    again = training_call(make_pipeline(list(AUGMENTATIONS), seed=3), x)
    assert first.shape == x.shape and np.all(np.isfinite(first))
    assert np.abs(first - x).mean() > 0.01
    np.testing.assert_allclose(again, first, atol=1e-6)
