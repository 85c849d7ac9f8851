"""Chapter 3, Q20-Q23: AlexNet, VGG, GoogLeNet, ResNet, EfficientNet-Lite0, transfer learning.

Builders return ``keras.Model``s; each takes ``small=True`` for 28x28 / 32x32 inputs.
Two real pretrained backbones load offline from PyPI packages: ``efficientnet_lite0``
(ImageNet) and ``vgg16_hed`` (VGG16 conv layers, edge-tuned). Nothing here imports
TensorFlow, so the builders also run on the JAX backend.
"""

from keras_course.arch.alexnet import ALEXNET_PARAMS, alexnet
from keras_course.arch.efficientnet_lite import convert_lite0_weights, efficientnet_lite0
from keras_course.arch.googlenet import GOOGLENET_PARAMS, InceptionModule, googlenet, inception_params
from keras_course.arch.hed import vgg16_hed
from keras_course.arch.imagenet import CAT_CLASSES, CUP_CLASSES, IMAGENET_CLASSES, imagenet_class_name
from keras_course.arch.resnet import BottleneckBlock, ResidualBlock, resnet, resnet_cifar
from keras_course.arch.torch_weights import load_torch_state_dict
from keras_course.arch.transfer import (
    application_backbone,
    build_transfer_model,
    split_transfer_model,
    two_phase_fine_tune,
    unfreeze,
)
from keras_course.arch.vgg import VGG_CONFIGS, vgg

__all__ = [
    "ALEXNET_PARAMS",
    "CAT_CLASSES",
    "CUP_CLASSES",
    "GOOGLENET_PARAMS",
    "IMAGENET_CLASSES",
    "VGG_CONFIGS",
    "BottleneckBlock",
    "InceptionModule",
    "ResidualBlock",
    "alexnet",
    "application_backbone",
    "build_transfer_model",
    "convert_lite0_weights",
    "efficientnet_lite0",
    "googlenet",
    "imagenet_class_name",
    "inception_params",
    "load_torch_state_dict",
    "resnet",
    "resnet_cifar",
    "split_transfer_model",
    "two_phase_fine_tune",
    "unfreeze",
    "vgg",
    "vgg16_hed",
]
