"""A small real training run for the fault tests: LeNet with dropout on 1,024 Fashion-MNIST
images, reshuffled and augmented every epoch (``make_dataset``), through ``keras_course.train.fit``.

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

from keras_course.conv.lenet import lenet
from keras_course.data import load_fashion_mnist, make_dataset
from keras_course.train import fit, set_seed


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
            bias = self.model.trainable_variables[-1]  # the output layer's: a NaN logit, a NaN loss
            bias.assign(np.full(bias.shape, np.nan, "float32"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("--pause-at", nargs=3)
    parser.add_argument("--nan-at-epoch", type=int)
    args = parser.parse_args()

    set_seed(0)
    (x, y), _ = load_fashion_mnist()
    x = x[:1024, ..., None].astype("float32") / 255.0
    y = y[:1024]
    # dropout and augmentation: their random states must come back too, not only the weights
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Dropout(0.1, seed=1), lenet()])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"]
    )
    augment = keras.Sequential([keras.layers.RandomTranslation(0.1, 0.1, seed=2)])
    data = make_dataset(x, y, 32, seed=0, augment=augment)
    callbacks = [PauseAt(int(args.pause_at[0]), int(args.pause_at[1]), args.pause_at[2])] if args.pause_at else []
    if args.nan_at_epoch is not None:
        callbacks.append(PoisonAt(args.nan_at_epoch))
    history = fit(
        model,
        data,
        4,
        run_dir=args.run_dir,
        validation_data=(x[:200], y[:200]),
        callbacks=callbacks,
        keep_checkpoints=True,
    )
    print(json.dumps({"logs": history.history, "kernel_sum": float(np.sum(model.trainable_variables[0]))}))


if __name__ == "__main__":
    main()
