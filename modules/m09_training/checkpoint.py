"""Checkpoints: everything a run needs to continue exactly where it stopped.

A checkpoint holds the model's weights, the optimiser's state (AdamW's two moments per
parameter and its step count: without them a resumed run takes a few wild steps while the
moments rebuild), the step, the run's configuration, and the state of every random number
generator the run draws from (PyTorch's on the CPU and on each GPU for dropout, Python's and
NumPy's, and the generator of the training batches). With all of them restored, training 10
steps, saving, loading and training 10 more gives the same weights, bit for bit, as 20 steps
in one go.

Three things can go wrong with a file on disk, and each is handled:
- a crash while writing: the checkpoint is written to `<path>.tmp`, flushed to the disk
  (os.fsync) and only then renamed over `path` (os.replace is atomic), so `path` always holds
  a complete checkpoint, the old one or the new one;
- unsafe loading: torch.load(weights_only=True) rebuilds only tensors and plain Python values,
  never arbitrary objects, so every value stored here is one of those;
- damage: a truncated file fails to load, but torch.load does not notice a changed byte inside
  a tensor's data, so a sha256 digest of the contents is stored and checked.
"""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

FORMAT = 1  # the "format" field: bump it when the layout changes
RESERVED_KEYS = ("model", "optimizer", "step", "config", "rng", "format", "digest")


class CheckpointError(Exception):
    """A checkpoint file that cannot be used: truncated, damaged, or not a checkpoint."""


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside DistributedDataParallel and torch.compile wrappers (whose state_dict
    keys carry "module." and "_orig_mod." prefixes)."""
    while True:
        if isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module
        elif hasattr(model, "_orig_mod"):  # what torch.compile returns
            model = model._orig_mod
        else:
            return model


def content_digest(state: dict) -> str:
    """A sha256 hex digest of `state`: its keys in a fixed order (sorted by repr), the type and
    value of every plain value, and the dtype, shape and bytes of every tensor."""
    digest = hashlib.sha256()
    _feed(digest, state)
    return digest.hexdigest()


def _feed(digest, value) -> None:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        digest.update(f"tensor {tensor.dtype} {tuple(tensor.shape)}:".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    elif isinstance(value, dict):
        digest.update(f"dict {len(value)}:".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__} {len(value)}:".encode())
        for item in value:
            _feed(digest, item)
    elif value is None or isinstance(value, (bool, int, float, str)):
        kind = next(t for t in (bool, int, float, str, type(None)) if isinstance(value, t))
        digest.update(f"{kind.__name__} {value!r};".encode())
    else:
        raise TypeError(f"a checkpoint holds only tensors and plain values (dict, list, tuple, "
                        f"str, int, float, bool, None), got {type(value).__name__}")


def _check_plain(value, where: str) -> None:
    """A TypeError unless `value` is made of str, int, float, bool, None, lists, tuples and
    dicts with str keys: what torch.load(weights_only=True) can read back."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has the key {key!r}; keys must be str")
            _check_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
    elif not (value is None or type(value) in (str, int, float, bool)):
        raise TypeError(f"{where} is a {type(value).__name__}; a checkpoint's config holds only "
                        f"str, int, float, bool, None, lists and dicts (convert e.g. a Path with "
                        f"str(path), a dataclass with dataclasses.asdict)")


def _corrupted(path: Path, reason: str) -> CheckpointError:
    """The error for a checkpoint that cannot be used, naming the file and what to do."""
    return CheckpointError(f"{path} is corrupted or truncated ({reason}); start again without "
                           f"--resume, or put an earlier checkpoint in its place")


def rng_states(batch_generator: torch.Generator) -> dict:
    """The state of every random number generator a run draws from, as tensors and plain
    values that torch.load(weights_only=True) accepts:

    {"torch": torch.get_rng_state() (a uint8 tensor),
     "cuda": torch.cuda.get_rng_state_all() when CUDA is available, else [],
     "python": random.getstate() = (version, tuple of 625 ints, gauss_next) stored as
               {"version": int, "state": int64 tensor of the 625 ints, "gauss_next": float or
               None},
     "numpy": np.random.get_state() = ("MT19937", uint32 array of 624 keys, pos, has_gauss,
              cached_gaussian) stored as {"keys": int64 tensor, "pos": int, "has_gauss": int,
              "cached_gaussian": float},
     "batch": batch_generator.get_state()}
    """
    # BEGIN SOLUTION 09.9
    version, python_state, gauss_next = random.getstate()
    _, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": {"version": version, "state": torch.tensor(python_state, dtype=torch.int64),
                   "gauss_next": gauss_next},
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached_gaussian)},
        "batch": batch_generator.get_state(),
    }
    # END SOLUTION


