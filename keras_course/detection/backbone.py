"""The small convolutional backbone shared by the detectors (R-CNN, Fast R-CNN, YOLO)."""

from keras import layers


def conv_bn_act(x, filters, size=3):
    """conv (no bias) -> batch norm -> leaky ReLU (0.1), the YOLO / Darknet unit."""
    x = layers.Conv2D(filters, size, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.LeakyReLU(0.1)(x)


def small_backbone(x, pools, base_filters=32, max_filters=None):
    """``pools`` stages of 3x3 conv units each followed by 2x2 max-pooling (output stride
    ``2**pools``); channels double per stage from ``base_filters`` up to ``max_filters``
    (default 4x base). Later stages use two units, so the receptive field keeps up."""
    max_filters = max_filters or 4 * base_filters
    for level in range(pools):
        filters = min(base_filters * 2**level, max_filters)
        for _ in range(1 if level < 2 else 2):
            x = conv_bn_act(x, filters)
        x = layers.MaxPooling2D()(x)
    return x
