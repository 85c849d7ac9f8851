"""Problems on convolution (Q7, Q8), max-pooling (Q11), padding (Q12) and the CNN classifier (Q13)."""

import numpy as np

from keras_course.practice.checker import Integer, Parts, Shape, Vector, fmt
from keras_course.practice.problem import big, choice, matrix, num, plain


def _size_step(n, k, s, padding, out, dilation=1):
    """The LaTeX of one output-size computation (the value ``out`` comes from the library)."""
    if padding == "same":
        return f"\\lceil {n} / {s} \\rceil = {out}" if s > 1 else f"{n}"
    span = f"{dilation} \\cdot ({k} - 1) + 1" if dilation > 1 else f"{k}"
    if s == 1:
        return f"{n} - {span} + 1 = {out}"
    return f"\\left\\lfloor \\frac{{{n} - {span}}}{{{s}}} \\right\\rfloor + 1 = {out}"


# -------------------------------------------------------------------------- Q7 conv-apply
def conv_apply(rng, difficulty):
    from keras_course.conv import conv2d

    size, k = {1: (4, 2), 2: (5, 3), 3: (6, 3)}[difficulty]
    stride = 2 if difficulty == 3 else 1
    for _ in range(100):  # a unique maximal response
        image = rng.integers(0, 4, (size, size))
        kernel = rng.integers(-1, 2, (k, k))
        if not kernel.any():
            continue
        out = conv2d(image, kernel, stride=stride)
        if out.max() > 0 and np.count_nonzero(out == out.max()) == 1:
            break
    row, col = (int(v) for v in np.unravel_index(np.argmax(out), out.shape))
    answer = {"output": plain(out.ravel()), "max at": (row + 1, col + 1)}
    statement = (
        f"Convolve (cross-correlate, no kernel flip, no padding{', stride 2' if stride > 1 else ''}) "
        f"the image $I$ with the filter $K$:\n\n$$I = {matrix(image)}, \\qquad K = {matrix(kernel)}$$\n\n"
        "Give the output map (row by row) and the position (row, column, counted from 1) of its largest "
        "response."
    )
    r0, c0 = row * stride, col * stride
    terms = " + ".join(
        f"{num(kernel[i, j])} \\cdot {num(image[r0 + i, c0 + j])}" for i in range(k) for j in range(k) if kernel[i, j]
    )
    solution = "\n".join(
        [
            f"Each output is the sum of the filter times the ${k} \\times {k}$ patch under it: "
            f"$O(y, x) = \\sum_{{i, j}} K(i, j)\\, I({'2y' if stride > 1 else 'y'} + i, {'2x' if stride > 1 else 'x'} + j)$, "
            f"so the output has ${out.shape[0]} \\times {out.shape[1]}$ entries"
            + (
                f" ($\\lfloor ({size} - {k}) / 2 \\rfloor + 1 = {out.shape[0]}$ per axis)."
                if stride > 1
                else f" (${size} - {k} + 1 = {out.shape[0]}$ per axis)."
            ),
            "",
            f"$$O = {matrix(out)}$$",
            "",
            (
                f"The largest response is at row {row + 1}, column {col + 1}: ${terms or '0'} = {fmt(out[row, col])}$. "
                "There the patch looks most like the filter; the maximum over all positions is the same wherever "
                "the pattern sits in the image, which is why conv + max detects a pattern regardless of its position."
            ),
        ]
    )
    spec = Parts(
        {
            "output": Vector(out.size, tol=0, rel=0),
            "max at": Shape(labels=("row", "column"), what="the row and column, e.g. (2, 3)"),
        },
        aliases={
            "o": "output",
            "map": "output",
            "max": "max at",
            "position": "max at",
            "argmax": "max at",
            "max position": "max at",
        },
    )
    return {
        "title": "A convolution and its maximal response",
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": spec,
        "data": {"image": plain(image), "kernel": plain(kernel), "stride": stride},
    }


