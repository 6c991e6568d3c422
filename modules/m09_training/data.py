"""Token files on disk and random mini-batches read from them.

A corpus is encoded once and kept as a flat binary file of token ids, two bytes per id when the
vocabulary has at most 2^16 entries (uint16), four otherwise (uint32), with a small JSON
"sidecar" next to it (`train.bin.json`) recording the dtype, the number of ids and the
vocabulary size. Training opens the file with `np.memmap`: the operating system pages in only
the windows a batch touches, so a corpus larger than memory costs nothing to open. This is the
layout nanoGPT's `prepare.py` scripts write (there the dtype is implicit).

A batch is B random windows of T + 1 consecutive ids: the first T are the input x and the last
T the target y, so y[b, t] is the id that follows x[b, t] (the same contract as Module 03's
get_batch, now on a memory-mapped array instead of a tensor in memory).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from modules.m03_bigram import CharVocab

TOKEN_DTYPES = ("uint16", "uint32")
PREPARE_HINT = ("write it with write_tokens(ids, path, vocab_size), or with "
                "prepare_char_data(text, out_dir) for a character corpus (the training script "
                "prepares its data by itself on its first run)")


def token_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned dtype that holds every id of a vocabulary: uint16 for at most 2^16
    ids (0 .. 65535), uint32 above."""
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)):
        raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
    if not 1 <= vocab_size <= 2**32:
        raise ValueError(f"vocab_size must be between 1 and 2**32, got {vocab_size}")
    return np.dtype(np.uint16) if vocab_size <= 2**16 else np.dtype(np.uint32)


def sidecar_path(path: str | Path) -> Path:
    """The JSON file that describes the token file `path`: `<path>.json`."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def _as_id_array(ids: Sequence[int] | np.ndarray | torch.Tensor, vocab_size: int) -> np.ndarray:
    """`ids` as a 1-D integer NumPy array of ids in [0, vocab_size), or a TypeError or
    ValueError that says what is wrong (and names the first bad id)."""
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValueError(f"ids must be 1-D (one long sequence of token ids), got shape "
                         f"{array.shape}; concatenate the documents first (e.g. .reshape(-1))")
    if array.size == 0:
        raise ValueError("ids is empty: there is nothing to write")
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"ids must be integer token ids, got dtype {array.dtype}; a float array "
                        f"often means the encoding went wrong (convert with .astype(np.int64) "
                        f"only if the values really are whole numbers)")
    outside = np.flatnonzero((array < 0) | (array >= vocab_size))
    if outside.size:
        position = int(outside[0])
        raise ValueError(f"id {int(array[position])} at position {position} is outside "
                         f"[0, vocab_size={vocab_size}) ({outside.size} such ids): was it "
                         f"encoded with another vocabulary?")
    return array


def _write_json_atomically(path: Path, record: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_tokens(ids: Sequence[int] | np.ndarray | torch.Tensor, path: str | Path,
                 vocab_size: int) -> Path:
    """Write token ids to the binary file `path` (raw ids in `token_dtype(vocab_size)`, no
    header) and its sidecar `<path>.json`; return `path`.

    The write is atomic: the bytes go to `<path>.tmp` first, which then replaces `path` in one
    step (`os.replace`), so a crash never leaves a half-written token file under the real name.

    Hints: `array.astype(dtype)` converts, `array.tofile(name)` writes the raw bytes, and
    `os.replace(src, dst)` renames over an existing file.
    """
    array = _as_id_array(ids, vocab_size)  # (N,)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # BEGIN SOLUTION 09.1
    tmp = path.with_name(path.name + ".tmp")
    array.astype(token_dtype(vocab_size)).tofile(tmp)
    os.replace(tmp, path)
    # END SOLUTION
    write_sidecar(path, int(array.size), vocab_size)
    return path


def write_sidecar(path: str | Path, length: int, vocab_size: int) -> Path:
    """Write the sidecar `<path>.json` of a token file of `length` ids in
    `token_dtype(vocab_size)`: {"dtype", "length", "vocab_size"} (atomically); return its path.
    write_tokens calls it; so does code that writes a token file in chunks (Module 10)."""
    record = {"dtype": token_dtype(vocab_size).name, "length": int(length),
              "vocab_size": int(vocab_size)}
    sidecar = sidecar_path(path)
    _write_json_atomically(sidecar, record)
    return sidecar


def read_tokens(path: str | Path) -> np.memmap:
    """The ids written by `write_tokens` at `path`, as a read-only 1-D np.memmap (nothing is
    read into memory until it is indexed). The file's size must match its sidecar."""
    path = Path(path)
    sidecar = sidecar_path(path)
    for needed in (path, sidecar):
        if not needed.is_file():
            raise FileNotFoundError(f"{needed} is missing: {PREPARE_HINT}")
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    if record.get("dtype") not in TOKEN_DTYPES or not isinstance(record.get("length"), int):
        raise ValueError(f"{sidecar} is not a token-file sidecar (it needs \"dtype\" in "
                         f"{TOKEN_DTYPES} and an integer \"length\"); {PREPARE_HINT}")
    dtype, length = np.dtype(record["dtype"]), record["length"]
    size, expected = path.stat().st_size, length * dtype.itemsize
    if size != expected or length < 1:
        raise ValueError(f"{path} holds {size} bytes but {sidecar} describes {length} "
                         f"{dtype.name} ids ({expected} bytes): truncated? re-run prepare "
                         f"(delete both files, then {PREPARE_HINT})")
    return np.memmap(path, dtype=dtype, mode="r", shape=(length,))


