"""Fixed-length context windows, and a generated text that a bigram model cannot predict.

A window is `block_size` consecutive ids and its target is the id that follows it. Windows start
at `block_size`: the first `block_size` ids of a sequence are only ever context, never a target,
so no padding token (and no extra vocabulary entry) is needed and every window is real text.
A sequence of n ids gives n - block_size windows.
"""

from __future__ import annotations

import torch


def context_windows(ids: torch.Tensor, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every window of `block_size` ids in `ids` (n,) and the id that follows it.

    Returns X (N, block_size) int64 and Y (N,) int64 with N = n - block_size, where
    X[i] = ids[i : i + block_size] and Y[i] = ids[i + block_size]. Raises ValueError when
    `ids` is not 1-D, when block_size < 1, or when `ids` is too short to give one window.

    Hint: build an (N, block_size) index matrix with `torch.arange` and broadcasting
    (row i is i, i+1, ..., i+block_size-1) and index `ids` with it; `ids.unfold` works too.
    """
    if ids.ndim != 1:
        raise ValueError(f"ids must be 1-D (one long sequence), got shape {tuple(ids.shape)}")
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    if len(ids) <= block_size:
        raise ValueError(f"{len(ids)} ids give no window of {block_size} ids plus a target; "
                         f"use a longer sequence or a smaller block_size")
    # BEGIN SOLUTION 04.1
    n_windows = len(ids) - block_size
    starts = torch.arange(n_windows)[:, None]  # (N, 1)
    offsets = torch.arange(block_size)[None, :]  # (1, block_size)
    X = ids[starts + offsets].long()  # (N, block_size)
    Y = ids[block_size:].long()  # (N,)
    return X, Y
    # END SOLUTION


def two_back_text(n_chars: int, alphabet: str = "abcdefgh", noise: float = 0.1,
                  seed: int = 0) -> str:
    """A text in which each character is predicted by the character two places back.

    Even and odd positions form two independent chains. Along each chain, the next character
    is a fixed shuffle of the previous one (so x[t] = shift(x[t - 2])), except that with
    probability `noise` it is drawn uniformly from the alphabet. The character just before
    x[t] belongs to the other chain and says nothing about x[t]: a bigram model stays near
    ln(len(alphabet)) nats, while a model that sees two characters back can get close to the
    noise floor. Seeded: the same arguments give the same text.
    """
    if n_chars < 2 or len(alphabet) < 2 or not 0.0 <= noise <= 1.0:
        raise ValueError(f"need n_chars >= 2, an alphabet of 2+ characters and noise in [0, 1]; "
                         f"got {n_chars}, {alphabet!r}, {noise}")
    gen = torch.Generator().manual_seed(seed)
    k = len(alphabet)
    shift = torch.randperm(k, generator=gen).tolist()  # which character follows, two steps on
    random_ids = torch.randint(k, (n_chars,), generator=gen).tolist()
    is_noise = (torch.rand(n_chars, generator=gen) < noise).tolist()
    ids = random_ids[:2]
    for t in range(2, n_chars):
        ids.append(random_ids[t] if is_noise[t] else shift[ids[t - 2]])
    return "".join(alphabet[i] for i in ids)