# ------------------------------------------------------------------------------ Q8 conv
def conv_layers(rng, difficulty):
    from keras_course.conv import conv_output_size, conv_params

    height, channels = choice(rng, [(32, 3), (28, 1), (64, 3), (227, 3), (224, 3), (48, 1)])
    layers, n = [], height
    for index in range(difficulty):
        k = int(choice(rng, [1, 3, 3, 5, 7] if index == 0 else [1, 3, 3, 5]))
        s = int(choice(rng, [1, 1, 2] if difficulty > 1 else [1, 2, 4]))
        padding = choice(rng, ["valid", "same"]) if difficulty > 1 else "valid"
        filters = int(choice(rng, [8, 16, 32, 64, 96]))
        if conv_output_size(n, k, s, padding) < 1:
            k, s = 1, 1
        layers.append((filters, k, s, padding))
        n = conv_output_size(n, k, s, padding)
    rows, total, n, c = [], 0, height, channels
    for filters, k, s, padding in layers:
        out, count = conv_output_size(n, k, s, padding), conv_params(k, c, filters)
        rows.append(
            f'- `Conv2D({filters}, {k}, strides={s}, padding="{padding}")` on ${n} \\times {n} \\times {c}$: '
            f"size ${_size_step(n, k, s, padding, out)}$, so ${out} \\times {out} \\times {filters}$; "
            f"parameters $({k} \\cdot {k} \\cdot {c} + 1) \\cdot {filters} = {big(count)}$"
        )
        total += count
        n, c = out, filters
    answer = {"shape": (n, n, c), "params": total}
    stack = ", then ".join(f'`Conv2D({f}, {k}, strides={s}, padding="{p}")`' for f, k, s, p in layers)
    statement = (
        f"An image of ${height} \\times {height} \\times {channels}$ (height, width, channels) goes "
        f"through {stack}. What is the output shape (without the batch axis), and how many "
        "parameters do the layers have?"
    )
    no_bias = sum(
        conv_params(k, ci, f, use_bias=False)
        for (f, k, _, _), ci in zip(layers, [channels] + [f for f, *_ in layers[:-1]], strict=True)
    )
    no_channels = sum(conv_params(k, 1, f) for f, k, _, _ in layers)
    mistakes = {
        no_bias: "that leaves out the biases (one per filter)",
        no_channels: "that forgets that each filter spans all input channels: k * k * C weights",
    }
    mistakes.pop(total, None)
    solution = "\n".join(
        [
            (
                "A conv layer with $T$ filters of size $k \\times k$ on $C$ input channels has $(k^2 C + 1)\\,T$ "
                "parameters, whatever the image size. Its output size per axis is "
                '$\\lfloor (n - k) / s \\rfloor + 1$ without padding and $\\lceil n / s \\rceil$ with "same" padding; '
                "its output has $T$ channels."
            ),
            "",
            *rows,
            "",
            f"Output shape ${n} \\times {n} \\times {c}$; parameters "
            + (
                f"${' + '.join(big(conv_params(k, ci, f)) for (f, k, _, _), ci in zip(layers, [channels] + [f for f, *_ in layers[:-1]], strict=True))} = {big(total)}$."
                if len(layers) > 1
                else f"${big(total)}$."
            ),
        ]
    )
    spec = Parts(
        {"shape": Shape(), "params": Integer(mistakes=mistakes)},
        aliases={"output shape": "shape", "parameters": "params", "output": "shape"},
    )
    return {
        "title": "Conv layers: output shape and parameters",
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": spec,
        "data": {"input_shape": (height, height, channels), "layers": layers},
    }


# --------------------------------------------------------------------------- Q11 maxpool
def maxpool(rng, difficulty):
    from keras_course.conv import max_pool2d

    size, pool, stride = {1: (4, 2, 2), 2: (6, 2, 2), 3: (5, 3, 2)}[difficulty]
    x = rng.integers(0, 10, (size, size))
    out = max_pool2d(x, pool, stride)
    answer = plain(out.astype(int).ravel())
    statement = (
        f"Apply max-pooling with a ${pool} \\times {pool}$ window and stride ${stride}$ (no padding) "
        f"to the feature map\n\n$$X = {matrix(x)}$$\n\nGive the output, row by row."
    )
    windows = []
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            patch = x[i * stride : i * stride + pool, j * stride : j * stride + pool]
            windows.append(f"$\\max({', '.join(map(str, patch.ravel()))}) = {int(out[i, j])}$")
    solution = "\n".join(
        [
            f"The output has $\\lfloor ({size} - {pool}) / {stride} \\rfloor + 1 = {out.shape[0]}$ entries per axis; "
            "each is the maximum of its window"
            + (" (the windows overlap: stride < window)." if stride < pool else "."),
            "",
            "; ".join(windows) + ".",
            "",
            f"$$Y = {matrix(out.astype(int))}$$",
            "",
            (
                "Max-pooling has no parameters. It keeps the strongest response in each window, so a small shift "
                "of a feature inside the window changes nothing, and it multiplies the distance between neighbouring "
                f"outputs by {stride}: every later layer's receptive field grows faster."
            ),
        ]
    )
    spec = Vector(out.size, tol=0, rel=0)
    return {
        "title": "Max-pooling",
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": spec,
        "data": {"x": plain(x), "pool": pool, "stride": stride},
    }


