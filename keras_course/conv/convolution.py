"""Q7-Q8: the convolution (cross-correlation) of an image with a bank of filters.

``conv2d`` is the NumPy reference, transcribed from the notes' formula
``Im_out(y, x, t) = sum_i sum_j sum_c k_t(i, j, c) Im_in(y + i, x + j, c)`` (no kernel flip),
with strides and dilation: ``Im_out(y, x, t) = sum k_t(i, j, c) Im_in(s y + d i, s x + d j, c)``.
``Conv2D`` is the Keras layer, built on ``keras.ops.conv``, with the same padding modes.
"""

import keras
import numpy as np
from keras import ops

from keras_course.checks import check_array, check_bool, check_choice, check_int
from keras_course.conv.padding import check_int_pair, pad2d, pad_images, same_padding

PADDINGS = ("valid", "same", "zeros", "reflect", "replicate")


def check_padding(padding):
    return "zeros" if check_choice("padding", padding, PADDINGS) == "same" else padding


def conv_output_size(size, kernel_size, stride=1, padding="valid", dilation=1):
    """Outputs along one axis: ``ceil(size / stride)`` when padded, else ``floor((size - span) / stride) + 1``."""
    if size is None:
        return None
    size = check_int("size", size, minimum=0)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride, dilation = check_int("stride", stride, minimum=1), check_int("dilation", dilation, minimum=1)
    if check_padding(padding) != "valid":
        return -(-size // stride)
    span = dilation * (kernel_size - 1) + 1
    return (size - span) // stride + 1 if size >= span else 0


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Parameters of a conv layer: ``(kh kw C + 1) T`` (without bias ``kh kw C T``).

    Every one of the ``T = filters`` filters has ``kh kw C`` weights and one bias, whatever
    the image size: that is the saving over a dense layer.
    """
    kh, kw = check_int_pair(kernel_size, "kernel_size")
    in_channels = check_int("in_channels", in_channels, minimum=1)
    filters = check_int("filters", filters, minimum=1)
    check_bool("use_bias", use_bias)
    return (kh * kw * in_channels + int(use_bias)) * filters


def conv2d(x, kernel, stride=1, padding="valid", dilation=1):
    """Cross-correlate ``x`` with ``kernel`` (NumPy reference, float64).

    Args:
        x: image (H, W), (H, W, C) or batch (N, H, W, C).
        kernel: (kh, kw) for an (H, W) image, else (kh, kw, C, T): ``T`` filters over ``C`` channels.
        stride, dilation: int or (h, w) pair, >= 1.
        padding: "valid" (no padding), "same"/"zeros", "reflect" or "replicate"; the padded
            modes pad as a "same" convolution does, giving ``ceil(H / stride)`` rows.

    Returns (Ho, Wo) for a 2-D image, (Ho, Wo, T) for (H, W, C), (N, Ho, Wo, T) for a batch.
    """
    x = check_array("x", x, ndim=(2, 3, 4), kind="real").astype(np.float64)
    kernel = check_array("kernel", kernel, ndim=(2, 4), kind="real").astype(np.float64)
    check_int_pair(stride, "stride")  # checked before the recursion below, so the error names them
    check_int_pair(dilation, "dilation")
    check_padding(padding)
    if x.ndim == 2:
        if kernel.ndim != 2:
            raise ValueError(f"a 2-D image x needs a 2-D kernel (kh, kw), got kernel shape {kernel.shape}")
        return conv2d(x[None, :, :, None], kernel[:, :, None, None], stride, padding, dilation)[0, :, :, 0]
    if kernel.ndim != 4 or kernel.shape[2] != x.shape[-1]:
        raise ValueError(f"kernel must be (kh, kw, C={x.shape[-1]}, T), got shape {kernel.shape}")
    if x.ndim == 3:
        return conv2d(x[None], kernel, stride, padding, dilation)[0]
    (sh, sw), (dh, dw) = check_int_pair(stride, "stride"), check_int_pair(dilation, "dilation")
    mode = check_padding(padding)
    kh, kw = kernel.shape[:2]
    if mode != "valid":
        x = pad2d(x, (same_padding(x.shape[1], kh, sh, dh), same_padding(x.shape[2], kw, sw, dw)), mode)
    ho = conv_output_size(x.shape[1], kh, sh, "valid", dh)
    wo = conv_output_size(x.shape[2], kw, sw, "valid", dw)
    if ho < 1 or wo < 1:
        raise ValueError(
            f"the dilated kernel {kernel.shape[:2]} (dilation {(dh, dw)}) does not fit the "
            f"{'padded ' if mode != 'valid' else ''}image {x.shape[1:3]}"
        )
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]))
    for i in range(kh):  # one term of the double sum over the kernel's offsets (i, j) ...
        for j in range(kw):
            # ... for every output pixel at once: Im_in(s y + d i, s x + d j, c) for all (y, x)
            patch = x[:, dh * i : dh * i + sh * (ho - 1) + 1 : sh, dw * j : dw * j + sw * (wo - 1) + 1 : sw, :]
            out += np.einsum("nyxc,ct->nyxt", patch, kernel[i, j])  # the sum over channels c
    return out


@keras.saving.register_keras_serializable(package="keras_course")
class Conv2D(keras.layers.Layer):
    """A 2-D convolution layer: ``T = filters`` filters of ``kh x kw x C`` weights, slid over the image.

    Args:
        filters: positive int ``T``, the number of output channels.
        kernel_size, strides, dilation_rate: int or (h, w) pair, >= 1.
        padding: "valid", "same" (= "zeros"), "reflect" or "replicate". The padded modes pad
            as much as a "same" convolution, so the output has ``ceil(H / stride)`` rows.
        use_bias: whether to add one bias per filter.
        activation, kernel_initializer, bias_initializer: as in ``keras.layers.Conv2D``.

    Shapes: (N, H, W, C) -> (N, Ho, Wo, T). Parameters: ``conv_params(kernel_size, C, T)``.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        dilation_rate=1,
        use_bias=True,
        activation=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = check_int("filters", filters, minimum=1)
        check_bool("use_bias", use_bias)
        self.kernel_size = check_int_pair(kernel_size, "kernel_size")
        self.strides = check_int_pair(strides, "strides")
        self.dilation_rate = check_int_pair(dilation_rate, "dilation_rate")
        self.padding = padding
        self.mode = check_padding(padding)
        self.use_bias = use_bias
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"the channel dimension must be known, got input shape {input_shape}")
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.filters), initializer=self.kernel_initializer, name="kernel"
        )
        self.bias = (
            self.add_weight(shape=(self.filters,), initializer=self.bias_initializer, name="bias")
            if self.use_bias
            else None
        )

    def _pads(self, height, width):
        pads = []
        for size, k, s, d in zip((height, width), self.kernel_size, self.strides, self.dilation_rate, strict=True):
            if size is None and s > 1:
                raise ValueError(
                    f"padding={self.padding!r} with strides > 1 needs a known height and width, got ({height}, {width})"
                )
            pads.append(same_padding(1 if size is None else size, k, s, d))  # with stride 1 size is irrelevant
        return tuple(pads)

    def call(self, inputs):
        strided_dilated = max(self.strides) > 1 and max(self.dilation_rate) > 1
        if self.mode in ("valid", "zeros") and not strided_dilated:
            # The fused kernel; "zeros" padding is exactly the backend's "same".
            z = ops.conv(
                inputs,
                self.kernel,
                strides=self.strides,
                dilation_rate=self.dilation_rate,
                padding="valid" if self.mode == "valid" else "same",
            )
        else:
            x = inputs
            if self.mode != "valid":
                x = pad_images(x, self._pads(inputs.shape[1], inputs.shape[2]), self.mode)
            if strided_dilated:
                # Backends refuse stride > 1 with dilation > 1: convolve densely, keep every s-th output.
                z = ops.conv(x, self.kernel, strides=1, padding="valid", dilation_rate=self.dilation_rate)
                z = z[:, :: self.strides[0], :: self.strides[1], :]
            else:
                z = ops.conv(x, self.kernel, strides=self.strides, padding="valid", dilation_rate=self.dilation_rate)
        if self.use_bias:
            z = z + self.bias
        return self.activation(z)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        sizes = [
            conv_output_size(size, k, s, self.padding, d)
            for size, k, s, d in zip((h, w), self.kernel_size, self.strides, self.dilation_rate, strict=True)
        ]
        return (n, *sizes, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "dilation_rate": self.dilation_rate,
            "use_bias": self.use_bias,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
