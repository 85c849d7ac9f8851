"""Which frozen pretrained features tell apart Fashion-MNIST classes they were never shown? (Q32)

Q32's goal is a verification AUC >= 0.95 on the unseen classes 7-9, and triplet heads on
frozen features do not transfer better than the features themselves
(`benchmarks/triplet_head_validation.py`). So this script measures the features alone
(cosine distance, no training) from the two pretrained backbones this project has offline:
EfficientNet-Lite0 (ImageNet) block-14 maps at 96 px and VGG16-HED (edge-tuned) block5_conv3
maps at 64 px, each pooled globally or to a coarse grid (which keeps where in the image a
part is: a boot's shaft, a sneaker's low profile), and the two concatenated. The columns are
chosen on held-out *seen* classes (train-split images, 500 per class); the last row, the
test classes 7-9 (first 500 test images of each), is reported and never used to choose.
Usage: python benchmarks/frozen_feature_transfer.py [--per-class 500]
"""

import argparse
import datetime
import os
import platform

import keras
import numpy as np
import tensorflow as tf

from keras_course.arch import efficientnet_lite0, vgg16_hed
from keras_course.data import load_fashion_mnist
from keras_course.identification import verification_auc
from recipes.q32_triplet_loss import FEATURE_LAYER, SEEN, UNSEEN

SPLITS = ((5, 6), (1, 3, 5), (0, 4, 5))


def grid_pool(maps, cells):
    """(N, h, w, c) -> (N, cells * cells * c): average over each cell of a cells x cells grid."""
    return tf.image.resize(maps, (cells, cells), method="area").numpy().reshape(len(maps), -1)


def feature_sets(images):
    """images (N, 28, 28) uint8 -> {name: (N, d) features} for every column of the table."""

    def rgb(size):
        resized = tf.image.resize(tf.constant(images, "float32")[..., None], (size, size))
        return tf.repeat(resized, 3, axis=-1)  # the backbones take RGB in [0, 255]

    lite0 = efficientnet_lite0(include_top=False, input_shape=(96, 96, 3))
    lite0_maps = keras.Model(lite0.inputs, lite0.get_layer(FEATURE_LAYER).output).predict(
        rgb(96), batch_size=250, verbose=0
    )  # (N, 3, 3, 192)
    hed = vgg16_hed(input_shape=(64, 64, 3))
    vgg_maps = keras.Model(hed.inputs, hed.get_layer("block5_conv3").output).predict(
        rgb(64), batch_size=100, verbose=0
    )  # (N, 4, 4, 512)
    sets = {
        "Lite0 average": lite0_maps.mean((1, 2)),
        "Lite0 3x3 grid": grid_pool(lite0_maps, 3),
        "HED average": vgg_maps.mean((1, 2)),
        "HED 2x2 grid": grid_pool(vgg_maps, 2),
        "HED 4x4 grid": grid_pool(vgg_maps, 4),
    }
    # Each part scaled to unit length, so that cosine weighs the two backbones equally.
    sets["Lite0 3x3 + HED 4x4"] = np.concatenate(
        [f / np.linalg.norm(f, axis=1, keepdims=True) for f in (sets["Lite0 3x3 grid"], sets["HED 4x4 grid"])], 1
    )
    return sets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=500, help="images per class in each group")
    args = parser.parse_args()
    if not 2 <= args.per_class <= 1000:  # the test split has 1,000 images of each class
        parser.error(f"--per-class must be between 2 and 1000, got {args.per_class}")
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    rng = np.random.default_rng(0)
    train_rows = np.concatenate([rng.choice(np.flatnonzero(y_train == c), args.per_class, replace=False) for c in SEEN])
    test_rows = np.concatenate([np.flatnonzero(y_test == c)[: args.per_class] for c in UNSEEN])
    images = np.concatenate([x_train[train_rows], x_test[test_rows]])
    labels = np.concatenate([y_train[train_rows], y_test[test_rows]]).astype("int64")
    is_test = np.arange(len(labels)) >= len(train_rows)
    sets = feature_sets(images)
    groups = [(",".join(map(str, g)), ~is_test & np.isin(labels, g)) for g in SPLITS]
    rows = [(name, [verification_auc(f[keep], labels[keep], "cosine") for f in sets.values()]) for name, keep in groups]
    rows.append(("mean of held-out", list(np.mean([r for _, r in rows], axis=0))))
    rows.append(("7,8,9 (test)", [verification_auc(f[is_test], labels[is_test], "cosine") for f in sets.values()]))
    print(f"## Frozen features on classes they were never shown ({datetime.datetime.now():%Y-%m-%d %H:%M})\n")
    print(
        f"Machine: {os.cpu_count()}-core {platform.machine()} CPU; {args.per_class} images per class; "
        "verification AUC, cosine distance.\n"
    )
    print("| classes | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    for name, row in rows:
        print(f"| {name} | " + " | ".join(f"{auc:.3f}" for auc in row) + " |")


if __name__ == "__main__":
    main()
