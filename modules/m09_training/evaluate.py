"""Estimating the loss on each split, the number a training run is judged by.

The loss of one mini-batch is noisy; the mean over `batches` mini-batches is a better estimate
of the loss on the whole split. Every evaluation draws the SAME batches (a fresh generator
seeded with `seed` for each split), so that two evaluations differ only because the model
changed, not because they saw different text. The model runs in eval mode (dropout off) and
without building the autograd graph, and is put back in the mode it was in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import numpy as np
import torch
from torch import nn

from modules.m09_training.data import get_batch


def evaluate(model: nn.Module, splits: dict[str, np.ndarray], batches: int, batch_size: int,
             block_size: int, seed: int = 1234, device: str | torch.device = "cpu",
             autocast: Callable[[], AbstractContextManager] = contextlib.nullcontext
             ) -> dict[str, float]:
    """The mean loss of `model` over `batches` mini-batches of each split: {name: loss}.

    For each split (name -> 1-D array of ids): a fresh torch.Generator().manual_seed(seed),
    `batches` calls of get_batch(data, batch_size, block_size, generator, device), and the
    mean of the losses model(x, y) returns (forward under `autocast()`). All of it under
    torch.no_grad() and in eval mode; the model's previous mode (model.training) is restored
    at the end.
    """
    if isinstance(batches, bool) or not isinstance(batches, int) or batches < 1:
        raise ValueError(f"batches must be a positive int, got {batches!r}")
    if not splits:
        raise ValueError("splits is empty: pass e.g. {\"train\": data.train, \"val\": data.val}")
    # BEGIN SOLUTION 09.8
    was_training = model.training
    model.eval()
    results = {}
    with torch.no_grad():
        for name, data in splits.items():
            generator = torch.Generator().manual_seed(seed)
            losses = []
            for _ in range(batches):
                x, y = get_batch(data, batch_size, block_size, generator, device)  # (B, T) each
                with autocast():
                    _, loss = model(x, y)
                losses.append(loss)
            results[name] = torch.stack(losses).mean().item()
    model.train(was_training)
    return results
    # END SOLUTION
