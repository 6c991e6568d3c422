"""Drawings for Module 05's notebook and doc page (provided): a 2-D PCA map of chosen words,
with arrows for word pairs; a word's nearest neighbours as bars; the skip-gram training loss;
and the retrieval results of several methods side by side.

Every function draws into a matplotlib Axes it is given, so the notebook shows it inline and
scripts/make_figures.py can save the same picture as a PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from modules.m04_mlp.plots import running_mean
from modules.m05_embeddings.projection import pca
from modules.m05_embeddings.similarity import nearest
from modules.m05_embeddings.vectors import WordVectors


def plot_projection(ax: Axes, wv: WordVectors, words: Sequence[str],
                    pairs: Sequence[tuple[str, str]] = ()) -> None:
    """The words of `words` at their coordinates on the first two principal directions of
    their own vectors, labelled; an arrow from the first to the second word of each pair
    (both must be among `words`), e.g. country -> capital, to show shared offsets."""
    words = list(dict.fromkeys(words))  # once each, in order
    unknown = [word for word in words if word not in wv]
    if unknown:
        raise KeyError(f"not in the vocabulary of these vectors: {unknown}")
    outside = [word for pair in pairs for word in pair if word not in words]
    if outside:
        raise ValueError(f"every word of a pair must be among `words`; missing {outside}")
    projection = pca(wv.vectors[[wv.index[word] for word in words]])
    points = dict(zip(words, projection.coords, strict=True))  # word -> (2,)
    for start, end in pairs:
        ax.annotate("", xy=points[end], xytext=points[start],
                    arrowprops={"arrowstyle": "->", "color": "#9c4a00", "alpha": 0.6})
    ax.scatter(projection.coords[:, 0], projection.coords[:, 1], s=20, color="#1f5f99")
    for word, (x, y) in points.items():
        ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
    first, second = projection.explained_variance_ratio
    ax.set_xlabel(f"first principal direction ({first:.0%} of the variance)")
    ax.set_ylabel(f"second principal direction ({second:.0%} of the variance)")


def plot_neighbours(ax: Axes, wv: WordVectors, word: str, k: int = 10) -> None:
    """The k nearest neighbours of `word` as horizontal bars of their cosine, nearest on top."""
    neighbours = nearest(wv, word, k)
    labels = [other for other, _ in neighbours]
    ax.barh(range(len(neighbours)), [cosine for _, cosine in neighbours], color="#9ec5e8",
            edgecolor="#333333")
    ax.set_yticks(range(len(neighbours)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"cosine similarity with '{word}'")
    ax.set_xlim(min(0.0, *(cosine for _, cosine in neighbours)), 1.0)


def plot_sgns_losses(ax: Axes, losses: Sequence[float], negatives: int,
                     window: int = 100) -> None:
    """The SGNS loss of every step (faint) and its running mean, with the loss at the start,
    (1 + negatives) ln 2, when the output table is zero and every score is 0."""
    steps = np.arange(1, len(losses) + 1)
    ax.plot(steps, losses, color="C0", alpha=0.2, linewidth=0.6)
    ax.plot(steps, running_mean(losses, window), color="C0",
            label=f"mini-batch loss (mean of {window} steps)")
    ax.axhline((1 + negatives) * np.log(2), color="gray", linestyle="--", linewidth=1,
               label=f"(1 + {negatives}) ln 2: all scores 0")
    ax.set_xlabel("step")
    ax.set_ylabel("SGNS loss")
    ax.legend(fontsize=8)


def plot_retrieval_results(ax: Axes, results: Mapping[str, Mapping[str, float]],
                           title: str = "") -> None:
    """Grouped bars: for each measure (e.g. "P@1 lexical"), one bar per method.

    `results[method][measure]` is a number in [0, 1]; every method must report the same
    measures."""
    methods = list(results)
    measures = list(results[methods[0]])
    for method in methods:
        if list(results[method]) != measures:
            raise ValueError(f"{method} reports {list(results[method])}, expected {measures}")
    width = 0.8 / len(methods)
    x = np.arange(len(measures))
    for i, method in enumerate(methods):
        values = [results[method][m] for m in measures]
        bars = ax.bar(x + (i - (len(methods) - 1) / 2) * width, values, width, label=method)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(x, measures)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("mean over queries")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, ncols=min(len(methods), 3), loc="upper right")
