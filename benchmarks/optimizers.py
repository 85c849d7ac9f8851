"""Step time of keras_course.optim against the Keras built-in optimizers, side by side.

    python benchmarks/optimizers.py [--reps 7] [--steps 30]

The same MLP (784-1024-1024-10, 1.9 M parameters) and the same data for every optimizer.
Two timings per optimizer: a full training step (``model.fit``, forward + backward +
update) and the update alone (``optimizer.apply`` inside a ``tf.function`` on fixed
gradients). Each is measured as the CPU time of this process (all its threads) per step,
which other processes on a shared machine disturb far less than wall time; wall time is
printed too. Ours and Keras's are timed alternately (taking turns to go first), ``--reps``
times, and the medians are compared. Goal: ratio <= 1.15.
Prints a markdown section for benchmarks/RESULTS.md.
"""

import argparse
import datetime
import os
import platform
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from keras_course.optim import SGD, AdaGrad, Adam, RMSProp

# name -> (ours, Keras built-in with the same conventions and hyper-parameters)
PAIRS = {
    "SGD": (lambda: SGD(0.01), lambda: keras.optimizers.SGD(0.01)),
    "SGD momentum 0.9": (lambda: SGD(0.01, momentum=0.9), lambda: keras.optimizers.SGD(0.01, momentum=0.9)),
    "SGD Nesterov 0.9": (
        lambda: SGD(0.01, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    ),
    "AdaGrad": (lambda: AdaGrad(0.01, initial_accumulator_value=0.1), lambda: keras.optimizers.Adagrad(0.01)),
    "RMSProp": (lambda: RMSProp(0.001), lambda: keras.optimizers.RMSprop(0.001)),
    "Adam": (lambda: Adam(0.001, epsilon=1e-7), lambda: keras.optimizers.Adam(0.001)),
}
BATCH = 128


def make_model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(1024, activation="relu"),
            keras.layers.Dense(1024, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


class Timer:
    """One optimizer on its own model copy, with a compiled train step and update step."""

    def __init__(self, optimizer, weights, x, y, steps):
        self.model = make_model()
        self.model.set_weights(weights)
        self.model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        self.x, self.y, self.steps = x, y, steps
        variables = self.model.trainable_variables
        self.gradients = [tf.random.normal(v.shape, stddev=1e-3, seed=i) for i, v in enumerate(variables)]
        self.update = tf.function(lambda: optimizer.apply(self.gradients, variables))
        self.fit()  # trace and warm up both
        self.update()

    def fit(self):
        """(CPU seconds, wall seconds) per training step."""
        cpu, wall = time.process_time(), time.perf_counter()
        self.model.fit(self.x, self.y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        steps = len(self.x) // BATCH
        return (time.process_time() - cpu) / steps, (time.perf_counter() - wall) / steps

    def updates(self):
        """(CPU seconds, wall seconds) per update."""
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(self.steps):
            self.update()
        return (time.process_time() - cpu) / self.steps, (time.perf_counter() - wall) / self.steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7, help="alternating repetitions per optimizer")
    parser.add_argument("--steps", type=int, default=30, help="steps per timing")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH * args.steps, 784)).astype("float32")
    y = rng.integers(0, 10, size=len(x))
    weights = make_model().get_weights()
    rows = []
    for name, (ours, theirs) in PAIRS.items():
        timers = {"ours": Timer(ours(), weights, x, y, args.steps), "keras": Timer(theirs(), weights, x, y, args.steps)}
        times = {(who, kind, clock): [] for who in timers for kind in ("fit", "update") for clock in (0, 1)}
        for rep in range(args.reps):
            order = list(timers) if rep % 2 == 0 else list(timers)[::-1]  # take turns going first
            for who in order:
                for kind, measure in (("fit", timers[who].fit), ("update", timers[who].updates)):
                    for clock, seconds in enumerate(measure()):
                        times[who, kind, clock].append(seconds)
        med = {key: statistics.median(values) * 1e3 for key, values in times.items()}
        rows.append(
            (
                name,
                *(med[who, kind, clock] for clock in (0, 1) for kind in ("fit", "update") for who in ("ours", "keras")),
            )
        )
        print(f"# {name}: done", flush=True)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu = f"{os.cpu_count()}-core CPU, shared (load average {load:.1f})"
    print(f"\n## Optimizers: keras_course.optim vs Keras built-ins ({datetime.date.today()})\n")
    print(
        f"Machine: {cpu}, {platform.machine()}; TensorFlow {tf.__version__}, Keras {keras.__version__}. "
        f"MLP 784-1024-1024-10 (1.9 M parameters), batch {BATCH}; medians of {args.reps} alternating "
        f"repetitions of {args.steps} steps. Train step = `model.fit` (forward, backward, update); "
        "update = `optimizer.apply` on fixed gradients in a `tf.function`. CPU = CPU time of the "
        "process per step (all threads), the figure the goal is judged on; wall = wall-clock time "
        "per step, noisier on a shared machine. Goal: ratio <= 1.15.\n"
    )
    print(
        "| optimizer | train step CPU ours / Keras (ms) | ratio | update CPU ours / Keras (ms) | ratio "
        "| train step wall ours / Keras (ms) | ratio | update wall ours / Keras (ms) | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, *t in rows:
        cells = [f"{t[i]:.2f} / {t[i + 1]:.2f} | {t[i] / t[i + 1]:.2f}" for i in (0, 2, 4, 6)]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
