"""Skip-gram with negative sampling (SGNS): word vectors learned by gradient descent.

Mikolov, Sutskever, Chen, Corrado and Dean (2013), "Distributed Representations of Words and
Phrases and their Compositionality". Each word has two vectors: v_w in the input (center)
table and u_w in the output (context) table. For a center word c and a word o seen within
`window` words of it, the model should find u_o . v_c large; for k "negative" words drawn
at random from the unigram distribution raised to the 3/4 power, small:

    loss(c, o, n_1..n_k) = -ln sigma(u_o . v_c) - sum_i ln sigma(-u_{n_i} . v_c)

Frequent words are subsampled: each occurrence of a word of relative frequency f is kept with
probability min(1, sqrt(t / f)), so "the" and "and" stop dominating the pairs. The input table
is the word vectors. Levy and Goldberg (2014) show that SGNS implicitly factorises a shifted
PMI matrix: the same information that cooccurrence.py counts.

    keep_probabilities, subsample -> skipgram_pairs -> sample_negatives -> SkipGram (sgns_loss)
    -> train_skipgram
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from modules.m05_embeddings.cooccurrence import OUT_OF_VOCABULARY
from modules.m05_embeddings.vectors import WordVectors


@dataclass(frozen=True)
class SkipGramConfig:
    """dim numbers per word; pairs within `window` words; `negatives` negative words per pair;
    subsampling threshold t (None keeps every word); `epochs` passes over the shuffled pairs in
    mini-batches of `batch_size`, with Adam at learning rate `lr`.

    The defaults train on TinyShakespeare (3,322 words seen 5+ times) in about 30-40 s on two
    CPU cores; SkipGramConfig(epochs=1, lr=0.01) takes about 3 s and gives rougher neighbours.
    word2vec's own defaults (t = 1e-5, plain SGD) suit corpora a thousand times larger.
    """

    dim: int = 50
    window: int = 5
    negatives: int = 5
    subsample: float | None = 1e-3
    epochs: int = 10
    batch_size: int = 1024
    lr: float = 0.003

    def __post_init__(self):
        for name in ("dim", "window", "negatives", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.subsample is not None and self.subsample <= 0:
            raise ValueError(f"subsample must be positive (or None), got {self.subsample}")


def word_counts(ids: np.ndarray | torch.Tensor, vocab_size: int) -> torch.Tensor:
    """How often each id in [0, vocab_size) occurs in `ids` (float64, (V,)); -1 is ignored."""
    ids = torch.as_tensor(ids)
    return torch.bincount(ids[ids != OUT_OF_VOCABULARY], minlength=vocab_size).double()


def keep_probabilities(counts: torch.Tensor, t: float) -> torch.Tensor:
    """min(1, sqrt(t / f)) for each word, f = its count over the total: (V,) float64. A word
    that never occurs gets 1 (it never needs to be kept or dropped)."""
    frequency = counts.double() / counts.sum()  # (V,)
    return torch.where(frequency > 0, (t / frequency).sqrt().clamp(max=1.0), 1.0)


def subsample(ids: torch.Tensor, keep: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The ids that survive: each occurrence of word w is kept with probability keep[w],
    independently (one uniform number per position from `generator`)."""
    return ids[torch.rand(len(ids), generator=generator, dtype=torch.float64) < keep[ids]]


