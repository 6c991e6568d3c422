"""Batches drawn from many token files at once, and the validation loss on a fixed slice.

Exercise 10.4 `ShardLoader`: Module 09's get_batch reads random windows from ONE memory-mapped
array. A corpus cut into shards is many arrays, and a window must never run from the end of
one shard into the start of the next (two unrelated stories glued together would be a
sequence the data never holds, and an index past the end of a file an error). So each row of a
batch first picks a file, then a start inside it. Choosing the file uniformly would sample a
short file's windows more often than a long one's; weighting each file by its number of valid
starts (len - block_size) makes every valid window of the corpus equally likely, as if it were
one long array with the seams cut out. nanoGPT picks from one file; OLMo's and Megatron's
loaders build the same kind of index over many.

Exercise 10.5 `validation_loss`: the loss over consecutive, non-overlapping windows from the
start of the validation tokens, up to max_tokens of them. Every call sees exactly the same
tokens, so two numbers differ only because the model did, and no window is counted twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import torch
from torch import nn

from modules.m09_training.data import inputs_and_targets, read_tokens


def _positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


class ShardLoader:
    """Random (x, y) windows of block_size + 1 ids from many token files (Module 09's format).

    token_files  the files, opened with read_tokens (np.memmap: nothing read until indexed)
    block_size   T, the length of x and of y
    seed         seeds `self.generator`, the one source of randomness: the same seed (or the
                 same state, see state_dict) gives the same batches

    `self.valid_starts[i] = max(len(file i) - block_size, 0)`: the starts s with
    s + block_size + 1 <= len(file i), every window that holds x and its target y.
    """

    def __init__(self, token_files: Sequence[str | Path], block_size: int, seed: int = 0):
        _positive_int("block_size", block_size)
        if not token_files:
            raise ValueError("token_files is empty: pass the token files of the training shards")
        self.token_files = [Path(f) for f in token_files]
        self.block_size = block_size
        self.arrays = [read_tokens(f) for f in self.token_files]  # memmaps, (N_i,) each
        self.valid_starts = torch.tensor([max(len(a) - block_size, 0) for a in self.arrays],
                                         dtype=torch.int64)  # (F,)
        if int(self.valid_starts.sum()) == 0:
            raise ValueError(f"no token file holds more than block_size={block_size} ids "
                             f"(lengths {[len(a) for a in self.arrays]}): use a smaller "
                             f"block_size or more data")
        self.generator = torch.Generator().manual_seed(seed)

    def get_batch(self, batch_size: int, device: str | torch.device = "cpu"
                  ) -> tuple[torch.Tensor, torch.Tensor]:
        """x, y: (B, T) int64 on `device`, B = batch_size, T = block_size.

        Row b comes from one file f and start s, window = file_f[s : s + T + 1]: x[b] is its
        first T ids, y[b] its last T. File f is drawn with probability valid_starts[f] /
        valid_starts.sum(), then s uniformly among its valid starts: together, every valid
        window of every file is equally likely. All draws use self.generator only.

        Hints: one way draws both at once: an index k uniform in [0, total valid starts), then
        the file whose range of the running total holds k (`torch.cumsum`,
        `torch.searchsorted(ends, k, right=True)`), and s = k minus the starts of the files
        before it. Another: `torch.multinomial(weights, B, replacement=True, generator=...)`
        for the files, then a start per row. Stack the windows (B, T + 1) as Module 09's
        get_batch does, and cut them with its `inputs_and_targets(windows, device)`.
        """
        _positive_int("batch_size", batch_size)
        # BEGIN SOLUTION 10.4
        ends = torch.cumsum(self.valid_starts, 0)  # (F,): valid starts of files 0..f together
        k = torch.randint(int(ends[-1]), (batch_size,), generator=self.generator)  # (B,)
        files = torch.searchsorted(ends, k, right=True)  # (B,): the file holding index k
        starts = k - (ends[files] - self.valid_starts[files])  # (B,): the offset inside it
        T = self.block_size
        windows = np.stack([self.arrays[f][s:s + T + 1]
                            for f, s in zip(files.tolist(), starts.tolist(), strict=True)])
        return inputs_and_targets(windows, device)  # (B, T) each
        # END SOLUTION

    def state_dict(self) -> dict:
        """What resumes the stream of batches: the generator's state (a uint8 tensor)."""
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


def validation_loss(model: nn.Module, val_tokens: np.ndarray, block_size: int, batch_size: int,
                    max_tokens: int, device: str | torch.device = "cpu",
                    autocast: Callable[[], AbstractContextManager] = contextlib.nullcontext
                    ) -> float:
    """The mean cross-entropy of `model` over the fixed slice val_tokens[:max_tokens].

    The slice (n = min(max_tokens, len(val_tokens)) ids) is cut into W = (n - 1) // block_size
    consecutive windows: window i is val_tokens[i*T : i*T + T + 1] (T = block_size), x its
    first T ids and y its last T: each target is scored once, and the ids after the last
    whole window are left out. The windows are fed batch_size at
    a time (the last batch may be smaller), and the result is the mean of the per-token losses
    over all W * T targets: model(x, y) returns the mean over its batch, so weight it by the
    batch's number of windows. Forward passes under `autocast()`, with torch.no_grad() and in
    eval mode; the model's previous mode is restored.
    """
    if not isinstance(val_tokens, np.ndarray) or val_tokens.ndim != 1:
        raise TypeError(f"val_tokens must be a 1-D NumPy array or np.memmap of ids (read_tokens), "
                        f"got {type(val_tokens).__name__}")
    for name, value in (("block_size", block_size), ("batch_size", batch_size),
                        ("max_tokens", max_tokens)):
        _positive_int(name, value)
    if min(max_tokens, len(val_tokens)) < block_size + 1:
        raise ValueError(f"a window needs block_size + 1 = {block_size + 1} ids, but the slice "
                         f"holds {min(max_tokens, len(val_tokens))}: raise max_tokens or use "
                         f"a smaller block_size")
    # BEGIN SOLUTION 10.5
    T = block_size
    n_windows = (min(max_tokens, len(val_tokens)) - 1) // T  # W
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        for first in range(0, n_windows, batch_size):
            rows = min(batch_size, n_windows - first)
            ids = np.asarray(val_tokens[first * T:(first + rows) * T + 1], dtype=np.int64)
            x = torch.from_numpy(ids[:-1].reshape(rows, T)).to(device)  # (b, T)
            y = torch.from_numpy(ids[1:].reshape(rows, T)).to(device)  # (b, T)
            with autocast():
                _, loss = model(x, y)
            total += loss.item() * rows
    model.train(was_training)
    return total / n_windows
    # END SOLUTION
