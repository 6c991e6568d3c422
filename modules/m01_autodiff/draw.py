"""Drawing a computation graph of Values with matplotlib (no graphviz needed).

Layout: a node's column is its depth, the length of the longest path from a leaf to it (a leaf
stands one column before its first use), so inputs stand on the left, the output on the right, and
every arrow points right. Within a column, nodes
are ordered to sit near the nodes they connect to (a few sweeps of the barycentre heuristic of
Sugiyama et al., "Methods for visual understanding of hierarchical system structures", IEEE
Trans. SMC 11(2), 1981). Each Value is one box showing its label, data and grad; the operation
that produced it is a small round node just left of its box, with an arrow from each operand.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from modules.m01_autodiff.engine import Value

VALUE_GID, OP_GID = "value", "op"  # artist ids of the boxes and of the op nodes (tests count them)


def _unique(nodes) -> list[Value]:
    return list(dict.fromkeys(nodes))  # `a * a` lists `a` twice; draw one arrow


def graph_nodes(root: Value) -> list[Value]:
    """Every Value that `root` was computed from, and `root`, in depth-first discovery order."""
    found, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        found.append(node)
        for parent in reversed(_unique(node.parents)):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return found


def _columns(nodes: list[Value]) -> list[list[Value]]:
    """Nodes grouped by depth (longest path from a leaf), with Kahn's algorithm: a node's depth
    is final once all its parents have been processed. Leaves then move right, next to their
    first use."""
    children: dict[Value, list[Value]] = {node: [] for node in nodes}
    waiting = {node: len(_unique(node.parents)) for node in nodes}
    for node in nodes:
        for parent in _unique(node.parents):
            children[parent].append(node)
    depth = {node: 0 for node in nodes}
    ready = [node for node in nodes if waiting[node] == 0]
    while ready:
        node = ready.pop()
        for child in children[node]:
            depth[child] = max(depth[child], depth[node] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    for node in nodes:  # a leaf stands just before its first use, not far left of it
        if not node.parents and children[node]:
            depth[node] = min(depth[child] for child in children[node]) - 1
    columns: list[list[Value]] = [[] for _ in range(max(depth.values()) + 1)]
    for node in nodes:
        columns[depth[node]].append(node)
    return _order_columns(columns, children)


def _order_columns(columns: list[list[Value]], children: dict[Value, list[Value]],
                   sweeps: int = 2) -> list[list[Value]]:
    """Reorder each column by the mean row of its neighbours in the previous column (sweeping
    right), then in the next one (sweeping left), to shorten and uncross the arrows."""
    row = {node: i for column in columns for i, node in enumerate(column)}

    def resort(column: list[Value], neighbours) -> None:
        def key(node: Value) -> float:
            near = neighbours(node)
            return sum(row[n] for n in near) / len(near) if near else row[node]

        column.sort(key=key)
        row.update({node: i for i, node in enumerate(column)})

    for _ in range(sweeps):
        for column in columns[1:]:
            resort(column, lambda node: _unique(node.parents))
        for column in reversed(columns[:-1]):
            resort(column, lambda node: children[node])
    return columns


def _box_text(node: Value, show_grad: bool) -> str:
    lines = [node.label] if node.label else []
    lines.append(f"data {node.data:.4g}")
    if show_grad:
        lines.append(f"grad {node.grad:.4g}")
    return "\n".join(lines)


def draw_graph(root: Value, show_grad: bool = True, title: str | None = None, ax=None):
    """Draw the graph that ends in `root` and return the matplotlib Figure.

    One box per Value (artist gid "value"), one round node per operation (gid "op"). Without
    `ax`, a new figure is sized to the graph; a few dozen nodes stay legible.
    """
    columns = _columns(graph_nodes(root))
    height = max(len(column) for column in columns)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 2.0 * len(columns), 0.6 + 0.8 * height))
    position = {node: (float(x), (len(column) - 1) / 2 - y)
                for x, column in enumerate(columns) for y, node in enumerate(column)}
    boxes = {}
    for node, (x, y) in position.items():
        face = "#fde2c8" if node is root else ("#cfe3f5" if node.parents else "#e4f2dc")
        boxes[node] = ax.text(x, y, _box_text(node, show_grad), ha="center", va="center",
                              fontsize=7.5, family="monospace", gid=VALUE_GID, zorder=3,
                              bbox={"boxstyle": "round,pad=0.35", "facecolor": face,
                                    "edgecolor": "#333333", "linewidth": 0.8})
    arrow = {"arrowstyle": "-|>", "color": "#555555", "linewidth": 0.8, "mutation_scale": 9,
             "shrinkA": 3, "shrinkB": 2}
    for node, (x, y) in position.items():
        if not node.parents:
            continue
        op = ax.text(x - 0.5, y, node.op or "?", ha="center", va="center", fontsize=8,
                     gid=OP_GID, zorder=3,
                     bbox={"boxstyle": "circle,pad=0.25" if len(node.op) <= 3 else
                           "round,pad=0.3", "facecolor": "white", "edgecolor": "#333333",
                           "linewidth": 0.8})
        ax.annotate("", xy=(0.0, 0.5), xycoords=boxes[node], xytext=(1.0, 0.5), textcoords=op,
                    arrowprops=arrow)
        for parent in _unique(node.parents):
            ax.annotate("", xy=(0.0, 0.5), xycoords=op, xytext=(1.0, 0.5),
                        textcoords=boxes[parent], arrowprops=arrow)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-height / 2, height / 2)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure
