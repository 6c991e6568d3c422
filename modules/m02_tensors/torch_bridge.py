"""The PyTorch side: strides, views and einsum.

A torch.Tensor is a block of memory (its *storage*) plus a view of it: a shape, strides and an
offset. Element [i0, i1, ...] lives at storage[offset + i0 * stride[0] + i1 * stride[1] + ...],
counted in elements. Ops that only change shape, strides or offset (view, transpose, slicing,
reshape when it can) return a *view* that shares the storage; the others copy.
"""

from __future__ import annotations

import math

import torch


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The strides, in elements, of a contiguous (row-major) tensor of `shape`.

    The last axis has stride 1 and each axis steps over one whole block of the axes after it:
    stride[i] = stride[i + 1] * shape[i + 1]. Equal to `torch.empty(shape).stride()`, including
    PyTorch's rule for a size-0 axis: it counts as size 1 in the product. `()` gives `()`.
    """
    # BEGIN SOLUTION 02.10
    strides = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))
    # END SOLUTION


def shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when `a` and `b` use the same block of memory, so writing into one changes the other.

    Compare the addresses where their storages start (`t.untyped_storage().data_ptr()`), not
    `t.data_ptr()`: that is where the tensor's first element sits, which differs for a slice
    such as `x[1:]` although it shares x's storage.
    """
    # BEGIN SOLUTION 02.10
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    # END SOLUTION


def view_or_copy(x: torch.Tensor) -> dict[str, bool]:
    """For common shape and indexing ops on a contiguous 2-D `x`: True when the result shares
    x's storage (a view, or x itself), False when it is a copy."""
    if x.ndim != 2 or not x.is_contiguous():
        raise ValueError(f"view_or_copy needs a contiguous 2-D tensor, got shape {tuple(x.shape)}")
    rows, cols = x.shape
    results = {
        "x.view(-1)": x.view(-1),
        "x.reshape(cols, rows)": x.reshape(cols, rows),
        "x.transpose(0, 1)": x.transpose(0, 1),
        "x.transpose(0, 1).contiguous()": x.transpose(0, 1).contiguous(),
        "x.transpose(0, 1).reshape(-1)": x.transpose(0, 1).reshape(-1),
        "x.contiguous()": x.contiguous(),
        "x[1:, ::2]": x[1:, ::2],
        "x[[0, 0, 1]]": x[[0, 0, 1]],
        "x[x > 0]": x[x > 0],
        "x.clone()": x.clone(),
    }
    return {name: shares_storage(x, result) for name, result in results.items()}


def matmul_einsum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a (n, k) @ b (k, m) -> (n, m), written as one `torch.einsum`."""
    # BEGIN SOLUTION 02.10
    return torch.einsum("nk,km->nm", a, b)
    # END SOLUTION


def batched_matmul_einsum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a (B, n, k) @ b (B, k, m) -> (B, n, m), one matmul per batch entry, as one einsum."""
    # BEGIN SOLUTION 02.10
    return torch.einsum("bnk,bkm->bnm", a, b)
    # END SOLUTION


def attention_scores_einsum(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Scaled dot-product scores: q (B, H, T, d), k (B, H, S, d) -> (B, H, T, S).

    scores[b, h, t, s] = q[b, h, t] . k[b, h, s] / sqrt(d): how much query t attends to key s,
    in every batch entry and head. Equal to `q @ k.transpose(-2, -1) / math.sqrt(d)`.
    """
    # BEGIN SOLUTION 02.10
    return torch.einsum("bhtd,bhsd->bhts", q, k) / math.sqrt(q.shape[-1])
    # END SOLUTION
