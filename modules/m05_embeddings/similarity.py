"""Cosine similarity and nearest neighbours: which words have vectors that point the same way.

cos(u, v) = u . v / (|u| |v|) is 1 for vectors in the same direction, 0 for orthogonal ones and
-1 for opposite ones; it ignores length, which in GloVe mostly tracks how frequent a word is.
Scale every row to length 1 once, and the cosines of one word with all V words are a single
matrix-vector product; the k nearest neighbours are then the k largest of V numbers, found
without sorting all of them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from modules.m05_embeddings.vectors import WordVectors


def _as_float(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{name} must be one vector (d,) or a matrix of rows (n, d), "
                         f"got shape {x.shape}")
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def unit_rows(x: np.ndarray) -> np.ndarray:
    """x (..., d) with each vector along the last axis scaled to length 1; a vector of zeros
    stays zeros (its cosine with anything is then 0). Keeps the float dtype of x.

    Hint: np.linalg.norm(x, axis=-1, keepdims=True) gives the lengths (..., 1); divide by
    them where they are not 0 (np.where).
    """
    # BEGIN SOLUTION 05.2
    norms = np.linalg.norm(x, axis=-1, keepdims=True)  # (..., 1)
    return x / np.where(norms > 0, norms, 1)
    # END SOLUTION


def cosine_similarity(a, b) -> np.ndarray:
    """The cosine of every vector of `a` with every vector of `b`.

    a (n, d) and b (m, d) give an (n, m) matrix with result[i, j] = cos(a[i], b[j]); a single
    vector (d,) on either side drops that axis: a (d,) and b (m, d) give (m,), two vectors give
    a 0-d array. Vectorised: one matrix product of the unit rows (`unit_rows`), no Python loop.
    """
    a, b = _as_float(a, "a"), _as_float(b, "b")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must have the same dimension d, got shapes {a.shape} and "
                         f"{b.shape}")
    # BEGIN SOLUTION 05.2
    return unit_rows(a) @ unit_rows(b).T  # (n, d) @ (d, m) -> (n, m)
    # END SOLUTION


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k largest of `scores` (n,), largest first; equal scores in the order
    of their indices (the lower index first), so the answer never depends on luck.

    Vectorised and without sorting all n scores: `np.argpartition` (or `np.partition`) finds
    the k largest in O(n); sort only those. Careful with ties at the k-th place: partition
    picks any of them, so take every index whose score is at least the k-th largest score,
    then sort those by (score descending, index ascending) with `np.lexsort` and keep k.
    """
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise ValueError(f"top_k takes one row of scores (n,), got shape {scores.shape}")
    if not 1 <= k <= len(scores):
        raise ValueError(f"k must be between 1 and the number of scores ({len(scores)}), got {k}")
    if np.isnan(scores).any():
        raise ValueError("the scores contain NaN, which has no place in an order")
    # BEGIN SOLUTION 05.2
    kth_largest = np.partition(scores, len(scores) - k)[len(scores) - k]
    candidates = np.flatnonzero(scores >= kth_largest)  # the k largest, and any ties of the k-th
    order = np.lexsort((candidates, -scores[candidates]))  # by score descending, then by index
    return candidates[order[:k]]  # (k,)
    # END SOLUTION


def nearest(wv: WordVectors, query: str | np.ndarray, k: int = 10,
            exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
    """The k words whose vectors have the largest cosine with `query`, with their cosines,
    most similar first (ties in vocabulary order).

    `query` is a word (which is then left out: it would come first, with cosine 1) or a
    vector (d,). The words of `exclude` are left out too. Asking for more words than remain
    gives all of them.
    """
    exclude = list(exclude)
    if isinstance(query, str):
        exclude.append(query)
        query = wv[query]
    query = np.asarray(query)
    if query.shape != (wv.dim,):
        raise ValueError(f"the query must be a word or a vector of shape ({wv.dim},), "
                         f"got shape {query.shape}")
    unknown = [word for word in exclude if word not in wv]
    if unknown:
        raise KeyError(f"words to exclude are not in the vocabulary: {unknown[:5]}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    left_out = sorted({wv.index[word] for word in exclude})
    if len(left_out) == len(wv):
        return []
    scores = cosine_similarity(query, wv.vectors)  # (V,)
    scores[left_out] = -np.inf
    rows = top_k(scores, min(k, len(wv) - len(left_out)))
    return [(wv.words[row], float(scores[row])) for row in rows]
