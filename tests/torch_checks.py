"""Helpers shared by the contract tests of the PyTorch modules (04, 06, 07): seeded tensors and a
comparison whose failure message names the tensor."""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=gen(seed), dtype=dtype)


def close(got: torch.Tensor, want: torch.Tensor, tol: float, name: str = "") -> None:
    """`got` equals `want` to `tol`, absolute and relative; the message starts with `name`."""
    assert got is not None, f"{name}: no value (a gradient that was never computed?)"
    assert got.shape == want.shape, f"{name}: shape {tuple(got.shape)}, expected " \
                                    f"{tuple(want.shape)}"
    torch.testing.assert_close(got, want, rtol=tol, atol=tol, msg=lambda m: f"{name}: {m}")


def leaf_copy(t: torch.Tensor) -> torch.Tensor:
    """A detached copy of `t` that collects its own gradient."""
    return t.detach().clone().requires_grad_(True)


@contextlib.contextmanager
def global_rng_kept():
    """Put Python's, NumPy's and torch's global generators back afterwards (code that trains
    seeds them)."""
    states = torch.get_rng_state(), random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        torch.set_rng_state(states[0])
        random.setstate(states[1])
        np.random.set_state(states[2])
