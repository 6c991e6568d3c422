"""Drawings for Module 02's notebook and doc page: broadcasting, strides, decision boundaries.

Every function draws into a matplotlib Axes it is given, so the notebook shows it inline and
scripts/make_figures.py saves the same picture as a PNG.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


def _grid(ax: Axes, x: float, y: float, values: np.ndarray, color: str, cell: float = 0.6,
          faded: np.ndarray | None = None) -> None:
    """Draw a 2-D array as a grid of labelled cells with its top-left corner at (x, y).

    Cells where `faded` is True are drawn pale: copies that broadcasting made.
    """
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            pale = faded is not None and faded[r, c]
            ax.add_patch(Rectangle((x + c * cell, y - (r + 1) * cell), cell, cell,
                                   facecolor=color, alpha=0.35 if pale else 1.0,
                                   edgecolor="#333333", linewidth=0.8))
            ax.text(x + (c + 0.5) * cell, y - (r + 0.5) * cell, f"{values[r, c]:g}",
                    ha="center", va="center", fontsize=9, color="#777777" if pale else "black")


def draw_broadcasting(ax: Axes) -> None:
    """a (3, 1) + b (1, 4) -> c (3, 4) forward, and the un-broadcasting sums in backward."""
    a = np.array([[1.0], [2.0], [3.0]])  # (3, 1)
    b = np.array([[10.0, 20.0, 30.0, 40.0]])  # (1, 4)
    grad = np.array([[1.0, 0.0, 2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 1.0, 0.0, 1.0]])  # (3, 4)
    cell = 0.6
    blue, green, orange = "#cfe3f5", "#d8f0d2", "#fbe3c5"

    ax.text(0.0, 4.3, "forward:  c = a + b", fontsize=11, weight="bold")
    copies_of_a = np.arange(4)[None, :] > 0  # (1, 4): columns 1-3 are copies of column 0
    copies_of_b = np.arange(3)[:, None] > 0  # (3, 1): rows 1-2 are copies of row 0
    _grid(ax, 0.0, 3.6, np.repeat(a, 4, axis=1), blue, cell, faded=np.repeat(copies_of_a, 3, 0))
    ax.text(1.2, 1.45, "a (3, 1)\nrepeated along axis 1", ha="center", va="top", fontsize=9)
    ax.text(2.75, 2.7, "+", fontsize=16, ha="center", va="center")
    _grid(ax, 3.3, 3.6, np.repeat(b, 3, axis=0), green, cell, faded=np.repeat(copies_of_b, 4, 1))
    ax.text(4.5, 1.45, "b (1, 4)\nrepeated along axis 0", ha="center", va="top", fontsize=9)
    ax.text(6.05, 2.7, "=", fontsize=16, ha="center", va="center")
    _grid(ax, 6.6, 3.6, a + b, orange, cell)
    ax.text(7.8, 1.45, "c (3, 4)", ha="center", va="top", fontsize=9)

    ax.text(0.0, 0.3, "backward:  each copy passes its gradient back, so the copies' gradients "
            "add up", fontsize=11, weight="bold")
    _grid(ax, 6.6, -0.4, grad, orange, cell)
    ax.text(7.8, -2.3, "dL/dc (3, 4)", ha="center", va="top", fontsize=9)
    arrow = {"arrowstyle": "-|>", "color": "#333333"}
    ax.annotate("", xy=(5.8, -0.7), xytext=(6.5, -0.7), arrowprops=arrow)
    ax.text(6.15, -1.15, "sum\naxis 0", ha="center", va="top", fontsize=8.5)
    _grid(ax, 3.3, -0.4, grad.sum(axis=0, keepdims=True), green, cell)
    ax.text(4.5, -1.15, "dL/db (1, 4)", ha="center", va="top", fontsize=9)
    ax.annotate("", xy=(0.75, -1.9), xytext=(6.5, -1.9), arrowprops=arrow)
    ax.text(3.6, -1.95, "sum axis 1, keepdims", ha="center", va="top", fontsize=8.5)
    _grid(ax, 0.0, -0.4, grad.sum(axis=1, keepdims=True), blue, cell)
    ax.text(0.3, -2.3, "dL/da (3, 1)", ha="center", va="top", fontsize=9)

    ax.set_xlim(-0.2, 9.3)
    ax.set_ylim(-3.0, 4.7)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_strides(ax: Axes, base: torch.Tensor, views: dict[str, torch.Tensor]) -> None:
    """Draw the storage of a 1-D contiguous `base` as a strip, and each 2-D view of it as a grid
    whose cells carry the colour of the storage slot they read.

    A view's element [i, j] is storage[offset + i * stride[0] + j * stride[1]].
    """
    if base.ndim != 1 or not base.is_contiguous():
        raise ValueError("draw_strides needs the 1-D contiguous tensor that owns the storage")
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, 20))[: base.numel()]
    cell, x = 0.6, 0.0
    for name, view in views.items():
        if view.ndim != 2 or view.untyped_storage().data_ptr() != \
                base.untyped_storage().data_ptr():
            raise ValueError(f"{name} must be a 2-D view of the base tensor")
        rows, cols = view.shape
        offset = view.storage_offset()
        for i in range(rows):
            for j in range(cols):
                slot = offset + i * view.stride(0) + j * view.stride(1)
                ax.add_patch(Rectangle((x + j * cell, -(i + 1) * cell), cell, cell,
                                       facecolor=colors[slot], edgecolor="#333333"))
                ax.text(x + (j + 0.5) * cell, -(i + 0.5) * cell, f"{base[slot].item():g}",
                        ha="center", va="center", fontsize=9)
        ax.text(x, 0.25, f"{name}\nshape {tuple(view.shape)}\nstride {view.stride()}, "
                f"offset {offset}", fontsize=9, va="bottom")
        x += max(cols * cell, 2.2) + 0.6
    strip_y = -4 * cell - 0.2
    for slot in range(base.numel()):
        ax.add_patch(Rectangle((slot * cell, strip_y), cell, cell, facecolor=colors[slot],
                               edgecolor="#333333"))
        ax.text((slot + 0.5) * cell, strip_y + cell / 2, f"{base[slot].item():g}", ha="center",
                va="center", fontsize=9)
        ax.text((slot + 0.5) * cell, strip_y - 0.1, str(slot), ha="center", va="top",
                fontsize=7, color="#555555")
    ax.text(0.0, strip_y - 0.45, "storage (one block of memory; slot numbers below)",
            fontsize=9, va="top")
    ax.set_xlim(-0.2, max(x, base.numel() * cell) + 0.2)
    ax.set_ylim(strip_y - 1.0, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_decision_boundary(ax: Axes, predict: Callable[[np.ndarray], np.ndarray],
                           x: np.ndarray, y: np.ndarray, resolution: int = 200) -> None:
    """Colour the plane by `predict` (points (M, 2) -> classes (M,)) and scatter (x, y) on it."""
    n_classes = int(y.max()) + 1
    low, high = x.min(axis=0) - 0.15, x.max(axis=0) + 0.15
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution),
                                 np.linspace(low[1], high[1], resolution))
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (resolution^2, 2)
    classes = predict(points).reshape(grid_x.shape)
    colors = ListedColormap(CLASS_COLORS[:n_classes])
    ax.contourf(grid_x, grid_y, classes, levels=np.arange(n_classes + 1) - 0.5, cmap=colors,
                alpha=0.25)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap=colors, vmin=-0.5, vmax=n_classes - 0.5, s=12,
               edgecolors="white", linewidths=0.4)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
