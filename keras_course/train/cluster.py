"""What a multi-worker run reads from its environment, checked before any training starts.

- TensorFlow: ``TF_CONFIG``, the JSON that ``tf.distribute.MultiWorkerMirroredStrategy`` reads.
- JAX: Keras's own variables for ``keras.distribution.initialize`` (which starts
  ``jax.distributed``): ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (the coordinator's "host:port",
  process 0's, or every process's, comma-separated), ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and
  ``KERAS_DISTRIBUTION_PROCESS_ID``.

No TensorFlow or JAX import here: ``keras-course run --strategy multi-worker`` checks the
environment up front on any backend.
"""

import json
import os

from keras_course import backend

TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
JAX_CLUSTER_VARIABLES = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)
JAX_CLUSTER_EXAMPLE = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES=host1:port KERAS_DISTRIBUTION_NUM_PROCESSES=2 KERAS_DISTRIBUTION_PROCESS_ID=0"
)


def check_tf_config():
    """The ``TF_CONFIG`` a multi-worker run needs, parsed; a ValueError saying what is wrong."""
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise ValueError(
            f"the multi-worker strategy needs the environment variable TF_CONFIG, e.g. {TF_CONFIG_EXAMPLE}"
        )
    try:
        parsed = json.loads(config)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}); expected e.g. {TF_CONFIG_EXAMPLE}") from None
    workers = parsed.get("cluster", {}).get("worker") if isinstance(parsed, dict) else None
    task = parsed.get("task") if isinstance(parsed, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise ValueError(
            f'TF_CONFIG must list the workers as "cluster": {{"worker": ["host:port", ...]}}, got {config!r}'
        )
    index = task.get("index") if isinstance(task, dict) else None
    if (
        not isinstance(task, dict)
        or task.get("type") != "worker"
        or isinstance(index, bool)
        or not isinstance(index, int)
        or not 0 <= index < len(workers)
    ):
        raise ValueError(
            f'TF_CONFIG must give this process\'s "task": {{"type": "worker", "index": i}} with '
            f"0 <= i < {len(workers)}, got {config!r}"
        )
    return parsed


def _is_address(text):
    host, colon, port = text.strip().rpartition(":")
    return bool(host) and bool(colon) and port.isdigit() and 0 < int(port) < 65536


def _env_int(variable, minimum, maximum=None):
    """The environment variable ``variable`` as an int in [minimum, maximum]; a ValueError if not."""
    text = os.environ.get(variable)
    bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    valid = text is not None and text.strip().isdigit()
    if not valid or int(text) < minimum or (maximum is not None and int(text) > maximum):
        got = "it is not set" if text is None else f"got {text!r}"
        raise ValueError(
            f"the multi-worker strategy on JAX needs {variable}, an int {bounds}; {got} (e.g. {JAX_CLUSTER_EXAMPLE})"
        )
    return int(text)


def check_jax_cluster():
    """``(job_addresses, num_processes, process_id)`` for ``keras.distribution.initialize`` from
    the ``KERAS_DISTRIBUTION_*`` variables; a ValueError naming the variable that is wrong."""
    addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES", "")
    entries = addresses.split(",")
    if not addresses or not all(_is_address(entry) for entry in entries):
        raise ValueError(
            "the multi-worker strategy on JAX needs KERAS_DISTRIBUTION_JOB_ADDRESSES, the coordinator's "
            f'"host:port" (or every process\'s, comma-separated), got {addresses!r} (e.g. {JAX_CLUSTER_EXAMPLE})'
        )
    count = _env_int("KERAS_DISTRIBUTION_NUM_PROCESSES", 1)
    if len(entries) > 1 and len(entries) != count:
        raise ValueError(
            f"KERAS_DISTRIBUTION_JOB_ADDRESSES lists {len(entries)} processes and "
            f"KERAS_DISTRIBUTION_NUM_PROCESSES says {count}: they must agree"
        )
    index = _env_int("KERAS_DISTRIBUTION_PROCESS_ID", 0, count - 1)
    return addresses, count, index


def check_cluster():
    """The environment of a multi-worker run on the running backend, checked: ``TF_CONFIG``
    parsed (TensorFlow) or ``(job_addresses, num_processes, process_id)`` (JAX). A ValueError
    says what is wrong; a ``BackendError`` that PyTorch has no multi-worker strategy here."""
    which = backend.name()
    if which == "tensorflow":
        return check_tf_config()
    if which == "jax":
        return check_jax_cluster()
    raise backend.BackendError(
        f"the multi-worker strategy needs the TensorFlow or JAX backend; Keras runs on {which}, "
        'which trains on one device here (strategy "default")'
    )
