"""Drawings for Module 04's notebook and doc page (provided): the context windows and their
concatenated embeddings, histograms of tanh layers, loss curves, update-to-data ratios, the
learning-rate sweep and a 2-D view of the learned character embeddings.

Every function draws into a matplotlib Axes it is given, so the notebook shows it inline and
scripts/make_figures.py saves the same picture as a PNG.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, Rectangle

from modules.m04_mlp.diagnostics import SATURATED, TanhStats
from modules.m04_mlp.train import History


def shown(ch: str) -> str:
    """A character as it can be printed in a plot: newline and space made visible."""
    return {"\n": "⏎", " ": "␣"}.get(ch, ch)


def _cell(ax: Axes, x: float, y: float, text: str, color, size: float = 0.6,
          fontsize: float = 10) -> None:
    ax.add_patch(Rectangle((x, y), size, size, facecolor=color, edgecolor="#333333",
                           linewidth=0.8))
    if text:
        ax.text(x + size / 2, y + size / 2, text, ha="center", va="center", fontsize=fontsize)


def draw_windows(ax: Axes, text: str, block_size: int = 3, n_embd: int = 4,
                 window: int = 2) -> None:
    """Left: the windows of `text` (block_size ids each) and their targets, as in
    context_windows. Right: window number `window` looked up in an embedding table (one row of
    n_embd numbers per character) and its rows laid side by side, the model's input x."""
    chars = sorted(set(text))
    colors = {ch: plt.get_cmap("tab10")(i % 10) for i, ch in enumerate(chars)}
    pale = {ch: (*c[:3], 0.35) for ch, c in colors.items()}
    cell = 0.6
    n_windows = len(text) - block_size
    top = n_windows * cell + 1.2
    ax.text(0, top + 0.55, f"text: {''.join(shown(c) for c in text)!s}", fontsize=10)
    ax.text(0, top - 0.15, f"X (N, {block_size})", fontsize=9, weight="bold")
    ax.text((block_size + 0.6) * cell, top - 0.15, "Y (N,)", fontsize=9, weight="bold")
    for i in range(n_windows):
        y = top - 0.9 - i * cell
        for j in range(block_size):
            ch = text[i + j]
            _cell(ax, j * cell, y, shown(ch), pale[ch] if i != window else colors[ch], cell)
        target = text[i + block_size]
        _cell(ax, (block_size + 0.6) * cell, y, shown(target),
              "#fbe3c5" if i == window else "#eeeeee", cell)
    # the chosen window (outlined), its embeddings, then the concatenation
    left = (block_size + 3.2) * cell
    wy = top - 0.9 - window * cell
    ax.add_patch(Rectangle((-0.08, wy - 0.08), (block_size + 1.6) * cell + 0.16, cell + 0.16,
                           fill=False, edgecolor="#9c4a00", linewidth=2))
    rows_top = top - 0.3
    ax.text(left, top - 0.15, f"embedding rows E[X[{window}]]  ({block_size}, {n_embd})",
            fontsize=9, weight="bold")
    for j in range(block_size):
        ch = text[window + j]
        y = rows_top - (j + 1) * (cell + 0.15)
        for k in range(n_embd):
            _cell(ax, left + k * cell, y, "", colors[ch], cell)
        ax.text(left + n_embd * cell + 0.15, y + cell / 2, f"row of '{shown(ch)}'", va="center",
                fontsize=9)
    rows_bottom = rows_top - block_size * (cell + 0.15)
    ax.add_patch(FancyArrowPatch(((block_size + 1.6) * cell + 0.1, wy + cell / 2),
                                 (left - 0.1, (rows_top + rows_bottom) / 2), arrowstyle="-|>",
                                 mutation_scale=12, color="#555555"))
    concat_y = rows_bottom - 1.6
    ax.add_patch(FancyArrowPatch((left + n_embd * cell / 2, rows_bottom - 0.05),
                                 (left + n_embd * cell / 2, concat_y + cell + 0.5),
                                 arrowstyle="-|>", mutation_scale=12, color="#555555"))
    ax.text(left, concat_y + cell + 0.15,
            f"x[{window}]: the rows side by side, oldest first  ({block_size} * {n_embd} = "
            f"{block_size * n_embd} numbers)", fontsize=9, weight="bold")
    for j in range(block_size):
        ch = text[window + j]
        for k in range(n_embd):
            _cell(ax, left + (j * n_embd + k) * cell * 0.75, concat_y, "", colors[ch],
                  cell * 0.75)
    ax.text(left, concat_y - 0.45, "x (B, T*d) -> hidden Linear -> norm -> tanh -> output "
            "Linear -> logits (B, V)", fontsize=9, color="#9c4a00", va="top")
    width = max(left + block_size * n_embd * cell * 0.75, left + n_embd * cell) + 0.5
    ax.set_xlim(-0.3, max(width, left + 8.0))
    ax.set_ylim(min(top - 1.2 - n_windows * cell, concat_y - 1.0), top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_tanh_histograms(ax: Axes, stats: Sequence[TanhStats], which: str = "out",
                         title: str = "") -> None:
    """One histogram line per tanh layer: of its outputs (which="out") or of the gradients
    reaching them (which="grad"), with each layer's std (and saturation) in the legend."""
    if which not in ("out", "grad"):
        raise ValueError(f"which must be 'out' or 'grad', got {which!r}")
    for s in stats:
        values = (s.out if which == "out" else s.grad).numpy()
        counts, edges = np.histogram(values, bins=40, density=True)
        label = f"{s.name}: std {values.std():.2g}"
        if which == "out":
            label += f", saturated {s.saturation:.0%}"
        ax.plot((edges[:-1] + edges[1:]) / 2, counts, label=label)
    if which == "out":
        for edge in (-SATURATED, SATURATED):
            ax.axvline(edge, color="gray", linestyle=":", linewidth=0.8)
        ax.set_xlabel("tanh output")
    else:
        ax.set_xlabel("dL/d(tanh output)")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    ax.set_ylabel("density")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")


def running_mean(values: Sequence[float], window: int) -> np.ndarray:
    """The mean of each run of `window` consecutive values (shorter at the start)."""
    values = np.asarray(values, dtype=np.float64)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    starts = np.arange(1, len(values) + 1) - counts
    return (sums[1:] - sums[starts]) / counts


def plot_loss_curves(ax: Axes, history: History, bigram_nll: float | None = None,
                     window: int = 200) -> None:
    """The mini-batch losses (running mean over `window` steps), the train and validation NLL
    at each evaluation, and the count bigram's validation NLL as a horizontal line."""
    steps = np.arange(1, len(history.losses) + 1)
    ax.plot(steps, history.losses, color="C0", alpha=0.15, linewidth=0.6)
    ax.plot(steps, running_mean(history.losses, window), color="C0",
            label=f"mini-batch loss (mean of {window} steps)")
    ax.plot(history.eval_steps, history.train_nll, "o-", color="C1", label="train NLL (eval mode)")
    ax.plot(history.eval_steps, history.val_nll, "s-", color="C2", label="validation NLL")
    if bigram_nll is not None:
        ax.axhline(bigram_nll, color="C3", linestyle="--", label=f"count bigram, validation "
                                                                 f"({bigram_nll:.3f})")
    finite = [v for v in history.losses if np.isfinite(v)]
    if finite:
        low = min(finite + history.val_nll)
        ax.set_ylim(low - 0.1, min(max(finite[: max(1, len(finite) // 50)]) + 0.1, 5.0))
    ax.set_xlabel("step")
    ax.set_ylabel("nats per character")
    ax.legend(fontsize=8)


def plot_update_ratios(ax: Axes, history: History, window: int = 50) -> None:
    """log10(std(lr * grad) / std(weight)) of each weight matrix over the steps (running mean),
    with the rule-of-thumb level -3."""
    for name, ratios in history.update_ratios.items():
        ax.plot(running_mean(ratios, window), label=name)
    ax.axhline(-3.0, color="gray", linestyle="--", linewidth=1, label="-3 (rule of thumb)")
    ax.set_xlabel("step")
    ax.set_ylabel("log10 update / data")
    ax.legend(fontsize=8)


def plot_lr_sweep(ax: Axes, lrs: Sequence[float], losses: Sequence[float],
                  steps: int | None = None) -> None:
    """The loss reached after a short run at each constant learning rate, on a log lr axis.

    Rates whose loss diverged (above the loss at the smallest rate, plus a margin, or not finite)
    are marked at the top edge instead of stretching the axis."""
    lrs, losses = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    top = losses[0] + 0.5 if np.isfinite(losses[0]) else np.nanmax(losses[np.isfinite(losses)])
    shown_ok = np.isfinite(losses) & (losses <= top)
    ax.plot(lrs[shown_ok], losses[shown_ok], "o-")
    if (~shown_ok).any():
        ax.plot(lrs[~shown_ok], np.full((~shown_ok).sum(), top), "^", color="C3",
                label="diverged (loss off the chart)")
        ax.legend(fontsize=8)
    best = np.nanargmin(np.where(np.isfinite(losses), losses, np.nan))
    ax.annotate(f"lowest: lr {lrs[best]:.3g}", (lrs[best], losses[best]),
                textcoords="offset points", xytext=(0, -18), ha="center", fontsize=8)
    ax.set_ylim(losses[shown_ok].min() - 0.3, top + 0.1)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("mean loss of the last steps" + (f" of {steps}" if steps else ""))


def plot_embeddings_2d(ax: Axes, weight: torch.Tensor, chars: Sequence[str]) -> None:
    """Each character's embedding projected on the two principal directions of the table."""
    table = weight.detach().double()
    centred = table - table.mean(dim=0)  # (V, d)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)
    points = (centred @ vh[:2].T).numpy()  # (V, 2)
    ax.scatter(points[:, 0], points[:, 1], s=160, color="#cfe3f5", edgecolors="#333333")
    for (x, y), ch in zip(points, chars, strict=True):
        color = "#9c4a00" if ch.lower() in "aeiou" else "black"
        ax.text(x, y, shown(ch), ha="center", va="center", fontsize=9, color=color)
    ax.set_xlabel("first principal direction")
    ax.set_ylabel("second principal direction")
