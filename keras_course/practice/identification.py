"""Q32: the triplet loss of a small batch under "all", batch-hard and semi-hard mining.

The answers are ``keras_course.identification.triplet_loss``; the distances come from its
``pairwise_distances``. The solution lists the triplets each rule picks from that matrix and
checks that its total is the library's.
"""

import numpy as np

from keras_course.practice.checker import Number, Parts, fmt
from keras_course.practice.problem import choice, matrix, plain

RULES = ("all", "hard", "semi-hard")


def _batch(rng, size, identities):
    labels = np.array([i % identities for i in range(size)])
    rng.shuffle(labels)
    centres = rng.integers(-1, 2, (identities, 2)).astype(float)
    while len({tuple(c) for c in centres}) < identities:
        centres = rng.integers(-1, 2, (identities, 2)).astype(float)
    points = centres[labels] + rng.integers(-2, 3, (size, 2)) * 0.5
    return labels, points


def triplet(rng, difficulty):
    import keras

    from keras_course.identification import pairwise_distances, triplet_loss

    size, identities = {1: (4, 2), 2: (5, 2), 3: (6, 3)}[difficulty]
    margin = float(choice(rng, [0.5, 1.0, 2.0]))
    for _ in range(200):  # a batch where the rules disagree and some triplet is active
        labels, points = _batch(rng, size, identities)
        if len({tuple(p) for p in points}) < size:
            continue
        answer = {
            rule: float(keras.ops.convert_to_numpy(triplet_loss(labels, points, margin, rule, "squared")))
            for rule in RULES
        }
        if answer["all"] > 0 and len({round(v, 6) for v in answer.values()}) == 3:
            break
    dist = np.asarray(keras.ops.convert_to_numpy(pairwise_distances(points, "squared")), float)
    same = labels[:, None] == labels[None, :]
    names = [f"e_{{{i + 1}}}" for i in range(size)]
    points_text = ", ".join(
        f"${names[i]} = ({fmt(p[0])}, {fmt(p[1])})$ (identity {labels[i]})" for i, p in enumerate(points)
    )
    statement = "\n".join(
        [
            (
                f"A batch of {size} face embeddings: {points_text}. With the squared Euclidean distance "
                f"$d(u, v) = \\|u - v\\|_2^2$ and margin $\\alpha = {fmt(margin)}$, a triplet (anchor $a$, positive $p$ of "
                "the same identity, negative $n$ of another) costs $\\ell = [d(a, p) - d(a, n) + \\alpha]_+$. Compute the "
                "batch's triplet loss under each mining rule:"
            ),
            "",
            "- **all**: the mean of $\\ell$ over every valid triplet ($a \\ne p$), zero-loss ones included;",
            "- **hard** (batch-hard): for each anchor, its farthest positive and closest negative; the mean over anchors;",
            (
                "- **semi-hard**: for each pair $(a, p)$, the closest negative farther from $a$ than $p$ (if there is "
                "none, the farthest negative); the mean over the pairs."
            ),
        ]
    )

    lines = ["Squared distances (row $a$, column $b$):", "", f"$$D = {matrix(dist, 5)}$$", ""]
    terms = [
        (a, p, n, max(dist[a, p] - dist[a, n] + margin, 0.0))
        for a in range(size)
        for p in range(size)
        for n in range(size)
        if a != p and same[a, p] and not same[a, n]
    ]
    active = [t for t in terms if t[3] > 0]
    shown = "; ".join(
        f"$(e_{{{a + 1}}}, e_{{{p + 1}}}, e_{{{n + 1}}})$: ${fmt(dist[a, p], 5)} - {fmt(dist[a, n], 5)} + "
        f"{fmt(margin)} = {fmt(loss, 3)}$"
        for a, p, n, loss in active
    )
    lines += [
        f"**all**: {len(terms)} valid triplets, {len(active)} with a positive loss"
        + (f": {shown}." if active else ".")
        + f" Mean: ${fmt(sum(t[3] for t in terms), 4)} / {len(terms)} = {fmt(answer['all'])}$.",
        "",
    ]
    hard = []
    for a in range(size):
        pos, neg = np.flatnonzero(same[a] & (np.arange(size) != a)), np.flatnonzero(~same[a])
        p, n = pos[np.argmax(dist[a, pos])], neg[np.argmin(dist[a, neg])]
        hard.append((a, p, n, max(dist[a, p] - dist[a, n] + margin, 0.0)))
    lines += [
        "**hard**: "
        + "; ".join(
            f"$e_{{{a + 1}}}$: farthest positive $e_{{{p + 1}}}$ ({fmt(dist[a, p], 5)}), "
            f"closest negative $e_{{{n + 1}}}$ ({fmt(dist[a, n], 5)}), $\\ell = {fmt(loss, 3)}$"
            for a, p, n, loss in hard
        )
        + f". Mean over {size} anchors: ${fmt(answer['hard'])}$.",
        "",
    ]
    semi = []
    for a in range(size):
        neg = np.flatnonzero(~same[a])
        for p in np.flatnonzero(same[a] & (np.arange(size) != a)):
            farther = neg[dist[a, neg] > dist[a, p]]
            n = farther[np.argmin(dist[a, farther])] if len(farther) else neg[np.argmax(dist[a, neg])]
            semi.append((a, p, n, max(dist[a, p] - dist[a, n] + margin, 0.0), len(farther) > 0))
    lines += [
        "**semi-hard**: "
        + "; ".join(
            f"$(e_{{{a + 1}}}, e_{{{p + 1}}})$: {'negative' if ok else 'no negative is farther; farthest'} "
            f"$e_{{{n + 1}}}$ ({fmt(dist[a, n], 5)}), $\\ell = {fmt(loss, 3)}$"
            for a, p, n, loss, ok in semi
        )
        + f". Mean over {len(semi)} pairs: ${fmt(answer['semi-hard'])}$.",
        "",
        (
            "Averaging over all triplets dilutes the loss with easy ones (zero loss, zero gradient); hard mining "
            "focuses on the worst case of each anchor and semi-hard mining on negatives just beyond the positive, "
            "which keeps training stable. In FaceNet the embeddings are normalised to unit length, which gives "
            "the margin its scale."
        ),
    ]
    for rule, values in (
        ("all", [t[3] for t in terms]),
        ("hard", [t[3] for t in hard]),
        ("semi-hard", [t[3] for t in semi]),
    ):
        if abs(np.mean(values) - answer[rule]) > 1e-5:
            raise RuntimeError(f"the worked {rule} loss disagrees with keras_course.identification.triplet_loss")
    spec = Parts(
        {rule: Number() for rule in RULES},
        aliases={
            "batch-hard": "hard",
            "batch hard": "hard",
            "semihard": "semi-hard",
            "semi hard": "semi-hard",
            "batch-all": "all",
            "mean": "all",
        },
    )
    return {
        "title": "Triplet loss with batch mining",
        "statement": statement,
        "answer": answer,
        "solution": "\n".join(lines),
        "spec": spec,
        "data": {"labels": plain(labels), "points": plain(points), "margin": margin},
    }
