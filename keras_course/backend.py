"""The one place for backend-specific code: which Keras backend runs, and what only one has.

Layers, losses, metrics and optimizers are written with ``keras.ops`` and run on every Keras
backend (TensorFlow, JAX, PyTorch). What needs a backend's own machinery (tf.distribute,
``tf.data``, a gradient of an arbitrary function) asks here: ``name()`` says which backend runs,
``require_tensorflow(what)`` stops with a message that says what to use instead,
``data_pipeline(pipeline)`` chooses between ``tf.data`` and a NumPy ``keras.utils.PyDataset``,
``gradients(fn, arrays)`` and ``value_and_gradient(fn, x)`` differentiate with the backend's
own autodiff (``tf.GradientTape``, ``jax.grad``, ``torch.autograd``); ``op_determinism_enabled``
and ``steps_per_execution`` answer for settings only one backend has.
"""

import importlib.util
import sys

import keras
import numpy as np

from keras_course.checks import check_array, check_choice, check_int, describe

BACKENDS = ("tensorflow", "jax", "torch")
PIPELINES = ("auto", "tf.data", "numpy")


class BackendError(RuntimeError):
    """A feature that the running Keras backend does not have; the message says what to do."""


def name():
    """The running Keras backend: "tensorflow", "jax" or "torch" (``KERAS_BACKEND``)."""
    return keras.backend.backend()


def tensorflow_installed():
    """Whether TensorFlow can be imported (``tf.data`` works with any backend when it can)."""
    return importlib.util.find_spec("tensorflow") is not None


def require_tensorflow(what, instead=None):
    """Raise ``BackendError`` unless the backend is TensorFlow: ``what`` needs it."""
    if name() != "tensorflow":
        hint = f"; {instead}" if instead else "; run with KERAS_BACKEND=tensorflow"
        raise BackendError(f"{what} needs the TensorFlow backend, and Keras runs on {name()}{hint}")


def data_pipeline(pipeline="auto"):
    """The input pipeline to build: "tf.data" or "numpy" (a ``keras.utils.PyDataset``).

    "auto" is "tf.data" on the TensorFlow backend (what every recorded figure was measured
    with) and "numpy" on the others, where a ``tf.data`` pipeline would need TensorFlow beside
    the backend. "tf.data" asked for explicitly needs TensorFlow installed.
    """
    check_choice("pipeline", pipeline, PIPELINES)
    if pipeline == "auto":
        return "tf.data" if name() == "tensorflow" else "numpy"
    if pipeline == "tf.data" and not tensorflow_installed():
        raise BackendError("pipeline='tf.data' needs TensorFlow, which is not installed; use pipeline='numpy'")
    return pipeline


def op_determinism_enabled():
    """Whether TensorFlow's op determinism is on; False on the other backends, which lack the switch."""
    if name() != "tensorflow":
        return False
    # tf.config has a setter (enable_op_determinism) but no public getter
    from tensorflow.python.framework.config import is_op_determinism_enabled

    return bool(is_op_determinism_enabled())


def steps_per_execution(requested):
    """``steps_per_execution`` for ``model.compile``: ``requested`` (an int >= 1), but 1 on
    PyTorch, whose Keras trainer runs one step per call and refuses more."""
    requested = check_int("steps_per_execution", requested, minimum=1)
    return 1 if name() == "torch" else requested


# ---------------------------------------------------------------------------- gradients
def gradients(fn, arrays):
    """The value of a scalar function and its gradient with respect to each of its inputs.

    Args:
        fn: called as ``fn(*tensors)`` with one backend tensor per entry of ``arrays`` (a
            ``keras.Variable`` entry is passed as itself), returns a scalar tensor (shape ()
            or a single element) built with ``keras.ops`` or Keras layers.
        arrays: a list or tuple of arrays (NumPy arrays, nested lists or backend tensors),
            each converted to a floating tensor of its own dtype (integers become
            ``keras.config.floatx()``; float64 stays float64 except on JAX without
            ``jax_enable_x64``), or ``keras.Variable`` objects that ``fn`` reads, directly or
            through a layer (e.g. ``layer.kernel``).

    Returns:
        ``(value, grads)``: ``value`` a float, ``fn``'s value; ``grads`` a list of NumPy
        arrays, ``grads[i]`` = d value / d ``arrays[i]`` with the shape of ``arrays[i]``
        (zeros where ``fn`` does not depend on it).

    The gradient comes from the backend's own autodiff: ``tf.GradientTape`` on TensorFlow,
    ``jax.value_and_grad`` on JAX (``fn`` runs traced, inside a ``keras.StatelessScope``, so
    the variables it would update, e.g. a seed generator's, keep their values), and
    ``torch.autograd.grad`` on PyTorch.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    entries = _check_entries(arrays)

    def objective(*tensors):
        return _scalar(fn(*tensors)), None

    value, _, grads = _differentiate(objective, entries)
    return value, grads


def value_and_gradient(fn, x):
    """``(fn(x), d sum(fn(x)) / dx)`` as NumPy arrays, for a function of one tensor.

    Args:
        fn: called with one backend tensor, returns a tensor of any shape (keras.ops).
        x: an array (or backend tensor, or ``keras.Variable``), as one entry of
            ``gradients``'s ``arrays``.

    Returns ``(y, grad)``: ``y = fn(x)`` and ``grad`` of ``x``'s shape. Summing the output
    makes ``grad`` hold, for a batch of independent examples, each example's own gradient.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    (entry,) = _check_entries([x], name="x")

    def objective(tensor):
        y = fn(tensor)
        return keras.ops.sum(y), y

    _, y, (grad,) = _differentiate(objective, [entry])
    return keras.ops.convert_to_numpy(y), grad


