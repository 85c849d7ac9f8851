"""The problems' figures, drawn on a ``matplotlib.figure.Figure`` (no pyplot, no global state)."""

import numpy as np

RED, GREY, BLUE = "#c0392b", "#7f8c8d", "#2c6fbb"
CLASS_COLOURS = ("#f4f1de", "#3d85c6", "#e07a5f", "#81b29a", "#f2cc8f")


def _label(name):
    return f"${name[0]}_{{{name[1:]}}}$" if len(name) > 1 else f"${name}$"


def draw_network(fig, layers, units, highlight, loss):
    """A layered network: units as circles, each edge with its weight's name, ``highlight`` in red."""
    ax = fig.subplots()
    pos = {}
    for depth, names in enumerate(layers):
        for k, name in enumerate(names):
            pos[name] = (depth, (len(names) - 1) / 2 - k)
    placed = []
    for unit, (_act, edges) in units.items():
        for source, param in edges.items():
            (x0, y0), (x1, y1) = pos[source], pos[unit]
            hot = param == highlight
            ax.plot([x0, x1], [y0, y1], color=RED if hot else GREY, lw=2.6 if hot else 1.1, zorder=1)
            # next to the unit the weight feeds (as in z = f(sum w x)), away from other labels
            spots = [
                (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                for t in (0.7, 0.65, 0.75, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3)
            ]
            spot = next(
                (
                    s
                    for s in spots
                    if all(abs(s[0] - a) > 0.2 or abs(s[1] - b) > 0.16 for a, b in placed)
                    and all(abs(s[0] - a) > 0.3 or abs(s[1] - b) > 0.27 for a, b in pos.values())
                ),
                spots[0],
            )
            placed.append(spot)
            ax.text(
                *spot,
                _label(param),
                ha="center",
                va="center",
                fontsize=10,
                color=RED if hot else "black",
                fontweight="bold" if hot else "normal",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
                zorder=3,
            )
    for name, (x, y) in pos.items():
        ax.add_patch(_circle((x, y), 0.17, "#fdf6e3" if name in layers[0] else "#eaf2fb"))
        ax.text(x, y, _label(name), ha="center", va="center", fontsize=12, zorder=5)
        if name in units and units[name][0] != "linear":
            ax.text(x, y - 0.27, units[name][0], ha="center", va="top", fontsize=8, color=BLUE, zorder=5)
    xa, ya = pos["a"]
    ax.text(xa + 0.3, ya, f"${loss}$", ha="left", va="center", fontsize=10)
    ax.set_xlim(-0.4, len(layers) - 0.4 + 1.3)
    height = max(len(n) for n in layers)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.1)
    fig.set_size_inches(6.4, 6.4 * (height + 0.3) / (len(layers) + 1.3) + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")


def _circle(centre, radius, colour):
    from matplotlib.patches import Circle

    return Circle(centre, radius, fc=colour, ec="black", lw=1.0, zorder=4)


def draw_layer_stack(fig, levels, names):
    """A 1-D receptive-field picture: one row of cells per level (input at the bottom).

    ``levels``: for each level, ``(cells, covered)`` - the number of cells and the (first, last)
    cells of that level that the top output sees. ``names``: one label per level.
    """
    ax = fig.subplots()
    widest = max(cells for cells, _ in levels)
    for row, ((cells, (first, last)), name) in enumerate(zip(levels, names, strict=True)):
        offset = (widest - cells) / 2
        for c in range(cells):
            seen = first <= c <= last
            top = row == len(levels) - 1 and seen
            ax.add_patch(_rect((offset + c, row * 1.6), RED if top else ("#f5b7b1" if seen else "white")))
        ax.text(-0.8, row * 1.6 + 0.45, name, ha="right", va="center", fontsize=9)
        if row < len(levels) - 1:
            note = f"receptive field: {last - first + 1}" if row == 0 else f"{last - first + 1} seen"
            ax.text(
                offset + cells + 0.4,
                row * 1.6 + 0.45,
                note,
                ha="left",
                va="center",
                fontsize=8,
                color="black" if row == 0 else GREY,
            )
    left, right, top = -0.8 - 0.5 * max(len(n) for n in names), widest + 8, len(levels) * 1.6
    ax.set_xlim(left, right)
    ax.set_ylim(-0.4, top)
    fig.set_size_inches(6.4, 0.3 + 6.4 * (top + 0.4) / (right - left))
    ax.set_aspect("equal")
    ax.axis("off")


def _rect(corner, colour, size=0.9):
    from matplotlib.patches import Rectangle

    return Rectangle(corner, size, size, fc=colour, ec="black", lw=0.6)


def draw_masks(fig, maps, titles, num_classes):
    """Class maps side by side, each cell coloured by class and labelled with its class id."""
    from matplotlib.colors import ListedColormap

    axes = fig.subplots(1, len(maps))
    cmap = ListedColormap(CLASS_COLOURS[:num_classes])
    for ax, grid, title in zip(np.atleast_1d(axes), maps, titles, strict=True):
        grid = np.asarray(grid)
        ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=num_classes - 0.5)
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=11)
        ax.set_xticks(np.arange(-0.5, grid.shape[1]), minor=True)
        ax.set_yticks(np.arange(-0.5, grid.shape[0]), minor=True)
        ax.grid(which="minor", color="black", lw=0.6)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title, fontsize=11)


def draw_boxes(fig, size, boxes, labels, colours, ground_truth=(), gt_labels=()):
    """Boxes (x1, y1, x2, y2) on an image of ``size`` (width, height), y pointing down."""
    from matplotlib.patches import Rectangle

    ax = fig.subplots()
    for box, label in zip(ground_truth, gt_labels, strict=True):
        x1, y1, x2, y2 = box
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="#2e7d32", lw=2.4, ls="--"))
        ax.text(x1 + 0.5, y2 - 0.5, label, color="#2e7d32", fontsize=9, va="bottom", ha="left", fontweight="bold")
    placed = []  # label corners so far: boxes sharing a corner get their labels one under another
    for box, label, colour in zip(boxes, labels, colours[: len(boxes)], strict=True):  # a palette to spare
        x1, y1, x2, y2 = box
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=colour, lw=1.8))
        spot = [x1 + 0.5, y1 + 0.5]
        while any(abs(spot[0] - x) < 0.9 * len(label) and abs(spot[1] - y) < 2.4 for x, y in placed):
            spot[1] += 2.4
        placed.append(tuple(spot))
        ax.text(
            *spot,
            label,
            color=colour,
            fontsize=9,
            va="top",
            ha="left",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    width, height = size
    every = np.concatenate([np.reshape(boxes, (-1, 4)), np.reshape(ground_truth, (-1, 4))])
    x0, y0 = max(0, every[:, 0].min() - 4), max(0, every[:, 1].min() - 4)
    x1, y1 = min(width, every[:, 2].max() + 4), min(height, every[:, 3].max() + 4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(_ticks())
    ax.yaxis.set_major_locator(_ticks())
    ax.grid(color="#dddddd", lw=0.5)
    ax.tick_params(labelsize=8)


def _ticks():
    from matplotlib.ticker import MultipleLocator

    return MultipleLocator(5)
