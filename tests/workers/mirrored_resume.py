"""Under "mirrored" on two logical CPUs: a run resumed after 2 of 3 epochs ends with the
weights of the uninterrupted run (reshuffled data, dropout).

python tests/workers/mirrored_resume.py RUN_DIR  -> prints the largest weight difference
"""

import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_course.data import load_fashion_mnist, make_dataset  # noqa: E402
from keras_course.train import fit, set_seed, training_context  # noqa: E402

(x, y), _ = load_fashion_mnist()
x, y = x[:512].reshape(512, -1).astype("float32") / 255.0, y[:512]


def train(epochs, run_dir, keep):
    set_seed(0)
    with training_context("mirrored"):
        model = keras.Sequential(
            [keras.Input((784,)), keras.layers.Dropout(0.2, seed=1), keras.layers.Dense(10, activation="softmax")]
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        fit(model, make_dataset(x, y, 64, seed=0), epochs, run_dir=run_dir, keep_checkpoints=keep)
    return model.get_weights()


straight = train(3, None, False)
train(2, sys.argv[1], True)  # "killed" after two epochs
resumed = train(3, sys.argv[1], False)
print(max(float(np.max(np.abs(a - b))) for a, b in zip(straight, resumed, strict=True)))
