"""Token ids for training: checking them, splitting them, and cutting them into mini-batches.

A corpus becomes one long 1-D tensor of token ids (int64). Language models are trained on
*windows* of it: a window of T ids is the input, and the same window shifted one position to the
right is the target, so that position t of the input is trained to predict the id that follows it.
"""

from __future__ import annotations

import torch


def check_ids(ids: torch.Tensor, vocab_size: int | None = None, min_length: int = 2,
              name: str = "ids") -> torch.Tensor:
    """`ids` if it is a 1-D integer tensor of at least `min_length` ids, all in [0, vocab_size)
    when `vocab_size` is given; otherwise a TypeError or ValueError that says what to change."""
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of token ids, got {type(ids).__name__}; "
                        f"wrap a list with torch.tensor(vocab.encode(text))")
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token ids, got dtype {ids.dtype}; "
                        f"use torch.long (int64)")
    if ids.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one long sequence of ids), got shape "
                         f"{tuple(ids.shape)}; flatten it with ids.view(-1) if that is meant")
    if len(ids) < min_length:
        raise ValueError(f"{name} holds {len(ids)} ids; at least {min_length} are needed "
                         f"(a bigram needs a previous and a next id)")
    if vocab_size is not None and len(ids) > 0:
        low, high = ids.min().item(), ids.max().item()
        if low < 0 or high >= vocab_size:
            raise ValueError(f"{name} holds ids from {low} to {high}, outside [0, {vocab_size}): "
                             f"was the model built for another vocabulary?")
    return ids


def train_val_split(ids: torch.Tensor, val_fraction: float = 0.1
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a sequence of ids into (train, val): the first part for training, the rest for
    validation, without shuffling.

    The validation part holds the last n_val = round(len(ids) * val_fraction) ids, the training
    part the n_train = len(ids) - n_val before them. Both are views of `ids` (no copy), and the
    same input always gives the same split. Each part must hold at least two ids (one pair):
    otherwise, or for a fraction outside (0, 1), a ValueError says what to change.
    """
    check_ids(ids, name="ids")
    if not isinstance(val_fraction, (int, float)) or not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be a number strictly between 0 and 1, got "
                         f"{val_fraction!r}; 0.1 keeps the last 10% for validation")
    n_val = round(len(ids) * val_fraction)
    n_train = len(ids) - n_val
    if n_train < 2 or n_val < 2:
        raise ValueError(f"splitting {len(ids)} ids with val_fraction={val_fraction} gives "
                         f"{n_train} for training and {n_val} for validation; each part needs at "
                         f"least 2 ids: use more data or another fraction")
    # BEGIN SOLUTION 03.5
    return ids[:n_train], ids[n_train:]
    # END SOLUTION


def get_batch(ids: torch.Tensor, batch_size: int, block_size: int,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A random mini-batch of windows: inputs x (B, T) and targets y (B, T), with B = batch_size
    and T = block_size.

    Row b of x is the window ids[s : s + T] for a start s drawn uniformly from every start that
    leaves room for the targets, 0 <= s <= len(ids) - T - 1, and row b of y is the window shifted
    by one, ids[s + 1 : s + T + 1]; so y[b, t] is the id that follows x[b, t]. Starts are drawn
    from `generator` alone, so the same seed gives the same batches.

    Hints: `torch.randint(high, (B,), generator=generator)` draws B starts in [0, high);
    `starts[:, None] + torch.arange(T)` is a (B, T) table of positions, and indexing `ids` with it
    gathers every window at once.
    """
    check_ids(ids, name="ids")
    for name, value in (("batch_size", batch_size), ("block_size", block_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if block_size >= len(ids):
        raise ValueError(f"block_size={block_size} needs more than {block_size} ids (a window and "
                         f"its shifted target), but there are {len(ids)}; use a smaller block_size")
    # BEGIN SOLUTION 03.5
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)  # (B,)
    positions = starts[:, None] + torch.arange(block_size)  # (B, T)
    return ids[positions], ids[positions + 1]  # (B, T) inputs, (B, T) targets
    # END SOLUTION
