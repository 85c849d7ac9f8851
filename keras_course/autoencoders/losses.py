"""Reconstruction losses: pixel losses, a perceptual loss on frozen CNN features, and PSNR.

Pixel losses compare ``x`` and ``g(f(x))`` value by value: mean squared error, or binary
cross-entropy when pixels in [0, 1] are read as probabilities (``keras.losses`` has both;
``reconstruction_loss("mse" | "bce")`` returns them). A perceptual loss (Johnson, Alahi and
Fei-Fei, 2016) instead compares the feature maps ``phi(x)`` of a fixed, pretrained CNN:

    L(x, x_hat) = mean over (h, w, c) of (phi(x_hat) - phi(x))^2  (+ pixel_weight * MSE)

Early layers (edges, textures, still at a high resolution) keep the comparison local; the
last layers see objects but have lost where things are.
"""

import keras
from keras import ops

from keras_course.checks import check_choice, check_int, check_real, describe

PIXEL_LOSSES = ("mse", "bce")
# backbone -> (builder in keras_course.arch, default feature layer): a stride-4 stage of each.
BACKBONES = {"efficientnet_lite0": "block2_add", "vgg16_hed": "block2_conv2"}


def reconstruction_loss(name):
    """The Keras loss object for ``name``: "mse" or "bce" (binary cross-entropy)."""
    check_choice("name", name, PIXEL_LOSSES)
    if name == "mse":
        return keras.losses.MeanSquaredError(name="mse")
    if name == "bce":
        return keras.losses.BinaryCrossentropy(name="bce")
    raise ValueError(f"name must be one of {PIXEL_LOSSES}, got {name!r}")


def pretrained_features(backbone="efficientnet_lite0", layer=None, input_size=56, channels=1):
    """A frozen feature extractor for images in [0, 1]: (B, H, W, channels) -> (B, h, w, c).

    Grey images are repeated to three channels, scaled to [0, 255] and resized to
    ``input_size`` (the backbones take RGB in [0, 255] and normalise it themselves), then
    run through ``backbone`` up to ``layer``. ``backbone`` is "efficientnet_lite0" (ImageNet
    weights) or "vgg16_hed" (VGG16 conv weights, edge-tuned); see ``keras_course.arch``.
    """
    check_choice("backbone", backbone, tuple(BACKBONES))
    check_choice("channels", channels, (1, 3))  # grey or RGB
    check_int("input_size", input_size, minimum=32)
    if layer is not None and not isinstance(layer, str):
        raise TypeError(f"layer must be a layer name (str) or None, got {describe(layer)}")
    from keras_course import arch

    layer = BACKBONES[backbone] if layer is None else layer
    size = (input_size, input_size, 3)
    if backbone == "efficientnet_lite0":
        net = arch.efficientnet_lite0(weights="imagenet", include_top=False, input_shape=size)
    else:
        net = arch.vgg16_hed(input_shape=size)
    names = [layer_.name for layer_ in net.layers]
    if layer not in names:
        raise ValueError(f"layer must name a layer of {backbone}, got {layer!r}")
    cut = keras.Model(net.inputs, net.get_layer(layer).output, name=f"{backbone}_{layer}")
    inputs = keras.Input((None, None, channels), name="image")
    x = keras.layers.Concatenate(name="grey_to_rgb")([inputs] * 3) if channels == 1 else inputs
    x = keras.layers.Rescaling(255.0, name="to_0_255")(x)
    x = keras.layers.Resizing(input_size, input_size, name="resize")(x)
    model = keras.Model(inputs, cut(x, training=False), name=f"{backbone}_features")
    model.trainable = False
    return model