def _check_entries(arrays, name="arrays"):
    """``arrays`` as a list of float NumPy arrays and ``keras.Variable`` objects, checked."""
    single = name != "arrays"
    if not single and not (isinstance(arrays, (list, tuple)) and arrays):
        raise TypeError(f"arrays must be a non-empty list or tuple of arrays, got {describe(arrays)}")
    entries = []
    for i, value in enumerate(arrays):
        label = name if single else f"arrays[{i}]"
        if isinstance(value, keras.Variable):
            if not keras.backend.is_float_dtype(value.dtype):
                raise TypeError(f"{label} must be a floating variable, got one of dtype {value.dtype}")
            entries.append(value)
            continue
        if keras.ops.is_tensor(value):
            value = keras.ops.convert_to_numpy(value)
        array = check_array(label, value, kind="real", allow_empty=True)
        entries.append(array if array.dtype.kind == "f" else array.astype(keras.config.floatx()))
    return entries


def _scalar(value):
    """``value`` as a tensor of shape (); an error unless it holds exactly one number."""
    shape = tuple(keras.ops.shape(value))
    if int(np.prod(shape)) != 1:
        raise ValueError(f"fn must return a scalar (one number), got a tensor of shape {shape}")
    return keras.ops.reshape(value, ())


def _to_tensor(array):
    """A NumPy float array as a backend tensor, keeping its dtype where the backend can."""
    dtype = str(array.dtype)
    if dtype == "float64" and name() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            dtype = "float32"  # what JAX would do anyway, without its warning
    return keras.ops.convert_to_tensor(array, dtype=dtype)


def _differentiate(objective, entries):
    """``objective(*tensors) -> (scalar, aux)``; returns ``(float, aux, [np grads])``."""
    backend = name()
    if backend == "tensorflow":
        scalar, aux, grads = _tensorflow_gradients(objective, entries)
    elif backend == "jax":
        scalar, aux, grads = _jax_gradients(objective, entries)
    elif backend == "torch":
        scalar, aux, grads = _torch_gradients(objective, entries)
    else:
        raise BackendError(f"gradients know the backends {', '.join(BACKENDS)}, and Keras runs on {backend}")
    shapes = [tuple(e.shape) for e in entries]
    grads = [
        np.zeros(shape, np.float32) if g is None else keras.ops.convert_to_numpy(g).reshape(shape)
        for g, shape in zip(grads, shapes, strict=True)
    ]
    return float(keras.ops.convert_to_numpy(scalar)), aux, grads


def _tensorflow_gradients(objective, entries):
    import tensorflow as tf

    # a Keras variable's .value is its tf.Variable, whose reads the tape records
    watched = [e.value if isinstance(e, keras.Variable) else tf.convert_to_tensor(_to_tensor(e)) for e in entries]
    args = [e if isinstance(e, keras.Variable) else t for e, t in zip(entries, watched, strict=True)]
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        for tensor in watched:
            tape.watch(tensor)
        scalar, aux = objective(*args)
    grads = tape.gradient(scalar, watched, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    # an embedding lookup's gradient is IndexedSlices: densify it
    return scalar, aux, [tf.convert_to_tensor(g) for g in grads]


def _jax_gradients(objective, entries):
    import jax

    variables = [e for e in entries if isinstance(e, keras.Variable)]
    arrays = [_to_tensor(e) for e in entries if not isinstance(e, keras.Variable)]

    def pure(array_values, variable_values):
        # JAX differentiates pure functions: the variables fn reads get the traced values, and
        # whatever fn assigns (a seed generator's state, batch-norm statistics) stays in the scope
        with keras.StatelessScope(state_mapping=list(zip(variables, variable_values, strict=True))):
            values, variable_iter = iter(array_values), iter(variables)
            args = [next(variable_iter) if isinstance(e, keras.Variable) else next(values) for e in entries]
            return objective(*args)

    (scalar, aux), (array_grads, variable_grads) = jax.value_and_grad(pure, argnums=(0, 1), has_aux=True)(
        arrays, [v.value for v in variables]
    )
    array_grads, variable_grads = iter(array_grads), iter(variable_grads)
    grads = [next(variable_grads) if isinstance(e, keras.Variable) else next(array_grads) for e in entries]
    return scalar, aux, grads


def _torch_gradients(objective, entries):
    import torch

    leaves, args, frozen = [], [], []
    for entry in entries:
        if isinstance(entry, keras.Variable):
            leaf = entry.value  # the torch.nn.Parameter that Keras ops read
            if not leaf.requires_grad:  # a non-trainable variable: track it for this call only
                leaf.requires_grad_(True)
                frozen.append(leaf)
            args.append(entry)
        else:
            leaf = _to_tensor(entry).detach().clone().requires_grad_(True)
            args.append(leaf)
        leaves.append(leaf)
    try:
        with torch.enable_grad():
            scalar, aux = objective(*args)
            grads = torch.autograd.grad(scalar, leaves, allow_unused=True)
    finally:
        for leaf in frozen:
            leaf.requires_grad_(False)
    return scalar.detach(), (None if aux is None else aux.detach()), list(grads)


def gpu_available():
    """Whether the running backend computes on a GPU (mixed precision is float16 there, bfloat16 on a CPU)."""
    which = name()
    if which == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_logical_devices("GPU"))
    if which == "jax":
        import jax

        return jax.default_backend() == "gpu"
    import torch

    return torch.cuda.is_available()


def is_tf_dataset(value):
    """Whether ``value`` is a ``tf.data.Dataset``, without importing TensorFlow: where nothing has
    imported it, no value can be one."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(value, tf.data.Dataset)
