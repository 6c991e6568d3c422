"""Gradient accumulation: one optimiser step from several micro-batches.

A batch too large for memory is cut into k micro-batches of equal size. Each is run forward
and backward in turn; PyTorch adds every backward's gradients into .grad, so dividing each
micro-batch's mean loss by k leaves in .grad exactly the gradient of the whole batch's mean
loss, as if it had been one forward and one backward. The optimiser then steps once.

With DistributedDataParallel, every backward normally averages the gradients over all
processes (an all-reduce). Only the sum over the k micro-batches matters, so the first k - 1
backward passes run inside the wrapper's `no_sync()` context, which skips the communication,
and the last one synchronises the accumulated gradients once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from functools import partial

import torch
from torch import nn


def no_sync_unless_last(model: nn.Module, is_last: bool) -> AbstractContextManager:
    """The context for one micro-batch's forward and backward: `model.no_sync()` for every
    micro-batch but the last when the model can skip synchronising (a DistributedDataParallel
    wrapper, possibly compiled), and a context that does nothing otherwise."""
    if not is_last and hasattr(model, "no_sync"):
        return model.no_sync()
    return contextlib.nullcontext()


def accumulate_gradients(model: nn.Module,
                         micro_batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
                         autocast: Callable[[], AbstractContextManager] = contextlib.nullcontext,
                         sync: Callable[[bool], AbstractContextManager] | None = None) -> float:
    """Forward and backward every micro-batch (x, y) of `micro_batches`, adding into .grad the
    gradient of the mean loss over all of them; return that mean loss (a float).

    The model returns (logits, loss) for model(x, y). For each micro-batch: enter
    `sync(is_last)` (is_last is True for the last micro-batch only), run the forward pass under
    `autocast()`, and call backward on loss / k, with k = len(micro_batches); both the forward
    and the backward must happen inside the sync context. `sync` defaults to
    no_sync_unless_last(model, is_last). The returned value is the average of the k
    micro-batch losses (keep them as tensors and call .item() once at the end: .item() waits
    for the device). Gradients are added to whatever .grad holds: zero them before.
    """
    micro_batches = list(micro_batches)
    if not micro_batches:
        raise ValueError("micro_batches is empty: pass at least one (x, y) pair")
    if sync is None:
        sync = partial(no_sync_unless_last, model)
    # BEGIN SOLUTION 09.7
    k = len(micro_batches)
    losses = []
    for i, (x, y) in enumerate(micro_batches):
        with sync(i == k - 1):
            with autocast():
                _, loss = model(x, y)
            (loss / k).backward()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()
    # END SOLUTION
