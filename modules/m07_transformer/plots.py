"""Drawings for Module 07's notebook and doc page (provided): pre-LN and post-LN loss curves,
gradient norms per layer, where the parameters and FLOPs go, and which positions a token can
influence.

Every function draws into a matplotlib Axes it is given, so the notebook shows it inline and
scripts/make_figures.py saves the same picture as a PNG.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from modules.m04_mlp.plots import running_mean
from modules.m07_transformer.train_demo import TrainLog


def plot_losses(ax: Axes, logs: dict[str, TrainLog], vocab_size: int | None = None,
                window: int = 10) -> None:
    """The mini-batch loss of each run (faint) and its running mean over `window` steps, one
    colour per run; with vocab_size, a dotted line at ln(vocab_size), the loss of a uniform
    guess."""
    for i, (name, log) in enumerate(logs.items()):
        steps = np.arange(len(log.losses))
        ax.plot(steps, log.losses, color=f"C{i}", alpha=0.2, linewidth=0.6)
        ax.plot(steps, running_mean(log.losses, window), color=f"C{i}",
                label=f"{name} (val {log.val_loss:.2f})")
    if vocab_size:
        ax.axhline(math.log(vocab_size), color="gray", linestyle=":", linewidth=1,
                   label=f"ln {vocab_size} (uniform)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per character)")
    ax.legend(fontsize=8)


def plot_grad_norms(ax: Axes, norms: dict[str, dict[str, float]]) -> None:
    """Gradient norms per layer (as layer_grad_norms returns them), side by side for each run
    in `norms` ({"pre": {...}, "post": {...}}), on a log scale."""
    parts = list(next(iter(norms.values())))
    width = 0.8 / len(norms)
    x = np.arange(len(parts))
    for i, (name, by_part) in enumerate(norms.items()):
        ax.bar(x + (i - (len(norms) - 1) / 2) * width, [by_part.get(p, np.nan) for p in parts],
               width, label=name, color=f"C{i}")
    ax.set_xticks(x, parts, rotation=45, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("gradient norm")
    ax.legend(fontsize=8)


def plot_breakdown(ax: Axes, breakdown: dict[str, int], title: str = "") -> None:
    """A horizontal bar per entry of a breakdown (parameter_breakdown, flops_breakdown), with
    its share of the total."""
    names = list(breakdown)
    values = np.array([breakdown[n] for n in names], dtype=float)
    total = values.sum()
    y = np.arange(len(names))[::-1]
    ax.barh(y, values, color="C0")
    for yi, value in zip(y, values, strict=True):
        ax.text(value, yi, f" {value / total:.1%}", va="center", fontsize=8)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, values.max() * 1.25)
    ax.set_title(title or f"total {total:,.0f}", fontsize=10)


def plot_influence(ax: Axes, influence: torch.Tensor, floor: float = 1e-6) -> None:
    """The (T, T) table of token_influence as an image on a log scale: row s is the changed
    token, column t the position whose logits moved. Changes below `floor` are left white; in a
    causal model that is everything left of the diagonal (t < s): a token never changes the
    predictions made before it."""
    values = influence.numpy()
    shown = np.ma.masked_less(values, floor)
    top = max(float(values.max()), floor * 10)
    image = ax.imshow(shown, cmap="Blues", norm=LogNorm(vmin=max(float(shown.min()), floor),
                                                       vmax=top))
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="largest |change of logit|")
    ax.set_xlabel("position t of the logits")
    ax.set_ylabel("position s of the changed token")
