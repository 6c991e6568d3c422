"""A key-value cache: the keys and values of the tokens already seen, kept for the next step.

Generating token t+1 needs the attention of the newest position over positions 0..t. Without a
cache the model recomputes every position's keys and values at every step; yet a position's key
and value never change once computed (the mask keeps each position from seeing later ones), so
they can be kept. With a cache, each step runs the model on the new token alone: its query
attends to the cached keys, and its own key and value join the cache (Module 06's
MultiHeadAttention does this given a cache; Module 07's GPT offsets the positions).

    KVCache      one attention layer's keys and values, preallocated up to max_length (11.5)
    new_caches   one KVCache per block of a GPT, sized for its block_size (provided)

The tensors are allocated once, at the longest length, and filled from the left; update
returns views of the filled part, so a step copies only its new keys and values.
"""

from __future__ import annotations

import torch

from modules.m07_transformer.model import GPT


class KVCache:
    """Keys and values of one attention layer, (batch_size, n_head, max_length, head_dim) each.

    length      how many positions are filled (0 after construction and after reset())
    update      update(k, v) with k, v (batch_size, n_head, T, head_dim) writes them at positions
                [length, length + T), advances length by T, and returns the keys and values of
                every position so far (batch_size, n_head, length + T, head_dim), as views
    reset       forget everything (length = 0); the memory stays allocated

    This is the protocol of modules.m06_attention.multihead.KVCache.
    """

    def __init__(self, batch_size: int, n_head: int, max_length: int, head_dim: int,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None):
        """Allocate the keys and values, zeros of shape (batch_size, n_head, max_length,
        head_dim) on `device` (default the CPU) in `dtype` (default torch's default dtype),
        as `self.k` and `self.v`, and start with `self.length = 0`."""
        for name, value in (("batch_size", batch_size), ("n_head", n_head),
                            ("max_length", max_length), ("head_dim", head_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"KVCache: {name} must be a positive int, got {value!r}")
        self.batch_size, self.n_head = batch_size, n_head
        self.max_length, self.head_dim = max_length, head_dim
        dtype = torch.get_default_dtype() if dtype is None else dtype
        # BEGIN SOLUTION 11.5
        shape = (batch_size, n_head, max_length, head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)  # (B, nh, max_length, hd)
        self.v = torch.zeros(shape, device=device, dtype=dtype)  # (B, nh, max_length, hd)
        self.length = 0
        # END SOLUTION

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store k, v (B, nh, T, hd) at positions [length, length + T) and return the keys and
        values of positions [0, length + T): slices of self.k and self.v along dim 2, no copy.

        Hint: assign into `self.k[:, :, start:end]`, then advance self.length.
        """
        expected = (self.batch_size, self.n_head, self.head_dim)
        for name, t in (("k", k), ("v", v)):
            if not isinstance(t, torch.Tensor) or t.ndim != 4 \
                    or (t.shape[0], t.shape[1], t.shape[3]) != expected:
                raise ValueError(f"KVCache.update: {name} must have shape (batch_size="
                                 f"{self.batch_size}, n_head={self.n_head}, T, head_dim="
                                 f"{self.head_dim}), got "
                                 f"{tuple(t.shape) if isinstance(t, torch.Tensor) else t!r}")
            if t.dtype != self.k.dtype or t.device != self.k.device:
                raise ValueError(f"KVCache.update: {name} is {t.dtype} on {t.device}, but the "
                                 f"cache holds {self.k.dtype} on {self.k.device}; create the "
                                 f"cache with the model's dtype and device (new_caches does)")
        if k.shape != v.shape:
            raise ValueError(f"KVCache.update: k and v must have the same shape, got "
                             f"{tuple(k.shape)} and {tuple(v.shape)}")
        if self.length + k.shape[2] > self.max_length:
            raise ValueError(f"KVCache is full: {self.length} cached positions plus {k.shape[2]} "
                             f"new ones exceed max_length={self.max_length}; start a new cache "
                             f"from the latest tokens (at most {self.max_length} of them)")
        # BEGIN SOLUTION 11.5
        start, end = self.length, self.length + k.shape[2]
        self.k[:, :, start:end] = k
        self.v[:, :, start:end] = v
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]  # (B, nh, end, hd) each
        # END SOLUTION

    def reset(self) -> None:
        """Forget the cached positions, so that the cache can serve a new sequence."""
        # BEGIN SOLUTION 11.5
        self.length = 0
        # END SOLUTION

    def __repr__(self) -> str:
        return (f"KVCache(batch_size={self.batch_size}, n_head={self.n_head}, "
                f"length={self.length}/{self.max_length}, head_dim={self.head_dim})")


def new_caches(model: GPT, batch_size: int) -> list[KVCache]:
    """One empty KVCache per block of `model`, sized for its block_size, on the device and in
    the dtype of its parameters: what GPT.forward(idx, caches=...) takes."""
    config = model.config
    weight = next(model.parameters())
    return [KVCache(batch_size, config.n_head, config.block_size, config.head_dim,
                    device=weight.device, dtype=weight.dtype) for _ in range(config.n_layer)]
