"""keras_course.practice: every generator against an independent route, the checker, the book hook,
the sheet, and the command run in-process (tests/test_practice_cli.py runs the real command)."""

import re
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_course.book.markdown import render
from keras_course.practice import DIFFICULTIES, KINDS, check, generate, problems_for_question

FEW = settings(max_examples=15, deadline=None, derandomize=True)
SOME = settings(max_examples=25, deadline=None, derandomize=True)
seeds = st.integers(0, 10**6)
levels = st.sampled_from(DIFFICULTIES)


# ----------------------------------------------------------------------------- every kind
def test_kinds_cover_the_typical_problems():
    assert len(KINDS) >= 15
    named = {1, 4, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 25, 26, 28, 32, 36, 38}
    assert named <= {q for questions in KINDS.values() for q in questions}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_deterministic_checkable_and_renders(kind):
    for difficulty in DIFFICULTIES:
        for seed in (0, 1):
            p = generate(kind, seed, difficulty)
            again = generate(kind, seed, difficulty)
            assert (p.statement, p.solution, p.answer_text) == (again.statement, again.solution, again.answer_text)
            assert str(p.answer) == str(again.answer)
            assert (p.kind, p.questions, p.seed, p.difficulty) == (kind, KINDS[kind], seed, difficulty)
            for form in (p.answer, str(p.answer), p.answer_text):
                result = check(p, form)
                assert result.correct and not result.malformed, (form, result.feedback)
            render(p.statement)  # raises on a formula latex2mathml cannot convert
            render(p.solution)
            render(p.text(solution=True))
    assert generate(kind, 0, 1).statement != generate(kind, 1, 1).statement or kind == "ngrams"
    png = p.figure_png()
    assert png is None or png.startswith(b"\x89PNG")


@pytest.mark.parametrize("kind", ["grad-deps", "rf", "jaccard", "nms", "ap"])
def test_figures_are_pngs(kind):
    p = generate(kind, 5, 2)
    png = p.figure_png()
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    assert p.figure_png() is png  # rendered once


@SOME
@given(kind=st.sampled_from(sorted(KINDS)), seed=seeds, difficulty=levels)
def test_property_answers_check_in_every_form(kind, seed, difficulty):
    p = generate(kind, seed, difficulty)
    for form in (p.answer, str(p.answer), p.answer_text):
        assert check(p, form).correct


def test_generate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown problem kind"):
        generate("nope", 0)
    with pytest.raises(ValueError, match="difficulty"):
        generate("rf", 0, 4)
    with pytest.raises(ValueError, match="seed"):
        generate("rf", -1)


def test_modules_stay_small():
    for path in Path("keras_course/practice").glob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, path


# --------------------------------------------------------------------------- Q4 grad-deps
_ACT = {
    "linear": lambda s: s,
    "tanh": np.tanh,
    "sigmoid": lambda s: 1 / (1 + np.exp(-s)),
    "relu": lambda s: max(s, 0.0),
}


def _forward(units, params, x):
    values, pre = dict(x), {}
    for unit, (act, edges) in units.items():
        pre[unit] = sum(params[p] * values[src] for src, p in edges.items())
        values[unit] = _ACT[act](pre[unit])
    return values, pre


def _loss(data, params, x, y):
    a = _forward(data["units"], params, x)[0][data["output"]]
    if data["loss"] == "output":
        return a
    if data["loss"] == "mse":
        return (a - y) ** 2
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))


def _dw(data, params, x, y, h=1e-5):
    w = data["w"]
    up, down = {**params, w: params[w] + h}, {**params, w: params[w] - h}
    return (_loss(data, up, x, y) - _loss(data, down, x, y)) / (2 * h)


def _finite_difference_dependencies(data, params, x, y):
    base = _dw(data, params, x, y)
    return {p for p in params if p != data["w"] and abs(_dw(data, {**params, p: params[p] + 1e-2}, x, y) - base) > 1e-7}


def _generic_point(data, rng):
    names = [p for _, edges in data["units"].values() for p in edges.values()]
    relus = [u for u, (act, _) in data["units"].items() if act == "relu"]
    while True:
        params = {p: float(rng.choice([-1, 1]) * rng.uniform(0.4, 1.6)) for p in names}
        x = {i: float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.5)) for i in data["inputs"]}
        if all(_forward(data["units"], params, x)[1][u] > 0.1 for u in relus):
            return params, x, float(rng.uniform(0.1, 0.9))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=seeds, difficulty=levels)