@keras.saving.register_keras_serializable(package="keras_course")
class PerceptualLoss(keras.losses.Loss):
    """Mean squared difference of frozen CNN features, plus ``pixel_weight`` times the pixel MSE.

    Args:
        feature_model: the name of a pretrained backbone in ``BACKBONES`` (its features are
            built by ``pretrained_features(feature_model, layer, input_size, channels)``), or
            any ``keras.Model`` mapping images to features; it is frozen and always run in
            inference mode.
        layer, input_size, channels: with a backbone name, where to cut it, the size the
            images are resized to, and the image channels (1 or 3).
        pixel_weight: non-negative weight of the pixel MSE added to the feature term (the
            features alone do not pin down colours and flat regions exactly).

    ``y_true`` and ``y_pred`` are images (B, H, W, C); the loss is one number per image.

    Serialisation: with a backbone name the config holds the name and the pretrained
    weights are loaded again on ``from_config``. A ``keras.Model``'s config is its
    architecture only: ``from_config`` alone gives fresh weights. A ``.keras`` file of a
    model compiled with this loss also holds the feature model's weights, and loading it
    restores them (the backend-parity tests check this).
    """

    def __init__(
        self,
        feature_model="efficientnet_lite0",
        layer=None,
        input_size=56,
        channels=1,
        pixel_weight=0.0,
        name="perceptual_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.pixel_weight = check_real("pixel_weight", pixel_weight, minimum=0.0)  # NaN passed "< 0"
        self.layer, self.input_size, self.channels = layer, input_size, channels
        if isinstance(feature_model, dict):  # from get_config of a custom model
            feature_model = keras.saving.deserialize_keras_object(feature_model)
        if isinstance(feature_model, str):
            self.backbone = feature_model
            self.features = pretrained_features(feature_model, layer, input_size, channels)
        elif isinstance(feature_model, keras.Model):
            self.backbone = None
            self.features = feature_model
            self.features.trainable = False
        else:
            raise TypeError(
                f"feature_model must be one of {tuple(BACKBONES)} or a keras.Model, got {type(feature_model).__name__}"
            )

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        if len(y_pred.shape) != 4:
            raise ValueError(f"y_pred must be images (batch, height, width, channels), got shape {y_pred.shape}")
        # The target's features need no gradient; the prediction's carry it back to the decoder.
        difference = self.features(y_pred, training=False) - ops.stop_gradient(self.features(y_true, training=False))
        loss = ops.mean(ops.square(difference), axis=(1, 2, 3))
        if self.pixel_weight:
            loss = loss + self.pixel_weight * ops.mean(ops.square(y_pred - y_true), axis=(1, 2, 3))
        return loss

    def get_config(self):
        feature_model = self.backbone or keras.saving.serialize_keras_object(self.features)
        return {
            **super().get_config(),
            "feature_model": feature_model,
            "layer": self.layer,
            "input_size": self.input_size,
            "channels": self.channels,
            "pixel_weight": self.pixel_weight,
        }


def psnr(clean, other, max_value=1.0):
    """Peak signal-to-noise ratio of each image of ``other`` against ``clean``, in dB: (B,).

    ``10 log10(max_value^2 / MSE)`` per image: +6 dB means the squared error fell 4-fold.
    """
    max_value = check_real("max_value", max_value, minimum=0.0, low_open=True)
    for name, value in (("clean", clean), ("other", other)):
        if isinstance(value, (str, bytes)) or value is None:
            raise TypeError(f"{name} must be a batch of images, got {describe(value)}")
        if hasattr(value, "dtype") and str(value.dtype) == "uint8" and max_value == 1.0:
            raise TypeError(
                f"{name} must be float images in [0, 1] for max_value=1, got {describe(value)}; "
                "divide by 255 first (or pass max_value=255)"
            )
    clean = ops.convert_to_tensor(clean, dtype="float32")
    other = ops.convert_to_tensor(other, dtype="float32")
    if clean.shape != other.shape or len(clean.shape) < 2:
        raise ValueError(
            f"clean and other must be batches of images of the same shape, got {clean.shape} and {other.shape}"
        )
    mse = ops.mean(ops.square(clean - other), axis=tuple(range(1, len(clean.shape))))
    return 10.0 * ops.log(max_value**2 / ops.maximum(mse, 1e-12)) / ops.log(10.0)
