"""Timing one training step of the same MLP in this module's Tensor and in PyTorch (CPU).

One step is forward, cross-entropy loss, backward and a plain SGD update, on one fixed batch.
Both sides start from the same weights and data; times are medians over repeats after a
warm-up. PyTorch runs on `threads` threads during the timing (1 by default): on a small or
shared machine, more threads than free cores make every parallel kernel wait for a descheduled
thread, and the numbers measure the scheduler. NumPy's BLAS threads can only be set before NumPy
loads (OPENBLAS_NUM_THREADS), which `scripts/bench_02_tensor_vs_torch.py` does; it prints the
full table, and the notebook runs a small version.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from modules.m02_tensors.data import make_spirals
from modules.m02_tensors.functional import cross_entropy
from modules.m02_tensors.mlp import MLP, sgd_step
from modules.m02_tensors.tensor import Tensor

LEARNING_RATE = 0.1


@dataclass(frozen=True)
class Config:
    """A batch of `batch` points with `n_in` features -> `n_hidden` ReLU units -> `n_classes`."""

    name: str
    batch: int
    n_in: int
    n_hidden: int
    n_classes: int


TINY = Config("tiny", batch=32, n_in=2, n_hidden=16, n_classes=3)
SMALL = Config("small", batch=512, n_in=2, n_hidden=100, n_classes=3)
LARGE = Config("large", batch=4096, n_in=64, n_hidden=512, n_classes=10)


def make_batch(config: Config, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (batch, n_in) and integer targets (batch,): spiral points, padded with noise
    features when n_in > 2."""
    per_class = -(-config.batch // config.n_classes)  # ceiling division
    x, y = make_spirals(per_class, config.n_classes, seed=seed)
    x, y = x[:config.batch], y[:config.batch]  # (batch, 2), (batch,)
    extra = np.random.default_rng(seed).standard_normal((config.batch, config.n_in - 2))
    return np.concatenate([x, extra], axis=1), y  # (batch, n_in), (batch,)


def tensor_step(config: Config, dtype) -> Callable[[], float]:
    """A function that runs one training step of the Tensor MLP and returns its loss."""
    x, y = make_batch(config)
    model = MLP(config.n_in, config.n_hidden, config.n_classes, seed=0, dtype=dtype)
    inputs = Tensor(x, dtype=dtype)

    def step() -> float:
        loss = cross_entropy(model(inputs), y)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), LEARNING_RATE)
        return loss.item()

    return step


def torch_step(config: Config, dtype) -> Callable[[], float]:
    """The same step in PyTorch, from the same initial weights as `tensor_step`."""
    x, y = make_batch(config)
    torch_dtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    model = MLP(config.n_in, config.n_hidden, config.n_classes, seed=0, dtype=dtype)
    params = [torch.tensor(p.data, dtype=torch_dtype, requires_grad=True)
              for p in model.parameters()]  # w1 (n_in, H), b1 (H,), w2 (H, C), b2 (C,)
    inputs = torch.tensor(x, dtype=torch_dtype)
    targets = torch.tensor(y)

    def step() -> float:
        w1, b1, w2, b2 = params
        logits = torch.relu(inputs @ w1 + b1) @ w2 + b2  # (batch, C)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-LEARNING_RATE)  # p -= lr * p.grad, in place
                p.grad = None
        return loss.item()

    return step


def median_seconds(step: Callable[[], float], warmup: int, repeats: int) -> float:
    """The median wall time of `step()` over `repeats` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass(frozen=True)
class Row:
    config: Config
    dtype: str
    tensor_ms: float
    torch_ms: float

    @property
    def ratio(self) -> float:
        """How many times slower the Tensor step is than PyTorch's."""
        return self.tensor_ms / self.torch_ms


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the body with PyTorch's intra-op thread count set to `threads`, then restore it."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def compare(configs: list[Config], dtypes: list, warmup: int = 3, repeats: int = 20,
            threads: int = 1) -> list[Row]:
    """Time both implementations on every config and dtype, PyTorch on `threads` threads."""
    rows = []
    with torch_threads(threads):
        for config in configs:
            for dtype in dtypes:
                ours = median_seconds(tensor_step(config, dtype), warmup, repeats)
                theirs = median_seconds(torch_step(config, dtype), warmup, repeats)
                rows.append(Row(config, np.dtype(dtype).name, 1e3 * ours, 1e3 * theirs))
    return rows


def format_table(rows: list[Row]) -> str:
    """A Markdown table of the rows."""
    lines = ["| config | batch x in -> hidden -> classes | dtype | Tensor ms | torch ms | ratio |",
             "| --- | --- | --- | ---: | ---: | ---: |"]
    for row in rows:
        c = row.config
        lines.append(f"| {c.name} | {c.batch} x {c.n_in} -> {c.n_hidden} -> {c.n_classes} | "
                     f"{row.dtype} | {row.tensor_ms:.3f} | {row.torch_ms:.3f} | "
                     f"{row.ratio:.1f}x |")
    return "\n".join(lines)
