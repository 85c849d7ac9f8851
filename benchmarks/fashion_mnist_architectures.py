"""Benchmark: the small AlexNet, VGG-11, GoogLeNet and ResNet-18 trained on Fashion-MNIST.

Each model is trained ``--epochs`` epochs (10, as in d2l's chapter 8) with Adam and a cosine
learning-rate decay, batch 128, no augmentation; we report test accuracy, parameters and
seconds per epoch (the first epoch, which includes compilation, apart). d2l's TensorFlow
figures at 10 epochs are printed next to ours.

Runs on any Keras 3 backend and never imports TensorFlow itself, so it also runs on a
JAX-only GPU machine:

    KERAS_BACKEND=jax python benchmarks/fashion_mnist_architectures.py \
        --data-dir DIR --mixed-precision --out results.md

``--data-dir`` reads the four Fashion-MNIST ``.gz`` files from DIR directly; without it
``keras_course.data.load_fashion_mnist`` finds them (that import needs TensorFlow).
``--train-limit`` / ``--test-limit`` / ``--epochs`` give a reduced CPU run.
``--bn-momentum M`` sets every batch-norm layer's momentum (the builders use 0.9), to measure
how much the moving statistics' horizon matters.
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras

from keras_course.arch import alexnet, googlenet, resnet, vgg

# name -> (builder, d2l's TensorFlow test accuracy at 10 epochs)
MODELS = {
    "alexnet": (lambda: alexnet(small=True), 0.888),
    "vgg11_bn": (lambda: vgg("A", small=True, batch_norm=True), 0.887),
    "googlenet_bn": (lambda: googlenet(small=True, batch_norm=True), 0.838),
    "resnet18": (lambda: resnet(18, small=True), 0.874),
}
FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def read_fashion_mnist(data_dir):
    """``((x_train, y_train), (x_test, y_test))`` uint8 from the four IDX ``.gz`` files in ``data_dir``."""

    def read(name, offset):
        with gzip.open(Path(data_dir) / name, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)

    x_train, y_train, x_test, y_test = (read(n, 16 if "images" in n else 8) for n in FILES)
    return (x_train.reshape(-1, 28, 28), y_train), (x_test.reshape(-1, 28, 28), y_test)


def machine():
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform == "gpu":
            return f"1x {device.device_kind} (JAX {jax.__version__})"
    return f"{os.cpu_count()}-core CPU, shared ({platform.processor() or platform.machine()}, {backend})"


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)

    def on_train_begin(self, logs=None):
        self.times = []


def set_bn_momentum(model, momentum):
    """Set ``momentum`` on every BatchNormalization layer, those inside blocks included."""
    # _flatten_layers is Keras's own recursive walk (InceptionModule and ResidualBlock nest BN).
    layers = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    for layer in layers:
        layer.momentum = momentum
    return len(layers)


def train_one(name, data, epochs, batch_size, seed, bn_momentum=None):
    (x_train, y_train), (x_test, y_test) = data
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = MODELS[name][0]()
    if bn_momentum is not None:
        set_bn_momentum(model, bn_momentum)
    steps = -(-len(x_train) // batch_size) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    timer = EpochTimer()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, callbacks=[timer], verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    later = timer.times[1:] or timer.times
    return {
        "model": name,
        "params": model.count_params(),
        "test_accuracy": float(accuracy),
        "train_accuracy": float(history.history["accuracy"][-1]),
        "first_epoch_s": timer.times[0],
        "epoch_s": float(np.mean(later)),
        "d2l": MODELS[name][1],
    }


def table(rows, header):
    lines = [
        header,
        "",
        "| model | parameters | test accuracy | d2l TF (10 ep) | train accuracy | s / epoch | first epoch s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['params']:,} | {r['test_accuracy']:.4f} | {r['d2l']:.3f} | "
            f"{r['train_accuracy']:.4f} | {r['epoch_s']:.1f} | {r['first_epoch_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of " + ", ".join(MODELS))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--data-dir", type=Path, default=None, help="folder with the four Fashion-MNIST .gz files")
    parser.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--test-limit", type=int, default=None)
    parser.add_argument("--mixed-precision", action="store_true", help="mixed_bfloat16 compute, float32 weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bn-momentum", type=float, default=None, help="override every batch-norm momentum")
    parser.add_argument("--out", type=Path, default=None, help="also write the markdown (and a .json) here")
    args = parser.parse_args(argv)
    names = args.models.split(",")
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {list(MODELS)}")
    if args.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")

    if args.data_dir is not None:
        (x_train, y_train), (x_test, y_test) = read_fashion_mnist(args.data_dir)
    else:
        from keras_course.data import load_fashion_mnist

        (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train, y_train = x_train[: args.train_limit], y_train[: args.train_limit]
    x_test, y_test = x_test[: args.test_limit], y_test[: args.test_limit]
    data = (
        (x_train[..., None].astype("float32") / 255.0, y_train.astype("int32")),
        (x_test[..., None].astype("float32") / 255.0, y_test.astype("int32")),
    )

    header = (
        f"## Fashion-MNIST architectures ({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC)\n\n"
        f"Machine: {machine()}; Keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"{'mixed_bfloat16' if args.mixed_precision else 'float32'}; {args.epochs} epochs, batch "
        f"{args.batch_size}, Adam 1e-3 cosine decay, {len(x_train)} train / {len(x_test)} test images, "
        f"small variants (28x28 input)"
        f"{'' if args.bn_momentum is None else f', batch-norm momentum {args.bn_momentum}'}."
    )
    rows = []
    for name in names:
        try:
            rows.append(train_one(name, data, args.epochs, args.batch_size, args.seed, args.bn_momentum))
        except Exception as err:
            print(f"{name} failed: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
            continue
        print(json.dumps(rows[-1]), flush=True)
        if args.out is not None:  # written after every model, so a cut-off run keeps what it had
            args.out.write_text(table(rows, header))
            args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows, header))
    return rows


if __name__ == "__main__":
    main()
