"""Plots of 2-D two-class data and of a classifier's decision boundary (used by the notebook and
by scripts/make_figures.py)."""

from __future__ import annotations

import numpy as np

from modules.m01_autodiff.nn import MLP
from modules.m01_autodiff.train import scores_of


def plot_points(ax, X: np.ndarray, y: np.ndarray, title: str = "") -> None:
    """Scatter X (n, 2) coloured by y in {-1, +1}: +1 red, -1 blue."""
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=-1, vmax=1, edgecolors="k", s=25)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)


def plot_decision_boundary(ax, model: MLP, X: np.ndarray, y: np.ndarray,
                           resolution: int = 50) -> None:
    """Shade where the model's score is positive (red) or not (blue) on a resolution x resolution
    grid around X, draw the boundary (score = 0), and the points on top. Costs resolution**2
    forward passes of the scalar MLP."""
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, resolution)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)  # (resolution, resolution) each
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (resolution**2, 2)
    scores = np.array([s.data for s in scores_of(model, points)]).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, scores, levels=[-np.inf, 0, np.inf], colors=["#bcd4f0", "#f4c6b8"])
    ax.contour(grid_x, grid_y, scores, levels=[0], colors="k", linewidths=1)
    plot_points(ax, X, y)
