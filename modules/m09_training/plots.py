"""Drawings of training runs (provided), read from their metrics.jsonl: the loss curves, several
runs on one log-scale axis (the pathologies), the learning-rate schedule, and gradient norms with
the clipping threshold.

Every plot_* function draws into a matplotlib Axes it is given (so a notebook shows it inline)
and takes a run as a metrics.jsonl path, its out_dir, or its records from read_metrics.
`save_loss_plot` writes a run's loss.png without pyplot, so training scripts never open a window.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from modules.m09_training.metrics import read_metrics, series

Run = str | Path | list[dict]


def records_of(run: Run) -> list[dict]:
    """A run's records, from a list of them, a metrics.jsonl file or the run's out_dir."""
    if isinstance(run, list):
        return run
    path = Path(run)
    return read_metrics(path / "metrics.jsonl" if path.is_dir() else path)


def running_mean(values: list[float], window: int) -> np.ndarray:
    """The mean of the last `window` values at each point (fewer at the start)."""
    values = np.asarray(values, dtype=float)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(len(values)) + 1 - counts]) / counts


def plot_loss_curve(ax: Axes, run: Run, vocab_size: int | None = None, label: str = "",
                    color: str = "C0") -> None:
    """Training loss (every logged step) and validation loss (every evaluation) of one run;
    with vocab_size, a dotted line at ln(vocab_size), the loss of a uniform guess."""
    records = records_of(run)
    steps, losses = series([r for r in records if r["kind"] == "train"], "loss")
    ax.plot(steps, losses, color=color, alpha=0.45, linewidth=0.8,
            label=f"{label} train (batch)".strip())
    evals = [r for r in records if r["kind"] == "eval"]
    val_steps, val_losses = series(evals, "val_loss")
    ax.plot(val_steps, val_losses, color=color, marker="o", markersize=3,
            label=f"{label} val".strip() + (f" ({val_losses[-1]:.3f})" if val_losses else ""))
    if vocab_size:
        ax.axhline(math.log(vocab_size), color="gray", linestyle=":", linewidth=1,
                   label=f"ln {vocab_size} (uniform guess)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per token)")
    ax.legend(fontsize=8)


def plot_runs(ax: Axes, runs: dict[str, Run], key: str = "loss", window: int = 5) -> None:
    """Several runs on one axis with a log y scale (the pathologies next to the healthy run):
    each run's training `key` ("loss" or "grad_norm"), faint, and its running mean over
    `window` logged points. Runs that diverged to NaN/inf stop where their values do."""
    for i, (name, run) in enumerate(runs.items()):
        steps, values = series([r for r in records_of(run) if r["kind"] == "train"], key)
        ax.plot(steps, values, color=f"C{i}", alpha=0.25, linewidth=0.7)
        ax.plot(steps, running_mean(values, window), color=f"C{i}", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (log scale)" if key == "loss" else key)
    ax.legend(fontsize=8)


def plot_lr(ax: Axes, run: Run) -> None:
    """The learning rate the run used at each logged step."""
    steps, lrs = series([r for r in records_of(run) if r["kind"] == "train"], "lr")
    ax.plot(steps, lrs, color="C2")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))


def plot_grad_norms(ax: Axes, run: Run, clip: float | None = None) -> None:
    """The gradient norm before clipping at each logged step (log scale), and the clipping
    threshold `clip` as a dashed line: above it, the step was scaled down to that length."""
    steps, norms = series([r for r in records_of(run) if r["kind"] == "train"], "grad_norm")
    ax.plot(steps, norms, color="C3", linewidth=0.8, label="gradient norm")
    if clip:
        ax.axhline(clip, color="black", linestyle="--", linewidth=1,
                   label=f"clip threshold {clip:g}")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("global gradient norm")
    ax.legend(fontsize=8)


def save_loss_plot(run: Run, path: str | Path, vocab_size: int | None = None,
                   title: str = "") -> Path:
    """The loss curves of one run written to `path` (a PNG)."""
    figure = Figure(figsize=(7, 4), layout="constrained")
    ax = figure.add_subplot()
    plot_loss_curve(ax, run, vocab_size=vocab_size)
    if title:
        ax.set_title(title, fontsize=10)
    figure.savefig(path, dpi=110)
    return Path(path)
