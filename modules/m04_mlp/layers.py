"""The layers of the MLP language model, written out: each is a small `nn.Module` whose
parameters are explicit tensors, and each computes what its PyTorch namesake computes.

    Linear        y = x @ W.T + b, with fan-in scaled initialisation and a gain
    Embedding     row lookup in a (num, dim) table
    Tanh          the squashing nonlinearity
    LayerNorm     normalise each example over its features
    BatchNorm1d   normalise each feature over the batch; running statistics for eval mode

Subclassing `nn.Module` gives us `parameters()`, `named_parameters()`, `train()`/`eval()`,
`.double()` and `state_dict()` for free; everything a layer computes is ours.
"""

from __future__ import annotations

import math

import torch
from torch import nn

TANH_GAIN = 5.0 / 3.0  # torch.nn.init.calculate_gain("tanh")


class Linear(nn.Module):
    """y = x @ weight.T + bias: x (..., fan_in) -> y (..., fan_out).

    `weight` is (fan_out, fan_in), PyTorch's layout (so `F.linear(x, weight, bias)` computes
    the same thing), and `bias` is (fan_out,), or None when bias=False.

    Initialisation: weight ~ N(0, std**2) with std = gain / sqrt(fan_in), bias = 0. Each output
    sums fan_in products, so with unit-variance inputs its variance is fan_in * std**2 = gain**2
    whatever fan_in is. The gain makes up for what the next nonlinearity takes away: 1 for a
    linear output, 5/3 (TANH_GAIN) before a tanh, which squashes. Draw the weight with
    `torch.randn(..., generator=generator)` so that a seeded generator gives the same layer.
    """

    def __init__(self, fan_in: int, fan_out: int, bias: bool = True, gain: float = 1.0,
                 generator: torch.Generator | None = None):
        super().__init__()
        if fan_in < 1 or fan_out < 1:
            raise ValueError(f"Linear needs fan_in, fan_out >= 1, got {fan_in}, {fan_out}")
        self.fan_in, self.fan_out = fan_in, fan_out
        # BEGIN SOLUTION 04.2
        std = gain / math.sqrt(fan_in)
        self.weight = nn.Parameter(torch.randn(fan_out, fan_in, generator=generator) * std)
        self.bias = nn.Parameter(torch.zeros(fan_out)) if bias else None
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION 04.2
        out = x @ self.weight.T  # (..., fan_in) @ (fan_in, fan_out) -> (..., fan_out)
        return out + self.bias if self.bias is not None else out
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"fan_in={self.fan_in}, fan_out={self.fan_out}, bias={self.bias is not None}"


class Embedding(nn.Module):
    """A table of `num` learnable vectors of size `dim`: ids (...) int64 -> vectors (..., dim).

    `weight` (num, dim) starts ~ N(0, 1), like nn.Embedding. Looking up row i is the same as
    multiplying the one-hot vector of i by the table, without building the one-hot vector.
    """

    def __init__(self, num: int, dim: int, generator: torch.Generator | None = None):
        super().__init__()
        if num < 1 or dim < 1:
            raise ValueError(f"Embedding needs num, dim >= 1, got {num}, {dim}")
        self.num, self.dim = num, dim
        self.weight = nn.Parameter(torch.randn(num, dim, generator=generator))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        if idx.is_floating_point() or idx.is_complex():
            raise TypeError(f"Embedding takes integer ids, got a {idx.dtype} tensor")
        # BEGIN SOLUTION 04.2
        return self.weight[idx]  # (..., dim): one row of the table per id
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"num={self.num}, dim={self.dim}"


class Tanh(nn.Module):
    """tanh, elementwise: x (...) -> (...) in (-1, 1)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION 04.2
        return torch.tanh(x)
        # END SOLUTION


class LayerNorm(nn.Module):
    """Normalise each example over its last axis, then scale and shift: x (..., dim) -> (..., dim).

    y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and the biased variance
    (divide by dim, not dim - 1) over the last axis of each example separately. `weight` starts
    at ones and `bias` at zeros, shape (dim,). The same in training and in eval mode.
    """

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.dim, self.eps = dim, eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.dim:
            raise ValueError(f"LayerNorm({self.dim}) got input of shape {tuple(x.shape)}")
        # BEGIN SOLUTION 04.3
        mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
        var = x.var(dim=-1, keepdim=True, correction=0)  # (..., 1), biased
        x_hat = (x - mean) / torch.sqrt(var + self.eps)  # (..., dim)
        return x_hat * self.weight + self.bias
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class BatchNorm1d(nn.Module):
    """Normalise each feature over the batch, then scale and shift: x (N, dim) -> (N, dim).

    Training mode (`self.training`, set by `.train()`): use the batch's mean and its biased
    variance (divide by N) over axis 0, y = (x - mean) / sqrt(var + eps) * weight + bias. Then,
    without recording a graph (`torch.no_grad()`), move the buffers towards the batch:
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * N / (N - 1)
    The running variance takes the *unbiased* estimate (divide by N - 1) while the
    normalisation uses the biased one: that is what torch.nn.BatchNorm1d does, and we match it.

    Eval mode (`.eval()`): normalise with running_mean and running_var instead, and change no
    buffer; each example's output then depends on that example alone. A batch of one example
    in training mode has no variance to estimate and raises ValueError, as PyTorch does.
    """

    def __init__(self, dim: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.dim, self.eps, self.momentum = dim, eps, momentum
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        # Buffers: saved in state_dict and moved by .to()/.double(), but not parameters.
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"BatchNorm1d({self.dim}) takes input (N, {self.dim}), "
                             f"got shape {tuple(x.shape)}")
        if self.training and x.shape[0] < 2:
            raise ValueError("BatchNorm1d in training mode needs a batch of at least 2 examples "
                             "to estimate a variance; call .eval() to use the running statistics")
        # BEGIN SOLUTION 04.3
        if self.training:
            n = x.shape[0]
            mean = x.mean(dim=0)  # (dim,)
            var = x.var(dim=0, correction=0)  # (dim,), biased: used to normalise
            with torch.no_grad():
                m = self.momentum
                self.running_mean.copy_((1 - m) * self.running_mean + m * mean)
                self.running_var.copy_((1 - m) * self.running_var + m * var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean) / torch.sqrt(var + self.eps)  # (N, dim)
        return x_hat * self.weight + self.bias
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}, momentum={self.momentum}"
