"""The bigram model as a neural network: a (V, V) table of logits trained by gradient descent.

Row a of the table holds the logits of the id that follows id a; softmax turns the row into
p(next | a). Looking a row up is the same as multiplying a one-hot vector by the table, so this
is a one-layer network without bias or nonlinearity, and the table is all there is to it.
Trained on the cross-entropy of the next id, it converges to the count model's maximum-likelihood
probabilities, because the count table is exactly what minimises that loss on the training text.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from modules.m03_bigram.data import check_ids, get_batch


class NeuralBigram(nn.Module):
    """logits (V, V), a learnable table that starts at zero: every row uniform, loss log V."""

    def __init__(self, vocab_size: int):
        super().__init__()
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
            raise ValueError(f"vocab_size must be a positive int, got {vocab_size!r}")
        self.vocab_size = vocab_size
        self.logits = nn.Parameter(torch.zeros(vocab_size, vocab_size))  # (V, V)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """The logits of the next id at every position: idx (B, T) -> (B, T, V).

        Any shape of integer ids works: the result has the shape of idx plus a last axis V.
        Hint: indexing the table with an id tensor looks up one row per id.
        """
        if idx.dtype.is_floating_point or idx.dtype == torch.bool:
            raise TypeError(f"idx must hold integer ids, got dtype {idx.dtype}")
        # BEGIN SOLUTION 03.6
        return self.logits[idx]  # (B, T, V): row idx[b, t] of the table
        # END SOLUTION

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean cross-entropy (nats) of targets (B, T) under the logits of idx (B, T): a
        0-d tensor that requires grad. Hint: F.cross_entropy takes logits (N, V) and targets (N,),
        so flatten both batch axes first."""
        if targets.shape != idx.shape:
            raise ValueError(f"targets {tuple(targets.shape)} must have the shape of idx "
                             f"{tuple(idx.shape)}")
        # BEGIN SOLUTION 03.6
        logits = self(idx)  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1))
        # END SOLUTION

    def probs(self) -> torch.Tensor:
        """The model as a probability table: softmax of each row, (V, V) float64, no grad."""
        return torch.softmax(self.logits.detach().to(torch.float64), dim=1)


def train_neural_bigram(model: NeuralBigram, ids: torch.Tensor, steps: int,
                        generator: torch.Generator, batch_size: int = 32, block_size: int = 64,
                        lr: float = 0.03) -> list[float]:
    """Train `model` on mini-batches of `ids`; return the loss of every step (floats).

    Each of the `steps` steps: draw a batch with `get_batch(ids, batch_size, block_size,
    generator)`, compute `model.loss(x, y)`, clear the gradients, backpropagate, and take one
    step of the Adam optimiser created below. Each loss is recorded before its update.

    Adam (Module 09 builds it) scales each entry's step by a running estimate of the size of its
    gradient. That matters here: with plain SGD, the row of a rare character gets a gradient
    proportional to how often the character occurs, and learns that much more slowly.
    """
    check_ids(ids, model.vocab_size)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    # BEGIN SOLUTION 03.6
    losses = []
    for _ in range(steps):
        x, y = get_batch(ids, batch_size, block_size, generator)  # (B, T), (B, T)
        loss = model.loss(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    # END SOLUTION


def row_weighted_kl(p: torch.Tensor, q: torch.Tensor, row_weights: torch.Tensor) -> float:
    """How far the bigram table q is from the table p, in nats:

        sum_a row_weights[a] * KL(p[a] || q[a]),
        KL(p[a] || q[a]) = sum_b p[a, b] * log(p[a, b] / q[a, b])

    p, q: (V, V), rows summing to 1; row_weights: (V,), summing to 1, e.g. how often each id is
    the previous id of a pair. Terms with p[a, b] = 0 count 0; a term with p > 0 and q = 0 gives
    inf. With p the count model's maximum-likelihood table (alpha = 0) and the row frequencies of
    the same text as weights, this is exactly how much higher q's NLL on that text is than p's.
    """
    if p.shape != q.shape or p.ndim != 2 or p.shape[0] != p.shape[1]:
        raise ValueError(f"p and q must be (V, V) tables of one shape, got {tuple(p.shape)} and "
                         f"{tuple(q.shape)}")
    if row_weights.shape != p.shape[:1]:
        raise ValueError(f"row_weights must be ({len(p)},), got {tuple(row_weights.shape)}")
    p, q, row_weights = (t.detach().to(torch.float64) for t in (p, q, row_weights))
    log_ratio = torch.where(p > 0, p.log() - q.log(), torch.zeros_like(p))  # (V, V)
    row_kl = (p * log_ratio).sum(dim=1)  # (V,) KL of every row
    return (row_weights * row_kl).sum().item()
