"""Causal self-attention for a decoder: one head first, then multi-head attention with a fused
query/key/value projection (Vaswani et al. 2017, section 3.2.2; Radford et al. 2019, GPT-2).

    AttentionHead        one head: its own query, key and value projections, causal attention
    MultiHeadAttention   n_head heads side by side in one (B, n_head, T, head_dim) tensor,
                         their outputs concatenated and projected back to n_embd
    split_heads          (B, T, n_head * head_dim) -> (B, n_head, T, head_dim)
    merge_heads          (B, n_head, T, head_dim) -> (B, T, n_head * head_dim)
    KVCache              what `MultiHeadAttention.forward(x, cache=...)` expects of a cache

Ready for a KV cache (Module 11): given a cache, the tokens of x are the positions that follow
the `cache.length` already cached, RoPE rotates them at those positions, their keys and values
are appended to the cache, and the queries attend to everything cached so far. The causal mask
is aligned at the bottom right (attention.causal_mask), so the same code runs a whole sequence
at once (no cache), a prompt into an empty cache, or one new token at a time.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from modules.m06_attention.attention import (
    attention_weights,
    fused_attention,
    scaled_dot_product_attention,
)
from modules.m06_attention.positions import RotaryEmbedding


class KVCache(Protocol):
    """The cache protocol of MultiHeadAttention (Module 11 provides a real one).

    `length`: how many positions are cached before this call. `update(k, v)` takes this call's
    keys and values (B, n_head, T, head_dim), after RoPE, stores them, and returns all keys and
    values so far (B, n_head, length + T, head_dim); afterwards `length` counts them too.
    """

    length: int

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ...


def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """(B, T, C) -> (B, n_head, T, C // n_head): head h gets the channels
    [h * head_dim, (h + 1) * head_dim) of each token, and the heads become a batch dimension.

    Hint: `view` to (B, T, n_head, head_dim), then swap the T and head axes.
    """
    if x.ndim != 3 or x.shape[-1] % n_head:
        raise ValueError(f"split_heads takes (B, T, C) with C divisible by n_head={n_head}, got "
                         f"shape {tuple(x.shape)}")
    # BEGIN SOLUTION 06.3
    B, T, C = x.shape
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)  # (B, nh, T, hd)
    # END SOLUTION


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, n_head, T, head_dim) -> (B, T, n_head * head_dim), the inverse of split_heads: each
    token's head outputs concatenated in head order.

    Hint: after the transpose the tensor is not contiguous; `reshape` (or `.contiguous().view`).
    """
    if x.ndim != 4:
        raise ValueError(f"merge_heads takes (B, n_head, T, head_dim), got shape "
                         f"{tuple(x.shape)}")
    # BEGIN SOLUTION 06.3
    B, nh, T, hd = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hd)  # (B, T, C)
    # END SOLUTION


class AttentionHead(nn.Module):
    """One head of causal self-attention: x (B, T, n_embd) -> (B, T, head_size).

    Three bias-free projections `query`, `key`, `value` (nn.Linear(n_embd, head_size)) turn each
    token into what it looks for, what it offers, and what it passes on; token t then takes the
    average of the values of tokens 0..t weighted by softmax(q_t . k_s / sqrt(head_size)).
    """

    def __init__(self, n_embd: int, head_size: int):
        super().__init__()
        self.n_embd, self.head_size = n_embd, head_size
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(f"AttentionHead takes x (B, T, {self.n_embd}), got shape "
                             f"{tuple(x.shape)}")
        # BEGIN SOLUTION 06.3
        q, k, v = self.query(x), self.key(x), self.value(x)  # (B, T, hs) each
        return scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, T, hs)
        # END SOLUTION


class MultiHeadAttention(nn.Module):
    """Causal multi-head self-attention: x (B, T, n_embd) -> y (B, T, n_embd).

    qkv   nn.Linear(n_embd, 3 n_embd): the queries, keys and values of all heads at once, in
          that order along the output (the layout of torch.nn.MultiheadAttention's in_proj)
    proj  nn.Linear(n_embd, n_embd): mixes the concatenated head outputs
    Steps: q, k, v = split of qkv(x) -> split_heads each -> RoPE on q and k (if `rope`) ->
    append k, v to the cache (if any) -> causal attention through `self.attend`, with dropout
    on the weights in training mode (p = attn_dropout_p) -> merge_heads -> proj -> resid_dropout.
    `self.attend` is your scaled_dot_product_attention, or with fused=True PyTorch's fused
    kernel (attention.fused_attention: the same numbers, faster; Module 09 trains with it).

    forward(x, cache=None, return_weights=False): with return_weights, also return the attention
    weights (B, n_head, T, T_k) before dropout, for plotting. With a cache (see KVCache), the
    positions of x are cache.length + arange(T) and T_k = cache.length + T; without, arange(T).
    """

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0, bias: bool = True,
                 rope: RotaryEmbedding | None = None, fused: bool = False):
        super().__init__()
        if n_head < 1 or n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.n_embd, self.n_head, self.head_dim = n_embd, n_head, n_embd // n_head
        if rope is not None and rope.head_dim != self.head_dim:
            raise ValueError(f"rope rotates head_dim={rope.head_dim}, but the heads have "
                             f"head_dim={self.head_dim} (n_embd / n_head)")
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.attn_dropout_p = dropout
        self.resid_dropout = nn.Dropout(dropout)
        self.rope = rope
        self.fused = fused
        self.attend = fused_attention if fused else scaled_dot_product_attention

    def forward(self, x: torch.Tensor, cache: KVCache | None = None,
                return_weights: bool = False):
        if x.ndim != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(f"MultiHeadAttention takes x (B, T, {self.n_embd}), got shape "
                             f"{tuple(x.shape)}")
        start = 0 if cache is None else cache.length  # positions already cached
        # BEGIN SOLUTION 06.3
        T = x.shape[1]
        q, k, v = self.qkv(x).split(self.n_embd, dim=-1)  # (B, T, C) each
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))  # (B, nh, T, hd) each
        if self.rope is not None:
            positions = torch.arange(start, start + T, device=x.device)  # (T,)
            q, k = self.rope(q, positions), self.rope(k, positions)
        if cache is not None:
            k, v = cache.update(k, v)  # (B, nh, start + T, hd) each
        dropout_p = self.attn_dropout_p if self.training else 0.0
        y = self.attend(q, k, v, is_causal=True, dropout_p=dropout_p)  # (B, nh, T, hd)
        y = self.resid_dropout(self.proj(merge_heads(y)))  # (B, T, C)
        if return_weights:
            return y, attention_weights(q, k, is_causal=True)  # (B, nh, T, start + T)
        return y
        # END SOLUTION

    def extra_repr(self) -> str:
        return (f"n_embd={self.n_embd}, n_head={self.n_head}, head_dim={self.head_dim}, "
                f"fused={self.fused}")