def get_batch(data: np.ndarray, batch_size: int, block_size: int, generator: torch.Generator,
              device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """A random mini-batch: inputs x (B, T) and targets y (B, T), int64, on `device`, with
    B = batch_size and T = block_size.

    Row b is cut from one window data[s : s + T + 1] for a start s drawn uniformly from
    0 .. len(data) - T - 1 (every start that leaves room for the target): x[b] is its first T
    ids and y[b] its last T, so y[b, t] is the id that follows x[b, t]. Starts come from
    `generator` alone: the same generator state gives the same batch.

    Hints: `torch.randint(high, (B,), generator=generator)` draws B starts in [0, high);
    `np.stack` of B slices of `data` reads only those windows from a memmap (B, T + 1);
    `inputs_and_targets(windows, device)` (below) cuts them into x and y on the device.
    """
    if not isinstance(data, np.ndarray):
        raise TypeError(f"data must be a 1-D NumPy array or np.memmap of token ids (see "
                        f"read_tokens), got {type(data).__name__}")
    if data.ndim != 1 or data.dtype == np.bool_ or not np.issubdtype(data.dtype, np.integer):
        raise ValueError(f"data must be 1-D integer token ids, got shape {data.shape} and dtype "
                         f"{data.dtype}")
    for name, value in (("batch_size", batch_size), ("block_size", block_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if block_size >= len(data):
        raise ValueError(f"block_size={block_size} needs more than {block_size} ids (a window "
                         f"and the id after it), but data holds {len(data)}; use a smaller "
                         f"block_size or more data")
    # BEGIN SOLUTION 09.2
    starts = torch.randint(len(data) - block_size, (batch_size,), generator=generator)  # (B,)
    windows = np.stack([data[s:s + block_size + 1] for s in starts.tolist()])  # (B, T + 1)
    return inputs_and_targets(windows, device)
    # END SOLUTION


def inputs_and_targets(windows: np.ndarray, device: torch.device | str = "cpu"
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows (B, T + 1) of ids -> inputs x = windows[:, :-1] and targets y = windows[:, 1:],
    both (B, T) int64 and contiguous, on `device` (provided). On CUDA they go through pinned
    memory with non_blocking=True, so the copy overlaps the GPU's work."""
    windows = torch.from_numpy(windows.astype(np.int64))  # (B, T + 1)
    x = windows[:, :-1].contiguous()  # (B, T)
    y = windows[:, 1:].contiguous()  # (B, T)
    if torch.device(device).type == "cuda":
        return x.pin_memory().to(device, non_blocking=True), \
            y.pin_memory().to(device, non_blocking=True)
    return x.to(device), y.to(device)


@dataclass
class CharDataset:
    """A character corpus ready to train on: its vocabulary and the training and validation ids
    as memory-mapped arrays (see read_tokens)."""

    vocab: CharVocab
    train: np.memmap
    val: np.memmap

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)


def _preparation_record(text: str, val_fraction: float) -> dict:
    """What a prepared folder was made from: the text's sha256 and the split."""
    return {"text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "characters": len(text), "val_fraction": val_fraction}


def prepare_char_data(text: str, out_dir: str | Path, val_fraction: float = 0.1) -> CharDataset:
    """Encode `text` character by character and write it to `out_dir`: train.bin and val.bin
    (with their sidecars), vocab.json (the characters, as CharVocab.save writes them) and
    prepared.json (the text's sha256 and the split, written last). The split is Module 03's:
    the last round(len(text) * val_fraction) ids for validation, the ids before them for
    training. A folder already prepared from the same text and fraction is reused as it is."""
    if not isinstance(text, str) or not text:
        raise ValueError("prepare_char_data needs a non-empty str")
    if not isinstance(val_fraction, (int, float)) or not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be a number strictly between 0 and 1, got "
                         f"{val_fraction!r}; 0.1 keeps the last 10% for validation")
    out_dir = Path(out_dir)
    record = _preparation_record(text, val_fraction)
    marker = out_dir / "prepared.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == record:
        try:
            return load_char_data(out_dir)
        except (FileNotFoundError, ValueError):
            pass  # a file went missing or is damaged: write everything again
    n_val = round(len(text) * val_fraction)
    if n_val < 2 or len(text) - n_val < 2:
        raise ValueError(f"splitting {len(text)} characters with val_fraction={val_fraction} "
                         f"leaves {len(text) - n_val} for training and {n_val} for validation; "
                         f"each part needs at least 2: use more text or another fraction")
    vocab = CharVocab.from_text(text)
    ids = np.array(vocab.encode(text), dtype=np.int64)  # (N,)
    out_dir.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)  # the folder is incomplete until the marker is back
    write_tokens(ids[:-n_val], out_dir / "train.bin", len(vocab))
    write_tokens(ids[-n_val:], out_dir / "val.bin", len(vocab))
    vocab.save(out_dir / "vocab.json")
    _write_json_atomically(marker, record)
    return load_char_data(out_dir)


def load_char_data(out_dir: str | Path) -> CharDataset:
    """The CharDataset that prepare_char_data wrote to `out_dir`."""
    out_dir = Path(out_dir)
    vocab_file = out_dir / "vocab.json"
    if not vocab_file.is_file():
        raise FileNotFoundError(f"{vocab_file} is missing: prepare the folder first with "
                                f"prepare_char_data(text, {str(out_dir)!r})")
    vocab = CharVocab.load(vocab_file)
    return CharDataset(vocab, read_tokens(out_dir / "train.bin"), read_tokens(out_dir / "val.bin"))
