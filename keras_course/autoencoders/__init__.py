"""Chapter Q33-Q34: autoencoders and denoising autoencoders.

``autoencoder`` (dense or convolutional) returns (autoencoder, encoder, decoder);
``denoising_autoencoder`` adds a ``Corruption`` layer that is active in training only.
Losses: pixel MSE / binary cross-entropy and a ``PerceptualLoss`` on frozen pretrained
features; ``psnr`` measures denoising.
"""

from keras_course.autoencoders.corruption import NOISE_KINDS, Corruption
from keras_course.autoencoders.losses import (
    BACKBONES,
    PIXEL_LOSSES,
    PerceptualLoss,
    pretrained_features,
    psnr,
    reconstruction_loss,
)
from keras_course.autoencoders.models import KINDS, autoencoder, denoising_autoencoder

__all__ = [
    "BACKBONES",
    "KINDS",
    "NOISE_KINDS",
    "PIXEL_LOSSES",
    "Corruption",
    "PerceptualLoss",
    "autoencoder",
    "denoising_autoencoder",
    "pretrained_features",
    "psnr",
    "reconstruction_loss",
]
