"""Q9-Q11: the receptive field of a stack of (strided, dilated) convolutions and max-pooling layers.

The answer and every number of the solution come from ``keras_course.conv.receptive_field``:
``r_k = r_{k-1} + (span_k - 1) j_{k-1}``, ``j_k = j_{k-1} s_k`` with ``span = d (k - 1) + 1``.
"""

from keras_course.practice.checker import Integer
from keras_course.practice.problem import choice


def _describe(layer):
    kind, k, s, d = layer
    if kind == "pool":
        return f"max-pool ${k} \\times {k}$, stride ${s}$"
    return f"conv ${k} \\times {k}$, stride ${s}$" + (f", dilation ${d}$" if d > 1 else "")


def _short(index, layer):
    kind, k, s, d = layer
    return (
        f"{index}. {'pool' if kind == 'pool' else 'conv'} {k}x{k}"
        + (f" s{s}" if s > 1 else "")
        + (f" d{d}" if d > 1 else "")
    )


def _code(layer):
    kind, k, s, d = layer
    if kind == "pool":
        return f"MaxPooling2D({k}, strides={s})"
    return f"Conv2D(C, {k}, strides={s}" + (f", dilation_rate={d}" if d > 1 else "") + ")"


def _problem(layers, title, intro):
    from keras_course.conv import receptive_field

    specs = [(k, s, d) for _, k, s, d in layers]
    fields = receptive_field(specs)
    answer = fields[-1].size
    dilated = any(d > 1 for *_, d in layers)
    k = "k'" if dilated else "k"
    steps = [
        "Start from one input pixel: $r_0 = 1$, jump $j_0 = 1$ (neighbouring pixels are 1 apart). A layer "
        f"whose window spans ${k}$ positions of its input"
        + (" ($k' = d(k - 1) + 1$ for a $k \\times k$ kernel with dilation $d$)" if dilated else "")
        + f" adds ${k} - 1$ of them, each $j$ input pixels apart; its stride $s$ multiplies the jump:",
        f"$$r_l = r_{{l-1}} + ({k}_l - 1)\\, j_{{l-1}}, \\qquad j_l = j_{{l-1}} s_l$$",
        "",
    ]
    r, j = 1, 1
    for index, (layer, field) in enumerate(zip(layers, fields, strict=True), start=1):
        _, k, s, d = layer
        span = f"$k' = {d} \\cdot ({k} - 1) + 1 = {d * (k - 1) + 1}$, " if d > 1 else ""
        width = d * (k - 1) + 1 if d > 1 else k
        steps.append(
            f"- layer {index} ({_describe(layer)}): {span}$r_{index} = {r} + ({width} - 1) \\cdot {j} = "
            f"{field.size}$, $j_{index} = {j} \\cdot {s} = {field.jump}$"
        )
        r, j = field.size, field.jump
    steps += [
        "",
        (
            f"One output of the last layer sees ${answer} \\times {answer}$ input pixels; neighbouring outputs "
            f"are ${fields[-1].jump}$ pixels apart. (Padding moves the fields but does not change their size.)"
        ),
    ]
    if any(kind == "pool" for kind, *_ in layers):
        steps.append(
            "A max-pooling layer counts like a convolution with its window and stride: it has no "
            "weights, but each output still depends on its whole window."
        )
    no_strides = receptive_field([(k, 1, d) for _, k, _, d in layers])[-1].size
    mistakes = {
        no_strides: "that ignores the strides: each layer's window counts in units of the jump, "
        "the product of the earlier strides"
    }
    if any(kind == "pool" for kind, *_ in layers):
        mistakes.setdefault(
            receptive_field([(k, s, d) for kind, k, s, d in layers if kind != "pool"])[-1].size,
            "that leaves out the pooling layers, which widen the field like a convolution",
        )
    if any(d > 1 for *_, d in layers):
        mistakes.setdefault(
            receptive_field([(k, s, 1) for _, k, s, _ in layers])[-1].size,
            "that ignores the dilation: a dilated kernel spans d (k - 1) + 1 pixels",
        )
    mistakes.pop(answer, None)
    stack = "\n".join(f"{i}. {_describe(layer)}" for i, layer in enumerate(layers, start=1))
    statement = f"{intro}\n\n{stack}\n\nWhat is the receptive field of one output of the last layer (in input pixels, per side)?"

    def figure(fig):
        from keras_course.practice.figures import draw_layer_stack

        draw_layer_stack(
            fig, _levels(specs, fields), ["input"] + [_short(i, layer) for i, layer in enumerate(layers, 1)]
        )

    solution = "\n".join(steps)
    return {
        "title": title,
        "statement": statement,
        "answer": answer,
        "solution": solution,
        "spec": Integer(square=True, mistakes=mistakes),
        "figure": figure,
        "data": {"layers": [list(layer) for layer in layers], "code": [_code(layer) for layer in layers]},
    }


def _levels(specs, fields):
    """For the figure: cells per level and the cells the top middle output sees at each level."""
    from keras_course.conv import receptive_field

    outputs = 3 if fields[-1].size + 2 * fields[-1].jump <= 48 else 1
    n0 = fields[-1].size + (outputs - 1) * fields[-1].jump  # the smallest input giving `outputs` outputs
    sizes = [n0] + [f.output_size for f in receptive_field(specs, input_size=n0)]
    position = outputs // 2
    levels = []
    for level in range(len(specs) + 1):
        if level == len(specs):
            levels.append((sizes[level], (position, position)))
            continue
        top = receptive_field(specs[level:], input_size=sizes[level])[-1]
        centre, half = top.centre(position), (top.size - 1) / 2
        levels.append((sizes[level], (int(centre - half), int(centre + half))))
    return levels


def rf(rng, difficulty):
    count = difficulty + 1
    layers = []
    for index in range(count):
        k = int(choice(rng, [3, 3, 5] if index else [3, 5, 7]))
        s = int(choice(rng, [1, 2, 2] if difficulty > 1 else [2, 2, 1, 3]))
        layers.append(("conv", k, s, 1))
    intro = (
        f"A network starts with {count} convolutional layers (no padding, any number of channels), from the input up:"
    )
    return _problem(layers, "Receptive field of strided convolutions", intro)


def rf_pool(rng, difficulty):
    templates = {
        1: ["conv", "pool", "conv"],
        2: ["conv", "conv", "pool", "conv"],
        3: ["conv", "pool", "conv", "conv", "pool"],
    }[difficulty]
    layers = []
    for kind in templates:
        if kind == "pool":
            k = int(choice(rng, [2, 2, 3]))
            layers.append(("pool", k, 2, 1))
        else:
            d = int(choice(rng, [1, 2, 2, 3])) if difficulty > 1 else 1
            # Keras (like TensorFlow) has no conv that is both strided and dilated
            layers.append(("conv", int(choice(rng, [3, 3, 5])), int(choice(rng, [1, 1, 2])) if d == 1 else 1, d))
    if difficulty > 1 and all(d == 1 for *_, d in layers):
        kind, k, _, _ = layers[0]
        layers[0] = (kind, k, 1, 2)
    intro = "A network has these layers (no padding), from the input up:"
    return _problem(layers, "Receptive field with pooling and dilation", intro)
