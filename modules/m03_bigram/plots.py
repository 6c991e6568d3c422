"""Plots of the bigram models (used by the notebook and by scripts/make_figures.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.colors import LogNorm

SHOWN = {"\n": "\\n", " ": "␣", "\t": "\\t"}  # characters that would be invisible as labels


def char_label(ch: str) -> str:
    """A visible label for a character: newline as \\n, space as ␣."""
    return SHOWN.get(ch, ch)


def plot_count_matrix(ax, counts: torch.Tensor, chars: Sequence[str], top: int | None = 27):
    """A heatmap of counts (V, V) for the `top` most frequent previous characters (all when
    None), rows and columns in order of frequency; log colour scale, empty cells white.

    Row a, column b is how often b follows a. Returns the image, for a colorbar.
    """
    counts = counts.detach().cpu().to(torch.float64)
    order = torch.argsort(counts.sum(dim=1), descending=True, stable=True)
    if top is not None:
        order = order[:top]
    shown = counts[order][:, order].numpy()  # (k, k) in frequency order
    masked = np.ma.masked_equal(shown, 0)
    image = ax.imshow(masked, cmap="viridis", norm=LogNorm(vmin=1, vmax=max(shown.max(), 2)))
    labels = [char_label(chars[i]) for i in order.tolist()]
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("next character")
    ax.set_ylabel("previous character")
    ax.tick_params(length=0)
    return image


def running_stats(values: Sequence[float], window: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean, minimum and maximum of the last `window` values up to each position (of fewer
    at the start): three arrays of len(values)."""
    values = np.asarray(values, dtype=np.float64)
    windows = [values[max(0, i - window + 1):i + 1] for i in range(len(values))]
    return (np.array([w.mean() for w in windows]), np.array([w.min() for w in windows]),
            np.array([w.max() for w in windows]))


def plot_training_curve(ax, losses: Sequence[float], count_nll: float, window: int = 50,
                        val_points: Sequence[tuple[int, float]] = (),
                        count_val_nll: float | None = None) -> None:
    """The neural bigram's mini-batch losses, as their running mean over `window` steps and the
    band from their running minimum to maximum, against the count model's NLL on the same text
    (a horizontal line); optionally validation NLLs (step, nll) and the count model's."""
    steps = np.arange(len(losses))
    mean, low, high = running_stats(losses, window)
    ax.fill_between(steps, low, high, color="#c6dbef", linewidth=0,
                    label=f"mini-batch losses, min to max of {window}")
    ax.plot(steps, mean, color="C0", label=f"running mean of {window}")
    ax.axhline(count_nll, color="C3", linestyle="--", linewidth=1.2,
               label=f"count model, training text: {count_nll:.3f}")
    if val_points:
        at, nlls = zip(*val_points, strict=True)
        ax.plot(at, nlls, "o", color="C2", markersize=5, label="neural, validation NLL")
    if count_val_nll is not None:
        ax.axhline(count_val_nll, color="C2", linestyle=":", linewidth=1.2,
                   label=f"count model, validation: {count_val_nll:.3f}")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.legend(fontsize=8)


def plot_alpha_sweep(ax, alphas: Sequence[float], train_nlls: Sequence[float],
                     val_nlls: Sequence[float]) -> None:
    """Training and validation NLL of the count model against alpha (log x axis), with the
    best validation alpha marked."""
    ax.plot(alphas, train_nlls, "o-", label="training text")
    ax.plot(alphas, val_nlls, "o-", label="validation text")
    best = int(np.argmin(val_nlls))
    ax.plot([alphas[best]], [val_nlls[best]], "*", color="C3", markersize=14,
            label=f"best on validation: alpha = {alphas[best]:g}")
    ax.set_xscale("log")
    ax.set_xlabel("alpha (added to every count)")
    ax.set_ylabel("NLL (nats per character)")
    ax.legend(fontsize=8)
