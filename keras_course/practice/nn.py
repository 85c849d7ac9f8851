"""Problems on dense layers (Q1), dropout (Q17) and batch normalization (Q18)."""

import numpy as np

from keras_course.practice.checker import Integer, Parts, Shape, Vector, fmt
from keras_course.practice.problem import big, choice, matrix, num, plain, vec


# ------------------------------------------------------------------------------ Q1 dense
def dense(rng, difficulty):
    from keras_course.nn import Dense, dense_params

    n = int(choice(rng, [784, 100, 64, 300, 3072, 20, 512]))
    widths = [int(choice(rng, [10, 16, 32, 64, 100, 128, 256])) for _ in range(difficulty)]
    biases = [True] * difficulty if difficulty < 3 else [bool(rng.random() < 0.6) for _ in widths]
    timesteps = int(choice(rng, [5, 10, 20])) if difficulty == 3 else None
    shape = (n,) if timesteps is None else (timesteps, n)

    sizes = [n] + widths
    counts = [dense_params(a, b, bias) for a, b, bias in zip(sizes[:-1], widths, biases, strict=True)]
    out_shape = (None,) + shape
    for width in widths:
        out_shape = Dense(width).compute_output_shape(out_shape)
    answer = {"params": sum(counts), "shape": tuple(int(d) for d in out_shape[1:])}

    layers = ", then ".join(
        f"`Dense({w}{'' if b else ', use_bias=False'})`" for w, b in zip(widths, biases, strict=True)
    )
    where = (
        f"one example is a vector of ${n}$ features"
        if timesteps is None
        else f"one example is a sequence of ${timesteps}$ vectors of ${n}$ features, shape $({timesteps}, {n})$"
    )
    statement = (
        f"An input goes through {layers}; {where}. How many trainable parameters does the "
        "stack have, and what is the shape of its output for one example (without the batch axis)?"
    )
    steps = []
    for a, b, bias, c in zip(sizes[:-1], widths, biases, counts, strict=True):
        formula = f"({a} + 1) \\cdot {b}" if bias else f"{a} \\cdot {b}"
        steps.append(
            f"- ${a} \\to {b}$: {'weights and one bias per output' if bias else 'weights only'}, ${formula} = {big(c)}$"
        )
    no_bias = sum(dense_params(a, b, False) for a, b in zip(sizes[:-1], widths, strict=True))
    per_input = sum(a * b + a for a, b in zip(sizes[:-1], widths, strict=True))
    mistakes = {
        no_bias: "that leaves out the biases (one per output unit)",
        per_input: "that adds one bias per input; a dense layer has one per output",
    }
    mistakes.pop(answer["params"], None)
    solution = "\n".join(
        [
            (
                "A dense layer with $n$ inputs and $m$ outputs computes $z = xW + b$: $W$ is $n \\times m$ and "
                "$b$ has $m$ entries, so it has $(n + 1)\\,m$ parameters ($nm$ without bias)."
            ),
            "",
            *steps,
            "",
            f"In all ${' + '.join(big(c) for c in counts)} = {big(answer['params'])}$ parameters.",
            "",
            (
                "A dense layer maps the last axis only, so the output has shape "
                f"$({', '.join(map(str, answer['shape']))})$"
                + (
                    f": the same layer is applied to each of the ${timesteps}$ vectors, with the same weights."
                    if timesteps
                    else f": ${widths[-1]}$ numbers."
                )
            ),
        ]
    )
    spec = Parts(
        {"params": Integer(mistakes=mistakes), "shape": Shape(labels=("time", "features")[-len(shape) :])},
        aliases={"parameters": "params", "output shape": "shape", "output": "shape"},
    )
    return {
        "title": "Dense layers: parameters and shapes",
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": spec,
        "data": {"input_shape": shape, "widths": widths, "biases": biases},
    }


# ---------------------------------------------------------------------------- Q17 dropout
def dropout(rng, difficulty):
    import keras

    from keras_course.nn import Dropout

    n = 3 + difficulty
    rate = float(choice(rng, [0.2, 0.25, 0.5] + ([0.4, 0.75] if difficulty > 1 else [])))
    x = rng.integers(1, 10, n) * choice(rng, [1.0, 0.5]) * np.where(rng.random(n) < 0.3 * (difficulty > 1), -1, 1)
    x = x.astype("float64")
    for _ in range(50):  # a mask that keeps some units and drops some
        layer = Dropout(rate, seed=int(rng.integers(2**31)), dtype="float64")
        train = keras.ops.convert_to_numpy(layer(x[None], training=True))[0]
        if 0 < np.count_nonzero(train == 0) < n:
            break
    infer = keras.ops.convert_to_numpy(layer(x[None], training=False))[0]
    kept = [i + 1 for i in range(n) if train[i] != 0]
    dropped = [i + 1 for i in range(n) if train[i] == 0]
    answer = {"training": plain(train), "inference": plain(infer)}
    scale = 1.0 / (1.0 - rate)
    statement = (
        f"An inverted-dropout layer with $p = {fmt(rate)}$ (the probability of zeroing a unit) "
        f"receives $x = {vec(x)}$. In this training step the random mask keeps units "
        f"{', '.join(map(str, kept))} and zeroes unit{'s' if len(dropped) > 1 else ''} "
        f"{', '.join(map(str, dropped))}. What does the layer output (a) in this training step "
        "and (b) at inference?"
    )
    mask = [1 if i + 1 in kept else 0 for i in range(n)]
    solution = "\n".join(
        [
            (
                "Training: multiply by the mask $m$ ($m_i = 0$ with probability $p$) and by "
                f"$\\frac{{1}}{{1 - p}} = \\frac{{1}}{{{fmt(1 - rate)}}} = {fmt(scale)}$, so that "
                "$\\mathbb{E}[m_i x_i / (1 - p)] = x_i$:"
            ),
            "",
            f"$$m \\odot x \\cdot {fmt(scale)} = {vec(mask)} \\odot {vec(x)} \\cdot {fmt(scale)} = {vec(train)}$$",
            "",
            (
                f"Inference: nothing is dropped and nothing rescaled: the output is $x = {vec(infer)}$ "
                "(the rescaling already happened in training, hence *inverted* dropout)."
            ),
            "",
            (
                "> **Errata** The notes write the training output as $m x / p$; the scale is one over the "
                "probability of *keeping* a unit, $1/(1 - p)$. (The original paper instead multiplies by $1 - p$ "
                "at inference; the expected outputs are the same.)"
            ),
        ]
    )
    spec = Parts(
        {"training": Vector(n), "inference": Vector(n)},
        aliases={
            "train": "training",
            "a": "training",
            "test": "inference",
            "b": "inference",
            "inferences": "inference",
        },
    )
    return {
        "title": "Dropout in training and at inference",
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": spec,
        "data": {"x": plain(x), "rate": rate, "mask": mask},
    }