def test_grad_deps_against_finite_differences(seed, difficulty):
    p = generate("grad-deps", seed, difficulty)
    d = p.data
    params, x, y = _generic_point(d, np.random.default_rng(seed))
    assert _finite_difference_dependencies(d, params, x, y) == p.answer
    for note in d["relu_off"]:  # the ReLU-off remarks of the solution, at their own points
        assert _forward(d["units"], note["params"], note["x"])[1][note["unit"]] < 0
        assert _finite_difference_dependencies(d, note["params"], note["x"], note["y"]) == set(note["deps"])
        assert f"If ${note['unit'][0]}_{{{note['unit'][1:]}}}$'s pre-activation is negative" in p.solution


def test_grad_deps_covers_units_losses_and_relu_notes():
    seen_acts, seen_losses, notes = set(), set(), 0
    for seed in range(40):
        d = generate("grad-deps", seed, 2).data
        seen_acts |= {act for act, _ in d["units"].values()}
        seen_losses.add(d["loss"])
        notes += len(d["relu_off"])
    assert {"tanh", "sigmoid", "relu"} <= seen_acts
    assert seen_losses == {"output", "mse", "cross-entropy"}
    assert notes > 0


def test_grad_deps_feedback_names_missing_and_extra():
    p = generate("grad-deps", 3, 2)
    wrong = sorted(p.answer)[1:]
    result = check(p, ", ".join(wrong))
    assert not result.correct and "missing" in result.feedback and sorted(p.answer)[0] in result.feedback
    assert check(p, "w11 zz9").malformed
    assert check(p, " ".join(f"${n[0]}_{{{n[1:]}}}$" for n in sorted(p.answer, reverse=True))).correct


