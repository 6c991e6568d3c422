"""Scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need", eq. 1):

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V

Each query scores every key by a dot product, the scores of one query become weights that sum to
1 (a softmax), and the answer is the weighted average of the values: a soft dictionary lookup.
Dividing by sqrt(d_k) keeps the scores at unit variance whatever the head size, so the softmax
does not saturate (demos.py measures both).

    attention_weights              softmax of the scaled, masked scores (..., T_q, T_k)
    scaled_dot_product_attention   the weights applied to the values, with optional dropout
    causal_mask                    which keys each query may see in a decoder
    fused_attention                the same through PyTorch's fused kernel (provided, for speed)

The same conventions as torch.nn.functional.scaled_dot_product_attention: any leading batch
dimensions (broadcast like matmul), a bool mask where True means "may attend", or a float mask
added to the scores. Two differences, both deliberate:

- Causal masking is aligned at the bottom right: query i of T_q attends keys j <= i + (T_k - T_q).
  With T_q == T_k this is the usual lower triangle, as in torch. With T_q < T_k the queries are
  the LAST T_q positions of the sequence, which is what decoding with a KV cache needs (Module
  11): the new tokens see every cached key and each other causally. torch aligns at the top left
  instead (query i sees keys j <= i), which differs whenever T_q != T_k.
- A query row that may attend no key at all (a fully masked row) has no distribution to take: the
  softmax of all -inf is 0/0. torch 2.13 quietly returns a zero output for such a row; we raise a
  ValueError instead, because in this course such a row is always a bug in the mask.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _check_inputs(q: torch.Tensor, k: torch.Tensor, mask: torch.Tensor | None,
                  is_causal: bool) -> None:
    """Raise a clear error for inputs attention cannot take (provided)."""
    for name, t in (("q", q), ("k", k)):
        if t.ndim < 2:
            raise ValueError(f"{name} must be (..., T, d_k) with at least 2 dimensions, "
                             f"got shape {tuple(t.shape)}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k must have the same last dimension d_k to be dotted, got "
                         f"q {tuple(q.shape)} and k {tuple(k.shape)}")
    try:
        batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2])
    except RuntimeError:
        raise ValueError(f"the leading (batch) dimensions of q {tuple(q.shape)} and k "
                         f"{tuple(k.shape)} do not broadcast") from None
    t_q, t_k = q.shape[-2], k.shape[-2]
    if is_causal and t_q > t_k:
        raise ValueError(f"is_causal with more queries ({t_q}) than keys ({t_k}) leaves the "
                         f"first {t_q - t_k} queries no key to attend (causal masks are aligned "
                         f"at the bottom right)")
    if mask is None:
        return
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(f"mask must be bool (True = may attend) or float (added to the scores), "
                        f"got {mask.dtype}")
    scores_shape = (*batch, t_q, t_k)
    try:
        fits = torch.broadcast_shapes(mask.shape, scores_shape) == scores_shape
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not broadcast to the scores' "
                         f"shape {scores_shape} (..., T_q, T_k)")
    allowed = mask if mask.dtype == torch.bool else ~torch.isneginf(mask)
    if is_causal:
        allowed = allowed & causal_mask(t_q, t_k, device=mask.device)
    if not allowed.any(dim=-1).all():
        raise ValueError("the mask leaves a query with no key to attend (a row that is all "
                         "False or all -inf); softmax over no keys is undefined")


def attention_weights(q: torch.Tensor, k: torch.Tensor, mask: torch.Tensor | None = None,
                      is_causal: bool = False) -> torch.Tensor:
    """The attention weights softmax(q k^T / sqrt(d_k)), masked: (..., T_q, T_k).

    q (..., T_q, d_k) and k (..., T_k, d_k), leading dimensions broadcast as in matmul.
    mask: None, a bool tensor (True = may attend; put -inf in the scores where it is False) or a
    float tensor (added to the scores), broadcastable to (..., T_q, T_k).
    is_causal: also forbid keys j > i + (T_k - T_q) for query i (see `causal_mask`).
    Each row of the result is a probability distribution over the T_k keys.

    Hints: `k.transpose(-2, -1)`, `Tensor.masked_fill`, `torch.softmax(..., dim=-1)`.
    """
    _check_inputs(q, k, mask, is_causal)
    # BEGIN SOLUTION 06.1
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    if is_causal:
        allowed = causal_mask(q.shape[-2], k.shape[-2], device=scores.device)  # (T_q, T_k)
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1)  # (..., T_q, T_k), rows sum to 1
    # END SOLUTION


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None, is_causal: bool = False,
                                 dropout_p: float = 0.0,
                                 generator: torch.Generator | None = None) -> torch.Tensor:
    """softmax(q k^T / sqrt(d_k) + mask) v: q (..., T_q, d_k), k (..., T_k, d_k),
    v (..., T_k, d_v) -> (..., T_q, d_v).

    Equal to torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask,
    dropout_p=dropout_p, is_causal=is_causal) whenever T_q == T_k (see the module docstring for
    T_q != T_k). Unlike torch, `mask` and `is_causal` may be given together (both apply).

    Dropout (only when dropout_p > 0): zero each attention weight independently with probability
    dropout_p, drawing uniform numbers with `torch.rand(..., generator=generator)` on the weights'
    device, and scale the weights kept by 1 / (1 - dropout_p) so their expectation is unchanged.
    With dropout_p == 0 nothing is drawn. The caller passes dropout_p = 0 at evaluation time.
    """
    _check_inputs(q, k, mask, is_causal)
    if v.ndim < 2 or v.shape[-2] != k.shape[-2]:
        raise ValueError(f"v must be (..., T_k, d_v) with the same T_k as k {tuple(k.shape)}, "
                         f"got {tuple(v.shape)}")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p must be in [0, 1), got {dropout_p}")
    # BEGIN SOLUTION 06.1
    weights = attention_weights(q, k, mask, is_causal)  # (..., T_q, T_k)
    if dropout_p > 0.0:
        draws = torch.rand(weights.shape, generator=generator, device=weights.device,
                           dtype=weights.dtype)
        weights = weights * (draws >= dropout_p) / (1.0 - dropout_p)
    return weights @ v  # (..., T_q, d_v)
    # END SOLUTION


def causal_mask(t_q: int, t_k: int, device: torch.device | str | None = None) -> torch.Tensor:
    """The causal mask (t_q, t_k), bool, True where query i may attend key j: j <= i + t_k - t_q.

    The queries are the last t_q of the t_k positions (aligned at the bottom right), so with
    t_q == t_k it is the lower triangle including the diagonal, and with t_q < t_k (new tokens
    after a KV cache of t_k - t_q) every query also sees all the cached keys.

    Hint: `torch.ones(..., dtype=torch.bool).tril(diagonal=...)`, or compare two aranges.
    """
    if t_q < 1 or t_k < 1:
        raise ValueError(f"causal_mask needs t_q, t_k >= 1, got {t_q}, {t_k}")
    # BEGIN SOLUTION 06.2
    ones = torch.ones(t_q, t_k, dtype=torch.bool, device=device)
    return ones.tril(diagonal=t_k - t_q)  # (t_q, t_k)
    # END SOLUTION


def fused_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, is_causal: bool = False,
                    dropout_p: float = 0.0) -> torch.Tensor:
    """scaled_dot_product_attention's result from PyTorch's fused kernel (provided): the same
    numbers up to rounding, several times faster on small models, because one kernel replaces
    the chain of matmul, mask, softmax and matmul written out above (Module 09's training uses
    it; see MultiHeadAttention's `fused`).

    torch aligns its causal mask at the top left, so when a KV cache makes T_q < T_k this passes
    our bottom-right mask explicitly. Dropout draws from PyTorch's global generator.
    """
    t_q, t_k = q.shape[-2], k.shape[-2]
    if is_causal and t_q != t_k:
        allowed = torch.ones(t_q, t_k, dtype=torch.bool, device=q.device).tril(t_k - t_q)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=dropout_p)
    return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=is_causal)
