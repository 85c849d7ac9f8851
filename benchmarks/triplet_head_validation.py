"""Would Q32's triplet-head settings have been chosen without looking at the test classes?

Q32's pretrained embedding (frozen EfficientNet-Lite0 block-14 features + a triplet MLP head)
was tuned by its unseen-class AUC on classes 7-9, the test classes themselves. This script
asks the question the honest way: it holds out some of the *seen* classes 0-6 as validation
classes, trains each head setting on the rest, and reports the verification AUC on the
held-out classes (train-split images, 500 per class), next to the frozen features alone
(cosine). Three held-out splits, one seed each; every head has the recipe's architecture and
1,500 batch-hard steps. The test classes 7-9 are never touched.
Usage: python benchmarks/triplet_head_validation.py [--splits 5,6 1,3,5 0,4,5] [--per-class 500]
"""

import argparse
import datetime
import os
import platform

import numpy as np

from keras_course.data import load_fashion_mnist
from keras_course.identification import pseudo_identities, verification_auc
from keras_course.train import set_seed
from recipes.q32_triplet_loss import SEEN, pretrained_feature_model, train_head

# (name, pseudo-identities per class (1: the classes themselves), samples per identity in a batch)
HEADS = (
    ("classes as identities", 1, 16),
    ("5 per class", 5, 8),
    ("10 per class (the recipe's)", 10, 8),
    ("20 per class", 20, 8),
)
STEPS = 1500


def head_auc(features, labels, held_out, validation, per_class, samples_per_identity, seed=0):
    """Verification AUC on the ``validation`` rows of a head trained on the classes not ``held_out``."""
    fit_rows = ~np.isin(labels, held_out)
    set_seed(seed)
    identities = (
        labels[fit_rows]
        if per_class == 1
        else pseudo_identities(features[fit_rows], labels[fit_rows], per_class, seed=seed)
    )
    identities_per_batch = len(np.unique(labels[fit_rows])) if per_class == 1 else 16
    head, _ = train_head(
        features[fit_rows], identities, identities_per_batch, samples_per_identity, STEPS, seed, True, None
    )
    return verification_auc(head.predict(features[validation], verbose=0), labels[validation])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--splits",
        nargs="+",
        default=["5,6", "1,3,5", "0,4,5"],
        help="held-out seen classes, one comma-separated group per split",
    )
    parser.add_argument("--per-class", type=int, default=500, help="validation images per held-out class")
    args = parser.parse_args()
    (x_train, y_train), _ = load_fashion_mnist()
    seen = np.isin(y_train, SEEN)
    labels = y_train[seen].astype("int64")
    images = x_train[seen].astype("float32")[..., None] / 255.0
    features = pretrained_feature_model(96).predict(images, batch_size=250, verbose=0)
    rng = np.random.default_rng(0)
    rows = []
    for split in args.splits:
        held_out = [int(c) for c in split.split(",")]
        if not set(held_out) <= set(SEEN) or len(held_out) < 2:
            raise ValueError(f"--splits: each group must name at least 2 seen classes 0-6, got {split!r}")
        validation = np.concatenate(
            [rng.choice(np.flatnonzero(labels == c), args.per_class, replace=False) for c in held_out]
        )
        row = [verification_auc(features[validation], labels[validation], "cosine")]
        row += [head_auc(features, labels, held_out, validation, per_class, k) for _, per_class, k in HEADS]
        rows.append((split, row))
    print(f"## Triplet-head settings on held-out seen classes ({datetime.datetime.now():%Y-%m-%d %H:%M})\n")
    print(
        f"Machine: {os.cpu_count()}-core {platform.machine()} CPU; {args.per_class} validation images per "
        f"held-out class; heads trained on the other seen classes, {STEPS} steps, seed 0.\n"
    )
    names = ["frozen features (cosine)"] + [name for name, _, _ in HEADS]
    print("| held-out classes | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for split, row in rows:
        print(f"| {split} | " + " | ".join(f"{auc:.3f}" for auc in row) + " |")
    print("| mean | " + " | ".join(f"{np.mean([r[i] for _, r in rows]):.3f}" for i in range(len(names))) + " |")


if __name__ == "__main__":
    main()
