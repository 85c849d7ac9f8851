"""YOLO v1: target encoding and decoding, the loss against a numpy transcription of the paper."""

import keras
import numpy as np
import pytest

from keras_course.detection.yolo import YoloOutput, YoloV1Loss, decode_predictions, encode_targets, yolo_v1


def test_encode_layout_by_hand():
    # one box centred at (40, 10) in a 64 x 64 image, S = 4: column 2, row 0
    t = encode_targets([[30, 0, 50, 20]], [3], 64, grid_size=4, num_boxes=2, num_classes=5)
    assert t.shape == (4, 4, 15)
    np.testing.assert_allclose(t[0, 2, :5], [0.5, 0.625, 20 / 64, 20 / 64, 1])
    np.testing.assert_allclose(t[0, 2, 5:10], t[0, 2, :5])
    np.testing.assert_array_equal(t[0, 2, 10:], [0, 0, 0, 1, 0])
    assert t.sum() == pytest.approx(t[0, 2].sum())


def test_encode_decode_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(20):
        xy = rng.uniform(0, 48, (3, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(4, 16, (3, 2))], 1)
        labels = rng.integers(0, 4, 3)
        t = encode_targets(boxes, labels, (64, 64), 8, 2, 4)
        cells = {(int((y1 + y2) / 16), int((x1 + x2) / 16)) for x1, y1, x2, y2 in boxes}
        if len(cells) < 3:
            continue  # two centres in one cell: YOLO v1 keeps one
        out_boxes, scores, classes = decode_predictions(t, 64, 2, 4, iou_threshold=0.5)
        order = np.lexsort(out_boxes.T[::-1])
        expected = np.lexsort(boxes.T[::-1])
        np.testing.assert_allclose(out_boxes[order], boxes[expected], atol=1e-4)
        np.testing.assert_array_equal(classes[order], labels[expected])
        np.testing.assert_allclose(scores, 1)


def numpy_yolo_loss(y_true, y_pred, b, lambda_coord=5.0, lambda_noobj=0.5):
    """Redmon et al. (2016), eq. 3, transcribed cell by cell and predictor by predictor."""
    n, s = y_true.shape[:2]
    losses = np.zeros(n)
    for k in range(n):
        total = 0.0
        for i in range(s):
            for j in range(s):
                t, p = y_true[k, i, j], y_pred[k, i, j]
                obj = t[4] == 1
                ious = []
                for r in range(b):
                    px, py, pw, ph = p[5 * r : 5 * r + 4]
                    tx, ty, tw, th = t[5 * r : 5 * r + 4]
                    # corners in image units: (x / s, y / s) is the offset inside the cell
                    a = (px / s - pw / 2, py / s - ph / 2, px / s + pw / 2, py / s + ph / 2)
                    g = (tx / s - tw / 2, ty / s - th / 2, tx / s + tw / 2, ty / s + th / 2)
                    iw = max(0.0, min(a[2], g[2]) - max(a[0], g[0]))
                    ih = max(0.0, min(a[3], g[3]) - max(a[1], g[1]))
                    union = pw * ph + tw * th - iw * ih
                    ious.append(iw * ih / max(union, 1e-9))
                best = int(np.argmax(ious))
                for r in range(b):
                    q = p[5 * r : 5 * r + 5]
                    if obj and r == best:
                        g = t[5 * r : 5 * r + 5]
                        total += lambda_coord * ((g[0] - q[0]) ** 2 + (g[1] - q[1]) ** 2)
                        total += lambda_coord * (
                            (np.sqrt(g[2]) - np.sqrt(q[2])) ** 2 + (np.sqrt(g[3]) - np.sqrt(q[3])) ** 2
                        )
                        total += (ious[r] - q[4]) ** 2
                    else:
                        total += lambda_noobj * q[4] ** 2
                if obj:
                    total += np.sum((t[5 * b :] - p[5 * b :]) ** 2)
        losses[k] = total
    return losses


def test_loss_equals_numpy_transcription():
    rng = np.random.default_rng(1)
    s, b, c = 4, 2, 3
    y_true = np.stack(
        [
            encode_targets(
                np.array([[5, 5, 30, 40], [40, 30, 60, 62]]) + rng.uniform(-4, 4, (2, 4)),
                rng.integers(0, c, 2),
                64,
                s,
                b,
                c,
            )
            for _ in range(3)
        ]
    )
    raw = rng.normal(size=(3, s, s, 5 * b + c)).astype("float32")
    y_pred = np.asarray(YoloOutput(b, c)(raw))
    ours = np.asarray(YoloV1Loss(num_boxes=b, reduction=None)(y_true, y_pred))
    np.testing.assert_allclose(ours, numpy_yolo_loss(y_true, y_pred, b), rtol=1e-5)
    # the default reduction is the mean over images
    assert float(YoloV1Loss(num_boxes=b)(y_true, y_pred)) == pytest.approx(ours.mean(), rel=1e-5)
    # a perfect prediction (confidence = IoU = 1) costs nothing
    perfect = y_true.copy()
    perfect[..., 9] = 0  # the second predictor is not responsible: its confidence target is 0
    assert np.allclose(np.asarray(YoloV1Loss(num_boxes=b, reduction=None)(y_true, perfect)), 0, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_model_shapes_and_save_load(tmp_path):
    model = yolo_v1((32, 32, 1), grid_size=4, num_boxes=2, num_classes=3, base_filters=4)
    model.compile(optimizer="adam", loss=YoloV1Loss(lambda_coord=4.0, num_boxes=2))
    x = np.random.default_rng(2).uniform(size=(2, 32, 32, 1)).astype("float32")
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 4, 4, 13)
    assert np.allclose(y[..., 10:].sum(-1), 1, atol=1e-5) and y[..., :10].min() >= 0
    model.save(tmp_path / "yolo.keras")
    loaded = keras.saving.load_model(tmp_path / "yolo.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), y, atol=1e-6)
    assert loaded.loss.lambda_coord == 4.0


def test_errors():
    with pytest.raises(ValueError, match="labels"):
        encode_targets([[0, 0, 5, 5]], [7], 32, 4, 2, 3)
    with pytest.raises(ValueError, match="predictions"):
        decode_predictions(np.zeros((4, 4, 12)), 32, 2, 3)
    with pytest.raises(ValueError, match="input_shape"):
        yolo_v1((48, 48, 1), grid_size=5, num_boxes=2, num_classes=3)
    with pytest.raises(ValueError, match="lambda_noobj"):
        YoloV1Loss(lambda_noobj=-1)
