"""Q27: U-Net (Ronneberger et al., 2015), an encoder-decoder with skip connections."""

from keras_course.segmentation.blocks import build_segmenter


def unet(input_shape, num_classes, base_filters=16, depth=4, activation="softmax", name="unet"):
    """U-Net: the encoder doubles the channels at each of ``depth`` levels while pooling halves
    the resolution; the decoder upsamples and concatenates the encoder features of the same
    resolution (the skip connections), so fine detail reaches the output directly.

    Args:
        input_shape: (H, W, C), H and W multiples of ``2**depth`` (or None).
        num_classes: K >= 2 output classes (background included).
        base_filters: channels of the first level.
        depth: number of pooling steps.
        activation: of the output, "softmax" for probabilities or None for logits.

    Shapes: (B, H, W, C) -> (B, H, W, K).
    """
    return build_segmenter(input_shape, num_classes, base_filters, depth, True, activation, name)
