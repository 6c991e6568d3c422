"""Experiments the notebook runs (provided): attention as a soft dictionary lookup, why scores
are divided by sqrt(d_k), permutation equivariance, two attention heads built by hand whose maps
can be read, and the cost of attention as the sequence grows.

    soft_lookup             softmax(sharpness * keys @ query) @ values, against a hard lookup
    score_variance          Var(q.k) with and without the 1/sqrt(d_k), for growing d_k
    softmax_saturation      max weight, entropy and Jacobian size of softmax of wider scores
    permutation_gap         how far f(permuted x) is from the permuted f(x)
    same_character_weights  a head that attends to earlier copies of the same character (content)
    previous_token_weights  a head that attends to the previous position (sinusoids alone)
    attention_cost          time and memory of attention against the sequence length T

The first four use plain torch so they run before any exercise; the two heads use the learner's
attention_weights (06.1, 06.2) and sinusoidal_positions (06.4).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from modules.m06_attention.attention import attention_weights
from modules.m06_attention.positions import sinusoidal_positions


def soft_lookup(query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                sharpness: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention for one query as a soft dictionary lookup: query (d,), keys (n, d),
    values (n, d_v) -> (weights (n,), result (d_v,)).

    A dictionary returns the value of the one key equal to the query. Attention scores every
    key by its dot product with the query and returns the softmax-weighted average of all the
    values. As `sharpness` grows the weights concentrate on the best-matching key and the result
    tends to that key's value: the hard lookup is the limit of the soft one.
    """
    if query.ndim != 1 or keys.ndim != 2 or values.ndim != 2 or keys.shape[1] != query.shape[0] \
            or values.shape[0] != keys.shape[0]:
        raise ValueError(f"soft_lookup takes query (d,), keys (n, d), values (n, d_v), got "
                         f"{tuple(query.shape)}, {tuple(keys.shape)}, {tuple(values.shape)}")
    weights = torch.softmax(sharpness * (keys @ query), dim=0)  # (n,)
    return weights, weights @ values  # (n,), (d_v,)


@dataclass(frozen=True)
class ScoreVariance:
    d_k: int
    raw: float  # Var(q . k): grows like d_k
    scaled: float  # Var(q . k / sqrt(d_k)): stays near 1


def score_variance(d_ks: Sequence[int], n_samples: int = 4000,
                   generator: torch.Generator | None = None) -> list[ScoreVariance]:
    """The sample variance of q . k for q, k with independent N(0, 1) entries, for each d_k.

    q . k sums d_k products of variance 1 each, so Var(q . k) = d_k; dividing by sqrt(d_k)
    brings it back to 1 whatever the head size (Vaswani et al. 2017, footnote 4).
    """
    rows = []
    for d_k in d_ks:
        q = torch.randn(n_samples, d_k, generator=generator, dtype=torch.float64)
        k = torch.randn(n_samples, d_k, generator=generator, dtype=torch.float64)
        scores = (q * k).sum(dim=-1)  # (n_samples,)
        rows.append(ScoreVariance(d_k, scores.var().item(),
                                  (scores / math.sqrt(d_k)).var().item()))
    return rows


def softmax_jacobian_norm(p: torch.Tensor) -> torch.Tensor:
    """The Frobenius norm of the Jacobian of softmax at output p (..., n) -> (...).

    J = diag(p) - p p^T, so ||J||^2 = sum p^2 - 2 sum p^3 + (sum p^2)^2. It tends to 0 as p
    approaches one-hot: a saturated softmax passes almost no gradient back to its scores.
    """
    s2 = (p ** 2).sum(dim=-1)
    return (s2 - 2 * (p ** 3).sum(dim=-1) + s2 ** 2).clamp_min(0.0).sqrt()


@dataclass(frozen=True)
class Saturation:
    std: float
    max_weight: float  # mean over rows of the largest weight: 1/n_keys uniform, 1 one-hot
    entropy: float  # mean entropy in nats: log(n_keys) uniform, 0 one-hot
    jacobian_norm: float  # mean Frobenius norm of the softmax Jacobian


def softmax_saturation(stds: Sequence[float], n_keys: int = 64, n_samples: int = 2000,
                       generator: torch.Generator | None = None) -> list[Saturation]:
    """How softmax of n_keys scores drawn N(0, std^2) behaves as std grows.

    Unscaled scores of a head of size d_k have std sqrt(d_k) (see score_variance). As the std
    grows, each row puts more of its weight on its largest score (std 8, d_k = 64: about 0.8
    on one key of 64); the Jacobian's norm first grows, peaks around std 3 to 4, then falls
    towards 0 (0.04 at std 64): the gradient vanishes once the rows are nearly one-hot.
    """
    rows = []
    for std in stds:
        scores = std * torch.randn(n_samples, n_keys, generator=generator, dtype=torch.float64)
        p = torch.softmax(scores, dim=-1)  # (n_samples, n_keys)
        entropy = -torch.special.xlogy(p, p).sum(dim=-1)  # (n_samples,)
        rows.append(Saturation(float(std), p.max(dim=-1).values.mean().item(),
                               entropy.mean().item(), softmax_jacobian_norm(p).mean().item()))
    return rows


