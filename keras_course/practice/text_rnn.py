"""Q36: FastText's character n-grams of a word; Q38: a simple RNN's steps and parameter count."""

import numpy as np

from keras_course.practice.checker import Integer, NameSet, Parts, Vector
from keras_course.practice.problem import choice, matrix, plain, vec

WORDS = (
    "where",
    "there",
    "apple",
    "river",
    "learn",
    "model",
    "vector",
    "neural",
    "train",
    "layer",
    "image",
    "token",
    "house",
    "cat",
    "dog",
    "sun",
    "tree",
    "night",
    "light",
    "water",
    "paper",
    "table",
    "green",
    "queen",
    "king",
    "loss",
    "word",
    "text",
    "deep",
    "data",
    "banana",
    "letter",
    "coffee",
    "summer",
    "mission",
    "little",
    "hello",
    "ball",
    "book",
    "moon",
    "star",
    "rain",
)


# ------------------------------------------------------------------------------- Q36
def ngrams(rng, difficulty):
    from keras_course.text.fasttext import char_ngrams

    low, high = {1: (3, 3), 2: (3, 4), 3: (2, 5)}[difficulty]
    pool = [w for w in WORDS if len(w) <= {1: 6, 2: 5, 3: 4}[difficulty]]
    word = choice(rng, pool)
    tokens = char_ngrams(word, low, high)
    answer = set(tokens)
    per_n = {n: char_ngrams(word, n, n)[:-1] for n in range(low, high + 1)}
    span = f"$n = {low}$" if low == high else f"$n = {low}, \\dots, {high}$"
    statement = (
        f"FastText represents the word **{word}** by the sum of the vectors of its character n-grams "
        f"({span}) and of the whole word itself, after marking the word's ends with `<` and `>`. Which "
        "tokens are summed? (List each distinct token once.)"
    )
    lines = [f"Mark the ends: `<{word}>` ({len(word) + 2} characters). Slide a window of each length over it:", ""]
    for n, grams in per_n.items():
        lines.append(f"- $n = {n}$: {len(grams)} n-grams: " + ", ".join(f"`{g}`" for g in grams))
    repeated = sorted({g for g in tokens[:-1] if tokens[:-1].count(g) > 1})
    lines += [
        f"- the whole word: `<{word}>`",
        "",
        f"{len(answer)} distinct tokens"
        + (f" (`{'`, `'.join(repeated)}` occur more than once)" if repeated else "")
        + ". The markers make the n-gram `her` inside *where* differ from the word `<her>`. A word never seen "
        "in training (or misspelled) still gets a vector from its n-grams; in practice each n-gram is hashed "
        "into one of a fixed number of buckets.",
    ]
    spec = NameSet(what="n-grams", example=f"<{word[:2]}, {word[:3]}")
    return {
        "title": "FastText's n-grams",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines),
        "spec": spec,
        "data": {"word": word, "n_min": low, "n_max": high},
    }


# ------------------------------------------------------------------------------- Q38
def rnn(rng, difficulty):
    import keras

    from keras_course.rnn import SimpleRNN

    d, m = {1: (2, 2), 2: (2, 2), 3: (3, 2)}[difficulty]
    steps = 1 if difficulty == 1 else 2
    values = [-1.0, -0.5, 0.0, 0.5, 1.0]
    W_xh = rng.choice(values, (d, m))
    W_hh = rng.choice(values, (m, m))
    b = rng.choice([0.0, 0.5, -0.5], m)
    xs = rng.integers(-1, 3, (steps, d)).astype(float)
    h0 = rng.choice([0.0, 0.5, -0.5, 1.0], m) if difficulty == 1 else np.zeros(m)
    layer = SimpleRNN(m, return_sequences=True)  # float32: its cell does not take the layer's dtype
    layer.build((1, steps, d))
    layer.set_weights([W_xh, W_hh, b])
    hs = keras.ops.convert_to_numpy(layer(xs[None].astype("float32"), initial_state=h0[None].astype("float32")))[0]
    hs = hs.astype(float)
    params = int(layer.count_params())
    answer = {"params": params, **{f"h{t + 1}": plain(hs[t]) for t in range(steps)}}
    inputs = ", ".join(f"$x_{t + 1} = {vec(x)}$" for t, x in enumerate(xs))
    statement = (
        f"A simple RNN has ${m}$ units, $h_t = \\tanh(x_t W_{{xh}} + h_{{t-1}} W_{{hh}} + b)$ (row vectors), "
        f"with\n\n$$W_{{xh}} = {matrix(W_xh)}, \\qquad W_{{hh}} = {matrix(W_hh)}, \\qquad b = {vec(b)}$$\n\n"
        f"and $h_0 = {vec(h0)}$. It reads {inputs}. How many parameters does the layer have, and what "
        + ("is $h_1$?" if steps == 1 else "are $h_1$ and $h_2$?")
    )
    lines = [
        (
            f"Parameters: $W_{{xh}}$ has ${d} \\cdot {m}$, $W_{{hh}}$ has ${m} \\cdot {m}$ and $b$ has ${m}$: "
            f"${m} \\cdot ({d} + {m} + 1) = {params}$. The same weights serve every time step, so the count does "
            "not depend on the sequence length."
        ),
        "",
    ]
    previous = h0
    for t in range(steps):
        pre = xs[t] @ W_xh + previous @ W_hh + b
        lines.append(
            f"- $t = {t + 1}$: $x_{t + 1} W_{{xh}} + h_{t} W_{{hh}} + b = {vec(xs[t] @ W_xh)} + "
            f"{vec(previous @ W_hh)} + {vec(b)} = {vec(pre)}$, so $h_{t + 1} = \\tanh{vec(pre)} = {vec(hs[t])}$"
        )
        previous = hs[t]
    lines += [
        "",
        (
            "Backpropagation through time unrolls these steps into one deep network with shared weights; the "
            "gradient to early steps is multiplied by $W_{hh}$ and $\\tanh'$ once per step, which is why it vanishes "
            "(or explodes) over long sequences."
        ),
    ]
    parts = {
        "params": Integer(
            mistakes={
                m * (d + m): "that leaves out the bias",
                m * (d + 1): "that leaves out the recurrent weights W_hh (m x m)",
            }
        )
    }
    parts.update({f"h{t + 1}": Vector(m) for t in range(steps)})
    spec = Parts(parts, aliases={"parameters": "params", **{f"h_{t + 1}": f"h{t + 1}" for t in range(steps)}})
    return {
        "title": "A simple RNN by hand",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines),
        "spec": spec,
        "data": {"W_xh": plain(W_xh), "W_hh": plain(W_hh), "b": plain(b), "xs": plain(xs), "h0": plain(h0)},
    }
