"""Two-class 2-D data sets, generated from a seed: interleaved moons and two spirals.

Both return `(X, y)`: X of shape (n, 2), float64, the points; y of shape (n,), int64, the labels,
in {-1, +1} (the sign a classifier's score should have). Points are
shuffled; the same arguments give the same arrays.
"""

from __future__ import annotations

import numpy as np


def _split(n: int) -> tuple[int, int]:
    if n < 2:
        raise ValueError(f"n must be at least 2 (one point per class), got {n}")
    return n - n // 2, n // 2


def _finish(points: list[np.ndarray], noise: float, rng: np.random.Generator):
    """Stack the two classes (+1 first), add Gaussian noise, shuffle."""
    X = np.concatenate(points)  # (n, 2)
    y = np.concatenate([np.ones(len(points[0]), dtype=np.int64),
                        -np.ones(len(points[1]), dtype=np.int64)])  # (n,)
    X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles of radius 1, the whole centred on the origin: label +1 on
    the upper one (centre (-0.5, -0.25)), label -1 on the lower one (centre (0.5, 0.25)).
    `noise` is the standard deviation of the Gaussian noise added to each coordinate.
    Returns X (n, 2) float64 and y (n,) int64."""
    rng = np.random.default_rng(seed)
    n_pos, n_neg = _split(n)
    t_pos = rng.uniform(0.0, np.pi, n_pos)
    t_neg = rng.uniform(0.0, np.pi, n_neg)
    upper = np.stack([np.cos(t_pos) - 0.5, np.sin(t_pos) - 0.25], axis=1)  # (n_pos, 2)
    lower = np.stack([0.5 - np.cos(t_neg), 0.25 - np.sin(t_neg)], axis=1)  # (n_neg, 2)
    return _finish([upper, lower], noise, rng)


def make_spirals(n: int = 100, turns: float = 1.0, noise: float = 0.05,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two spiral arms around the origin, the second rotated by half a turn: label +1 on the
    first, -1 on the second. Each arm winds `turns` times while its radius grows from 0.1 to 1.
    Returns X (n, 2) float64 and y (n,) int64."""
    rng = np.random.default_rng(seed)
    arms = []
    for size, phase in zip(_split(n), (0.0, np.pi), strict=True):
        r = rng.uniform(0.1, 1.0, size)
        angle = 2.0 * np.pi * turns * r + phase
        arms.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))  # (size, 2)
    return _finish(arms, noise, rng)
