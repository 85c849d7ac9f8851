"""Trains one small model on real data under a strategy and saves its final weights.

python tests/workers/distributed_fit.py STRATEGY OUT.npz [--logical-cpus N]
(multi-worker reads TF_CONFIG). The same global batch under every strategy: a distributed
run must end with the weights of the single-process run.
"""

import argparse

import numpy as np
import tensorflow as tf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strategy")
    parser.add_argument("out")
    parser.add_argument("--logical-cpus", type=int, default=1)
    args = parser.parse_args()
    if args.logical_cpus > 1:  # must happen before TensorFlow initialises its devices
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * args.logical_cpus)

    import keras

    from keras_course.data import load_fashion_mnist
    from keras_course.train import fit_distributed, get_strategy, set_seed

    strategy = get_strategy(args.strategy)  # first: multi-worker must come before other TF work
    set_seed(0)
    (x, y), _ = load_fashion_mnist()
    x = x[:512].reshape(512, -1).astype("float32") / 255.0
    y = y[:512].astype("int32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)  # 64 = the global batch
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10)])
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    if args.strategy == "multi-worker":  # Keras 3's fit does not run under it
        losses = fit_distributed(model, dataset, epochs=2, global_batch_size=64, strategy=strategy)["loss"]
    else:
        losses = model.fit(dataset, epochs=2, verbose=0).history["loss"]
    np.savez(args.out, *model.get_weights(), loss=np.array(losses),
             replicas=strategy.num_replicas_in_sync)


if __name__ == "__main__":
    main()
