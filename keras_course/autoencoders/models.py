"""Q33-Q34: autoencoders: an encoder f, a decoder g, trained so that g(f(x)) ~ x.

The code ``z = f(x)`` has ``code_size`` numbers, far fewer than the pixels, so the network
must keep what matters to rebuild the image and drop the rest. ``kind="dense"`` is a
multilayer perceptron; ``kind="conv"`` downsamples twice with strided convolutions and
upsamples back with transposed convolutions. The decoder ends in a sigmoid: pixels in [0, 1].
"""

import math

import keras
from keras import layers

from keras_course.autoencoders.corruption import NOISE_KINDS, Corruption
from keras_course.checks import check_choice, check_int, describe

KINDS = ("dense", "conv")


def _check(input_shape, code_size, kind):
    check_choice("kind", kind, KINDS)
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in input_shape)
    ):
        raise ValueError(f"input_shape must be (height, width, channels) of positive ints, got {input_shape!r}")
    check_int("code_size", code_size, minimum=1)
    if kind == "conv" and (input_shape[0] % 4 or input_shape[1] % 4):
        raise ValueError(f"kind='conv' halves height and width twice: they must be multiples of 4, got {input_shape!r}")
    return tuple(input_shape)


def _dense_parts(input_shape, code_size, hidden):
    inputs = keras.Input(input_shape, name="image")
    x = layers.Flatten()(inputs)
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
    encoder = keras.Model(inputs, layers.Dense(code_size, name="code")(x), name="encoder")
    codes = keras.Input((code_size,), name="code")
    x = codes
    for units in reversed(hidden):
        x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(math.prod(input_shape), activation="sigmoid", dtype="float32")(x)
    decoder = keras.Model(codes, layers.Reshape(input_shape)(x), name="decoder")
    return encoder, decoder


def _conv_parts(input_shape, code_size, filters):
    height, width, channels = input_shape
    f1, f2 = filters
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    encoder = keras.Model(inputs, layers.Dense(code_size, name="code")(x), name="encoder")
    codes = keras.Input((code_size,), name="code")
    x = layers.Dense(height // 4 * width // 4 * f2, activation="relu")(codes)
    x = layers.Reshape((height // 4, width // 4, f2))(x)
    x = layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu")(x)
    outputs = layers.Conv2D(channels, 3, padding="same", activation="sigmoid", dtype="float32")(x)
    decoder = keras.Model(codes, outputs, name="decoder")
    return encoder, decoder


def autoencoder(input_shape, code_size, kind="dense", hidden=(256, 128), filters=(32, 64), name="autoencoder"):
    """An autoencoder and its two halves: ``(autoencoder, encoder, decoder)``.

    Args:
        input_shape: (H, W, C) of images in [0, 1]; with ``kind="conv"`` H and W must be
            multiples of 4.
        code_size: the length of the code z.
        kind: "dense" (MLP with ``hidden`` units, mirrored in the decoder) or "conv" (two
            stride-2 convolutions with ``filters``, mirrored with transposed convolutions).

    Shapes: autoencoder (B, H, W, C) -> (B, H, W, C); encoder (B, H, W, C) -> (B, code_size);
    decoder (B, code_size) -> (B, H, W, C). The three share weights: training the
    autoencoder trains both halves.
    """
    input_shape = _check(input_shape, code_size, kind)
    for arg, sizes, count in (("hidden", hidden, None), ("filters", filters, 2)):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or (count and len(sizes) != count):
            raise TypeError(f"{arg} must be a {'pair' if count else 'tuple'} of positive ints, got {describe(sizes)}")
        for i, size in enumerate(sizes):
            check_int(f"{arg}[{i}]", size, minimum=1)
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {describe(name)}")
    if kind == "dense":
        encoder, decoder = _dense_parts(input_shape, code_size, tuple(hidden))
    else:
        encoder, decoder = _conv_parts(input_shape, code_size, tuple(filters))
    inputs = keras.Input(input_shape, name="image")
    model = keras.Model(inputs, decoder(encoder(inputs)), name=name)
    return model, encoder, decoder


def denoising_autoencoder(
    input_shape, code_size, kind="conv", noise="gaussian", amount=0.3, seed=None, name="denoising_autoencoder", **kwargs
):
    """An autoencoder with a ``Corruption`` layer in front: ``(denoiser, encoder, decoder)``.

    Train it to reproduce its *clean* input, ``denoiser.fit(x, x)``: during training the
    layer corrupts x (``noise`` = "gaussian", "salt_and_pepper" or "masking" at ``amount``)
    before the encoder, so the network must undo the noise; at inference the layer passes
    the input through, so ``denoiser.predict(x_noisy)`` returns the cleaned images.
    Other keyword arguments go to ``autoencoder``.
    """
    check_choice("noise", noise, NOISE_KINDS)
    Corruption(noise, amount, seed=seed)  # checks amount and seed before building anything
    _, encoder, decoder = autoencoder(input_shape, code_size, kind=kind, **kwargs)
    inputs = keras.Input(tuple(input_shape), name="image")
    corrupted = Corruption(noise, amount, seed=seed, name="corruption")(inputs)
    model = keras.Model(inputs, decoder(encoder(corrupted)), name=name)
    return model, encoder, decoder
