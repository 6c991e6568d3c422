"""Seeded 2-D classification data: interleaved spiral arms, one class per arm.

No straight line separates the arms, so a linear classifier stays near chance level while a
small MLP with a hidden ReLU layer can fit them: a good first job for the Tensor.
"""

from __future__ import annotations

import numpy as np


def make_spirals(n_per_class: int = 100, n_classes: int = 3, turns: float = 0.75,
                 noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on `n_classes` spiral arms: x (N, 2) float64 in about [-1, 1]^2, y (N,) int64.

    Arm k starts at the centre and winds `turns` times around it, rotated by k / n_classes of
    a full turn; the radius grows linearly from 0 to 1 along the arm. `noise` is the standard
    deviation of the Gaussian jitter added to each point's angle, in radians. Points are grouped
    by class (N = n_per_class * n_classes); the same seed gives the same points.
    """
    if n_per_class < 1 or n_classes < 2:
        raise ValueError(f"need n_per_class >= 1 and n_classes >= 2, got {n_per_class} and "
                         f"{n_classes}")
    rng = np.random.default_rng(seed)
    along = np.linspace(0.0, 1.0, n_per_class)  # (n,) position along the arm
    xs, ys = [], []
    for k in range(n_classes):
        angle = 2 * np.pi * (k / n_classes + turns * along)  # (n,)
        angle = angle + noise * rng.standard_normal(n_per_class)
        xs.append(np.stack([along * np.cos(angle), along * np.sin(angle)], axis=1))  # (n, 2)
        ys.append(np.full(n_per_class, k, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)
