"""Where models train, on every backend: ``get_strategy`` and ``training_context``.

- "default": one device (TensorFlow's default strategy; None on JAX and PyTorch).
- "mirrored": data parallel over the local devices: ``tf.distribute.MirroredStrategy`` over the
  GPUs (or logical CPUs) on TensorFlow, ``keras.distribution.DataParallel`` on JAX.
- "multi-worker": data parallel over several processes or machines:
  ``MultiWorkerMirroredStrategy`` from ``TF_CONFIG`` on TensorFlow, ``jax.distributed`` started
  from the ``KERAS_DISTRIBUTION_*`` variables and ``DataParallel`` over all their devices on JAX.
- PyTorch has no ``keras.distribution``: "mirrored" and "multi-worker" raise ``BackendError``.

TensorFlow and JAX are imported only by the module of the running backend.
"""

import contextlib

import keras

from keras_course import backend
from keras_course.checks import check_bool, check_choice

STRATEGIES = ("default", "mirrored", "multi-worker")

# Set by ``training_context("multi-worker")``: the strategy (TF) or distribution (JAX) that
# ``fit`` trains a copy of each model under. Keras 3's fit, evaluate and predict do not run under
# MultiWorkerMirroredStrategy (keras-team/keras#20585), and on JAX they would need every batch
# split over the processes, so there the recipes' models stay local and only training is spread.
_multi_worker = None


def get_strategy(name="default"):
    """What distributes training on the running backend: build models under its ``scope()``.

    - TensorFlow: a ``tf.distribute`` strategy. "default": the current device; "mirrored":
      data parallel over all local GPUs, or over the logical CPU devices when there is no GPU;
      "multi-worker": ``MultiWorkerMirroredStrategy`` over the machines in ``TF_CONFIG``
      (see the README), created before any other TensorFlow work in the process.
    - JAX: a ``keras.distribution.DataParallel`` ("mirrored": over the local devices;
      "multi-worker": over the devices of all processes, after starting ``jax.distributed``
      from the ``KERAS_DISTRIBUTION_*`` variables, before any other JAX work), or None for
      "default".
    - PyTorch: None for "default"; the others raise ``BackendError``.
    """
    check_choice("name", name, STRATEGIES)
    which = backend.name()
    if which == "tensorflow":
        from keras_course.train import tf_distribute

        return tf_distribute.get_strategy(name)
    if which == "jax":
        from keras_course.train import jax_distribute

        return jax_distribute.get_distribution(name)
    if name != "default":
        raise backend.BackendError(
            f'the "{name}" strategy needs the TensorFlow or JAX backend; Keras runs on {which}, '
            'which trains on one device here (strategy "default")'
        )
    return None


def multi_worker():
    """The strategy (TF) or distribution (JAX) of the enclosing ``training_context("multi-worker")``, or None."""
    return _multi_worker


@contextlib.contextmanager
def training_context(strategy="default", mixed_precision=False):
    """Run the body under ``get_strategy(strategy)``, in mixed precision if asked.

    "default" and "mirrored": models built in the body are built under the strategy's (TF) or
    distribution's (JAX, set with ``keras.distribution.set_distribution`` and restored on
    exit) scope, and Keras trains them there. "multi-worker": models stay local (Keras can
    evaluate and predict with them) and ``fit`` trains a copy of each under the strategy or
    distribution, copying the weights back after training.

    Mixed precision computes in float16 on a GPU (bfloat16 on a CPU) and keeps variables in
    float32; models keep their final softmax and losses in float32. Restores the previous
    dtype policy on exit. Yields the strategy, the distribution, or None (JAX and PyTorch
    "default").
    """
    global _multi_worker
    check_choice("strategy", strategy, STRATEGIES)
    check_bool("mixed_precision", mixed_precision)
    distributor = get_strategy(strategy)  # first: multi-worker must start before other backend work
    previous_policy, previous_multi_worker = keras.config.dtype_policy(), _multi_worker
    if mixed_precision:
        keras.config.set_dtype_policy("mixed_float16" if backend.gpu_available() else "mixed_bfloat16")
    try:
        if strategy == "multi-worker":
            _multi_worker = distributor
            yield distributor
        elif distributor is None:
            yield None
        else:
            with distributor.scope():
                yield distributor
    finally:
        keras.config.set_dtype_policy(previous_policy)
        _multi_worker = previous_multi_worker


def fit_distributed(
    model,
    dataset,
    epochs,
    strategy=None,
    initial_epoch=0,
    steps_per_epoch=None,
    callbacks=(),
    validate=None,
    stop_on_nan=True,
):
    """TensorFlow only: train a compiled ``model`` on a batched ``tf.data`` ``dataset`` with a
    custom loop that runs under ``MultiWorkerMirroredStrategy`` (see
    ``keras_course.train.tf_distribute.fit_distributed``). On JAX, ``fit`` under
    ``training_context("multi-worker")`` distributes through ``keras.distribution`` instead."""
    backend.require_tensorflow(
        "fit_distributed (a tf.distribute training loop)",
        instead='train with keras_course.train.fit under training_context("mirrored" or "multi-worker")',
    )
    from keras_course.train import tf_distribute

    return tf_distribute.fit_distributed(
        model,
        dataset,
        epochs,
        strategy=strategy,
        initial_epoch=initial_epoch,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        validate=validate,
        stop_on_nan=stop_on_nan,
    )
