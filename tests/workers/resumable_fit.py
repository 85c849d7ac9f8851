"""A small real training run for the fault tests: an MLP on 1,000 Fashion-MNIST images.

python tests/workers/resumable_fit.py RUN_DIR [--pause-at EPOCH STEP MARKER] [--nan-at-epoch E]
prints the final logs as JSON. With --pause-at it writes MARKER when it reaches that step
and then slows down, so that the test can SIGKILL it in the middle of the epoch.
"""

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np

from keras_course.data import load_fashion_mnist
from keras_course.train import fit_resumable, set_seed


class PauseAt(keras.callbacks.Callback):
    def __init__(self, epoch, step, marker):
        super().__init__()
        self.target, self.marker, self.epoch = (epoch, step), Path(marker), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) >= self.target:
            self.marker.touch()
            time.sleep(0.5)  # the test kills us here, mid-epoch


class PoisonAt(keras.callbacks.Callback):
    """Simulates divergence: one weight becomes NaN as epoch ``epoch`` (0-based) starts."""

    def __init__(self, epoch):
        super().__init__()
        self.target = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.target:
            bias = self.model.layers[-1].bias  # a NaN logit makes the loss NaN (ReLU could hide it)
            bias.assign(np.full(bias.shape, np.nan, "float32"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("--pause-at", nargs=3)
    parser.add_argument("--nan-at-epoch", type=int)
    args = parser.parse_args()

    set_seed(0)
    (x, y), _ = load_fashion_mnist()
    x = x[:1000].reshape(1000, -1).astype("float32") / 255.0
    y = y[:1000]
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    callbacks = [PauseAt(int(args.pause_at[0]), int(args.pause_at[1]), args.pause_at[2])] if args.pause_at else []
    if args.nan_at_epoch is not None:
        callbacks.append(PoisonAt(args.nan_at_epoch))
    logs = fit_resumable(model, x, y, args.run_dir, epochs=4, batch_size=32, seed=0, callbacks=callbacks)
    print(json.dumps({"logs": logs, "kernel_sum": float(np.sum(model.layers[0].get_weights()[0]))}))


if __name__ == "__main__":
    main()
