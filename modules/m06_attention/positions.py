"""Positions: attention alone cannot tell the order of its inputs (permute the tokens and the
outputs are permuted the same way), so the model has to be told where each token is.

    sinusoidal_positions  fixed sines and cosines of geometric frequencies, added to the inputs
                          (Vaswani et al. 2017, "Attention Is All You Need", section 3.5)
    LearnedPositions      one learned vector per position, added to the inputs (GPT, GPT-2)
    RotaryEmbedding       RoPE: rotate queries and keys by angles proportional to the position,
                          so that q.k depends on the positions only through their offset
                          (Su et al. 2021, "RoFormer: Enhanced Transformer with Rotary Position
                          Embedding", eq. 34)
"""

from __future__ import annotations

import torch
from torch import nn


def sinusoidal_positions(n_positions: int, dim: int) -> torch.Tensor:
    """The sinusoidal position table (n_positions, dim), float32:

        PE[p, 2i]     = sin(p / 10000^(2i / dim))
        PE[p, 2i + 1] = cos(p / 10000^(2i / dim))      for i = 0 .. dim/2 - 1

    Column pair i turns at the frequency 10000^(-2i/dim), from one radian per position down to
    about 1/10000, so each position gets a distinct pattern, and PE[p + s] is a fixed linear map
    (a rotation of each pair) of PE[p]. `dim` must be even.

    Hint: a (n_positions, 1) column of positions times a (dim/2,) row of frequencies broadcasts
    to the (n_positions, dim/2) angles; fill the even and the odd columns with their sin, cos.
    """
    if n_positions < 1 or dim < 2 or dim % 2:
        raise ValueError(f"sinusoidal_positions needs n_positions >= 1 and an even dim >= 2, "
                         f"got {n_positions}, {dim}")
    # BEGIN SOLUTION 06.4
    positions = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (P, 1)
    frequencies = 10000.0 ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # (dim/2,)
    angles = positions * frequencies  # (P, dim/2)
    table = torch.empty(n_positions, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles)
    return table.float()  # (P, dim)
    # END SOLUTION


def _check_positions(positions: torch.Tensor, n_positions: int, what: str) -> None:
    """Positions must be integers in [0, n_positions) (provided)."""
    if positions.is_floating_point() or positions.is_complex() or positions.dtype == torch.bool:
        raise TypeError(f"{what} takes integer positions, got a {positions.dtype} tensor")
    if positions.numel() and (positions.min() < 0 or positions.max() >= n_positions):
        raise ValueError(f"{what} has positions 0..{n_positions - 1}, got positions from "
                         f"{positions.min().item()} to {positions.max().item()}; make the "
                         f"table longer (n_positions, max_positions, block_size)")


class LearnedPositions(nn.Embedding):
    """A learned table of one vector per position: positions (...) int64 -> (..., dim).

    An nn.Embedding (so `weight` is the (n_positions, dim) table and any code that initialises
    embeddings finds it) that refuses positions beyond the table with a clear error. Initialised
    N(0, 0.02^2) like GPT-2's tables. Unlike sinusoids it knows nothing of positions it was not
    trained on, so a model using it cannot run on sequences longer than n_positions.
    """

    def __init__(self, n_positions: int, dim: int, generator: torch.Generator | None = None):
        if n_positions < 1 or dim < 1:
            raise ValueError(f"LearnedPositions needs n_positions, dim >= 1, got {n_positions}, "
                             f"{dim}")
        super().__init__(n_positions, dim)
        self.n_positions, self.dim = n_positions, dim
        with torch.no_grad():
            self.weight.normal_(0.0, 0.02, generator=generator)

    def forward(self, positions: torch.Tensor) -> torch.Tensor:
        _check_positions(positions, self.n_positions, f"LearnedPositions({self.n_positions})")
        return super().forward(positions)  # (..., dim)


class RotaryEmbedding(nn.Module):
    """RoPE: rotate each pair of dimensions of queries and keys by an angle proportional to the
    position. x (..., T, head_dim), positions (T,) int64 -> (..., T, head_dim).

    Pairs are interleaved: (x[2i], x[2i+1]) for i = 0 .. head_dim/2 - 1, rotated by the angle
    p * theta_i with theta_i = base^(-2i / head_dim), as in the RoFormer paper:

        out[2i]     = x[2i] cos(p theta_i) - x[2i+1] sin(p theta_i)
        out[2i + 1] = x[2i] sin(p theta_i) + x[2i+1] cos(p theta_i)

    Some libraries ("rotate_half", e.g. GPT-NeoX and Llama in Hugging Face) pair x[i] with
    x[i + head_dim/2] instead; that is the same rotation up to a fixed permutation of the
    dimensions, which the query and key projections can learn, so the two are equivalent.

    A rotation keeps each vector's norm, and the dot product of a query rotated at m with a key
    rotated at n is a function of q, k and n - m only: positions enter as relative offsets. The
    cos and sin tables (max_positions, head_dim/2) are buffers, computed once in float64 and
    stored in float32 (Apple's MPS has no float64), cast to x's dtype when used; they are not
    saved in state_dict (they follow from the arguments).
    """

    def __init__(self, head_dim: int, max_positions: int, base: float = 10000.0):
        super().__init__()
        if head_dim < 2 or head_dim % 2:
            raise ValueError(f"RoPE rotates pairs of dimensions: head_dim must be even, got "
                             f"{head_dim}")
        if max_positions < 1 or base <= 1.0:
            raise ValueError(f"RotaryEmbedding needs max_positions >= 1 and base > 1, got "
                             f"{max_positions}, {base}")
        self.head_dim, self.max_positions, self.base = head_dim, max_positions, base
        theta = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)  # (hd/2,)
        angles = torch.arange(max_positions, dtype=torch.float64)[:, None] * theta  # (P, hd/2)
        self.register_buffer("cos", torch.cos(angles).float(), persistent=False)
        self.register_buffer("sin", torch.sin(angles).float(), persistent=False)

    def forward(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        if x.ndim < 2 or x.shape[-1] != self.head_dim:
            raise ValueError(f"RotaryEmbedding({self.head_dim}) takes x (..., T, "
                             f"{self.head_dim}), got shape {tuple(x.shape)}")
        if positions.ndim != 1 or positions.shape[0] != x.shape[-2]:
            raise ValueError(f"positions must be (T,) with T = {x.shape[-2]} (one per row of x), "
                             f"got shape {tuple(positions.shape)}")
        _check_positions(positions, self.max_positions,
                         f"RotaryEmbedding(max_positions={self.max_positions})")
        # BEGIN SOLUTION 06.5
        cos = self.cos[positions].to(x.dtype)  # (T, hd/2)
        sin = self.sin[positions].to(x.dtype)  # (T, hd/2)
        x_even, x_odd = x[..., 0::2], x[..., 1::2]  # (..., T, hd/2) each
        out_even = x_even * cos - x_odd * sin
        out_odd = x_even * sin + x_odd * cos
        return torch.stack((out_even, out_odd), dim=-1).flatten(-2)  # (..., T, hd), re-interleaved
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"head_dim={self.head_dim}, max_positions={self.max_positions}, base={self.base}"
