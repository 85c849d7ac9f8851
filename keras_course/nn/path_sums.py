"""Q5: why backpropagation, in numbers: the same gradients summed path by path, and the cost.

``path_sum_gradients`` multiplies out every path from a weight to the output on its own (the
method backprop replaces); ``path_sum_multiplications`` and ``backprop_multiplications`` count
what the two ways spend on a dense network. The number of paths grows as the product of the
layer widths; backprop's work as their sum of products, once per edge.
"""

import itertools

from keras_course.checks import check_int, describe
from keras_course.nn.autodiff import _check_network

__all__ = ["backprop_multiplications", "path_sum_gradients", "path_sum_multiplications"]


def path_sum_gradients(network, params, x):
    """``{parameter: da/dparameter}`` by summing one product per path, and its cost.

    The method backprop replaces: for the edge ``w: u -> v``,
    ``da/dw = sum over paths v -> a of u * act'_v * prod (w_e act'_e)``, each path multiplied
    out on its own. Returns ``(gradients, multiplications)``.
    """
    _check_network(network)
    nodes = network.forward(params, x)
    # act'(pre) of every unit: the local derivative of its activation, read from the graph.
    slope = {u: (nodes[u].local_grads[0] if network.units[u][0] != "linear" else 1.0) for u in network.units}
    grads, mults = {}, 0
    for w, (source, target) in network.edges.items():
        total = 0.0
        for path in network.paths(target):
            product = nodes[source].data * slope[target]
            mults += 1
            for p in path:
                product *= float(params[p]) * slope[network.edges[p][1]]
                mults += 2
            total += product
        grads[w] = total
    return grads, mults


def _layered_counts(layer_sizes):
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(f"layer_sizes must be a list of ints, got {describe(layer_sizes)}")
    if len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes must list at least two positive ints (inputs ... outputs), got {layer_sizes!r}")
    for i, n in enumerate(layer_sizes):
        check_int(f"layer_sizes[{i}]", n, minimum=1)
    if layer_sizes[-1] != 1:
        raise ValueError(f"layer_sizes must end with one output unit, got {layer_sizes[-1]}")
    # paths[k]: number of paths from one unit of layer k to the output; length[k]: their total edges.
    paths, length = [0] * len(layer_sizes), [0] * len(layer_sizes)
    paths[-1] = 1
    for k in range(len(layer_sizes) - 2, -1, -1):
        paths[k] = layer_sizes[k + 1] * paths[k + 1]
        length[k] = layer_sizes[k + 1] * (length[k + 1] + paths[k + 1])
    return paths, length


def path_sum_multiplications(layer_sizes):
    """Multiplications ``path_sum_gradients`` spends on a dense net with these layer widths."""
    paths, length = _layered_counts(layer_sizes)
    # Edge w: layer k -> k+1 has paths[k+1] paths; each costs 1 + 2 * (its number of edges).
    return sum(
        layer_sizes[k] * layer_sizes[k + 1] * (paths[k + 1] + 2 * length[k + 1]) for k in range(len(layer_sizes) - 1)
    )


def backprop_multiplications(layer_sizes):
    """Multiplications backprop spends for the same gradients: a few per edge, once.

    Per hidden unit ``delta = act' * sum_children w * delta_child`` (one product per edge
    leaving it, one for ``act'``), then ``dL/dw = u * delta`` (one per edge).
    """
    _layered_counts(layer_sizes)
    edges = sum(a * b for a, b in itertools.pairwise(layer_sizes))
    edges_from_inputs = layer_sizes[0] * layer_sizes[1]
    hidden_units = sum(layer_sizes[1:-1])
    return 2 * edges - edges_from_inputs + hidden_units
