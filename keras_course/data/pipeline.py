"""``tf.data`` pipelines: shuffle before batching, augment per batch, prefetch."""

from keras_course.checks import check_array, check_bool, check_int, check_same_length, describe


def make_dataset(x, y=None, batch_size=32, shuffle=True, seed=0, augment=None):
    """A deterministic ``tf.data.Dataset`` of ``(x_batch, y_batch)`` (or ``x_batch``).

    Args:
        x: array (N, ...), the inputs.
        y: array (N, ...) or None, the targets.
        batch_size: positive int, examples per batch (the last batch may be smaller).
        shuffle: shuffle the whole set each epoch, *before* batching, so every batch is a
            fresh random sample (shuffling batches would keep the same groups together).
        seed: int, makes the shuffle order (and a seeded ``augment``) repeatable.
        augment: None, or a callable taking an ``x`` batch (and ``training=True`` if it is
            a Keras layer) and returning a batch of the same shape, e.g. a
            ``keras.Sequential`` of preprocessing layers. Applied per batch, after batching,
            to training data only.
    """
    # finite=False: a NaN in the data is the data's business (and scanning it costs a pass)
    x = check_array("x", x, ndim=tuple(range(1, 9)), kind="numeric", finite=False)
    if y is not None:
        y = check_array("y", y, ndim=tuple(range(1, 9)), kind="numeric", finite=False)
        check_same_length(x=x, y=y)
    check_int("batch_size", batch_size, minimum=1)
    check_bool("shuffle", shuffle)
    check_int("seed", seed, minimum=0)
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be callable or None, got {describe(augment)}")

    import tensorflow as tf  # imported here so the loaders work where only Keras is installed

    dataset = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(int(batch_size))
    if augment is not None:
        import keras

        is_layer = isinstance(augment, keras.Layer)

        def apply(x_batch, *rest):
            x_batch = augment(x_batch, training=True) if is_layer else augment(x_batch)
            return (x_batch, *rest) if rest else x_batch

        # One worker keeps the random stream, and so the augmented batches, repeatable.
        dataset = dataset.map(apply)
    return dataset.prefetch(tf.data.AUTOTUNE)
