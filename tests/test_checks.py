"""The shared argument checks: what they accept, what they refuse, and that the message names
the argument, what was expected and what was given."""

import math

import numpy as np
import pytest

from keras_course import checks

REFUSED = [
    # (check, args, kwargs, error type, words the message must hold)
    (checks.check_int, ("size", 0), {"minimum": 1}, ValueError, ["size", ">= 1", "got 0"]),
    (checks.check_int, ("size", 2.0), {}, TypeError, ["size", "an int", "2.0"]),
    (checks.check_int, ("size", True), {}, TypeError, ["size", "True"]),
    (checks.check_int, ("size", "3"), {}, TypeError, ["size", "'3'"]),
    (checks.check_int, ("keep", 9), {"minimum": 1, "maximum": 5}, ValueError, ["keep", "<= 5", "9"]),
    (
        checks.check_real,
        ("momentum", math.nan),
        {"minimum": 0, "maximum": 1},
        ValueError,
        ["momentum", "finite", "nan"],
    ),
    (
        checks.check_real,
        ("beta_1", 1.0),
        {"minimum": 0, "maximum": 1, "high_open": True},
        ValueError,
        ["beta_1", "< 1"],
    ),
    (
        checks.check_real,
        ("learning_rate", -0.1),
        {"minimum": 0, "low_open": True},
        ValueError,
        ["learning_rate", "> 0"],
    ),
    (checks.check_real, ("rate", math.inf), {}, ValueError, ["rate", "finite", "inf"]),
    (checks.check_real, ("rate", "0.5"), {}, TypeError, ["rate", "real number"]),
    (checks.check_bool, ("trainable", 1), {}, TypeError, ["trainable", "bool", "1"]),
    (
        checks.check_choice,
        ("padding", "full"),
        {"choices": ("valid", "same")},
        ValueError,
        ["padding", "'valid'", "'full'"],
    ),
    (checks.check_array, ("x", [[1.0, np.nan]]), {}, ValueError, ["x", "finite", "1 NaN", "(1, 2)"]),
    (checks.check_array, ("x", np.zeros((2, 3))), {"ndim": 3}, ValueError, ["x", "3 dimensions", "(2, 3)"]),
    (checks.check_array, ("x", np.zeros(0)), {}, ValueError, ["x", "empty"]),
    (checks.check_array, ("x", "abc"), {}, TypeError, ["x", "array", "'abc'"]),
    (checks.check_array, ("x", [[1, 2], [3]]), {}, ValueError, ["x", "one size per axis"]),
    (checks.check_array, ("x", np.zeros((2, 3))), {"shape": (None, 4)}, ValueError, ["x", "(any, 4)", "(2, 3)"]),
    (checks.check_array, ("x", np.array(["a"])), {}, TypeError, ["x", "numeric"]),
    (checks.check_labels, ("y_true", [0, 5]), {"num_classes": 3}, ValueError, ["y_true", "[0, 3)", "5"]),
    (checks.check_labels, ("y_true", [-1, 1]), {"num_classes": 3}, ValueError, ["y_true", "-1"]),
    (checks.check_labels, ("y_true", [0.5, 1]), {"num_classes": 3}, TypeError, ["y_true", "integer class ids"]),
    (
        checks.check_scores,
        ("y_pred", np.zeros((4, 4))),
        {"num_classes": 3},
        ValueError,
        ["y_pred", "3 class scores", "class ids"],
    ),
    (checks.check_scores, ("y_pred", np.zeros((4, 4), int)), {}, TypeError, ["y_pred", "float"]),
    (checks.check_probabilities, ("probs", [[0.5, 0.6]]), {}, ValueError, ["probs", "sum to 1"]),
    (checks.check_probabilities, ("probs", [[-0.5, 1.5]]), {}, ValueError, ["probs", "[0, 1]", "from_logits"]),
    (checks.check_boxes, ("boxes", [[5, 0, 1, 4]]), {}, ValueError, ["boxes", "x2 >= x1", "box 0"]),
    (checks.check_boxes, ("boxes", [[0, 0, 1]]), {}, ValueError, ["boxes", "(N, 4)"]),
    (checks.check_boxes, ("boxes", []), {"allow_empty": False}, ValueError, ["boxes", "at least one"]),
    (checks.check_image, ("image", np.full((4, 4), 200, np.uint8)), {}, TypeError, ["image", "[0, 1]", "uint8", "255"]),
    (checks.check_image, ("image", np.full((4, 4), 200.0)), {}, ValueError, ["image", "[0, 1]", "255"]),
    (checks.check_image, ("image", np.zeros((4, 4, 2))), {"channels": (1, 3)}, ValueError, ["image", "channel"]),
    (checks.check_tokens, ("tokens", "the cat"), {}, TypeError, ["tokens", "list of tokens", "'the cat'", "split"]),
    (checks.check_tokens, ("tokens", ["the", 3]), {}, TypeError, ["tokens", "3"]),
    (checks.check_file, ("path", "/no/such/file.npz"), {}, ValueError, ["path", "no such file", "/no/such/file.npz"]),
    (checks.check_file, ("path", 42), {}, TypeError, ["path", "42"]),
]


@pytest.mark.parametrize(
    "check, args, kwargs, error, words", REFUSED, ids=[f"{c.__name__}-{i}" for i, (c, *_rest) in enumerate(REFUSED)]
)
def test_refused_with_a_message_naming_the_argument(check, args, kwargs, error, words):
    with pytest.raises(error) as raised:
        check(*args, **kwargs)
    message = str(raised.value)
    for word in words:
        assert word in message, f"{word!r} missing from {message!r}"


def test_accepted_values_come_back_normalised():
    assert checks.check_int("n", np.int64(3), minimum=1) == 3 and type(checks.check_int("n", np.int32(3))) is int
    assert checks.check_real("rate", 1, minimum=0) == 1.0
    assert checks.check_real("rate", 0.0, minimum=0) == 0.0
    assert checks.check_bool("flag", np.bool_(True)) is True
    assert checks.check_choice("padding", "same", ("valid", "same")) == "same"
    np.testing.assert_array_equal(checks.check_labels("y", np.array([0.0, 2.0]), 3), [0, 2])
    assert checks.check_labels("y", np.array([0, 2]), 3).dtype.kind == "i"
    assert checks.check_boxes("boxes", []).shape == (0, 4)
    assert checks.check_boxes("boxes", [[0, 0, 0, 0]]).shape == (1, 4)  # a degenerate box is valid
    assert checks.check_tokens("tokens", ("a", "b")) == ["a", "b"]
    assert checks.check_array("x", np.zeros(0), allow_empty=True).size == 0
    assert checks.check_array("x", [1.0, np.nan], finite=False).shape == (2,)
    checks.check_same_length(x=[1, 2], y=np.zeros(2))
    with pytest.raises(ValueError, match="x and y must have the same length, got x 2, y 3"):
        checks.check_same_length(x=[1, 2], y=[1, 2, 3])


def test_file_check(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"")
    assert checks.check_file("path", str(path), suffixes=(".npz",)) == path
    with pytest.raises(ValueError, match=r"a \.keras file"):
        checks.check_file("path", path, suffixes=(".keras",))
    with pytest.raises(ValueError, match="a folder"):
        checks.check_file("path", tmp_path)


def test_describe_keeps_messages_short():
    assert checks.describe(np.zeros((3, 2), np.float32)) == "an array of shape (3, 2) and dtype float32"
    assert len(checks.describe(list(range(1000)))) <= 80
