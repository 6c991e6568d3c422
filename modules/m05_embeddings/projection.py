"""A 2-D picture of word vectors: principal component analysis (PCA) computed with the SVD.

Centre the rows of X (n, d) (subtract the mean row) and take the singular value decomposition
X_c = U S V^T. The rows of V^T are the principal directions, orthonormal and ordered by how much
of the data's variance lies along them: the variance along direction i is S_i^2 / (n - 1), so
its share of the total is S_i^2 / sum_j S_j^2 (the explained-variance ratio). The coordinates of
the points in the first k directions are X_c V_k = U_k S_k. This is the eigen-decomposition of
the covariance matrix X_c^T X_c / (n - 1), computed without forming that matrix (Jolliffe,
"Principal Component Analysis", 2002).

A direction and its negative are equally good, and an SVD routine may return either, so we fix
the sign: the entry of largest magnitude of each direction is made positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Projection:
    """The result of `pca`: coords (n, k) of the points, components (k, d) the principal
    directions (rows of length 1), explained_variance_ratio (k,) the share of the total
    variance along each direction, largest first."""

    coords: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray


def pca(x: np.ndarray, n_components: int = 2) -> Projection:
    """Project the rows of x (n, d) on their first `n_components` principal directions.

    Works in float64. Centre x, take np.linalg.svd(centred, full_matrices=False), keep the
    first n_components rows of V^T as the components, flip each one's sign so that its entry
    of largest absolute value is positive (np.argmax of np.abs picks it), and project the
    centred rows on them. The explained-variance ratios are S_i^2 / sum of all S_j^2.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"pca needs a matrix of at least 2 rows (n, d), got shape {x.shape}")
    if not 1 <= n_components <= min(x.shape):
        raise ValueError(f"n_components must be between 1 and min(n, d) = {min(x.shape)}, "
                         f"got {n_components}")
    if np.all(x == x[0]):
        raise ValueError("every row is the same: there is no variance to project")
    # BEGIN SOLUTION 05.4
    centred = x - x.mean(axis=0)  # (n, d)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)  # (r,), (r, d)
    components = vt[:n_components]  # (k, d)
    largest = np.abs(components).argmax(axis=1)  # (k,)
    signs = np.sign(components[np.arange(n_components), largest])  # (k,)
    components = components * signs[:, None]  # (k, d)
    coords = centred @ components.T  # (n, d) @ (d, k) -> (n, k)
    variance = singular**2  # (r,)
    return Projection(coords, components, variance[:n_components] / variance.sum())
    # END SOLUTION