# --------------------------------------------------------------------------- Q12 padding
def padding(rng, difficulty):
    from keras_course.conv import conv_output_size

    for _ in range(100):
        n = int(choice(rng, [7, 8, 13, 28, 32, 33, 64, 100, 227]))
        k = int(choice(rng, [3, 5, 7, 11] if difficulty > 1 else [3, 5]))
        p = int(rng.integers(0, 4))
        s = int(choice(rng, [1, 2] if difficulty == 1 else [1, 2, 3, 4]))
        d = int(choice(rng, [1, 2, 3])) if difficulty == 3 else 1
        s = 1 if d > 1 else s  # Keras has no conv that is both strided and dilated
        if n + 2 * p >= d * (k - 1) + 1:
            break
    out = conv_output_size(n + 2 * p, k, s, "valid", d)
    dilated = f" and dilation ${d}$" if d > 1 else ""
    statement = (
        f"A ${k} \\times {k}$ convolution with stride ${s}$, zero padding of ${p}$ pixel"
        f"{'s' if p != 1 else ''} on every side{dilated} is applied to an ${n} \\times {n}$ image. "
        "How large is its output (per side)?"
    )
    span = d * (k - 1) + 1
    lines = [
        (
            f"Padding adds ${p}$ pixels on each side: the padded image has ${n} + 2 \\cdot {p} = {n + 2 * p}$ "
            "pixels per side."
        )
    ]
    if d > 1:
        lines.append(f"A dilation of ${d}$ spreads the kernel over ${d} \\cdot ({k} - 1) + 1 = {span}$ pixels.")
    lines += [
        f"The kernel fits in $\\lfloor ({n + 2 * p} - {span}) / {s} \\rfloor + 1$ positions:",
        (
            f"$$\\left\\lfloor \\frac{{{n} + 2 \\cdot {p} - {span}}}{{{s}}} \\right\\rfloor + 1 = "
            f"\\left\\lfloor \\frac{{{n + 2 * p - span}}}{{{s}}} \\right\\rfloor + 1 = {out}$$"
        ),
        f"so the output is ${out} \\times {out}$ (per channel).",
    ]
    if s == 1 and span % 2 == 1:
        lines.append(
            f"(With stride 1, padding $(k' - 1) / 2 = {(span - 1) // 2}$ would keep the size at ${n}$: "
            '"same" padding.)'
        )
    mistakes = {
        conv_output_size(n, k, s, "valid", d): "that ignores the padding",
        conv_output_size(n + p, k, s, "valid", d): "that pads one side only; the padding goes on both sides",
        n + 2 * p - span + 1: "that ignores the stride",
    }
    if d > 1:
        mistakes[conv_output_size(n + 2 * p, k, s, "valid", 1)] = "that ignores the dilation"
    mistakes.pop(out, None)
    return {
        "title": "Output size with padding and stride",
        "statement": statement,
        "answer": out,
        "solution": "\n".join(lines),
        "spec": Integer(square=True, mistakes=mistakes),
        "data": {"n": n, "k": k, "p": p, "s": s, "d": d},
    }


