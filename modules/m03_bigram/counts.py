"""The count bigram model: the next character depends only on the one before it.

A bigram model assigns p(next = b | previous = a) to every pair of ids (a, b): a (V, V) table
whose row a is a probability distribution over the next id. The maximum-likelihood table is the
count of each pair divided by its row's total. Additive ("Laplace") smoothing adds `alpha` to every
count first, so that a pair never seen in training keeps a small probability:

    p(b | a) = (count[a, b] + alpha) / (row_count[a] + alpha * V)

where row_count[a] = sum_b count[a, b] is how often a is followed by anything.

It is graded by the average negative log-likelihood of each next id given the previous one, in
nats, and by the perplexity exp(nll). Reference: D. Jurafsky and J. H. Martin, *Speech and
Language Processing*, 3rd edition draft, chapter 3 (n-gram models, smoothing, perplexity).
"""

from __future__ import annotations

import math

import torch

from modules.m03_bigram.data import check_ids


class CountBigram:
    """A bigram model made by counting pairs of consecutive ids.

    After `fit(ids)`:
        counts: (V, V) int64, counts[a, b] = how often id b follows id a in `ids`;
        probs:  (V, V) float64, row a = the smoothed distribution of the id after a (sums to 1).

    A row never seen in training (row count 0) with alpha = 0 has no maximum-likelihood
    distribution (0 / 0). It gets the uniform distribution 1 / V: the limit of
    alpha / (0 + alpha * V) as alpha -> 0, so alpha = 0 behaves like a tiny alpha there, and
    `probs` never holds a nan.
    """

    def __init__(self, vocab_size: int, alpha: float = 1.0):
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
            raise ValueError(f"vocab_size must be a positive int, got {vocab_size!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) \
                or not math.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0 (the count added to every "
                             f"pair), got {alpha!r}")
        self.vocab_size = vocab_size
        self.alpha = float(alpha)
        self.counts: torch.Tensor | None = None
        self.probs: torch.Tensor | None = None

    @classmethod
    def from_probs(cls, probs: torch.Tensor) -> CountBigram:
        """A model that uses a given (V, V) table of probabilities, and has no counts.

        Every tool of this class that reads only `probs` (`nll`, `perplexity`, `sample`) then
        works on any bigram table, e.g. the softmax of a trained NeuralBigram's logits.
        """
        if not isinstance(probs, torch.Tensor) or probs.ndim != 2 \
                or probs.shape[0] != probs.shape[1]:
            raise ValueError("probs must be a square (V, V) tensor")
        probs = probs.detach().to(torch.float64)
        if (probs < 0).any() or not torch.allclose(probs.sum(dim=1), torch.ones_like(probs[:, 0])):
            raise ValueError("every row of probs must be non-negative and sum to 1")
        model = cls(len(probs), alpha=0.0)
        model.probs = probs
        return model

    def fit(self, ids: torch.Tensor) -> CountBigram:
        """Count every pair (ids[i], ids[i + 1]) and turn the counts into smoothed probabilities.

        ids: (N,) integer tensor, N >= 2, every id in [0, V). Sets `counts` (V, V) int64 with
        counts.sum() == N - 1, and `probs` (V, V) float64 by the formula in the module docstring,
        with the uniform row for a row never seen when alpha = 0 (see the class docstring).
        Returns self, so that `CountBigram(V).fit(ids)` is a fitted model.

        Count without a Python loop over the pairs. Hints: the pair (a, b) can be numbered
        a * V + b, and `torch.bincount(numbers, minlength=V * V)` counts every number at once;
        or `counts.index_put_((a_ids, b_ids), ones, accumulate=True)`. Divide in float64, and use
        `torch.where` to put 1 / V where a row's total is 0.
        """
        ids = check_ids(ids, self.vocab_size)
        # BEGIN SOLUTION 03.2
        V = self.vocab_size
        pair_numbers = ids[:-1] * V + ids[1:]  # (N - 1,) the pair (a, b) as one number a * V + b
        self.counts = torch.bincount(pair_numbers, minlength=V * V).view(V, V)  # (V, V) int64
        smoothed = self.counts.to(torch.float64) + self.alpha  # (V, V)
        row_totals = smoothed.sum(dim=1, keepdim=True)  # (V, 1)
        uniform = torch.full_like(smoothed, 1.0 / V)
        self.probs = torch.where(row_totals > 0, smoothed / row_totals, uniform)  # (V, V)
        # END SOLUTION
        return self

    def _checked(self, ids: torch.Tensor) -> torch.Tensor:
        """`ids` checked against this model, which must be fitted."""
        if self.probs is None:
            raise RuntimeError("this CountBigram has no probabilities yet: call fit(ids) first")
        return check_ids(ids, self.vocab_size)

    def nll(self, ids: torch.Tensor) -> float:
        """The average negative log-likelihood, in nats, of every next id given the one before:

            nll = -(1 / (N - 1)) * sum_i log probs[ids[i], ids[i + 1]]

        ids: (N,) integer tensor, N >= 2. A pair of probability 0 (possible with alpha = 0) makes
        the result `inf` (log 0 = -inf): the model says the text is impossible. Never nan.
        Hint: `probs[a_ids, b_ids]` picks one probability per pair.
        """
        ids = self._checked(ids)
        # BEGIN SOLUTION 03.3
        pair_probs = self.probs[ids[:-1], ids[1:]]  # (N - 1,) p(next | previous) of every pair
        return -pair_probs.log().mean().item()
        # END SOLUTION

    def perplexity(self, ids: torch.Tensor) -> float:
        """exp(nll(ids)): the number of equally likely choices that would leave the model as
        uncertain as it is, on average, about each next id (V for a uniform model, 1 for a
        model that is always sure and right)."""
        # BEGIN SOLUTION 03.3
        return math.exp(self.nll(ids))
        # END SOLUTION

    def sample(self, start_id: int, length: int, generator: torch.Generator) -> list[int]:
        """`length` new ids, each drawn from the row of the one before it; the first from row
        `start_id`. The result does not include `start_id`.

        Draw every id with one call `torch.multinomial(probs[previous], 1, generator=generator)`,
        so that the same seed gives the same sample.
        """
        if self.probs is None:
            raise RuntimeError("this CountBigram has no probabilities yet: call fit(ids) first")
        if isinstance(start_id, bool) or not isinstance(start_id, int) \
                or not 0 <= start_id < self.vocab_size:
            raise ValueError(f"start_id must be an int in [0, {self.vocab_size}), got {start_id!r}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError(f"length must be an int >= 0, got {length!r}")
        # BEGIN SOLUTION 03.4
        sampled, previous = [], start_id
        for _ in range(length):
            previous = torch.multinomial(self.probs[previous], 1, generator=generator).item()
            sampled.append(previous)
        return sampled
        # END SOLUTION
