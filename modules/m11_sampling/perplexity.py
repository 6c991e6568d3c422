"""Perplexity of a text under a model: exp of the mean negative log-likelihood of each next
token given the ones before it, the number to compare samplers' outputs and checkpoints by.

A model sees at most block_size tokens, so a long text is scored in windows. Cutting it into
consecutive windows (stride = block_size) is fast, but the first tokens of every window are
predicted from little context. A sliding window (stride s < block_size) moves by s tokens and
scores only the last s targets of each window, each of which then sees at least
block_size - s tokens before it: a better estimate, about block_size / s times the work (the
method of Hugging Face's "Perplexity of fixed-length models" guide).

    perplexity   exp(mean NLL) of a 1-D id sequence, in windows of block_size (11.7)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from modules.m07_transformer.model import GPT, check_token_ids


def perplexity(model: GPT, ids: torch.Tensor, stride: int | None = None) -> float:
    """exp of the mean next-token NLL of the 1-D sequence `ids` (N,): the N - 1 targets
    ids[1], ..., ids[N-1], each predicted from the ids before it.

    Windows: the first holds ids[0:e] with e = min(block_size, N - 1) and scores all of its
    targets ids[1:e + 1]. Each next window moves its end e forward by stride (default
    block_size; never past N - 1), holds the block_size ids ending at e, ids[max(0, e -
    block_size):e], and scores only the new targets, the last (e - previous e) positions. So
    every target is scored exactly once. Sum the NLLs (F.cross_entropy with reduction="sum"),
    divide by N - 1, return math.exp of it as a float. In eval mode, without gradients (both
    are already arranged around your code).
    """
    if not isinstance(ids, torch.Tensor) or ids.ndim != 1 or ids.numel() < 2:
        raise ValueError(f"ids must be a 1-D tensor of at least 2 token ids, got "
                         f"{tuple(ids.shape) if isinstance(ids, torch.Tensor) else ids!r}")
    check_token_ids(ids[None], model.config.vocab_size, "ids")
    block_size = model.config.block_size
    stride = block_size if stride is None else stride
    if isinstance(stride, bool) or not isinstance(stride, int) or not 1 <= stride <= block_size:
        raise ValueError(f"stride must be an int in [1, block_size={block_size}], got {stride!r}")
    ids = ids.to(device=next(model.parameters()).device, dtype=torch.int64)  # (N,)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            # BEGIN SOLUTION 11.7
            n_targets = ids.numel() - 1
            total_nll, scored = 0.0, 0  # targets ids[1:scored + 1] are done
            end = min(block_size, n_targets)
            while True:
                start = max(0, end - block_size)
                logits, _ = model(ids[None, start:end])  # (1, end - start, V)
                new = end - scored  # the targets ids[scored + 1:end + 1]
                nll = F.cross_entropy(logits[0, -new:], ids[scored + 1:end + 1], reduction="sum")
                total_nll += nll.item()
                scored = end
                if end == n_targets:
                    break
                end = min(end + stride, n_targets)
            return math.exp(total_nll / n_targets)
            # END SOLUTION
    finally:
        model.train(was_training)