def permutation_gap(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                    perm: torch.Tensor) -> float:
    """max |fn(x[:, perm]) - fn(x)[:, perm]| for a sequence map fn: (B, T, C) -> (B, T, C').

    Zero (to rounding) when fn is permutation equivariant, as self-attention without positions
    and without a mask is: shuffling the tokens shuffles the outputs and changes nothing else.
    A causal mask or position information makes the gap large.
    """
    if x.ndim != 3 or perm.shape != (x.shape[1],):
        raise ValueError(f"permutation_gap takes x (B, T, C) and perm (T,), got "
                         f"{tuple(x.shape)} and {tuple(perm.shape)}")
    return (fn(x[:, perm]) - fn(x)[:, perm]).abs().max().item()


def same_character_weights(text: str, sharpness: float = 4.0) -> torch.Tensor:
    """Causal attention weights (T, T) of a head that looks for earlier copies of its own
    character: queries and keys are one-hot codes of the characters, scaled so that the scaled
    score q_t . k_s / sqrt(d_k) is `sharpness` when text[s] == text[t] and 0 otherwise.
    Attention by content alone: each position splits its weight between itself and the earlier
    copies of its character."""
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text])  # (T,)
    onehot = torch.nn.functional.one_hot(ids, len(chars)).double()  # (T, V)
    codes = onehot * math.sqrt(sharpness * math.sqrt(len(chars)))  # (T, V), undoes 1/sqrt(V)
    return attention_weights(codes, codes, is_causal=True)  # (T, T)


def previous_token_weights(n_positions: int, dim: int = 64, sharpness: float = 24.0
                           ) -> torch.Tensor:
    """Causal attention weights (T, T) of a head that attends to the previous position, built
    from sinusoidal encodings alone: the query at t is PE[t] and the key at s is PE[s + 1], so
    q_t . k_s = sum_i cos((t - s - 1) w_i), largest when s = t - 1. PE[s + 1] is a fixed
    rotation of PE[s], which is why a learned key projection can find such a head. Attention
    by position alone (position 0 has only itself to attend). `sharpness` multiplies the
    queries: 24 puts about 0.93 of each row's weight on the previous position with dim 64."""
    pe = sinusoidal_positions(n_positions + 1, dim).double()  # (T + 1, dim)
    q, k = pe[:-1], pe[1:]  # (T, dim) each
    return attention_weights(sharpness * q, k, is_causal=True)  # (T, T)


@dataclass(frozen=True)
class Cost:
    T: int
    seconds: float  # median wall time of one call
    memory_bytes: int  # see memory_kind
    memory_kind: str  # "cuda peak" (measured) or "weights" (size of the (B, h, T, T) weights)


def weights_bytes(batch: int, n_head: int, T: int, dtype: torch.dtype) -> int:
    """The size of the (B, h, T, T) attention weights that naive attention materialises."""
    return batch * n_head * T * T * dtype.itemsize


def attention_cost(ts: Sequence[int], attend: Callable[..., torch.Tensor], batch: int = 1,
                   n_head: int = 4, head_dim: int = 64, device: str | torch.device = "cpu",
                   dtype: torch.dtype = torch.float32, repeats: int = 3,
                   generator: torch.Generator | None = None) -> list[Cost]:
    """Time and memory of attend(q, k, v) on (batch, n_head, T, head_dim) inputs for each T.

    Time: the median of `repeats` calls after one warm-up, with time.perf_counter (and a CUDA
    synchronize around each call on a GPU), without autograd. Memory: on CUDA, the peak memory
    allocated during the call above what the inputs hold (torch.cuda.max_memory_allocated);
    elsewhere nothing portable measures it, so it is the size of the (B, h, T, T) weights that
    naive attention builds (weights_bytes). Both grow like T^2 for naive attention; fused
    kernels (torch's SDPA on a GPU) never build the weights and their memory grows like T.
    """
    device = torch.device(device)
    on_cuda = device.type == "cuda"
    rows = []
    for T in ts:
        q, k, v = (torch.randn(batch, n_head, T, head_dim, generator=generator, dtype=dtype)
                   .to(device) for _ in range(3))
        times = []
        with torch.no_grad():
            attend(q, k, v)  # warm-up
            if on_cuda:
                torch.cuda.synchronize(device)
                torch.cuda.reset_peak_memory_stats(device)
                base = torch.cuda.memory_allocated(device)
            for _ in range(repeats):
                start = time.perf_counter()
                attend(q, k, v)
                if on_cuda:
                    torch.cuda.synchronize(device)
                times.append(time.perf_counter() - start)
        if on_cuda:
            memory, kind = torch.cuda.max_memory_allocated(device) - base, "cuda peak"
        else:
            memory, kind = weights_bytes(batch, n_head, T, dtype), "weights"
        rows.append(Cost(T, statistics.median(times), memory, kind))
    return rows
