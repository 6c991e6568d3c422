"""The two position-wise layers of a transformer block: layer normalisation and the
feed-forward network. Both act on each position (each row of (B, T, C)) on its own.

    LayerNorm     Ba, Kiros and Hinton (2016), "Layer Normalization"; the bias can be left out
    FeedForward   Vaswani et al. (2017), section 3.3, with GPT's GELU (Hendrycks and Gimpel 2016)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LayerNorm(nn.Module):
    """Normalise each position over its features, then scale and shift: x (..., dim) -> (..., dim).

    y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and the biased variance
    (divide by dim, not dim - 1) taken over the last axis. `weight` (dim,) starts at ones and
    `bias` (dim,) at zeros; with bias=False there is no bias (`self.bias` is None) and nothing
    is added. This is Module 04's LayerNorm with the bias made optional, as in nn.LayerNorm.
    With fused=True it calls PyTorch's one-kernel F.layer_norm instead (provided: the same
    numbers up to rounding, several times faster; Module 09 trains with it).
    """

    def __init__(self, dim: int, eps: float = 1e-5, bias: bool = True, fused: bool = False):
        super().__init__()
        if dim < 1:
            raise ValueError(f"LayerNorm needs dim >= 1, got {dim}")
        self.dim, self.eps = dim, eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None
        self.fused = fused

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.dim:
            raise ValueError(f"LayerNorm({self.dim}) got input of shape {tuple(x.shape)}; its "
                             f"last axis must have {self.dim} features")
        if self.fused:
            return F.layer_norm(x, (self.dim,), self.weight, self.bias, self.eps)
        # BEGIN SOLUTION 07.1
        centred = x - x.mean(dim=-1, keepdim=True)  # (..., dim)
        var = (centred * centred).mean(dim=-1, keepdim=True)  # (..., 1), biased
        y = centred / torch.sqrt(var + self.eps) * self.weight  # (..., dim)
        return y + self.bias if self.bias is not None else y
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}, bias={self.bias is not None}, fused={self.fused}"


class FeedForward(nn.Module):
    """The block's per-position MLP: x (B, T, C) -> (B, T, C).

    fc: Linear(C, 4C) widens each position's vector four times, GELU bends it, proj:
    Linear(4C, C) brings it back, and dropout (a no-op in eval mode or with dropout=0) comes
    last. The GELU is the exact one, x * Phi(x) with the Gaussian's CDF Phi (`F.gelu`'s
    default; GPT-2 used a tanh approximation of it). Attention mixes information *between*
    positions; this layer is where each position computes on what it gathered.
    """

    def __init__(self, n_embd: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        self.fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION 07.2
        h = F.gelu(self.fc(x))  # (B, T, 4C)
        return self.dropout(self.proj(h))  # (B, T, C)
        # END SOLUTION
