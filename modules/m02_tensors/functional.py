"""Log-softmax and cross-entropy on the Tensor, stable for any size of logits.

softmax(z)_i = exp(z_i) / sum_j exp(z_j) does not change when the same constant c is added to
every z_j, so log_softmax(z) = (z - c) - log(sum_j exp(z_j - c)). With c = max_j z_j, every
exponent is at most 0 (no overflow) and the sum is at least 1 (its log is finite): the
log-sum-exp trick. The tests feed logits of +-1000.
"""

from __future__ import annotations

import numpy as np

from modules.m02_tensors.tensor import Tensor


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed with the log-sum-exp trick. Same shape as `x`.

    Build it from Tensor ops (`-`, `exp`, `sum(axis, keepdims=True)`, `log`) so that autograd
    gives the backward. Hint: the shift c may be a constant array (`x.data.max(...)`), not a
    Tensor: since the result does not depend on c, neither does its gradient.
    """
    # BEGIN SOLUTION 02.7
    shift = x.data.max(axis=axis, keepdims=True)  # a constant: softmax(x - c) = softmax(x)
    shifted = x - shift  # every entry <= 0, so exp cannot overflow
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()  # the sum is >= 1
    # END SOLUTION


def cross_entropy(logits: Tensor, targets) -> Tensor:
    """Mean negative log-likelihood of the targets: logits (N, C), integer targets (N,) -> ().

    Equal to `torch.nn.functional.cross_entropy(logits, targets)`. Hint: pick each row's target
    log-probability with `log_probs[np.arange(N), targets]`.
    """
    targets = np.asarray(targets)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy needs logits of shape (N, C), got {logits.shape}; "
                         f"flatten (B, T, C) logits with .reshape(B * T, C) first")
    if targets.shape != (logits.shape[0],) or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be integer class ids of shape ({logits.shape[0]},), got "
                         f"{targets.dtype} of shape {targets.shape}")
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise ValueError(f"targets must lie in [0, {logits.shape[1]}), got values from "
                         f"{targets.min()} to {targets.max()}")
    # BEGIN SOLUTION 02.7
    picked = log_softmax(logits, axis=-1)[np.arange(logits.shape[0]), targets]  # (N,)
    return -picked.mean()
    # END SOLUTION
