"""Drawings for Module 06's notebook and doc page (provided): attention maps with token labels,
the soft lookup, the effect of dividing scores by sqrt(d_k), position tables, and the cost of
attention against the sequence length.

Every function draws into matplotlib Axes it is given, so the notebook shows it inline and
scripts/make_figures.py can save the same picture as a PNG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from matplotlib.axes import Axes

from modules.m04_mlp.plots import shown
from modules.m06_attention.demos import Cost, Saturation, ScoreVariance


def plot_attention(ax: Axes, weights: torch.Tensor, query_labels: Sequence[str] | None = None,
                   key_labels: Sequence[str] | None = None, title: str = "") -> None:
    """A (T_q, T_k) attention map: row = query, column = key, darker = more weight. Labels
    (characters or tokens) go on the axes when given; long sequences get no tick labels."""
    if weights.ndim != 2:
        raise ValueError(f"plot_attention takes one (T_q, T_k) map, got shape "
                         f"{tuple(weights.shape)}; pick a batch element and a head first")
    t_q, t_k = weights.shape
    image = ax.imshow(weights.detach().cpu().float().numpy(), cmap="Blues", vmin=0.0,
                      vmax=1.0, aspect="auto")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    key_labels = query_labels if key_labels is None and t_q == t_k else key_labels
    for labels, count, set_ticks, set_labels in (
            (query_labels, t_q, ax.set_yticks, ax.set_yticklabels),
            (key_labels, t_k, ax.set_xticks, ax.set_xticklabels)):
        if labels is not None and len(labels) != count:
            raise ValueError(f"{len(labels)} labels for an axis of {count} positions")
        if labels is not None and count <= 64:
            set_ticks(range(count))
            set_labels([shown(label) for label in labels], fontsize=8)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    ax.set_title(title)


def plot_lookup(ax: Axes, weights_by_sharpness: Mapping[float, torch.Tensor],
                key_labels: Sequence[str]) -> None:
    """Bars of the soft-lookup weights over the keys, one group per sharpness."""
    n_groups = len(weights_by_sharpness)
    width = 0.8 / max(n_groups, 1)
    for g, (sharpness, weights) in enumerate(weights_by_sharpness.items()):
        xs = [i + (g - (n_groups - 1) / 2) * width for i in range(len(key_labels))]
        ax.bar(xs, weights.detach().cpu().tolist(), width=width, label=f"sharpness {sharpness:g}")
    ax.set_xticks(range(len(key_labels)))
    ax.set_xticklabels(key_labels)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("weight")
    ax.set_title("attention as a soft dictionary lookup")
    ax.legend(fontsize=8)


def plot_score_scaling(ax_variance: Axes, ax_softmax: Axes, variances: Sequence[ScoreVariance],
                       saturation: Sequence[Saturation], n_keys: int) -> None:
    """Left: Var(q . k) against d_k with and without the 1/sqrt(d_k), log-log. Right: the
    largest softmax weight, the entropy (as a fraction of log n_keys) and the size of the softmax
    Jacobian against the std of the scores."""
    d_ks = [row.d_k for row in variances]
    ax_variance.loglog(d_ks, [row.raw for row in variances], "o-", label="q . k")
    ax_variance.loglog(d_ks, [row.scaled for row in variances], "s-",
                       label="q . k / sqrt(d_k)")
    ax_variance.loglog(d_ks, d_ks, ":", color="gray", label="d_k")
    ax_variance.set_xlabel("d_k")
    ax_variance.set_ylabel("variance of the score")
    ax_variance.set_title("scores grow with d_k unless scaled")
    ax_variance.legend(fontsize=8)

    stds = [row.std for row in saturation]
    ax_softmax.semilogx(stds, [row.max_weight for row in saturation], "o-", label="max weight")
    ax_softmax.semilogx(stds, [row.entropy / math.log(n_keys) for row in saturation], "s-",
                        label="entropy / log(n_keys)")
    peak = max(row.jacobian_norm for row in saturation)
    ax_softmax.semilogx(stds, [row.jacobian_norm / peak for row in saturation], "^-",
                        label="|softmax Jacobian| (relative)")
    ax_softmax.set_xlabel("std of the scores")
    ax_softmax.set_ylim(0, 1.05)
    ax_softmax.set_title(f"softmax over {n_keys} keys saturates")
    ax_softmax.legend(fontsize=8)


def plot_positions(ax: Axes, table: torch.Tensor, title: str = "sinusoidal positions") -> None:
    """A (n_positions, dim) position table as an image: position down, dimension across."""
    image = ax.imshow(table.detach().cpu().float().numpy(), cmap="RdBu", vmin=-1.0, vmax=1.0,
                      aspect="auto")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xlabel("dimension")
    ax.set_ylabel("position")
    ax.set_title(title)


def plot_cost(ax_time: Axes, ax_memory: Axes, costs: Mapping[str, Sequence[Cost]]) -> None:
    """Time and memory of attention against T on log-log axes, one line per implementation,
    with a dotted T^2 line through the first point of the first one for reference."""
    for label, rows in costs.items():
        ts = [row.T for row in rows]
        ax_time.loglog(ts, [row.seconds for row in rows], "o-", label=label)
        ax_memory.loglog(ts, [row.memory_bytes / 2 ** 20 for row in rows], "o-",
                         label=f"{label} ({rows[0].memory_kind})")
    first = next(iter(costs.values()))
    t0 = first[0].T
    ts = [row.T for row in first]
    for ax, y0 in ((ax_time, first[0].seconds), (ax_memory, first[0].memory_bytes / 2 ** 20)):
        ax.loglog(ts, [y0 * (t / t0) ** 2 for t in ts], ":", color="gray", label="~ T^2")
        ax.set_xlabel("sequence length T")
        ax.legend(fontsize=8)
    ax_time.set_ylabel("seconds per call")
    ax_time.set_title("time")
    ax_memory.set_ylabel("MiB")
    ax_memory.set_title("memory")
