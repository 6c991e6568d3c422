"""Count-based word vectors: co-occurrence counts in a window, PPMI, and a truncated SVD.

"You shall know a word by the company it keeps" (Firth, 1957). Count, for every pair of words,
how often they occur within a few words of each other; turn the counts into positive pointwise
mutual information (Church and Hanks, 1990), which says how much more often a pair occurs than
chance would have it; and compress each word's row of PPMI values into a few dense numbers with
a truncated singular value decomposition. Levy, Goldberg and Dagan (2015), "Improving
Distributional Similarity with Lessons Learned from Word Embeddings", show that this pipeline,
with context-distribution smoothing (alpha = 0.75) and U_k S_k^p with p = 0.5, holds its own
against skip-gram.

    vocabulary -> token_ids -> cooccurrence_counts (V, V) -> ppmi (V, V) -> svd_embeddings (V, k)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from modules.m05_embeddings.vectors import WordVectors

OUT_OF_VOCABULARY = -1  # the id token_ids gives a word outside the vocabulary


def vocabulary(tokens: Sequence[str], max_size: int | None = None,
               min_count: int = 1) -> list[str]:
    """The words of `tokens` that occur at least `min_count` times, most frequent first (ties
    in alphabetical order, so the result is deterministic), at most `max_size` of them."""
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    if max_size is not None and max_size < 1:
        raise ValueError(f"max_size must be at least 1 (or None for no limit), got {max_size}")
    counts = Counter(tokens)
    kept = sorted((w for w, c in counts.items() if c >= min_count),
                  key=lambda w: (-counts[w], w))
    if not kept:
        raise ValueError(f"no word occurs {min_count} times or more in {len(tokens):,} tokens; "
                         f"lower min_count or use a longer text")
    return kept[:max_size]


def token_ids(tokens: Sequence[str], words: Sequence[str]) -> np.ndarray:
    """The row of each token in `words` (int64, shape (n,)), OUT_OF_VOCABULARY (-1) for a token
    that is not one of `words`. Tokens outside the vocabulary keep their place in the sequence,
    so a window still spans the words of the text as written."""
    index = {w: i for i, w in enumerate(words)}
    return np.array([index.get(t, OUT_OF_VOCABULARY) for t in tokens], dtype=np.int64)


def cooccurrence_counts(ids: np.ndarray, vocab_size: int, window: int = 2) -> np.ndarray:
    """Symmetric window co-occurrence counts, a dense float64 matrix C (V, V).

    C[i, j] = the number of position pairs (s, t) with 1 <= |s - t| <= window, ids[s] = i and
    ids[t] = j. Each pair of nearby positions is counted in both directions, so C is symmetric;
    a word next to itself ("very very") adds 2 to C[i, i]. Positions holding
    OUT_OF_VOCABULARY (-1) take part in no pair but still count towards the distance.

    Vectorised, no Python loop over the corpus: for each distance d = 1..window, the pairs
    are (ids[:-d], ids[d:]). Keep those where both ids are in the vocabulary, and add them to C
    in both directions. Hint: a pair (i, j) is the single number i * V + j, and
    np.bincount(codes, minlength=V * V).reshape(V, V) counts all of them at once;
    np.add.at(C, (i, j), 1) works too (slower). Do not write C[i, j] += 1 with arrays i, j:
    repeated pairs would be counted once.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D integer array, got {ids.dtype} of shape {ids.shape}")
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    if ids.size and (ids.max() >= vocab_size or ids.min() < OUT_OF_VOCABULARY):
        raise ValueError(f"ids must lie in [0, {vocab_size}) or be {OUT_OF_VOCABULARY} "
                         f"(outside the vocabulary), got values in [{ids.min()}, {ids.max()}]")
    # BEGIN SOLUTION 05.5
    codes = []
    for d in range(1, window + 1):
        left, right = ids[:-d], ids[d:]  # (n - d,) each: the positions d apart
        both = (left != OUT_OF_VOCABULARY) & (right != OUT_OF_VOCABULARY)
        left, right = left[both], right[both]
        codes += [left * vocab_size + right, right * vocab_size + left]  # both directions
    flat = np.bincount(np.concatenate(codes), minlength=vocab_size * vocab_size)  # (V * V,)
    return flat.reshape(vocab_size, vocab_size).astype(np.float64)
    # END SOLUTION