# ------------------------------------------------------------------------------ Q9-Q11 rf
def _empirical_field(layers):
    import keras
    import tensorflow as tf

    from keras_course.conv import receptive_field

    top = receptive_field([(k, s, d) for _, k, s, d in layers])[-1]
    n = top.size + 4 * top.jump
    model = keras.Sequential(
        [keras.Input((n, n, 1))]
        + [
            keras.layers.MaxPooling2D(k, strides=s)
            if kind == "pool"
            else keras.layers.Conv2D(1, k, strides=s, dilation_rate=d, use_bias=False, kernel_initializer="ones")
            for kind, k, s, d in layers
        ]
    )
    x = tf.constant(np.random.default_rng(0).normal(size=(32, n, n, 1)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x)
        target = tf.reduce_sum(y[:, y.shape[1] // 2, y.shape[2] // 2, :])
    rows = np.flatnonzero(np.abs(tape.gradient(target, x).numpy()).sum(axis=(0, 2, 3)) > 0)
    return int(rows[-1] - rows[0] + 1)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(kind=st.sampled_from(["rf", "rf-pool"]), seed=seeds, difficulty=levels)
def test_receptive_fields_against_keras_gradients(kind, seed, difficulty):
    p = generate(kind, seed, difficulty)
    assert _empirical_field(p.data["layers"]) == p.answer


def test_rf_feedback_knows_the_strides_mistake():
    p = next(q for q in (generate("rf", s) for s in range(20)) if any(layer[2] > 1 for layer in q.data["layers"][:-1]))
    from keras_course.conv import receptive_field

    no_strides = receptive_field([(k, 1) for _, k, _, _ in p.data["layers"]])[-1].size
    result = check(p, f"{no_strides}x{no_strides}")
    assert not result.correct and "strides" in result.feedback
    assert check(p, f"{p.answer} x {p.answer}").correct and check(p, str(p.answer)).correct
    assert not check(p, f"{p.answer}x{p.answer + 2}").correct
    assert check(p, "seven").malformed


# -------------------------------------------------------------------- Q1, Q8, Q12, Q13 shapes
@FEW
@given(seed=seeds, difficulty=levels)
def test_dense_against_keras(seed, difficulty):
    import keras

    p = generate("dense", seed, difficulty)
    d = p.data
    model = keras.Sequential(
        [keras.Input(d["input_shape"])]
        + [keras.layers.Dense(w, use_bias=b) for w, b in zip(d["widths"], d["biases"], strict=True)]
    )
    assert p.answer == {"params": model.count_params(), "shape": tuple(model.output_shape[1:])}


@FEW
@given(seed=seeds, difficulty=levels)
def test_conv_layers_against_keras(seed, difficulty):
    import keras

    p = generate("conv", seed, difficulty)
    model = keras.Sequential(
        [keras.Input(p.data["input_shape"])]
        + [keras.layers.Conv2D(f, k, strides=s, padding=pad) for f, k, s, pad in p.data["layers"]]
    )
    assert p.answer == {"shape": tuple(model.output_shape[1:]), "params": model.count_params()}


@FEW
@given(seed=seeds, difficulty=levels)
def test_cnn_against_keras(seed, difficulty):
    import keras

    p = generate("cnn", seed, difficulty)
    layers = [keras.Input(p.data["input_shape"])]
    for f, k, pad in p.data["blocks"]:
        layers += [keras.layers.Conv2D(f, k, padding=pad, activation="relu"), keras.layers.MaxPooling2D(2)]
    flatten = keras.layers.Flatten()
    model = keras.Sequential(layers + [flatten] + [keras.layers.Dense(u) for u in p.data["heads"]])
    assert p.answer == {"flatten": flatten.output.shape[1], "params": model.count_params()}


@SOME
@given(seed=seeds, difficulty=levels)
def test_padding_against_keras(seed, difficulty):
    import keras

    p = generate("padding", seed, difficulty)
    d = p.data
    shape = keras.layers.ZeroPadding2D(d["p"]).compute_output_shape((None, d["n"], d["n"], 1))
    shape = keras.layers.Conv2D(1, d["k"], strides=d["s"], dilation_rate=d["d"]).compute_output_shape(shape)
    assert p.answer == shape[1] == shape[2]


@SOME
@given(seed=seeds, difficulty=levels)
def test_pad_modes_against_numpy(seed, difficulty):
    p = generate("pad-modes", seed, difficulty)
    row, pad = np.array(p.data["row"]), p.data["p"]
    for mode, numpy_mode in (("zeros", "constant"), ("reflect", "reflect"), ("replicate", "edge")):
        assert p.answer[mode] == np.pad(row, pad, mode=numpy_mode).tolist()


@FEW
@given(seed=seeds, difficulty=levels)
def test_conv_apply_and_maxpool_against_keras(seed, difficulty):
    import keras

    p = generate("conv-apply", seed, difficulty)
    image, kernel = np.array(p.data["image"], float), np.array(p.data["kernel"], float)
    out = keras.ops.convert_to_numpy(
        keras.ops.conv(image[None, :, :, None], kernel[:, :, None, None], strides=p.data["stride"])
    )[0, :, :, 0]
    assert np.allclose(p.answer["output"], out.ravel())
    assert p.answer["max at"] == tuple(int(i) + 1 for i in np.unravel_index(np.argmax(out), out.shape))
    q = generate("maxpool", seed, difficulty)
    pooled = keras.layers.MaxPooling2D(q.data["pool"], strides=q.data["stride"])(
        np.array(q.data["x"], "float32")[None, :, :, None]
    )
    assert q.answer == keras.ops.convert_to_numpy(pooled).ravel().astype(int).tolist()


# ------------------------------------------------------------------------ Q14-Q16 optimizers
def _keras_steps(d):
    import keras

    v = d["variant"]
    opt = {
        "mini-batch": lambda: keras.optimizers.SGD(d["lr"]),
        "momentum": lambda: keras.optimizers.SGD(d["lr"], momentum=d["momentum"]),
        "nesterov": lambda: keras.optimizers.SGD(d["lr"], momentum=d["momentum"], nesterov=True),
        "adagrad": lambda: keras.optimizers.Adagrad(d["lr"], initial_accumulator_value=0.0, epsilon=d["epsilon"]),
        "rmsprop": lambda: keras.optimizers.RMSprop(d["lr"], rho=d["rho"], epsilon=d["epsilon"]),
        "adam": lambda: keras.optimizers.Adam(d["lr"], beta_1=d["beta_1"], beta_2=d["beta_2"], epsilon=d["epsilon"]),
    }[v]()
    var = keras.Variable(np.array(d["w0"]), dtype="float64")
    ws = []
    for t in range(d["steps"]):
        w = np.array(var.numpy())
        if v == "mini-batch":
            g = 2 * (w - np.array(d["points"])[d["batches"][t]].mean(axis=0))
        else:
            g = 2 * np.array(d["k"]) * (w - np.array(d["c"]))
        opt.apply_gradients([(g, var)])
        w = np.array(var.numpy())
        if v == "nesterov":  # Keras keeps the look-ahead point too: w = u - momentum * velocity
            w = w - d["momentum"] * np.array(opt.momentums[0].numpy())
        ws.append(w)
    return ws


def _nesterov_as_in_the_notes(d):
    w, h, ws = np.array(d["w0"]), np.zeros(len(d["w0"])), []
    for _ in range(d["steps"]):
        look = w - d["momentum"] * h
        h = d["momentum"] * h + d["lr"] * 2 * np.array(d["k"]) * (look - np.array(d["c"]))
        w = w - h
        ws.append(w)
    return ws


@settings(max_examples=30, deadline=None, derandomize=True)
@given(kind=st.sampled_from(["sgd", "adaptive"]), seed=seeds, difficulty=levels)
def test_optimizer_steps_against_keras(kind, seed, difficulty):
    p = generate(kind, seed, difficulty)
    expected = _keras_steps(p.data)
    if p.data["variant"] == "nesterov":
        assert np.allclose(expected, _nesterov_as_in_the_notes(p.data), atol=1e-6)
    for t, w in enumerate(expected, start=1):
        assert np.allclose(p.answer[f"w{t}"], w, atol=1e-6), (t, p.answer, expected)


def test_optimizer_kinds_cover_every_variant():
    variants = {generate(kind, s, 2).data["variant"] for kind in ("sgd", "adaptive") for s in range(30)}
    assert variants == {"mini-batch", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}


# ---------------------------------------------------------------------- Q17-Q18 dropout, BN
@FEW
@given(seed=seeds, difficulty=levels)
def test_dropout_and_batchnorm_against_keras(seed, difficulty):
    import keras

    p = generate("dropout", seed, difficulty)
    x, mask, rate = np.array(p.data["x"]), np.array(p.data["mask"]), p.data["rate"]
    assert np.allclose(p.answer["training"], x * mask / (1 - rate))
    assert np.allclose(p.answer["inference"], keras.layers.Dropout(rate)(x[None], training=False)[0])
    kept = [str(i + 1) for i in np.flatnonzero(mask)]
    assert f"keeps units {', '.join(kept)}" in p.statement

    q = generate("batchnorm", seed, difficulty)
    d = q.data
    x = np.array(d["x"])
    layer = keras.layers.BatchNormalization(epsilon=d["epsilon"], dtype="float64")
    layer.build(x.shape)
    layer.set_weights([np.array(d["gamma"]), np.array(d["beta"]), np.zeros(x.shape[1]), np.ones(x.shape[1])])
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    assert np.allclose(np.ravel(q.answer["output"]), out.ravel(), atol=1e-9)
    assert np.allclose(q.answer["mean"], x.mean(0)) and np.allclose(q.answer["variance"], x.var(0))


# ------------------------------------------------------------------ Q25-Q26 segmentation
@SOME
@given(seed=seeds, difficulty=levels)
def test_jaccard_against_sklearn(seed, difficulty):
    from sklearn.metrics import accuracy_score, jaccard_score

    p = generate("jaccard", seed, difficulty)
    truth, pred = np.ravel(p.data["truth"]), np.ravel(p.data["pred"])
    labels = list(range(p.data["classes"]))
    assert np.allclose(p.answer["jaccard"], jaccard_score(truth, pred, labels=labels, average=None))
    assert np.isclose(p.answer["pixel accuracy"], accuracy_score(truth, pred))


@FEW
@given(seed=seeds, difficulty=levels)
def test_pixel_ce_against_keras(seed, difficulty):
    import keras

    p = generate("pixel-ce", seed, difficulty)
    scores, truth = np.array(p.data["scores"]), np.array(p.data["truth"])
    onehot = np.eye(scores.shape[1])[truth]
    loss = keras.losses.CategoricalCrossentropy(from_logits=p.data["from_logits"])(onehot, scores)
    assert np.isclose(p.answer, float(loss), atol=1e-5)


# ------------------------------------------------------------------------ Q28 detection
def _xywh(box):
    return [box[0], box[1], box[2] - box[0], box[3] - box[1]]


@SOME
@given(seed=seeds, difficulty=levels)
def test_iou_against_pycocotools(seed, difficulty):
    from pycocotools import mask

    p = generate("iou", seed, difficulty)
    expected = mask.iou([_xywh(p.data["a"])], [_xywh(p.data["b"])], [0])[0, 0]
    assert np.isclose(p.answer, expected)
    assert "IoU" in p.solution and check(p, f"{p.answer:.3f}").correct and not check(p, p.answer + 0.05).correct


@SOME
@given(seed=seeds, difficulty=levels)
def test_nms_against_tensorflow(seed, difficulty):
    import tensorflow as tf

    p = generate("nms", seed, difficulty)
    boxes = np.array(p.data["boxes"], "float32")[:, [1, 0, 3, 2]]  # TF wants (y1, x1, y2, x2)
    kept = tf.image.non_max_suppression(
        boxes, np.array(p.data["scores"], "float32"), len(boxes), iou_threshold=p.data["threshold"]
    )
    assert p.answer == sorted(int(i) + 1 for i in kept.numpy())


def _coco(p):
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO()
    gt.dataset = {
        "images": [{"id": 1}],
        "categories": [{"id": 1}],
        "annotations": [
            {
                "id": i + 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": _xywh(b),
                "iscrowd": 0,
                "area": _xywh(b)[2] * _xywh(b)[3],
            }
            for i, b in enumerate(p.data["gt"])
        ],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(
            [
                {"image_id": 1, "category_id": 1, "bbox": _xywh(b), "score": s}
                for b, s in zip(p.data["boxes"], p.data["scores"], strict=True)
            ]
        )
        evaluation = COCOeval(gt, dt, "bbox")
        evaluation.params.iouThrs = np.array([0.5])
        evaluation.evaluate()
        evaluation.accumulate()
    image = next(e for e in evaluation.evalImgs if e and e["aRng"] == evaluation.params.areaRng[0])
    tp = {int(i) for i, m in zip(image["dtIds"], image["dtMatches"][0], strict=True) if m > 0}
    precision = evaluation.eval["precision"][0, :, 0, 0, -1]
    return tp, float(np.mean(precision[precision > -1]))


def _voc_ap(tp_sorted, num_gt):
    tp = np.cumsum(tp_sorted)
    recall, precision = tp / num_gt, tp / np.arange(1, len(tp_sorted) + 1)
    mrec, mpre = np.concatenate([[0], recall, [1]]), np.concatenate([[0], precision, [0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    steps = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


@SOME
@given(seed=seeds, difficulty=levels)
def test_ap_against_pycocotools(seed, difficulty):
    p = generate("ap", seed, difficulty)
    tp, coco_ap = _coco(p)
    assert set(p.answer["TP"]) == tp
    assert p.answer["FN"] == len(p.data["gt"]) - len(tp)
    if p.data["method"] == "101-point":
        assert np.isclose(p.answer["AP"], coco_ap)
    else:
        order = np.argsort(-np.array(p.data["scores"]), kind="mergesort")
        assert np.isclose(p.answer["AP"], _voc_ap(np.array([i + 1 in tp for i in order], float), len(p.data["gt"])))


# ---------------------------------------------------------------------- Q32, Q36, Q38
def _brute_triplets(labels, points, margin):
    labels, points = np.array(labels), np.array(points)
    dist = ((points[:, None] - points[None]) ** 2).sum(-1)
    n = len(labels)
    pos = [(a, q) for a in range(n) for q in range(n) if a != q and labels[a] == labels[q]]
    negs = {a: [m for m in range(n) if labels[m] != labels[a]] for a in range(n)}
    every = [max(dist[a, q] - dist[a, m] + margin, 0) for a, q in pos for m in negs[a]]
    hard = [
        max(max(dist[a, q] for b, q in pos if b == a) - min(dist[a, m] for m in negs[a]) + margin, 0) for a in range(n)
    ]
    semi = []
    for a, q in pos:
        farther = [dist[a, m] for m in negs[a] if dist[a, m] > dist[a, q]]
        semi.append(max(dist[a, q] - (min(farther) if farther else max(dist[a, m] for m in negs[a])) + margin, 0))
    return {"all": np.mean(every), "hard": np.mean(hard), "semi-hard": np.mean(semi)}


@SOME
@given(seed=seeds, difficulty=levels)
def test_triplet_against_brute_force(seed, difficulty):
    p = generate("triplet", seed, difficulty)
    expected = _brute_triplets(p.data["labels"], p.data["points"], p.data["margin"])
    for rule, value in expected.items():
        assert np.isclose(p.answer[rule], value, atol=1e-5), rule


@SOME
@given(seed=seeds, difficulty=levels)
def test_ngrams_against_gensim(seed, difficulty):
    from gensim.models.fasttext_inner import compute_ngrams

    p = generate("ngrams", seed, difficulty)
    word = p.data["word"]
    assert p.answer == set(compute_ngrams(word, p.data["n_min"], p.data["n_max"])) | {f"<{word}>"}
    assert check(p, " ".join(sorted(p.answer, reverse=True))).correct
    assert not check(p, ", ".join(sorted(p.answer)[1:])).correct


@FEW
@given(seed=seeds, difficulty=levels)
def test_rnn_against_keras(seed, difficulty):
    import keras

    p = generate("rnn", seed, difficulty)
    d = p.data
    xs = np.array(d["xs"], "float32")
    layer = keras.layers.SimpleRNN(len(d["b"]), return_sequences=True)
    layer.build((1,) + xs.shape)
    layer.set_weights([np.array(d["W_xh"]), np.array(d["W_hh"]), np.array(d["b"])])
    hs = keras.ops.convert_to_numpy(layer(xs[None], initial_state=[np.array(d["h0"], "float32")[None]]))[0]
    assert p.answer["params"] == layer.count_params()
    for t, h in enumerate(hs, start=1):
        assert np.allclose(p.answer[f"h{t}"], h, atol=1e-6)


# ---------------------------------------------------------------------------- the checker
def test_checker_reads_what_students_write():
    p = generate("conv", 4, 2)
    h, w, c = p.answer["shape"]
    params = p.answer["params"]
    for text in (
        f"shape: {h}x{w}x{c}; params: {params:,}",
        f"{h} x {w} x {c}; {params}",
        f"params = {params} | shape = (None, {h}, {w}, {c})",
        f"Shape: [{h}, {w}, {c}]\nparameters: {params}",
    ):
        assert check(p, text).correct, text
    wrong = check(p, f"shape: {h}x{w}x{c + 1}; params: {params}")
    assert not wrong.correct and wrong.parts == {"shape": False, "params": True}
    assert "channels" in wrong.feedback and "1 of 2 parts right" in wrong.feedback
    assert check(p, f"shape: {h}x{w}").malformed
    assert check(p, f"{params}").malformed
    missing = check(p, "").feedback
    assert "No answer" in missing and "shape" in missing


def test_checker_numbers_fractions_percent_and_tolerance():
    p = generate("iou", 2, 1)
    exact = p.answer
    assert check(p, f"{exact * 100:.1f}%").correct
    assert check(p, f"{exact:.3f}").correct and check(p, round(exact, 2)).correct
    result = check(p, f"{exact + 0.1:.3f}")
    assert not result.correct and "too large" in result.feedback
    assert check(p, "about a half").malformed
    q = generate("jaccard", 0, 1)
    from fractions import Fraction

    fractions = [str(Fraction(v).limit_denominator(100)) for v in q.answer["jaccard"]]
    acc = Fraction(q.answer["pixel accuracy"]).limit_denominator(100)
    assert check(q, f"pixel accuracy: {acc}; jaccard: {', '.join(fractions)}").correct
    assert check(q, f"{acc}; {' '.join(fractions)}").correct
    bad = check(q, f"{acc}; {fractions[0]}")
    assert bad.malformed and "jaccard" in bad.feedback


def test_checker_boxes_and_ngrams():
    p = generate("nms", 1, 2)
    kept = p.answer
    assert check(p, "boxes " + " and ".join(str(k) for k in kept[::-1])).correct
    assert check(p, ", ".join(map(str, kept[::-1]))).correct and check(p, str(kept)).correct
    extra = next(i for i in range(1, len(p.data["scores"]) + 1) if i not in kept)
    result = check(p, ", ".join(map(str, kept + [extra])))
    assert not result.correct and f"{extra} (box" in result.feedback  # says which box suppresses it
    assert check(p, "0, 99").malformed
    q = generate("ap", 2, 1)
    assert check(q, q.answer_text.replace("D", "d")).correct


# ------------------------------------------------------------------------------ the hook
def test_problems_for_question():
    problems = problems_for_question(28, count=3, seed=0)
    assert [p.kind for p in problems] == ["iou", "nms", "ap"]
    assert all(28 in p.questions for p in problems)
    again = problems_for_question(28, count=3, seed=0)
    assert [p.statement for p in problems] == [p.statement for p in again]
    single = problems_for_question(10, count=3)
    assert [p.difficulty for p in single] == [1, 2, 3] and {p.kind for p in single} == {"rf"}
    assert problems_for_question(19) == [] and problems_for_question(2, count=5) == []
    assert len(problems_for_question(12, count=2)) == 2


# ------------------------------------------------------------------- command, in-process
def _run(argv, capsys, stdin=None, monkeypatch=None):
    from keras_course import cli

    if stdin is not None:
        import io

        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["practice", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_command_exit_statuses(capsys, monkeypatch, tmp_path):
    p = generate("padding", 3)
    code, out, _ = _run(["padding", "--seed", "3", "--answer", p.answer_text], capsys)
    assert code == 0 and "Correct" in out and "Worked solution" in out and "\\lfloor" in out
    code, out, _ = _run(["padding", "--seed", "3", "--answer", str(p.answer + 1)], capsys)
    assert code == 1 and "Not quite" in out and p.answer_text in out
    code, out, _ = _run(["padding", "--seed", "3"], capsys, stdin="big\n", monkeypatch=monkeypatch)
    assert code == 2 and "Cannot read" in out and "Worked solution" not in out
    code, out, _ = _run(["padding", "--seed", "3"], capsys, stdin=f"huge\n{p.answer}\n", monkeypatch=monkeypatch)
    assert code == 0 and "Try again" in out
    code, out, _ = _run(["grad-deps", "--seed", "2", "--solution", "--figure", str(tmp_path / "f.png")], capsys)
    assert code == 0 and (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG") and "Answer:" in out
    code, out, _ = _run(["--question", "10", "--seed", "1", "--answer", "1"], capsys)
    assert code in (0, 1) and "Q9, Q10" in out


def test_command_bad_arguments(capsys):
    for argv, message in (
        (["nope"], "unknown problem kind"),
        (["rf", "--difficulty", "5"], "--difficulty"),
        (["rf", "--seed", "-2"], "--seed"),
        (["--question", "2"], "no problem kind drills"),
        (["--sheet", "0"], "--sheet"),
    ):
        code, _, err = _run(argv, capsys)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, out, _ = _run([], capsys)
    assert code == 0 and all(kind in out for kind in KINDS)


def test_sheet_is_deterministic(capsys, tmp_path):
    code, out, _ = _run(["--sheet", "8", "--seed", "7", "--out", str(tmp_path / "a"), "--no-pdf"], capsys)
    assert code == 0 and "PDF skipped" in out
    _run(["--sheet", "8", "--seed", "7", "--out", str(tmp_path / "b"), "--no-pdf"], capsys)
    files = sorted(str(f.relative_to(tmp_path / "a")) for f in (tmp_path / "a").rglob("*") if f.is_file())
    assert "sheet.html" in files and "answers.html" in files and any(f.startswith("figures/") for f in files)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    sheet = (tmp_path / "a" / "sheet.html").read_text()
    key = (tmp_path / "a" / "answers.html").read_text()
    assert sheet.count('class="problem"') == 8 and "<math" in sheet and "$" not in re.sub(r"<[^>]+>", "", sheet)
    assert "Answer:" in key and "Answer:" not in sheet
    for img in re.findall(r'src="([^"]+)"', sheet):
        assert (tmp_path / "a" / img).exists()


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no chromium")
def test_sheet_pdf(tmp_path):
    from keras_course.practice.sheet import write_sheet

    written = write_sheet(tmp_path, 2, seed=1, kinds=["rf"])
    assert written["pdf_skipped"] is None
    assert all(p.read_bytes().startswith(b"%PDF") for p in written["pdf"]) and len(written["pdf"]) == 2


def test_main_takes_a_namespace(capsys):
    from keras_course.practice.command import main

    args = Namespace(
        kind="ngrams",
        seed=4,
        difficulty=None,
        answer="x",
        question=None,
        solution=False,
        figure=None,
        sheet=None,
        out=None,
        no_pdf=False,
        debug=False,
    )
    assert main(args) == 1
    assert "n-gram" in capsys.readouterr().out
