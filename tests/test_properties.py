"""Property tests (hypothesis): random valid inputs keep each function's invariants, random
invalid inputs raise a clear ValueError/TypeError, never a crash or a wrong shape.

``pytest tests/test_properties.py -s`` prints how many cases each property ran.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_course.conv import receptive_field
from keras_course.detection import iou, nms
from keras_course.detection.evaluate import average_precision
from keras_course.identification import triplet_loss
from keras_course.segmentation import jaccard_per_class
from keras_course.text.fasttext import char_ngrams

CASES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
counts = {}


def _count(name):
    counts[name] = counts.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    print("\nhypothesis cases per property:", dict(sorted(counts.items())))


coordinate = st.floats(0, 100, allow_nan=False, width=32)


@st.composite
def boxes(draw, max_n=8):
    n = draw(st.integers(1, max_n))
    corners = np.array(
        draw(st.lists(st.tuples(coordinate, coordinate, coordinate, coordinate), min_size=n, max_size=n)), np.float32
    )
    x = np.sort(corners[:, [0, 2]], axis=1)
    y = np.sort(corners[:, [1, 3]], axis=1)
    return np.stack([x[:, 0], y[:, 0], x[:, 1] + 1, y[:, 1] + 1], axis=1)  # positive area


# ---------------------------------------------------------------- receptive field
@CASES
@given(st.lists(st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=6))
def test_receptive_field_grows_and_matches_the_recurrence(stack):
    _count("receptive_field")
    fields = receptive_field(stack)
    assert len(fields) == len(stack)
    size, jump = 1, 1
    for (k, s, d), field in zip(stack, fields, strict=True):
        size += (d * (k - 1)) * jump  # r_l = r_{l-1} + (k_eff - 1) * j_{l-1}
        jump *= s
        assert (field.size, field.jump) == (size, jump)


@CASES
@given(
    st.one_of(
        st.integers(-3, 0).map(lambda v: [(v, 1, 1)]),
        st.just([(3, 0, 1)]),
        st.just("conv"),
        st.just([("3", 1, 1)]),
        st.just([(3, 1, 1, 1, 1, 1)]),
    )
)
def test_receptive_field_rejects_bad_layers(bad):
    _count("receptive_field invalid")
    with pytest.raises((ValueError, TypeError)):
        receptive_field(bad)


# ---------------------------------------------------------------- IoU and NMS
@CASES
@given(boxes(), boxes())
def test_iou_is_a_symmetric_similarity(a, b):
    _count("iou")
    matrix = np.asarray(iou(a, b))
    assert matrix.shape == (len(a), len(b))
    assert np.all((matrix >= 0) & (matrix <= 1 + 1e-6))
    np.testing.assert_allclose(matrix, np.asarray(iou(b, a)).T, atol=1e-6)
    np.testing.assert_allclose(np.diag(np.asarray(iou(a, a))), 1.0, atol=1e-5)


@CASES
@given(st.sampled_from([np.zeros((3, 3)), np.zeros((2, 4, 1)), "boxes", np.full((2, 4), np.nan)]))
def test_iou_rejects_bad_boxes(bad):
    _count("iou invalid")
    with pytest.raises((ValueError, TypeError)):
        iou(bad, np.zeros((1, 4)))


@CASES
@given(boxes(max_n=12), st.floats(0.1, 0.9), st.data())
def test_nms_keeps_a_sorted_non_overlapping_subset(candidates, threshold, data):
    _count("nms")
    scores = np.array(
        data.draw(st.lists(st.floats(0, 1, width=32), min_size=len(candidates), max_size=len(candidates), unique=True)),
        np.float32,
    )
    kept = np.asarray(nms(candidates, scores, iou_threshold=threshold))
    assert kept.ndim == 1 and len(set(kept.tolist())) == len(kept) and len(kept) >= 1
    assert np.all(np.diff(scores[kept]) <= 0)  # highest score first
    assert kept[0] == np.argmax(scores)
    overlaps = np.asarray(iou(candidates[kept], candidates[kept]))
    np.fill_diagonal(overlaps, 0)
    assert np.all(overlaps <= threshold + 1e-6)


@CASES
@given(st.sampled_from([(np.zeros((2, 4)), np.zeros(3)), (np.zeros((2, 3)), np.zeros(2)), (np.zeros((2, 4)), "s")]))
def test_nms_rejects_mismatched_inputs(bad):
    _count("nms invalid")
    with pytest.raises((ValueError, TypeError)):
        nms(*bad)


# ---------------------------------------------------------------- average precision
@CASES
@given(st.lists(st.booleans(), min_size=1, max_size=40), st.sampled_from(["all-point", "11-point"]))
def test_average_precision_lies_in_unit_interval(hits, method):
    _count("average_precision")
    hits = np.array(hits, float)
    n_true = max(int(hits.sum()), 1)
    recall = np.cumsum(hits) / n_true
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    ap = average_precision(recall, precision, method=method)
    assert 0.0 <= ap <= 1.0
    if hits.all():
        assert ap == pytest.approx(1.0)


@CASES
@given(
    st.sampled_from(
        [
            ("all-point", [0.2, 0.5], [1.0]),
            ("area", [0.5], [1.0]),
            ("all-point", [1.5], [1.0]),
            ("all-point", [0.5, 0.2], [1.0, 1.0]),
            ("11-point", [0.5], [float("nan")]),
        ]
    )
)
def test_average_precision_rejects_bad_curves(bad):
    _count("average_precision invalid")
    method, recall, precision = bad
    with pytest.raises((ValueError, TypeError)):
        average_precision(np.array(recall), np.array(precision), method=method)


# ---------------------------------------------------------------- Jaccard
@CASES
@given(st.integers(2, 5), st.data())
def test_jaccard_per_class_is_nan_only_for_absent_classes(num_classes, data):
    _count("jaccard_per_class")
    shape = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)))
    cells = st.lists(st.integers(0, num_classes - 1), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1])
    y_true = np.array(data.draw(cells)).reshape(shape)
    y_pred = np.array(data.draw(cells)).reshape(shape)
    scores = np.asarray(jaccard_per_class(y_true, y_pred, num_classes))
    assert scores.shape == (num_classes,)
    present = np.isin(np.arange(num_classes), np.concatenate([y_true.ravel(), y_pred.ravel()]))
    assert np.all(np.isnan(scores) == ~present)
    assert np.all((scores[present] >= 0) & (scores[present] <= 1))
    assert np.all(
        np.asarray(jaccard_per_class(y_true, y_true, num_classes))[np.isin(np.arange(num_classes), y_true)] == 1
    )


@CASES
@given(
    st.sampled_from(
        [
            (np.zeros((2, 2), int), np.zeros((3, 2), int), 2),
            (np.zeros(4, int), np.full(4, 5), 2),
            (np.zeros(4, int), np.zeros(4, int), 0),
        ]
    )
)
def test_jaccard_rejects_bad_inputs(bad):
    _count("jaccard_per_class invalid")
    with pytest.raises((ValueError, TypeError)):
        jaccard_per_class(*bad)


# ---------------------------------------------------------------- triplet loss
@CASES
@given(
    st.integers(2, 10),
    st.integers(2, 4),
    st.sampled_from(["all", "hard", "semi-hard"]),
    st.sampled_from(["euclidean", "squared", "cosine"]),
    st.data(),
)
def test_triplet_loss_is_a_finite_non_negative_scalar(n, dim, mining, distance, data):
    _count("triplet_loss")
    labels = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    embeddings = np.array(
        data.draw(st.lists(st.floats(-3, 3, width=32), min_size=n * dim, max_size=n * dim)), np.float32
    ).reshape(n, dim)
    loss = np.asarray(triplet_loss(labels, embeddings, margin=0.2, mining=mining, distance=distance))
    assert loss.shape == () and np.isfinite(loss) and loss >= 0


@CASES
@given(st.sampled_from([{"mining": "easy"}, {"distance": "manhattan"}, {"margin": -1.0}, {"labels": np.zeros(3)}]))
def test_triplet_loss_rejects_bad_arguments(bad):
    _count("triplet_loss invalid")
    kwargs = {"labels": np.zeros(4), "embeddings": np.zeros((4, 2), np.float32), **bad}
    with pytest.raises((ValueError, TypeError)):
        triplet_loss(**kwargs)


# ---------------------------------------------------------------- character n-grams
@CASES
@given(
    st.text(st.characters(codec="utf-8", exclude_characters="<>"), min_size=1, max_size=12),
    st.integers(1, 4),
    st.integers(0, 3),
)
def test_char_ngrams_count_and_lengths(word, n_min, extra):
    _count("char_ngrams")
    n_max = n_min + extra
    grams = char_ngrams(word, n_min, n_max)
    marked = f"<{word}>"
    assert grams[-1] == marked  # the whole marked word is one more token
    expected = sum(max(len(marked) - n + 1, 0) for n in range(n_min, n_max + 1))
    body = grams[:-1]
    assert len(body) <= expected and all(n_min <= len(g) <= n_max and g in marked for g in body)


@CASES
@given(st.sampled_from([("", 3, 6), ("word", 0, 3), ("word", 4, 3), (5, 3, 6)]))
def test_char_ngrams_rejects_bad_arguments(bad):
    _count("char_ngrams invalid")
    with pytest.raises((ValueError, TypeError)):
        char_ngrams(*bad)