# -------------------------------------------------------------------------- Q18 batchnorm
def batchnorm(rng, difficulty):
    import keras

    from keras_course.nn import BatchNormalization

    n, features = (4, 1) if difficulty == 1 else (4 if difficulty == 2 else 5, 2)
    x = rng.integers(-4, 9, (n, features)).astype("float64")
    for column in range(features):  # no constant feature
        while np.ptp(x[:, column]) == 0:
            x[:, column] = rng.integers(-4, 9, n)
    gamma = np.array([choice(rng, [1.0, 2.0, 0.5, 3.0]) for _ in range(features)])
    beta = np.array([choice(rng, [0.0, 1.0, -1.0, 0.5]) for _ in range(features)])
    eps = 1e-5
    layer = BatchNormalization(momentum=0.0, epsilon=eps, dtype="float64")
    layer.build(x.shape)
    layer.set_weights([gamma, beta, np.zeros(features), np.ones(features)])
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    # momentum 0: the moving statistics are now exactly the batch statistics.
    mean, var = (keras.ops.convert_to_numpy(v) for v in (layer.moving_mean, layer.moving_variance))
    answer = {"mean": plain(mean), "variance": plain(var), "output": plain(out if features > 1 else out[:, 0])}
    feat = "one feature" if features == 1 else f"{features} features (columns)"
    statement = (
        f"A batch of ${n}$ examples with {feat},\n\n$$X = {matrix(x)}$$\n\ngoes through batch "
        f"normalization in training mode with $\\gamma = {vec(gamma)}$, $\\beta = {vec(beta)}$ and "
        f"$\\varepsilon = 10^{{-5}}$ (negligible here). Give the batch mean and the (biased) batch "
        "variance of each feature, and the layer's output" + (" (row by row)." if features > 1 else ".")
    )
    lines = [
        (
            "Per feature, over the batch: $\\mu = \\frac{1}{N}\\sum_i x_i$, "
            "$\\sigma^2 = \\frac{1}{N}\\sum_i (x_i - \\mu)^2$, "
            "$\\hat{x}_i = \\frac{x_i - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}}$, $z_i = \\gamma \\hat{x}_i + \\beta$."
        ),
        "",
    ]
    for j in range(features):
        col = x[:, j]
        name = f"feature {j + 1}: " if features > 1 else ""
        lines += [
            (
                f"- {name}$\\mu = \\frac{{{' + '.join(num(v) for v in col)}}}{{{n}}} = {fmt(mean[j])}$, "
                f"$\\sigma^2 = \\frac{{{' + '.join(f'{num(v - mean[j])}^2' for v in col)}}}{{{n}}} = {fmt(var[j])}$, "
                f"$\\sqrt{{\\sigma^2}} = {fmt(np.sqrt(var[j]))}$;"
            ),
            f"  $z = {fmt(gamma[j])} \\cdot \\hat{{x}} + {num(beta[j])} = {vec(out[:, j])}$",
        ]
    lines += [
        "",
        (
            "The output of each feature has mean $\\beta$ and standard deviation $\\gamma$ over the "
            "batch. At inference the layer uses its moving averages of $\\mu$ and $\\sigma^2$ instead, so an "
            "example's output does not depend on the rest of its batch."
        ),
    ]
    labels = tuple(f"row {i + 1} col {j + 1}" for i in range(n) for j in range(features)) if features > 1 else ()
    spec = Parts(
        {"mean": Vector(features), "variance": Vector(features), "output": Vector(n * features, labels=labels)},
        aliases={"mu": "mean", "var": "variance", "sigma^2": "variance", "z": "output", "y": "output"},
    )
    return {
        "title": "Batch normalization, forward in training",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines),
        "spec": spec,
        "data": {"x": plain(x), "gamma": plain(gamma), "beta": plain(beta), "epsilon": eps},
    }
