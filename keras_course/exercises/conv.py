"""Exercises of the convolution chapter: conv2d, max-pooling, padding, the receptive field."""

import numpy as np

from keras_course.exercises.base import Case, Exercise, Slip, float_arrays, library


def _same(size, k, s):
    """TensorFlow's "same" padding along one axis: (before, after), the odd pixel after."""
    total = max((-(-size // s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _conv(flip=False, odd_before=False, symmetric=False):
    def conv2d(x, kernel, stride=1, padding="valid"):
        kh, kw = kernel.shape[:2]
        if padding == "same":
            (top, bottom), (left, right) = _same(x.shape[0], kh, stride), _same(x.shape[1], kw, stride)
            if odd_before:
                top, bottom, left, right = bottom, top, right, left
            if symmetric:
                top = bottom = kh // 2
                left = right = kw // 2
            x = np.pad(x, ((top, bottom), (left, right), (0, 0)))
        k = kernel[::-1, ::-1] if flip else kernel
        ho, wo = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1
        out = np.zeros((ho, wo, kernel.shape[3]))
        for i in range(ho):
            for j in range(wo):
                patch = x[i * stride : i * stride + kh, j * stride : j * stride + kw]
                out[i, j] = np.einsum("ijc,ijct->t", patch, k)
        return out

    return conv2d


def _conv_kwargs(st, hnp):
    def build(s):
        h, w, c, t, kh, kw, stride, padding = s
        return st.fixed_dictionaries(
            {
                "x": float_arrays(hnp, st, (h, w, c)),
                "kernel": float_arrays(hnp, st, (kh, kw, c, t)),
                "stride": st.just(stride),
                "padding": st.just(padding),
            }
        )

    sizes = st.tuples(
        st.integers(3, 6),
        st.integers(3, 6),
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 2),
        st.sampled_from(["valid", "same"]),
    )
    return sizes.flatmap(build)


_IMG = np.arange(25.0).reshape(5, 5, 1) % 7 - 3
_K = np.array([[1.0, 2, 0], [0, -1, 0], [0, 0, 3]]).reshape(3, 3, 1, 1)
CONV2D = Exercise(
    name="conv2d",
    title="A convolution layer's forward pass, with stride and padding",
    questions=(7, 8),
    function="conv2d",
    signature='conv2d(x, kernel, stride=1, padding="valid")',
    statement=r"""Cross-correlate an image `x` (H, W, C) with `T` filters `kernel` (kh, kw, C, T), as conv
layers do (no kernel flip):

$$\mathrm{out}(y, x, t) = \sum_{i=0}^{k_h-1} \sum_{j=0}^{k_w-1} \sum_{c} k_t(i, j, c)\; \mathrm{in}(s y + i,\; s x + j,\; c)$$

with stride $s$. `padding="valid"`: no padding, $\lfloor (H - k_h)/s \rfloor + 1$ rows.
`padding="same"`: zeros around the image so there are $\lceil H / s \rceil$ rows; the total
padding is $\max((\lceil H/s \rceil - 1) s + k_h - H, 0)$, half before and the odd pixel after
(TensorFlow's convention); the same along W. Output (Ho, Wo, T).""",
    example=">>> conv2d(np.arange(9.).reshape(3, 3, 1), np.ones((2, 2, 1, 1)))[..., 0]\n"
    "array([[ 8., 12.],\n       [20., 24.]])",
    hints=[
        (
            "Loop over the kernel offsets (i, j) and slice the image with step `stride`: "
            "`x[i : i + s * (Ho - 1) + 1 : s, ...]`."
        ),
        "`np.einsum('yxc,ct->yxt', patch, kernel[i, j])` sums over the channels.",
    ],
    reference=lambda: library("keras_course.conv.convolution", "conv2d"),
    cases=[
        Case("one channel, valid", {"x": _IMG, "kernel": _K}),
        Case("stride 2, odd size, valid", {"x": _IMG, "kernel": _K, "stride": 2}),
        Case("same padding, stride 1", {"x": _IMG, "kernel": _K, "padding": "same"}),
        Case(
            "stride 2, even size, same",
            {"x": np.arange(36.0).reshape(6, 6, 1) % 5, "kernel": _K, "stride": 2, "padding": "same"},
        ),
        Case(
            "two channels, three filters",
            {"x": np.arange(32.0).reshape(4, 4, 2) % 3 - 1, "kernel": np.arange(24.0).reshape(2, 2, 2, 3) % 4 - 2},
        ),
        Case(
            "a 2x3 kernel, stride 2, same",
            {
                "x": np.arange(35.0).reshape(5, 7, 1) % 4,
                "padding": "same",
                "kernel": np.array([[1.0, 0, -1], [2, 0, 1]]).reshape(2, 3, 1, 1),
                "stride": 2,
            },
        ),
    ],
    random=_conv_kwargs,
    slips=[
        Slip(
            "kernel flipped",
            "you computed a true convolution (kernel flipped in both axes); conv layers "
            "cross-correlate: k(i, j) multiplies in(y + i, x + j)",
            _conv(flip=True),
        ),
        Slip(
            "odd padding pixel before",
            "with an odd total padding the extra row/column goes after (bottom/right), as TensorFlow pads",
            _conv(odd_before=True),
        ),
        Slip(
            "k // 2 on both sides",
            "'same' padding was k // 2 on every side (PyTorch's padding=k//2); with "
            "stride 2 and an even size TensorFlow pads less at the top/left",
            _conv(symmetric=True),
        ),
    ],
)


def _pool(stride_one=False, zero_pad=False, ceil=False):
    def max_pool2d(x, pool_size, stride=None, padding="valid"):
        s = (1 if stride_one else pool_size) if stride is None else stride
        h, w = x.shape[:2]
        if padding == "same":
            (top, bottom), (left, right) = _same(h, pool_size, s), _same(w, pool_size, s)
            x = np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=0.0 if zero_pad else -np.inf)
        elif ceil:
            ho, wo = -(-(h - pool_size) // s) + 1, -(-(w - pool_size) // s) + 1
            x = np.pad(
                x,
                ((0, (ho - 1) * s + pool_size - h), (0, (wo - 1) * s + pool_size - w), (0, 0)),
                constant_values=-np.inf,
            )
        ho, wo = (x.shape[0] - pool_size) // s + 1, (x.shape[1] - pool_size) // s + 1
        return np.array(
            [
                [x[i * s : i * s + pool_size, j * s : j * s + pool_size].max(axis=(0, 1)) for j in range(wo)]
                for i in range(ho)
            ]
        ).reshape(ho, wo, x.shape[2])

    return max_pool2d


_P = (np.arange(30.0).reshape(5, 6, 1) * 7) % 11 - 8
MAX_POOL = Exercise(
    name="max_pool2d",
    title="Max-pooling with stride and padding",
    questions=(11,),
    function="max_pool2d",
    signature='max_pool2d(x, pool_size, stride=None, padding="valid")',
    statement=r"""The maximum over each `pool_size` x `pool_size` window of `x` (H, W, C), per channel:

$$\mathrm{out}(y, x, c) = \max_{0 \le i, j < p} \mathrm{in}(s y + i,\; s x + j,\; c) .$$

`stride=None` means `stride = pool_size` (windows side by side). `"valid"` drops windows that
stick out: $\lfloor (H - p)/s \rfloor + 1$ rows. `"same"` gives $\lceil H/s \rceil$ rows, padding as a
"same" convolution does (the odd pixel after) with $-\infty$, which never wins the max.""",
    example=">>> max_pool2d(np.arange(16.).reshape(4, 4, 1), 2)[..., 0]\narray([[ 5.,  7.],\n       [13., 15.]])",
    hints=[
        "Pad with `-np.inf`, not 0: the inputs may all be negative.",
        "`np.maximum` over the p x p strided slices, as in conv2d.",
    ],
    reference=lambda: library("keras_course.conv.pooling", "max_pool2d"),
    cases=[
        Case("2x2, default stride", {"x": _P[:4, :4], "pool_size": 2}),
        Case("odd size 5x6, 2x2, valid", {"x": _P, "pool_size": 2}),
        Case("3x3, stride 2, negative inputs, same", {"x": _P - 10, "pool_size": 3, "stride": 2, "padding": "same"}),
        Case(
            "2x2, stride 1, two channels",
            {"x": np.stack([_P[:3, :3, 0], -_P[:3, :3, 0]], -1), "pool_size": 2, "stride": 1},
        ),
    ],
    random=lambda st, hnp: (
        st.tuples(
            st.integers(2, 6),
            st.integers(2, 6),
            st.integers(1, 2),
            st.integers(1, 3),
            st.sampled_from([None, 1, 2]),
            st.sampled_from(["valid", "same"]),
        )
        .filter(lambda s: s[3] <= min(s[0], s[1]))
        .flatmap(
            lambda s: st.fixed_dictionaries(
                {
                    "x": float_arrays(hnp, st, s[:3], -9, 0),
                    "pool_size": st.just(s[3]),
                    "stride": st.just(s[4]),
                    "padding": st.just(s[5]),
                }
            )
        )
    ),
    slips=[
        Slip(
            "stride 1 by default",
            "stride=None means stride = pool_size (non-overlapping windows), not 1",
            _pool(stride_one=True),
        ),
        Slip(
            "zero padding",
            "'same' padding was 0; with negative inputs 0 wins the max. Pad with -inf",
            _pool(zero_pad=True),
        ),
        Slip(
            "ceil in valid mode", "'valid' keeps only windows that fit: floor((H - p) / s) + 1 rows", _pool(ceil=True)
        ),
    ],
)


def _pad(symmetric=False, swap=False, wrap=False):
    def pad2d(x, pad, mode):
        if mode == "zeros":
            return np.pad(x, pad)
        if swap:
            mode = "replicate" if mode == "reflect" else "reflect"
        if wrap:
            return np.pad(x, pad, mode="wrap")
        return np.pad(x, pad, mode={"reflect": "symmetric" if symmetric else "reflect", "replicate": "edge"}[mode])

    return pad2d


_PAD_X = np.arange(12.0).reshape(3, 4)
PAD2D = Exercise(
    name="pad2d",
    title="Zero, reflect and replicate padding",
    questions=(12,),
    function="pad2d",
    signature="pad2d(x, pad, mode)",
    statement=r"""Pad an image `x` (H, W) by `pad` pixels on every side: the result is
(H + 2 pad, W + 2 pad). Along a row `a b c d`, with pad 2:

- `"zeros"`: `0 0 | a b c d | 0 0`;
- `"reflect"`: mirror about the edge pixel, which is not repeated: `c b | a b c d | c b`
  (needs pad $\le$ size - 1);
- `"replicate"`: repeat the edge pixel: `a a | a b c d | d d`.

Pad the rows, then the columns (the corners follow).""",
    example='>>> pad2d(np.array([[1., 2., 3.], [4., 5., 6.]]), 1, "reflect")\narray([[5., 4., 5., 6., 5.],\n'
    "       [2., 1., 2., 3., 2.],\n       [5., 4., 5., 6., 5.],\n       [2., 1., 2., 3., 2.]])",
    hints=[
        "Write it as index maps: which input row each padded row copies.",
        "Reflect: index -1 copies row 1; replicate: index -1 copies row 0.",
    ],
    reference=lambda: library("keras_course.conv.padding", "pad2d"),
    cases=[
        Case(f"{mode}, pad {p}", {"x": _PAD_X, "pad": p, "mode": mode})
        for mode in ("zeros", "reflect", "replicate")
        for p in (1, 2)
    ]
    + [Case("replicate, a single column, pad 3", {"x": np.array([[1.0], [2.0]]), "pad": 3, "mode": "replicate"})],
    random=lambda st, hnp: (
        st.tuples(
            st.integers(1, 5), st.integers(1, 5), st.integers(0, 3), st.sampled_from(["zeros", "reflect", "replicate"])
        )
        .filter(lambda s: s[3] != "reflect" or s[2] <= min(s[0], s[1]) - 1)
        .flatmap(
            lambda s: st.fixed_dictionaries(
                {"x": float_arrays(hnp, st, s[:2], 0, 9), "pad": st.just(s[2]), "mode": st.just(s[3])}
            )
        )
    ),
    slips=[
        Slip(
            "edge repeated in reflect",
            "reflect mirrors without repeating the edge (c b | a b c); you "
            "repeated it (b a | a b c, NumPy's 'symmetric')",
            _pad(symmetric=True),
        ),
        Slip("reflect and replicate swapped", "replicate repeats the edge pixel; reflect mirrors", _pad(swap=True)),
        Slip("wrap-around", "the padding copied the opposite side of the image (circular padding)", _pad(wrap=True)),
    ],
)


def _field(jump_from="before", multiply=False, no_dilation=False):
    def receptive_field(layers):
        size, jump, out = 1, 1, []
        for spec in layers:
            k, s, d = (*spec, 1)[:3]
            span = k if no_dilation else d * (k - 1) + 1
            if multiply:
                size *= span
            else:
                size += (span - 1) * (jump * s if jump_from == "after" else jump)
            jump *= s
            out.append((size, jump))
        return out

    return receptive_field


def _field_reference():
    receptive_field = library("keras_course.conv.receptive_field", "receptive_field")
    return lambda layers: [(f.size, f.jump) for f in receptive_field([tuple(spec) for spec in layers])]


RECEPTIVE_FIELD = Exercise(
    name="receptive_field",
    title="The receptive-field recurrence of a conv stack",
    questions=(9, 10, 11),
    function="receptive_field",
    signature="receptive_field(layers)",
    statement=r"""`layers` is a list of `(kernel_size, stride, dilation)` tuples (conv or pooling layers,
square, along one axis). Return a list with one `(size, jump)` pair per layer: `size` is the
receptive field of one output of that layer in input pixels, `jump` the distance in input
pixels between neighbouring outputs. With the dilated span $f_k = d_k (k_k - 1) + 1$:

$$\mathrm{size}_k = \mathrm{size}_{k-1} + (f_k - 1)\, \mathrm{jump}_{k-1}, \qquad \mathrm{jump}_k = \mathrm{jump}_{k-1}\, s_k,$$

from $\mathrm{size}_0 = \mathrm{jump}_0 = 1$ (the notes' $l_k = l_{k-1} + (f_k - 1) \prod_{i<k} s_i$).""",
    example=">>> receptive_field([(3, 2, 1), (3, 2, 1)])\n[(3, 2), (7, 4)]",
    hints=[
        "The kernel of layer k steps over outputs of layer k - 1, which are jump_{k-1} input pixels apart.",
        "Update `size` before `jump`.",
    ],
    reference=_field_reference,
    normalize=lambda out: [tuple(int(v) for v in pair) for pair in out],
    cases=[
        Case("two 3x3 stride-2 convolutions (Q10)", {"layers": [(3, 2, 1), (3, 2, 1)]}),
        Case("two 2x2 poolings", {"layers": [(2, 2, 1), (2, 2, 1)]}),
        Case("LeNet: 5x5 conv, 2x2 pool, 5x5 conv, 2x2 pool", {"layers": [(5, 1, 1), (2, 2, 1), (5, 1, 1), (2, 2, 1)]}),
        Case("a dilated 3x3 after a stride-3 conv", {"layers": [(3, 3, 1), (3, 1, 2), (1, 1, 1)]}),
    ],
    random=lambda st, hnp: st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=5
    ).map(lambda layers: {"layers": layers}),
    slips=[
        Slip(
            "the layer's own stride",
            "size grows by (f_k - 1) times the jump *before* layer k, not including its own stride",
            _field(jump_from="after"),
        ),
        Slip(
            "sizes multiplied", "receptive fields add (f_k - 1) jump_{k-1}; they do not multiply", _field(multiply=True)
        ),
        Slip("dilation ignored", "a dilated kernel spans d (k - 1) + 1 pixels", _field(no_dilation=True)),
    ],
)

EXERCISES = [CONV2D, MAX_POOL, PAD2D, RECEPTIVE_FIELD]