def restore_rng_states(states: dict, batch_generator: torch.Generator) -> None:
    """Put back every generator state that rng_states recorded (the inverse conversions:
    random.setstate needs a tuple of ints, np.random.set_state a uint32 array). CUDA states
    are restored for the GPUs present (none on a machine without CUDA)."""
    # BEGIN SOLUTION 09.9
    torch.set_rng_state(states["torch"])
    if torch.cuda.is_available():
        for device, state in enumerate(states["cuda"][:torch.cuda.device_count()]):
            torch.cuda.set_rng_state(state, device)
    py = states["python"]
    random.setstate((py["version"], tuple(py["state"].tolist()), py["gauss_next"]))
    mt = states["numpy"]  # NumPy's Mersenne Twister
    np.random.set_state(("MT19937", mt["keys"].numpy().astype(np.uint32), mt["pos"],
                         mt["has_gauss"], mt["cached_gaussian"]))
    batch_generator.set_state(states["batch"])
    # END SOLUTION


def save_checkpoint(path: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                    step: int, config: dict, batch_generator: torch.Generator,
                    extra: dict | None = None) -> Path:
    """Write a checkpoint to `path` atomically and return `path`.

    The state saved is {"model": unwrap(model).state_dict(), "optimizer":
    optimizer.state_dict(), "step": step, "config": config, "rng": rng_states(batch_generator),
    "format": FORMAT, **extra} plus "digest": content_digest(of all that). torch.save writes it
    to `<path>.tmp` in the same folder; flush the file and os.fsync it so that the bytes are on
    the disk, then os.replace it onto `path`.

    Hint: `with open(tmp, "wb") as f: torch.save(state, f); f.flush(); os.fsync(f.fileno())`.
    """
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an int >= 0, got {step!r}")
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict (e.g. dataclasses.asdict(config)), got "
                        f"{type(config).__name__}")
    _check_plain(config, "config")
    extra = {} if extra is None else extra
    clashes = sorted(set(extra) & set(RESERVED_KEYS))
    if clashes:
        raise ValueError(f"extra cannot use the keys {clashes}: the checkpoint uses them")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # BEGIN SOLUTION 09.9
    state = {"model": unwrap(model).state_dict(), "optimizer": optimizer.state_dict(),
             "step": step, "config": config, "rng": rng_states(batch_generator),
             "format": FORMAT, **extra}
    state["digest"] = content_digest(state)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path
    # END SOLUTION


def load_checkpoint(path: str | Path) -> dict:
    """The state saved at `path` by save_checkpoint, on the CPU, with its digest checked (and
    removed).

    torch.load(path, map_location="cpu", weights_only=True); any exception it raises (a
    truncated file gives a RuntimeError, other damage an UnpicklingError, an EOFError...)
    becomes the CheckpointError of `_corrupted(path, reason)`, and so do a state that is not
    a dict, misses one of RESERVED_KEYS, or whose digest differs from content_digest of the
    rest (a changed byte inside a tensor).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train without --resume first, or "
                                f"check the path (the default is <out_dir>/ckpt.pt)")
    # BEGIN SOLUTION 09.9
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise _corrupted(path, f"{type(error).__name__}: {error}") from error
    if not isinstance(state, dict):
        raise _corrupted(path, f"it holds a {type(state).__name__}, not a checkpoint dict")
    missing = [key for key in RESERVED_KEYS if key not in state]
    if missing:
        raise _corrupted(path, f"the keys {missing} are missing")
    digest = state.pop("digest")
    if content_digest(state) != digest:
        raise _corrupted(path, "its contents do not match the sha256 digest saved with them")
    return state
    # END SOLUTION


def restore_checkpoint(state: dict, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                       batch_generator: torch.Generator) -> int:
    """Load a state from load_checkpoint into the model, the optimiser and every random
    number generator; return the step to continue from."""
    unwrap(model).load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    restore_rng_states(state["rng"], batch_generator)
    return state["step"]
