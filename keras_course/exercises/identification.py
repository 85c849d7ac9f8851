"""Exercise of the identification chapter (Q32): the triplet loss with all / hard / semi-hard mining."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, library


def _triplet_reference():
    triplet_loss = library("keras_course.identification.triplet", "triplet_loss")

    def loss(labels, embeddings, margin, mining):
        return float(
            triplet_loss(
                np.asarray(labels),
                np.asarray(embeddings, np.float64),
                margin=margin,
                mining=mining,
                distance="euclidean",
            )
        )

    return loss


def _triplet(active_only=False, squared=False, farthest_negative=False, closest_fallback=False, hinge=True):
    def triplet_loss(labels, embeddings, margin, mining):
        labels, e = np.asarray(labels), np.asarray(embeddings, float)
        d = ((e[:, None] - e[None]) ** 2).sum(-1)
        d = d if squared else np.sqrt(d)
        same = labels[:, None] == labels[None]
        pos, neg = same & ~np.eye(len(labels), dtype=bool), ~same
        relu = (lambda v: max(v, 0.0)) if hinge else (lambda v: v)
        values = []
        for a in range(len(labels)):
            if mining == "hard":
                if pos[a].any() and neg[a].any():
                    n = d[a][neg[a]].max() if farthest_negative else d[a][neg[a]].min()
                    values.append(relu(d[a][pos[a]].max() - n + margin))
                continue
            for p in np.flatnonzero(pos[a]):
                if mining == "all":
                    values += [relu(d[a, p] - d[a, n] + margin) for n in np.flatnonzero(neg[a])]
                else:
                    farther = d[a][neg[a] & (d[a] > d[a, p])]
                    n = (
                        farther.min()
                        if len(farther)
                        else (d[a][neg[a]].min() if closest_fallback else d[a][neg[a]].max())
                    )
                    values.append(relu(d[a, p] - n + margin))
        if active_only:
            values = [v for v in values if v > 0]
        return float(np.mean(values)) if values else 0.0

    return triplet_loss


def _labels_embeddings(st, hnp):
    def build(s):
        b, dim = s
        labels = st.lists(st.integers(0, 2), min_size=b, max_size=b).filter(lambda ls: len(set(ls)) >= 2)
        return st.fixed_dictionaries(
            {
                "labels": labels.map(np.array),
                "embeddings": hnp.arrays(np.float64, (b, dim), elements=st.integers(-2, 2).map(float)),
                "margin": st.sampled_from([0.0, 0.5, 1.0]),
                "mining": st.sampled_from(["all", "hard", "semi-hard"]),
            }
        )

    return st.tuples(st.integers(2, 6), st.integers(1, 3)).flatmap(build)


_LAB = np.array([0, 0, 1, 1, 2, 0])
_EMB = np.array([[0.0, 0], [1, 0], [0, 2], [3, 1], [-1, -1], [0, 1]])
TRIPLET = Exercise(
    name="triplet_loss",
    title="The triplet loss with all, hard and semi-hard mining",
    questions=(32,),
    function="triplet_loss",
    signature="triplet_loss(labels, embeddings, margin, mining)",
    statement=r"""`labels` (B,) are identities, `embeddings` (B, D); $d$ is the Euclidean distance. For an
anchor $a$, a positive $p \ne a$ with $y_p = y_a$ and a negative $n$ with $y_n \ne y_a$,

$$\ell(a, p, n) = \left[ d(a, p) - d(a, n) + \mathrm{margin} \right]_+ .$$

Return one float:

- `"all"`: the mean of $\ell$ over every valid triplet, zero-loss (easy) ones included;
- `"hard"`: for each anchor with a positive and a negative,
  $[\max_p d(a, p) - \min_n d(a, n) + \mathrm{margin}]_+$, averaged over those anchors;
- `"semi-hard"` (FaceNet, as TF Addons): for each positive pair $(a, p)$ the negative is the
  closest one *farther* than $p$, $\min \{ d(a, n) : d(a, n) > d(a, p) \}$, or when there is none
  the farthest negative; the mean of $\ell$ over the positive pairs.

No triplet (e.g. one identity): 0.""",
    example='>>> triplet_loss(np.array([0, 0, 1]), np.array([[0.], [1.], [3.]]), 0.5, "all")\n0.0\n'
    '>>> triplet_loss(np.array([0, 0, 1]), np.array([[0.], [2.], [1.]]), 0.5, "hard")\n1.5',
    hints=[
        "Compute the (B, B) distance matrix once, with masks `same = labels[:, None] == labels[None]`.",
        "The anchor is not its own positive: remove the diagonal from `same`.",
    ],
    reference=_triplet_reference,
    cases=[
        Case(f"six embeddings, three identities, {m}", {"labels": _LAB, "embeddings": _EMB, "margin": 0.5, "mining": m})
        for m in ("all", "hard", "semi-hard")
    ]
    + [
        Case(
            "semi-hard with no farther negative",
            {
                "labels": np.array([0, 0, 1]),
                "embeddings": np.array([[0.0], [5.0], [1.0]]),
                "margin": 0.2,
                "mining": "semi-hard",
            },
        ),
        Case(
            "one identity: no triplet",
            {"labels": np.array([1, 1, 1]), "embeddings": _EMB[:3], "margin": 0.5, "mining": "all"},
        ),
    ],
    random=_labels_embeddings,
    slips=[
        Slip(
            "mean over active triplets only",
            "batch-all averages over all valid triplets, easy (zero) ones included",
            _triplet(active_only=True),
        ),
        Slip("squared distance", "d is the Euclidean distance here, not its square", _triplet(squared=True)),
        Slip(
            "hardest negative is the farthest",
            "batch-hard takes the *closest* negative, min_n d(a, n)",
            _triplet(farthest_negative=True),
        ),
        Slip(
            "semi-hard fallback to the closest negative",
            "with no negative farther than p, semi-hard takes the farthest negative (the easiest), not the closest",
            _triplet(closest_fallback=True),
        ),
        Slip("no hinge", "negative terms must be clipped at 0: [ . ]_+", _triplet(hinge=False)),
    ],
    rtol=1e-6,
    atol=1e-7,
)

EXERCISES = [TRIPLET]
