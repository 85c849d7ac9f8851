"""Train-step time of keras_course.conv's Conv2D and MaxPool2D against the Keras built-ins.

Each row trains two otherwise identical small CNNs side by side in one process, their steps
interleaved so that load on a shared machine hits both alike, and reports the median step
times and the ratio ours / Keras. Reflect and replicate padding have no Keras counterpart:
they are compared with Keras's zero ("same") padding, so their ratio is the cost of padding
explicitly. Prints a markdown section for benchmarks/RESULTS.md.

    python benchmarks/conv_layers.py [--steps 100] [--batch 64]
"""

import argparse
import datetime
import os
import platform
import time

import keras
import numpy as np
import tensorflow as tf

from keras_course.conv import Conv2D, MaxPool2D

ROWS = (
    # label, our conv padding, Keras conv padding, which layers are ours
    ("Conv2D valid", "valid", "valid", "conv"),
    ("Conv2D same", "same", "same", "conv"),
    ("Conv2D reflect (Keras: same)", "reflect", "same", "conv"),
    ("Conv2D replicate (Keras: same)", "replicate", "same", "conv"),
    ("MaxPool2D 2x2", "same", "same", "pool"),
)


def build(conv_padding, ours_conv, ours_pool, seed=0):
    keras.utils.set_random_seed(seed)
    conv = (
        (lambda f: Conv2D(f, 3, padding=conv_padding, activation="relu"))
        if ours_conv
        else (lambda f: keras.layers.Conv2D(f, 3, padding=conv_padding, activation="relu"))
    )
    pool = (lambda: MaxPool2D(2)) if ours_pool else (lambda: keras.layers.MaxPooling2D(2))
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            conv(32),
            pool(),
            conv(64),
            pool(),
            conv(64),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10),
        ]
    )


def train_step_fn(model):
    optimizer = keras.optimizers.SGD(0.01)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        optimizer.apply_gradients(
            zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True)
        )
        return loss

    return step


def time_pair(steps_a, steps_b, x, y, steps):
    """Median step times of a and b, and the median of the per-pair ratios a / b.

    Each pair runs back to back, in alternating order, so both see the same load; the
    ratio of neighbours is steadier on a shared machine than the ratio of medians.
    """
    for step in (steps_a, steps_b):  # trace and warm up
        for _ in range(3):
            step(x, y).numpy()
    times = ([], [])
    for i in range(steps):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for k in order:
            step = (steps_a, steps_b)[k]
            start = time.perf_counter()
            step(x, y).numpy()
            times[k].append(time.perf_counter() - start)
    a, b = np.array(times[0]), np.array(times[1])
    return float(np.median(a)), float(np.median(b)), float(np.median(a / b)), float(a.min() / b.min())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(args.batch, 32, 32, 3)), tf.float32)
    y = tf.constant(rng.integers(0, 10, size=args.batch))

    lines = []
    for label, ours_padding, keras_padding, which in ROWS:
        ours = build(ours_padding, ours_conv=which == "conv", ours_pool=which == "pool")
        reference = build(keras_padding, ours_conv=False, ours_pool=False)
        if ours_padding in ("valid", "same"):
            reference.set_weights(ours.get_weights())
            gap = float(np.abs(np.asarray(ours(x)) - np.asarray(reference(x))).max())
        else:
            gap = float("nan")
        t_ours, t_keras, ratio, best_ratio = time_pair(train_step_fn(ours), train_step_fn(reference), x, y, args.steps)
        lines.append(
            f"| {label} | {1e3 * t_ours:.2f} | {1e3 * t_keras:.2f} | {ratio:.2f} | {best_ratio:.2f} | "
            + ("-" if np.isnan(gap) else f"{gap:.1e}")
            + " |"
        )

    machine = f"{os.cpu_count()}-core CPU, shared ({platform.processor() or platform.machine()})"
    print("## Conv2D and MaxPool2D vs Keras built-ins (benchmarks/conv_layers.py)\n")
    print(
        f"{datetime.date.today().isoformat()}, {machine}, TensorFlow {tf.__version__}, Keras {keras.__version__}. "
        f"Train step (forward + backward + SGD) of a 3-conv CNN on a batch of {args.batch} 32x32x3 images, "
        f"{args.steps} interleaved step pairs; ratio = median of the pairs' ours / Keras, best ratio = fastest "
        f"ours / fastest Keras. Goal: ratio <= 1.2 for valid/same.\n"
    )
    print("| layer | ours (ms, median) | Keras (ms, median) | ratio | best ratio | max abs output diff |")
    print("|---|---|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
