"""Q27: a fully convolutional network (FCN) with the U-Net's encoder but no skip connections."""

from keras_course.segmentation.blocks import build_segmenter


def fcn(input_shape, num_classes, base_filters=16, depth=4, activation="softmax", name="fcn"):
    """A fully convolutional encoder-decoder: U-Net's encoder and decoder, minus the skips.

    The image is encoded down to ``H / 2**depth`` and upsampled back to full size from there
    alone (learned 2x transposed convolutions, as in FCN's "deconvolution"), so this differs
    from ``unet`` only by the skip connections, which isolates what they contribute.
    Arguments and shapes as for ``unet``.
    """
    return build_segmenter(input_shape, num_classes, base_filters, depth, False, activation, name)