def ppmi(counts: np.ndarray, alpha: float = 0.75) -> np.ndarray:
    """Positive pointwise mutual information of a co-occurrence matrix, float64 (V, C).

    With N = the sum of all counts, rows w (words) and columns c (contexts):

        P(w, c) = counts[w, c] / N                  P(w) = sum_c counts[w, c] / N
        P_alpha(c) = n(c)^alpha / sum_c' n(c')^alpha   with n(c) = sum_w counts[w, c]
        PMI(w, c) = ln( P(w, c) / (P(w) P_alpha(c)) )
        PPMI(w, c) = max(PMI(w, c), 0), and 0 wherever counts[w, c] == 0.

    alpha = 1 is plain PPMI. alpha = 0.75, context-distribution smoothing (Levy, Goldberg and
    Dagan, 2015), raises the probability of rare contexts, so that a rare word no longer gets
    a huge PMI with everything it happens to meet. Natural logarithm throughout.

    A zero count would give ln(0) = -inf: compute the PMI only where counts > 0 (np.nonzero,
    or np.divide / np.log with `where=`) and leave the rest 0; no warnings, no NaN or inf.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2:
        raise ValueError(f"counts must be a 2-D matrix (V, C), got shape {counts.shape}")
    if (counts < 0).any() or counts.sum() <= 0:
        raise ValueError("counts must be non-negative with at least one positive entry")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must lie in (0, 1] (1 = no smoothing), got {alpha}")
    # BEGIN SOLUTION 05.5
    total = counts.sum()
    p_word = counts.sum(axis=1) / total  # (V,)
    smoothed = counts.sum(axis=0) ** alpha  # (C,)
    p_context = smoothed / smoothed.sum()  # (C,)
    rows, cols = np.nonzero(counts)  # only the pairs that occur: the rest stay 0
    pmi = np.log(counts[rows, cols] / total / (p_word[rows] * p_context[cols]))
    result = np.zeros_like(counts)  # (V, C)
    result[rows, cols] = np.maximum(pmi, 0.0)
    return result
    # END SOLUTION


def svd_embeddings(matrix: np.ndarray, words: Sequence[str], dim: int = 100,
                   power: float = 0.5) -> WordVectors:
    """Word vectors from the truncated SVD of `matrix` (V, C) (a PPMI matrix): U_k S_k^power.

    With matrix = U S V^T (singular values in decreasing order), keep the first k = dim
    columns of U and scale column j by s_j ** power: the rows are the word vectors (V, k).
    power = 1 gives rows whose dot products with the rows of V_k^T reproduce the rank-k
    approximation of the matrix; power = 0.5 (Levy et al., 2015) or 0 usually give better
    similarities.

    The sign of each singular vector is arbitrary (u and -u are equally good), so fix it: flip
    column j (multiply by -1) when its entry of largest absolute value is negative. Then the
    same matrix always gives the same vectors. Returns float32 WordVectors over `words`.

    Hint: np.linalg.svd(matrix, full_matrices=False) returns U, s, Vt; it takes a few seconds
    for a few thousand words.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(f"matrix must be (V, C) with V = {len(words)} words, got shape "
                         f"{matrix.shape}")
    if not 1 <= dim <= min(matrix.shape):
        raise ValueError(f"dim must lie in [1, {min(matrix.shape)}] for a matrix of shape "
                         f"{matrix.shape}, got {dim}")
    # BEGIN SOLUTION 05.5
    u, s, _ = np.linalg.svd(matrix, full_matrices=False)  # (V, r), (r,)
    u_k = u[:, :dim]  # (V, k)
    largest = u_k[np.abs(u_k).argmax(axis=0), np.arange(dim)]  # (k,) each column's biggest
    u_k = u_k * np.where(largest < 0, -1.0, 1.0)  # (V, k) signs fixed
    vectors = u_k * s[:dim] ** power  # (V, k)
    # END SOLUTION
    return WordVectors(list(words), vectors.astype(np.float32))