# ------------------------------------------------------------------------- Q12 pad-modes
def pad_modes(rng, difficulty):
    from keras_course.conv import PAD_MODES, pad2d

    n, p = {1: (4, 1), 2: (5, 2), 3: (5, 3)}[difficulty]
    row = rng.choice(np.arange(1, 10), n, replace=False)
    padded = {mode: pad2d(row[None, :], ((0, 0), (p, p)), mode)[0] for mode in PAD_MODES}
    answer = {mode: plain(values) for mode, values in padded.items()}
    statement = (
        f"A one-row image $x = ({', '.join(map(str, row))})$ is padded by ${p}$ pixel{'s' if p > 1 else ''} "
        "on the left and on the right before a convolution. Write the padded row for zero, reflect and "
        "replicate padding."
    )
    solution = "\n".join(
        [
            f"- zeros: put ${p}$ zeros on each side: $({', '.join(map(str, padded['zeros']))})$;",
            f"- reflect: mirror about the edge pixel, which is not repeated: $({', '.join(map(str, padded['reflect']))})$;",
            f"- replicate: repeat the edge pixel: $({', '.join(map(str, padded['replicate']))})$.",
            "",
            (
                "Zero padding makes an artificial dark border that a filter responds to; reflect and replicate continue "
                "the image, so the border outputs look like the interior ones."
            ),
        ]
    )
    spec = Parts(
        {mode: Vector(n + 2 * p, tol=0, rel=0) for mode in PAD_MODES},
        aliases={
            "zero": "zeros",
            "constant": "zeros",
            "reflection": "reflect",
            "mirror": "reflect",
            "edge": "replicate",
            "replication": "replicate",
        },
    )
    return {
        "title": "Zero, reflect and replicate padding",
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": spec,
        "data": {"row": plain(row), "p": p},
    }


# ------------------------------------------------------------------------------- Q13 cnn
def cnn(rng, difficulty):
    from keras_course.conv import MaxPool2D, conv_output_size, conv_params
    from keras_course.nn import dense_params

    size, channels = choice(rng, [(28, 1), (32, 3), (32, 1), (64, 3)])
    blocks = [
        (int(choice(rng, [6, 8, 16, 32])), int(choice(rng, [3, 5])), choice(rng, ["valid", "same"]))
        for _ in range(1 if difficulty == 1 else 2)
    ]
    heads = [int(choice(rng, [10, 64, 84, 120, 128]))] + ([10] if difficulty == 3 else [])
    rows, n, c, total = [], size, channels, 0
    for filters, k, pad in blocks:
        out = conv_output_size(n, k, 1, pad)
        count = conv_params(k, c, filters)
        pooled = MaxPool2D(2).compute_output_shape((None, out, out, filters))[1]
        rows.append(
            f'- conv ${k} \\times {k}$, {filters} filters, "{pad}": ${n} \\to {out}$, '
            f"$({k} \\cdot {k} \\cdot {c} + 1) \\cdot {filters} = {big(count)}$ parameters; "
            f"max-pool $2 \\times 2$: ${out} \\to {pooled}$ (no parameters)"
        )
        n, c, total = pooled, filters, total + count
    flat = n * n * c
    rows.append(f"- flatten: ${n} \\cdot {n} \\cdot {c} = {big(flat)}$ numbers")
    width = flat
    for units in heads:
        count = dense_params(width, units)
        rows.append(
            f"- dense ${big(width)} \\to {units}$: $({big(width)} + 1) \\cdot {units} = {big(count)}$ parameters"
        )
        width, total = units, total + count
    layers = ", ".join(
        [f'`Conv2D({f}, {k}, padding="{p}")`, `MaxPooling2D(2)`' for f, k, p in blocks]
        + ["`Flatten()`"]
        + [f"`Dense({u})`" for u in heads]
    )
    statement = (
        f"A classifier for ${size} \\times {size} \\times {channels}$ images is {layers} "
        "(stride 1, ReLU activations). How many numbers does `Flatten` pass to the dense head, and "
        "how many parameters does the whole network have?"
    )
    dense_direct = dense_params(size * size * channels, heads[0])
    solution = "\n".join(
        [
            (
                "The conv and pooling layers keep an image-shaped tensor; `Flatten` lays it out as one vector, which the "
                "dense layers classify."
            ),
            "",
            *rows,
            "",
            (
                f"`Flatten` passes ${big(flat)}$ numbers; the network has ${big(total)}$ parameters. "
                f"(A dense layer from the raw ${big(size * size * channels)}$ pixels to ${heads[0]}$ units alone would "
                f"need ${big(dense_direct)}$: convolutions share their weights across positions.)"
            ),
        ]
    )
    spec = Parts(
        {"flatten": Integer(), "params": Integer()},
        aliases={"flatten size": "flatten", "flat": "flatten", "parameters": "params"},
    )
    return {
        "title": "From conv layers to the dense head",
        "statement": statement,
        "answer": {"flatten": flat, "params": total},
        "solution": solution,
        "spec": spec,
        "data": {"input_shape": (size, size, channels), "blocks": blocks, "heads": heads},
    }