def skipgram_pairs(ids: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (center, context) pair of positions at most `window` apart, both directions.

    ids (n,) -> centers (P,), contexts (P,) int64, P = 2 * sum_{d=1..window} (n - d) for
    n > window: first all pairs (ids[t], ids[t + d]) for d = 1, then d = 2, ..., then the
    same pairs reversed. Pass ids without OUT_OF_VOCABULARY entries.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    ids = ids.long()
    left = [ids[:-d] for d in range(1, window + 1) if d < len(ids)]
    right = [ids[d:] for d in range(1, window + 1) if d < len(ids)]
    if not left:
        raise ValueError(f"{len(ids)} words give no pair within a window of {window}")
    return torch.cat(left + right), torch.cat(right + left)


def negative_distribution(counts: torch.Tensor, power: float = 0.75) -> torch.Tensor:
    """The noise distribution of negative words: counts ** power, normalised to sum to 1 (V,).
    The 3/4 power (Mikolov et al., 2013) samples rare words more often than their frequency."""
    weights = counts.double() ** power  # (V,)
    return weights / weights.sum()


def sample_negatives(distribution: torch.Tensor, n: int, k: int,
                     generator: torch.Generator) -> torch.Tensor:
    """n * k words drawn with replacement from `distribution` (V,), as an (n, k) int64 tensor.
    A negative may by chance equal the true context word; word2vec ignores this, and so do we."""
    return torch.multinomial(distribution, n * k, replacement=True,
                             generator=generator).view(n, k)


def sgns_loss(v_center: torch.Tensor, u_context: torch.Tensor,
              u_negative: torch.Tensor) -> torch.Tensor:
    """The mean over the batch of -ln sigma(u_o . v_c) - sum_i ln sigma(-u_{n_i} . v_c).

    v_center (B, d): the center words' input vectors v_c; u_context (B, d): the true context
    words' output vectors u_o; u_negative (B, k, d): the k negative words' output vectors.
    Returns a scalar tensor (differentiable).

    Hint: ln sigma(x) is F.logsigmoid(x), which stays finite where log(sigmoid(x)) gives
    -inf (x below about -100 in float32); the k dot products of a row are one batched product,
    (u_negative @ v_center[:, :, None]) of shape (B, k, 1), or an einsum.
    """
    if v_center.ndim != 2 or v_center.shape != u_context.shape or u_negative.ndim != 3 \
            or (u_negative.shape[0], u_negative.shape[2]) != tuple(v_center.shape):
        raise ValueError(f"need v_center (B, d), u_context (B, d) and u_negative (B, k, d); got "
                         f"{tuple(v_center.shape)}, {tuple(u_context.shape)}, "
                         f"{tuple(u_negative.shape)}")
    # BEGIN SOLUTION 05.6
    positive = (u_context * v_center).sum(dim=-1)  # (B,)
    negative = torch.einsum("bkd,bd->bk", u_negative, v_center)  # (B, k)
    per_pair = -F.logsigmoid(positive) - F.logsigmoid(-negative).sum(dim=-1)  # (B,)
    return per_pair.mean()
    # END SOLUTION


class SkipGram(nn.Module):
    """Two tables of word vectors: `center` (input, v) and `context` (output, u), both (V, d).

    As in word2vec, the input table starts uniform in [-0.5/d, 0.5/d] (from `generator`) and the
    output table at zero: the first steps then move u towards the v's of its centers.
    """

    def __init__(self, vocab_size: int, dim: int, generator: torch.Generator | None = None):
        super().__init__()
        self.center = nn.Embedding(vocab_size, dim)
        self.context = nn.Embedding(vocab_size, dim)
        with torch.no_grad():
            noise = torch.rand(vocab_size, dim, generator=generator)  # (V, d) in [0, 1)
            self.center.weight.copy_((noise - 0.5) / dim)
            self.context.weight.zero_()

    def forward(self, center: torch.Tensor, context: torch.Tensor,
                negative: torch.Tensor) -> torch.Tensor:
        """The SGNS loss (scalar) of a batch: center (B,), context (B,), negative (B, k) ids.
        Look the center words up in the input table, the context and negative words in the
        output table, and hand the vectors to sgns_loss."""
        # BEGIN SOLUTION 05.6
        v_center = self.center(center)  # (B, d)
        u_context = self.context(context)  # (B, d)
        u_negative = self.context(negative)  # (B, k, d)
        return sgns_loss(v_center, u_context, u_negative)
        # END SOLUTION


def train_skipgram(ids: np.ndarray | torch.Tensor, words: Sequence[str], config: SkipGramConfig,
                   generator: torch.Generator,
                   progress: bool | None = None) -> tuple[WordVectors, list[float]]:
    """Train SGNS on the token ids `ids` (n,) over the vocabulary `words` (provided).

    Drops OUT_OF_VOCABULARY positions (word2vec removes them from the text) and, per epoch,
    subsamples frequent words, forms the pairs, shuffles them and takes Adam steps on
    mini-batches with fresh negatives. Everything random comes from `generator`. Returns the
    input table as float32 WordVectors and the loss of every step. `progress=None` shows a
    tqdm bar only in a terminal or notebook (tqdm's disable=None); False hides it.
    """
    ids = torch.as_tensor(np.asarray(ids), dtype=torch.long)
    ids = ids[ids != OUT_OF_VOCABULARY]
    counts = word_counts(ids, len(words))
    if len(ids) <= config.window:
        raise ValueError(f"{len(ids)} in-vocabulary words are too few for a window of "
                         f"{config.window}")
    keep = keep_probabilities(counts, config.subsample) if config.subsample else None
    noise = negative_distribution(counts)
    model = SkipGram(len(words), config.dim, generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for epoch in range(config.epochs):
        kept = ids if keep is None else subsample(ids, keep, generator)
        centers, contexts = skipgram_pairs(kept, config.window)
        order = torch.randperm(len(centers), generator=generator)
        n_batches = math.ceil(len(order) / config.batch_size)
        bar = tqdm(range(n_batches), desc=f"SGNS epoch {epoch + 1}/{config.epochs}",
                   disable=None if progress is None else not progress, leave=False)
        for batch in bar:
            rows = order[batch * config.batch_size:(batch + 1) * config.batch_size]
            negative = sample_negatives(noise, len(rows), config.negatives, generator)
            loss = model(centers[rows], contexts[rows], negative)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if batch % 100 == 0:
                bar.set_postfix(loss=f"{losses[-1]:.3f}")
    vectors = model.center.weight.detach().numpy().astype(np.float32)  # (V, d)
    return WordVectors(list(words), vectors), losses
