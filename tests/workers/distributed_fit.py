"""Trains LeNet (the Q13 recipe's model) on real data under a strategy, through
``keras_course.train.fit``, and saves its final weights.

python tests/workers/distributed_fit.py STRATEGY OUT.npz [--logical-cpus N] [--run-dir DIR]
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
    parser.add_argument("--run-dir", default=None)
    args = parser.parse_args()
    if args.logical_cpus > 1:  # must happen before TensorFlow initialises its devices
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * args.logical_cpus)

    import keras

    from keras_course.conv.lenet import lenet
    from keras_course.data import load_fashion_mnist, make_dataset
    from keras_course.train import fit, get_strategy, set_seed

    strategy = get_strategy(args.strategy)  # first: multi-worker must come before other TF work
    set_seed(0)
    (x, y), _ = load_fashion_mnist()
    x = x[:512, ..., None].astype("float32") / 255.0
    y = y[:512].astype("int32")
    # 64 = the global batch, in one fixed order: Keras's fit (default, mirrored) and the custom
    # multi-worker loop open their passes over a reshuffling pipeline differently
    dataset = make_dataset(x, y, 64, shuffle=False)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = lenet()
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy())
    losses = fit(model, dataset, 2, run_dir=args.run_dir).history["loss"]
    np.savez(args.out, *model.get_weights(), loss=np.array(losses), replicas=strategy.num_replicas_in_sync)


if __name__ == "__main__":
    main()
