"""Data-parallel training on JAX through ``keras_course.train.fit``, against one device.

python tests/workers/jax_distributed_fit.py mirrored OUT.npz RUN_DIR
    on two logical CPU devices: a single-device fit ("reference"), the same fit under
    ``training_context("mirrored")`` ("mirrored"), and a mirrored run stopped after 2 of 3
    epochs and resumed from its checkpoint ("resumed").
python tests/workers/jax_distributed_fit.py multi-worker OUT.npz
    one process of a ``jax.distributed`` cluster (``KERAS_DISTRIBUTION_*``): the fit under
    ``training_context("multi-worker")`` ("distributed"), then a fit of this process alone on
    the same global batches ("reference").

Each saves the final weights as ``{name}_{i}`` arrays, and the losses as ``{name}_loss``.
"""

import os
import sys
from pathlib import Path

MODE = sys.argv[1]
os.environ["KERAS_BACKEND"] = "jax"
if MODE == "mirrored":  # before JAX starts: it fixes its devices then
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_course.train import fit, set_seed, training_context  # noqa: E402

EPOCHS = 3


class Batches(keras.utils.PyDataset):
    """Global batches of 16 from 64 examples, reshuffled each epoch from (seed, epoch)."""

    def __init__(self, batch_size=16, n=64):
        super().__init__()
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(n, 5)).astype("float32")
        self.y = (self.x @ rng.normal(size=(5, 2)) + 0.1).astype("float32")
        self.batch_size, self.epoch = batch_size, 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        order = np.random.default_rng([0, self.epoch]).permutation(len(self.x))
        rows = order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epoch += 1


def train(epochs=EPOCHS, run_dir=None, keep=False):
    """A small MLP with dropout and Adam, fit from seed 0; returns (model, losses)."""
    set_seed(0)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.2, seed=1),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = fit(model, Batches(), epochs, run_dir=run_dir, keep_checkpoints=keep)
    return model, history.history["loss"]


def save(out, **runs):
    arrays = {}
    for name, (model, losses) in runs.items():
        arrays.update({f"{name}_{i}": np.asarray(w) for i, w in enumerate(model.get_weights())})
        arrays[f"{name}_loss"] = np.array(losses)
    np.savez(out, **arrays, devices=len(jax.devices()), processes=jax.process_count())


def mirrored(out, run_dir):
    reference = train()
    with training_context("mirrored"):
        data_parallel = train()
        train(2, run_dir, keep=True)  # "killed" after two epochs
        resumed = train(EPOCHS, run_dir)
    save(out, reference=reference, mirrored=data_parallel, resumed=resumed)


def multi_worker(out):
    with training_context("multi-worker"):  # first: jax.distributed starts before other JAX work
        distributed = train()
    save(out, distributed=distributed, reference=train())


if __name__ == "__main__":
    if MODE == "mirrored":
        mirrored(sys.argv[2], Path(sys.argv[3]))
    else:
        multi_worker(sys.argv[2])
