"""Draw the figures of the course's docs pages from code, so that nobody draws them by hand.

Each figure is a function that draws one PNG at the path it is given; the `figure` decorator
registers it under its module number and file name. Later modules add their own functions below.

    python scripts/make_figures.py              # every figure of every module
    python scripts/make_figures.py --module 00  # only Module 00's figures
    python scripts/make_figures.py --list       # what would be drawn, and where

PNGs are written without a timestamp or version stamp, so re-running on the same code and the same
matplotlib gives the same files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from modules.course.paths import DOCS_DIR  # noqa: E402

FIGURES_DIR = DOCS_DIR / "figures"
DPI = 110

FigureFunction = Callable[[Path], None]
REGISTRY: dict[str, dict[str, FigureFunction]] = {}  # module "NN" -> {file name: function}


def figure(module: str, filename: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a function that draws `filename` for module `module` ("00", "07", ...)."""

    def register(function: FigureFunction) -> FigureFunction:
        REGISTRY.setdefault(module, {})[filename] = function
        return function

    return register


def save(fig: plt.Figure, path: Path) -> None:
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


# --- Module 00: prerequisites -------------------------------------------------------------------


def _sheets(ax, x, y, rows, cols, depth, cell, color, labels=None, highlight=None):
    """Draw a (depth, rows, cols) tensor as `depth` offset grids; the front grid is at (x, y).

    `labels` writes text into the front grid's cells; `highlight` is a (row, col) of the front grid.
    """
    offset = 0.45 * cell
    for sheet in reversed(range(depth)):
        x0, y0 = x + sheet * offset, y + sheet * offset
        front = sheet == 0
        for r in range(rows):
            for c in range(cols):
                face = color if front else "#eeeeee"
                if front and highlight == (r, c):
                    face = "#f4a261"
                ax.add_patch(Rectangle((x0 + c * cell, y0 + (rows - 1 - r) * cell), cell, cell,
                                       facecolor=face, edgecolor="#333333", linewidth=0.8,
                                       zorder=10 - sheet))
                if front and labels is not None:
                    ax.text(x0 + (c + 0.5) * cell, y0 + (rows - 0.5 - r) * cell, labels[r][c],
                            ha="center", va="center", fontsize=8, zorder=20)


def _arrow(ax, start, end, text):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.2,
                                 color="#333333"))
    ax.text((start[0] + end[0]) / 2, start[1] + 0.35, text, ha="center", va="bottom", fontsize=9)


@figure("00", "00-shapes.png")
def shapes_diagram(path: Path) -> None:
    """ids (B, T) -> embeddings (B, T, d) -> logits (B, T, V), with B = 2, T = 4, d = 3, V = 7."""
    B, T, d, V = 2, 4, 3, 7
    cell = 0.5
    ids = [["8"], ["5"], ["12"], ["12"]]
    fig, ax = plt.subplots(figsize=(9, 3.2))
    y = 0.6
    _sheets(ax, 0.0, y, T, 1, B, cell, "#cfe3f5", labels=ids)
    _arrow(ax, (1.2, y + 1.0), (2.6, y + 1.0), "E[ids]\nE: (V, d)")
    _sheets(ax, 2.9, y, T, d, B, cell, "#d8f0d2")
    _arrow(ax, (5.0, y + 1.0), (6.4, y + 1.0), "@ W\nW: (d, V)")
    _sheets(ax, 6.7, y, T, V, B, cell, "#fbe3c5", highlight=(2, 4))
    for x, text in ((0.25, "ids\n(B, T)\nint64"), (3.6, "embedded\n(B, T, d)"),
                    (8.6, "logits\n(B, T, V)")):
        ax.text(x, 0.0, text, ha="center", va="top", fontsize=10)
    ax.text(6.7 + 4.5 * cell, y + T * cell + 0.55, "logits[0, 2, 4]: score for token 4\n"
            "coming after position 2 of sequence 0", ha="center", va="bottom", fontsize=8.5,
            color="#9c4a00")
    ax.text(-0.3, y + T * cell / 2, "T", ha="right", va="center", fontsize=10, style="italic")
    ax.text(6.7 + V * cell / 2, y - 0.05, "V", ha="center", va="top", fontsize=10, style="italic")
    ax.text(2.9 + d * cell / 2, y - 0.05, "d", ha="center", va="top", fontsize=10, style="italic")
    ax.text(6.7 + V * cell + 0.4, y + T * cell + 0.2, "B (sheets)", ha="left", va="center",
            fontsize=9, style="italic")
    ax.set_xlim(-0.6, 11.4)
    ax.set_ylim(-0.9, 4.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("From token ids to logits: B = 2 sequences of T = 4 tokens, d = 3, V = 7",
                 fontsize=11)
    save(fig, path)


@figure("00", "00-softmax-temperature.png")
def softmax_temperature(path: Path) -> None:
    """softmax(z / tau) of five logits at three temperatures, as grouped bars."""
    logits = np.array([2.0, 1.0, 0.5, 0.0, -1.0])
    temperatures = (0.5, 1.0, 2.0)
    positions = np.arange(len(logits))
    width = 0.8 / len(temperatures)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    for k, tau in enumerate(temperatures):
        scaled = logits / tau
        probs = np.exp(scaled - scaled.max())
        probs /= probs.sum()
        ax.bar(positions + (k - 1) * width, probs, width, label=f"τ = {tau:g}")
    ax.axhline(1 / len(logits), color="gray", linestyle=":", linewidth=1, label="uniform, 1/V")
    ax.set_xticks(positions, [f"token {i}\nz = {z:g}" for i, z in enumerate(logits)])
    ax.set_ylabel("probability")
    ax.set_title("softmax(z / τ): low temperature sharpens, high temperature flattens", fontsize=10)
    ax.legend()
    save(fig, path)


@figure("00", "00-neuron-graph.png")
def neuron_graph(path: Path) -> None:
    """The computation graph of z = w x + b, y = tanh(z), L = (y - t)^2 with local derivatives."""
    nodes = {"w": (0, 2), "x": (0, 1), "b": (0, 0), "z": (2.6, 1), "y": (5.0, 1), "L": (7.4, 1)}
    edges = [("w", "z", "∂z/∂w = x", 0.25), ("x", "z", "∂z/∂x = w", 0.12),
             ("b", "z", "∂z/∂b = 1", -0.4), ("z", "y", "dy/dz = 1 − y²", 0.12),
             ("y", "L", "dL/dy = 2(y − t)", 0.12)]  # (from, to, local derivative, label height)
    fig, ax = plt.subplots(figsize=(8, 3))
    for (name, (x, y)) in nodes.items():
        ax.text(x, y, name, ha="center", va="center", fontsize=12, zorder=3,
                bbox={"boxstyle": "circle,pad=0.35", "facecolor": "#cfe3f5", "edgecolor": "#333"})
    for start, end, label, lift in edges:
        (x0, y0), (x1, y1) = nodes[start], nodes[end]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14,
                                     shrinkA=16, shrinkB=16, color="#333333"))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + lift, label, ha="center", va="bottom", fontsize=9)
    ax.text(3.7, -0.55, "backward: dL/dw = dL/dy · dy/dz · ∂z/∂w   (multiply along the path)",
            ha="center", fontsize=9.5, color="#9c4a00")
    ax.annotate("", xy=(1.0, -0.25), xytext=(7.0, -0.25),
                arrowprops={"arrowstyle": "-|>", "color": "#9c4a00", "linewidth": 1.2})
    ax.set_xlim(-0.6, 8.0)
    ax.set_ylim(-0.8, 2.5)
    ax.axis("off")
    ax.set_title("One neuron as a computation graph, each edge labelled with its local derivative",
                 fontsize=10)
    save(fig, path)


# --- Module 01: scalar autodiff ------------------------------------------------------------------
# Drawn with Module 01's own code (its graph drawing, its MLP and training loop), imported inside
# the functions so that the other modules' figures do not depend on it.


@figure("01", "01-graph.png")
def autodiff_graph(path: Path) -> None:
    """L = tanh((a * b + c) * f) drawn by draw_graph after L.backward()."""
    from modules.m01_autodiff import Value, draw_graph

    a, b, c, f = (Value(x, label=name) for x, name in
                  ((2.0, "a"), (-3.0, "b"), (10.0, "c"), (-0.2, "f")))
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = (d * f).tanh()
    loss.label = "L"
    loss.backward()
    fig = draw_graph(loss, title="L = tanh((a·b + c)·f) after L.backward(): each box holds its "
                                 "value and dL/d(value)")
    save(fig, path)


@figure("01", "01-decision-boundary.png")
def autodiff_decision_boundary(path: Path) -> None:
    """The loss curve of MLP(2, [8, 1]) trained on 100 moons, and its decision boundary."""
    from modules.m01_autodiff import MLP, accuracy, make_moons, scores_of, train
    from modules.m01_autodiff.plots import plot_decision_boundary

    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    steps = 150
    history = train(model, X, y, steps=steps, lr=3.0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.2), layout="constrained")
    left.plot(history.losses, color="C0")
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("logistic loss + L2 (log scale)", color="C0")
    twin = left.twinx()
    twin.plot(history.accuracies, color="C1")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("training accuracy", color="C1")
    left.set_title("Full-batch gradient descent, lr = 3", fontsize=10)
    plot_decision_boundary(right, model, X, y, resolution=60)
    right.set_title(f"MLP(2, [8, 1]) after {steps} steps: "
                    f"{accuracy(scores_of(model, X), y):.0%} of 100 points", fontsize=10)
    save(fig, path)


# --- Module 02: tensors ---------------------------------------------------------------------------
# Module 02 draws with modules/m02_tensors/plots.py, which its notebook uses too; imported inside
# the functions so that the other modules' figures do not depend on Module 02's code.


@figure("02", "02-broadcasting.png")
def broadcasting(path: Path) -> None:
    """a (3, 1) + b (1, 4) -> (3, 4) forward, and the sums that un-broadcast the gradient."""
    from modules.m02_tensors.plots import draw_broadcasting

    fig, ax = plt.subplots(figsize=(9.5, 7))
    draw_broadcasting(ax)
    ax.set_title("Broadcasting repeats, so its backward sums over the copies", fontsize=11)
    save(fig, path)


@figure("02", "02-strides.png")
def strides(path: Path) -> None:
    """One storage of six numbers read through three views with different strides."""
    import torch

    from modules.m02_tensors.plots import draw_strides

    base = torch.arange(6.0)
    x = base.view(2, 3)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    draw_strides(ax, base, {"x = base.view(2, 3)": x, "x.T": x.T, "x[:, 1:]": x[:, 1:]})
    ax.set_title("Views share one storage: element [i, j] is storage[offset + i·stride[0] + "
                 "j·stride[1]]", fontsize=10)
    save(fig, path)


@figure("02", "02-spirals.png")
def spirals(path: Path) -> None:
    """Loss curves of the Module 02 MLP at three learning rates, and its decision regions."""
    from modules.m02_tensors.data import make_spirals
    from modules.m02_tensors.mlp import MLP, accuracy, train
    from modules.m02_tensors.plots import plot_decision_boundary

    x, y = make_spirals(n_per_class=100, n_classes=3, seed=0)
    steps = 1500
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for lr in (0.1, 0.3, 1.0):
        model = MLP(2, 100, 3, seed=0)
        left.plot(train(model, x, y, steps=steps, lr=lr), label=f"lr = {lr:g}")
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("cross-entropy (log scale)")
    left.set_title("Full-batch SGD, Linear(2, 100) → ReLU → Linear(100, 3)", fontsize=10)
    left.legend()
    plot_decision_boundary(right, model.predict, x, y)
    right.set_title(f"Decision regions, lr = 1 after {steps} steps: "
                    f"{accuracy(model, x, y):.0%} of training points", fontsize=10)
    save(fig, path)


# --- Module 03: bigram language model -------------------------------------------------------------
# Drawn with Module 03's own models and plots, imported inside the functions so that the other
# modules' figures do not depend on it. Without TinyShakespeare they use the stand-in text.


def _bigram_data():
    """The vocabulary, all ids, and the 90% / 10% split of TinyShakespeare (or the stand-in)."""
    import torch

    from modules.course.corpus import tinyshakespeare
    from modules.m03_bigram import CharVocab, train_val_split

    text = tinyshakespeare(allow_standin=True)
    vocab = CharVocab.from_text(text)
    ids = torch.tensor(vocab.encode(text))
    return vocab, ids, *train_val_split(ids, 0.1)


@figure("03", "03-bigram-counts.png")
def bigram_counts(path: Path) -> None:
    """The count matrix of the 27 most frequent characters, as a log-scaled heatmap."""
    from modules.m03_bigram import CountBigram
    from modules.m03_bigram.plots import plot_count_matrix

    vocab, ids, _, _ = _bigram_data()
    counts = CountBigram(len(vocab)).fit(ids).counts
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    image = plot_count_matrix(ax, counts, vocab.chars, top=27)
    fig.colorbar(image, ax=ax, shrink=0.8, label="count (log scale; white: never)")
    ax.set_title("How often each character follows another: the 27 most frequent characters",
                 fontsize=10)
    save(fig, path)


@figure("03", "03-alpha-sweep.png")
def bigram_alpha_sweep(path: Path) -> None:
    """Training and validation NLL of the count model for nine values of alpha."""
    from modules.m03_bigram import CountBigram
    from modules.m03_bigram.plots import plot_alpha_sweep

    vocab, _, train, val = _bigram_data()
    alphas = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100]
    models = [CountBigram(len(vocab), alpha).fit(train) for alpha in alphas]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    plot_alpha_sweep(ax, alphas, [m.nll(train) for m in models], [m.nll(val) for m in models])
    ax.set_title("Count bigram: NLL against the smoothing alpha (first 90% / last 10%)",
                 fontsize=10)
    save(fig, path)


@figure("03", "03-neural-vs-counts.png")
def bigram_neural_vs_counts(path: Path) -> None:
    """The neural bigram's loss curve over 2000 Adam steps against the count model's NLLs."""
    import torch

    from modules.m03_bigram import CountBigram, NeuralBigram, train_neural_bigram
    from modules.m03_bigram.plots import plot_training_curve

    vocab, _, train, val = _bigram_data()
    steps, threads = 2000, torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors: one thread is the fastest
    try:
        model = NeuralBigram(len(vocab))
        losses = train_neural_bigram(model, train, steps, torch.Generator().manual_seed(0),
                                     batch_size=32, block_size=64, lr=0.03)
    finally:
        torch.set_num_threads(threads)
    exact = CountBigram(len(vocab), alpha=0.0).fit(train)
    smoothed = CountBigram(len(vocab), alpha=1.0).fit(train)
    neural_val = CountBigram.from_probs(model.probs()).nll(val)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.5), layout="constrained")
    for ax in (left, right):
        plot_training_curve(ax, losses, exact.nll(train), window=50,
                            val_points=[(steps - 1, neural_val)],
                            count_val_nll=smoothed.nll(val))
    left.set_title("Neural bigram, Adam lr 0.03, batches of 32 x 64", fontsize=10)
    right.set_ylim(exact.nll(train) - 0.1, smoothed.nll(val) + 0.25)
    right.set_title(f"Zoomed in: after {steps} steps, validation NLL {neural_val:.4f}",
                    fontsize=10)
    save(fig, path)


# --- Module 04: MLP language model --------------------------------------------------------------
# Drawn with Module 04's own layers and plotting code, imported inside the functions so that the
# other modules' figures do not depend on it. Neither figure needs the real corpus.


@figure("04", "04-windows.png")
def mlp_windows(path: Path) -> None:
    """The windows of a short text, and one window's embeddings concatenated into the input x."""
    from modules.m04_mlp.plots import draw_windows

    fig, ax = plt.subplots(figsize=(10.5, 4.6))
    draw_windows(ax, "First Citizen", block_size=3, n_embd=4, window=2)
    ax.set_title("Context windows (block_size = 3) and the MLP's input: embeddings side by side",
                 fontsize=10)
    save(fig, path)


@figure("04", "04-activations-init.png")
def mlp_activations_init(path: Path) -> None:
    """Histograms of the tanh outputs of a 5-layer stack: N(0, 1) weights against fan-in scaled
    weights with the tanh gain."""
    import math

    import torch

    from modules.m04_mlp.diagnostics import tanh_stack, tanh_statistics
    from modules.m04_mlp.plots import plot_tanh_histograms

    width = 100
    x = torch.randn(1000, width, generator=torch.Generator().manual_seed(0))  # (B, width)
    inits = [("N(0, 1) weights: saturated", math.sqrt(width)),
             ("std (5/3) / sqrt(fan_in): in range", 5 / 3)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for ax, (name, gain) in zip(axes, inits, strict=True):
        generator = torch.Generator().manual_seed(1)
        stats = tanh_statistics(tanh_stack(5, width, gain, generator=generator), x,
                                generator=generator)
        plot_tanh_histograms(ax, stats, "out", name)
    fig.suptitle("The outputs of five Linear(100, 100) + tanh layers at initialisation, by layer "
                 "(dotted: |t| = 0.97)", fontsize=10)
    save(fig, path)


# --- Module 05: word embeddings ------------------------------------------------------------------
# GloVe comes from glove_files.find_glove: the fetched file, $COURSE_GLOVE_FILE (the committed
# figures were drawn from the first 2,446 words of GloVe 6B 50d), or the generated stand-in.


@figure("05", "05-projection.png")
def embeddings_projection(path: Path) -> None:
    """Countries and their capitals, and male and female words, on their first two principal
    directions, with an arrow for each pair."""
    from modules.m05_embeddings.glove_files import find_glove
    from modules.m05_embeddings.plots import plot_projection
    from modules.m05_embeddings.vectors import load_glove

    wv = load_glove(find_glove(50)[0], progress=False)
    groups = [("capital -> country", [("paris", "france"), ("berlin", "germany"),
                                      ("tokyo", "japan"), ("rome", "italy"),
                                      ("moscow", "russia"), ("madrid", "spain")]),
              ("male -> female", [("king", "queen"), ("man", "woman"), ("he", "she"),
                                  ("father", "mother"), ("son", "daughter"),
                                  ("brother", "sister")])]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    for ax, (title, pairs) in zip(axes, groups, strict=True):
        pairs = [pair for pair in pairs if pair[0] in wv and pair[1] in wv]
        plot_projection(ax, wv, [word for pair in pairs for word in pair], pairs)
        ax.set_title(title, fontsize=10)
    fig.suptitle("GloVe 6B 50d, projected by PCA of the words shown: one relation, one direction",
                 fontsize=10)
    save(fig, path)


@figure("05", "05-counts-ppmi.png")
def embeddings_counts_ppmi(path: Path) -> None:
    """Window co-occurrence counts of a few TinyShakespeare words next to their PPMI."""
    from modules.course.corpus import tinyshakespeare
    from modules.m05_embeddings.cooccurrence import (
        cooccurrence_counts,
        ppmi,
        token_ids,
        vocabulary,
    )
    from modules.m05_embeddings.tokenize import words

    tokens = words(tinyshakespeare(allow_standin=True))
    vocab = vocabulary(tokens, min_count=5)
    counts = cooccurrence_counts(token_ids(tokens, vocab), len(vocab), window=2)  # (V, V)
    values = ppmi(counts, alpha=0.75)  # (V, V)
    shown = [w for w in ("the", "and", "my", "king", "queen", "crown", "love", "heart", "sweet",
                         "death", "grave", "night", "day") if w in vocab]
    rows = [vocab.index(w) for w in shown]
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.8), layout="constrained")
    for ax, matrix, title in ((axes[0], np.log1p(counts[np.ix_(rows, rows)]),
                               "ln(1 + count): frequent words everywhere"),
                              (axes[1], values[np.ix_(rows, rows)],
                               "PPMI (alpha = 0.75): who keeps whose company")):
        image = ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(shown)), shown, rotation=60, fontsize=8)
        ax.set_yticks(range(len(shown)), shown, fontsize=8)
        ax.set_title(title, fontsize=10)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle("TinyShakespeare, words within 2 of each other", fontsize=10)
    save(fig, path)


@figure("05", "05-retrieval.png")
def embeddings_retrieval(path: Path) -> None:
    """Precision@1, recall@10 and recall@100 of sparse and dense retrieval, by kind of query."""
    from modules.course.corpus import tinyshakespeare
    from modules.m05_embeddings.cooccurrence import (
        cooccurrence_counts,
        ppmi,
        svd_embeddings,
        token_ids,
        vocabulary,
    )
    from modules.m05_embeddings.glove_files import find_glove
    from modules.m05_embeddings.plots import plot_retrieval_results
    from modules.m05_embeddings.retrieval import (
        bm25_scores,
        build_index,
        dense_scores,
        mean_at_k,
        mean_vectors,
        precision_at_k,
        rank,
        recall_at_k,
        tfidf_scores,
    )
    from modules.m05_embeddings.retrieval_set import retrieval_set
    from modules.m05_embeddings.tokenize import words
    from modules.m05_embeddings.vectors import load_glove

    text = tinyshakespeare(allow_standin=True)
    tokens = words(text)
    vocab = vocabulary(tokens, min_count=5)
    counts = cooccurrence_counts(token_ids(tokens, vocab), len(vocab), window=2)
    ppmi_svd = svd_embeddings(ppmi(counts), vocab, dim=100)
    glove = load_glove(find_glove(50)[0], progress=False)
    bench = retrieval_set(text)
    documents = [words(d.text) for d in bench.documents]
    index = build_index(documents)
    scores = {"TF-IDF": lambda qs: tfidf_scores(index, qs),
              "BM25": lambda qs: bm25_scores(index, qs),
              "mean GloVe": lambda qs: dense_scores(mean_vectors(qs, glove),
                                                    mean_vectors(documents, glove)),
              "mean PPMI-SVD": lambda qs: dense_scores(mean_vectors(qs, ppmi_svd),
                                                       mean_vectors(documents, ppmi_svd))}
    results = {}
    for method, score in scores.items():
        results[method] = {}
        for kind in ("lexical", "paraphrase"):
            chosen = [i for i, q in enumerate(bench.queries) if q.kind == kind]
            rankings = rank(score([words(bench.queries[i].text) for i in chosen]))
            relevant = [bench.relevant[i] for i in chosen]
            results[method][f"P@1 {kind}"] = mean_at_k(precision_at_k, rankings, relevant, 1)
            for k in (10, 100):
                results[method][f"R@{k} {kind}"] = mean_at_k(recall_at_k, rankings, relevant, k)
    fig, ax = plt.subplots(figsize=(11, 4))
    plot_retrieval_results(ax, results, title=f"{len(bench.queries)} queries, "
                           f"{len(bench.documents):,} passages of TinyShakespeare")
    save(fig, path)


# --- Module 06: attention ------------------------------------------------------------------------
# Drawn from the course's own attention code on one line of TinyShakespeare (or the stand-in text).


@figure("06", "06-score-scaling.png")
def attention_score_scaling(path: Path) -> None:
    import torch

    from modules.m06_attention.demos import score_variance, softmax_saturation
    from modules.m06_attention.plots import plot_score_scaling

    g = torch.Generator().manual_seed(0)
    variances = score_variance([4, 16, 64, 256, 1024], generator=g)
    saturation = softmax_saturation([0.25, 0.5, 1, 2, 4, 8, 16, 32, 64], n_keys=64, generator=g)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    plot_score_scaling(left, right, variances, saturation, n_keys=64)
    save(fig, path)


@figure("06", "06-attention-maps.png")
def attention_maps(path: Path) -> None:
    import torch

    from modules.course.corpus import tinyshakespeare
    from modules.m06_attention.demos import previous_token_weights, same_character_weights
    from modules.m06_attention.plots import plot_attention

    line = tinyshakespeare(allow_standin=True)[:40]
    running_mean = torch.ones(len(line), len(line)).tril()
    running_mean = running_mean / running_mean.sum(dim=1, keepdim=True)  # (T, T)
    maps = [(running_mean, "fixed weights: the running mean\n(what untrained heads are close to)"),
            (previous_token_weights(len(line)),
             "by position: the previous character\n(sinusoidal positions only)"),
            (same_character_weights(line, sharpness=8.0),
             "by content: earlier copies of the same character\n(one-hot queries and keys)")]
    fig, axes = plt.subplots(1, 3, figsize=(19, 6), layout="constrained")
    for ax, (weights, title) in zip(axes, maps, strict=True):
        plot_attention(ax, weights, list(line), title=title)
    save(fig, path)


@figure("06", "06-positions.png")
def attention_positions(path: Path) -> None:
    import torch

    from modules.m06_attention.plots import plot_positions
    from modules.m06_attention.positions import RotaryEmbedding, sinusoidal_positions

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
    plot_positions(left, sinusoidal_positions(128, 64), title="sinusoidal_positions(128, 64)")
    rope, n = RotaryEmbedding(head_dim=64, max_positions=64), 64
    q, k = torch.randn(2, 64, generator=torch.Generator().manual_seed(7))  # one query, one key
    q_at = rope(q.expand(n, 64), torch.arange(n))  # (n, 64): q rotated at positions 0..n-1
    k_at = rope(k.expand(n, 64), torch.arange(n))
    image = right.imshow(q_at @ k_at.T, cmap="RdBu")  # (n, n): score of query m with key n
    fig.colorbar(image, ax=right, fraction=0.046)
    right.set_xlabel("key position n")
    right.set_ylabel("query position m")
    right.set_title("RoPE: the score of one query and one key at positions m, n\n"
                    "is constant along every diagonal: it depends on n - m only")
    save(fig, path)


# --- Module 07: the transformer ------------------------------------------------------------------
# Drawn with Module 07's own model, helpers and plotting code, imported inside the functions. The
# pre-LN/post-LN figure trains two small models on TinyShakespeare (the stand-in text without it),
# about a minute on two CPU cores; the other two need no data.


@figure("07", "07-cost-breakdown.png")
def transformer_cost_breakdown(path: Path) -> None:
    """Where the parameters and the training FLOPs per token go, for the notebook's model and
    for GPT-2 small."""
    from modules.m07_transformer.model import GPTConfig, flops_per_token, parameter_count
    from modules.m07_transformer.plots import plot_breakdown
    from modules.m07_transformer.train_demo import flops_breakdown, parameter_breakdown

    configs = [("the notebook's model (V = 65, T = 64, L = 4, C = 96)",
                GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=96)),
               ("GPT-2 small (V = 50257, T = 1024, L = 12, C = 768)",
                GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12,
                          n_embd=768))]
    fig, axes = plt.subplots(2, 2, figsize=(12.5, 5.6), layout="constrained")
    for column, (name, config) in enumerate(configs):
        plot_breakdown(axes[0, column], parameter_breakdown(config),
                       f"{name}\n{parameter_count(config):,} parameters")
        plot_breakdown(axes[1, column], flops_breakdown(config),
                       f"{flops_per_token(config):,} training FLOPs per token")
    save(fig, path)


@figure("07", "07-pre-post-ln.png")
def transformer_pre_post_ln(path: Path) -> None:
    """Pre-LN against post-LN: the same 8-block GPT, the same initial weights and batches, AdamW
    at 1e-3 from the first step without a warmup (the notebook's full-mode comparison)."""
    import math

    import torch

    from modules.m04_mlp.plots import running_mean
    from modules.m07_transformer.model import GPTConfig
    from modules.m07_transformer.train_demo import compare_norm_positions, shakespeare_chars

    data = shakespeare_chars()
    V = len(data.vocab)
    counts = torch.bincount(data.train_ids, minlength=V).double()  # (V,)
    unigram = -(torch.log(counts / counts.sum())[data.val_ids]).mean().item()
    config = GPTConfig(vocab_size=V, block_size=32, n_layer=8, n_head=4, n_embd=64)
    logs = compare_norm_positions(config, data, steps=600, batch_size=16, lr=1e-3)
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, (name, log) in enumerate(logs.items()):
        ax.plot(log.losses, color=f"C{i}", alpha=0.2, linewidth=0.6)
        ax.plot(running_mean(log.losses, 20), color=f"C{i}",
                label=f"{name}-LN (validation {log.val_loss:.2f})")
    ax.axhline(math.log(V), color="gray", linestyle=":", linewidth=1,
               label=f"uniform guess, ln {V}")
    ax.axhline(unigram, color="C3", linestyle="--", linewidth=1,
               label=f"unigram (character frequencies), {unigram:.2f}")
    ax.set_xlabel("step (16 windows of 32 characters)")
    ax.set_ylabel("training loss (nats per character)")
    ax.set_title("An 8-block GPT, AdamW at lr 1e-3 from step 0, no warmup: post-LN stalls at "
                 "the unigram level, then catches up", fontsize=10)
    ax.legend(fontsize=8)
    save(fig, path)


@figure("07", "07-residual-init.png")
def transformer_residual_init(path: Path) -> None:
    """The std of the residual stream after each block of a 48-block pre-LN GPT at
    initialisation, with GPT-2's 1/sqrt(2 n_layer) scaling of the residual projections and
    without it."""
    import torch

    from modules.m07_transformer.model import GPT, GPTConfig

    config = GPTConfig(vocab_size=65, block_size=64, n_layer=48, n_head=4, n_embd=64)
    idx = torch.randint(65, (8, 64), generator=torch.Generator().manual_seed(2))  # (B, T)
    scaled = GPT(config, generator=torch.Generator().manual_seed(0))
    unscaled = GPT(config, generator=torch.Generator().manual_seed(0))
    runs = {}
    with torch.no_grad():
        for block in unscaled.blocks:  # the residual projections back to 0.02
            for layer in (block.attn.proj, block.mlp.proj):
                layer.weight.normal_(0.0, 0.02, generator=torch.Generator().manual_seed(3))
        for name, model in [("GPT-2: residual projections at 0.02 / sqrt(2 n_layer)", scaled),
                            ("every matrix at 0.02", unscaled)]:
            x = model.wte(idx) + model.wpe(torch.arange(64))  # (B, T, C)
            stds = [x.std().item()]
            for block in model.blocks:
                x = block(x)
                stds.append(x.std().item())
            runs[name] = stds
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for name, stds in runs.items():
        ax.plot(stds, label=name)
    ax.set_xlabel("blocks passed")
    ax.set_ylabel("std of the residual stream")
    ax.set_ylim(0, None)
    ax.set_title("A 48-block pre-LN GPT at initialisation (C = 64, random ids)", fontsize=10)
    ax.legend(fontsize=8)
    save(fig, path)


# --- Module 08: byte-level BPE -------------------------------------------------------------------
# Drawn from the course's own trainer and tokenizer on TinyShakespeare (or the stand-in text). The
# GPT-2 figure needs GPT-2's files (data/gpt2/ or $COURSE_GPT2_DIR, see gpt2_files.py); without
# them it is skipped and the committed PNG stays as it is.


def _token_boxes(ax, x: float, y: float, tokens: list[bytes], width: float = 0.16,
                 highlight: bytes | None = None) -> float:
    """Draw `tokens` side by side from (x, y), `width` per character shown (a space shown as
    "␣"), the token equal to `highlight` in orange; return the x after the last box."""
    for token in tokens:
        label = token.decode("utf-8", errors="backslashreplace").replace(" ", "␣")
        w = width * len(label)
        color = "#fdd49e" if token == highlight else "#dbe9f6"
        ax.add_patch(Rectangle((x, y), w, 0.62, facecolor=color, edgecolor="#33577a", lw=1))
        ax.text(x + w / 2, y + 0.31, label, ha="center", va="center", fontsize=10,
                family="monospace")
        x += w + 0.04
    return x


@figure("08", "08-merges.png")
def bpe_merges(path: Path) -> None:
    """Sennrich et al.'s four words, cut after each of the first six merges."""
    from collections import Counter

    from modules.m08_bpe.tokenizer import Tokenizer
    from modules.m08_bpe.train import train_bpe

    words = Counter({b"low": 5, b"lower": 2, b"newest": 6, b"widest": 3})
    _, merges = train_bpe(words, 256 + 6)
    fig, ax = plt.subplots(figsize=(12, 5.2))
    columns = [0.0, 2.0, 4.4, 7.0]
    for step in range(len(merges) + 1):
        y = -step
        vocab = {b: bytes([b]) for b in range(256)}
        for left, right in merges[:step]:
            vocab[len(vocab)] = left + right
        tokenizer = Tokenizer(vocab, merges[:step])
        for x, (word, count) in zip(columns, words.items(), strict=True):
            new = merges[step - 1][0] + merges[step - 1][1] if step else None
            end = _token_boxes(ax, x, y, [vocab[i] for i in tokenizer.bpe(word)], highlight=new)
            ax.text(end, y + 0.31, f"×{count}", va="center", fontsize=8, color="#555")
        label = "start: one token per byte" if step == 0 else (
            f"merge {step}: {merges[step - 1][0].decode()} + {merges[step - 1][1].decode()}"
            f" → {(merges[step - 1][0] + merges[step - 1][1]).decode()} (id {255 + step})")
        ax.text(-0.3, y + 0.31, label, ha="right", va="center", fontsize=10)
    ax.set_xlim(-4.6, 9.0)
    ax.set_ylim(-len(merges) - 0.3, 1.0)
    ax.axis("off")
    ax.set_title("BPE on low ×5, lower ×2, newest ×6, widest ×3: merge the most frequent pair, "
                 "again and again\n(orange: the new token where it occurs; ties go to the greater "
                 "pair, so s+t before e+s)", fontsize=10)
    save(fig, path)


@figure("08", "08-compression.png")
def bpe_compression(path: Path) -> None:
    """Tokens per character on held-out TinyShakespeare against the vocabulary size."""
    import regex

    from modules.course.corpus import tinyshakespeare
    from modules.m08_bpe.gpt2_files import find_gpt2_files
    from modules.m08_bpe.tokenizer import Tokenizer
    from modules.m08_bpe.train import train_bpe

    text = tinyshakespeare(allow_standin=True)
    split = int(0.9 * len(text))
    train, val = text[:split], text[split:]
    eot = "<|endoftext|>"
    vocab, merges = train_bpe(train, 10_000, [eot], progress=False)
    sizes = [s for s in [257, 300, 400, 600, 1000, 1500, 2000, 3000, 5000, 7500, 10_000]
             if s - 257 <= len(merges)]
    ratios = []
    for size in sizes:
        k = size - 257
        prefix = Tokenizer({**{i: vocab[i] for i in range(256 + k)}, 256 + k: eot.encode()},
                           merges[:k], [eot])
        ratios.append(len(prefix.encode(val)) / len(val))
    fig, ax = plt.subplots(figsize=(7.5, 4.4), layout="constrained")
    ax.semilogx(sizes, ratios, "o-", label="byte-level BPE trained on the first 90%")
    for size, ratio in zip(sizes, ratios, strict=True):
        if size in (257, 1000, 10_000):
            ax.annotate(f"{ratio:.2f}", (size, ratio), textcoords="offset points",
                        xytext=(6, 6), fontsize=8)
    files, _ = find_gpt2_files()
    if files:
        gpt2 = Tokenizer.from_gpt2_files(*files)
        ratio = len(gpt2.encode(val)) / len(val)
        ax.semilogx([gpt2.vocab_size], [ratio], "r*", markersize=12,
                    label=f"GPT-2's 50,257 tokens, learned on web text: {ratio:.2f}")
    words = len(regex.findall(r"\w+|[^\w\s]", val))
    ax.axhline(words / len(val), color="gray", linestyle=":",
               label=f"words and punctuation marks: {words / len(val):.2f} (some unknown)")
    ax.set_xlabel("vocabulary size (bytes + merges + <|endoftext|>)")
    ax.set_ylabel("tokens per character")
    ax.set_ylim(0, 1.05)
    ax.set_title("TinyShakespeare, last 10%: the first merges shorten the text most", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, path)


@figure("08", "08-numbers.png")
def bpe_numbers(path: Path) -> None:
    """How GPT-2 cuts the four-digit numbers, and a sum."""
    from matplotlib.colors import ListedColormap

    from modules.m08_bpe.gpt2_files import find_gpt2_files
    from modules.m08_bpe.tokenizer import Tokenizer

    files, note = find_gpt2_files()
    if files is None:
        print(f"08-numbers.png skipped: {note}")
        return
    gpt2 = Tokenizer.from_gpt2_files(*files)
    patterns = ["4", "3+1", "2+2", "1+3", "1+2+1"]
    grid = np.zeros((90, 100), dtype=int)  # rows: first two digits 10-99; columns: last two
    for n in range(1000, 10_000):
        lengths = [len(gpt2.vocab[i].strip()) for i in gpt2.encode(f" {n}")]
        grid[n // 100 - 10, n % 100] = patterns.index("+".join(map(str, lengths)))
    fig = plt.figure(figsize=(13, 5.6), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.05, 1])
    ax = left.subplots()
    image = ax.imshow(grid, cmap=ListedColormap(["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728",
                                                 "#9467bd"]),
                      vmin=-0.5, vmax=len(patterns) - 0.5, aspect="auto",
                      extent=(-0.5, 99.5, 99.5, 9.5))
    bar = left.colorbar(image, ax=ax, ticks=range(len(patterns)))
    bar.ax.set_yticklabels([f"{p} ({np.sum(grid == i):,})" for i, p in enumerate(patterns)])
    ax.set_xlabel("last two digits")
    ax.set_ylabel("first two digits")
    ax.set_title('" 1000" to " 9999": digits in each GPT-2 token', fontsize=10)
    ax = right.subplots()
    examples = [" strawberry", "strawberry", " 1234567", " 2023", " 2024", " 2025",
                " 12345 + 67890 = 80235", " 999 + 1 = 1000"]
    for row, example in enumerate(examples):
        y = -row
        ax.text(-0.2, y + 0.31, repr(example), ha="right", va="center", fontsize=9,
                family="monospace")
        _token_boxes(ax, 0.0, y, [gpt2.vocab[i] for i in gpt2.encode(example)], width=0.2)
    ax.set_xlim(-4.6, 6.2)
    ax.set_ylim(-len(examples) + 0.5, 1.0)
    ax.axis("off")
    ax.set_title("GPT-2's tokens (␣ is the leading space)", fontsize=10)
    save(fig, path)


# --- Module 09: training -------------------------------------------------------------------------
# Drawn with Module 09's own code: the schedule is lr_at with the cpu configuration's numbers, the
# bias-correction figure measures the course's AdamW, and the pathology figure trains short runs
# of the cpu configuration with train() (TinyShakespeare, or the stand-in text without it) in a
# temporary folder: about 30 seconds on two CPU cores.


@figure("09", "09-lr-schedule.png")
def training_lr_schedule(path: Path) -> None:
    """The cpu configuration's learning rate at every step: linear warmup, cosine, floor."""
    from modules.m09_training.configs import load_config
    from modules.m09_training.schedule import lr_at

    config = load_config("cpu")
    warm, decay = config.warmup_iters, config.lr_decay_iters
    steps = np.arange(decay + 300)
    lrs = [lr_at(int(s), config.learning_rate, config.min_lr, warm, decay) for s in steps]
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    ax.plot(steps, lrs, color="C2")
    for x in (warm, decay):
        ax.axvline(x, color="gray", linestyle=":", linewidth=1)
    ax.annotate(f"warmup: {config.learning_rate / warm:.0e} at step 0\nto "
                f"{config.learning_rate:g} at step {warm - 1}", (warm, config.learning_rate),
                xytext=(warm + 150, config.learning_rate * 0.98), fontsize=8, va="top",
                arrowprops={"arrowstyle": "->", "color": "gray"})
    middle = (warm + decay) // 2
    ax.annotate("cosine: steepest in the middle,\nflat at both ends", (middle, lrs[middle]),
                xytext=(middle + 150, lrs[middle] + 2e-4), fontsize=8,
                arrowprops={"arrowstyle": "->", "color": "gray"})
    ax.annotate(f"min_lr = {config.min_lr:g} from step {decay}", (decay, config.min_lr),
                xytext=(decay - 700, config.min_lr + 1.5e-4), fontsize=8,
                arrowprops={"arrowstyle": "->", "color": "gray"})
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_ylim(0, config.learning_rate * 1.08)
    ax.set_title(f"lr_at for the cpu configuration (max {config.learning_rate:g}, min "
                 f"{config.min_lr:g}, warmup {warm}, decay to step {decay})", fontsize=10)
    save(fig, path)


@figure("09", "09-adam-bias-correction.png")
def training_adam_bias_correction(path: Path) -> None:
    """How long Adam's steps are on a constant gradient, with and without bias correction."""
    import torch

    from modules.m09_training.adamw import AdamW

    lr, n = 1e-3, 1000
    fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    t = np.arange(1, n + 1)
    measured = {}
    for beta2, color in [(0.99, "C1"), (0.999, "C3")]:
        weight = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        adam = AdamW([weight], lr=lr, betas=(0.9, beta2), weight_decay=0.0)
        lengths = []
        for _ in range(n):
            before = weight.item()
            weight.grad = torch.ones_like(weight)
            adam.step()
            lengths.append(abs(weight.item() - before) / lr)
        uncorrected = (1 - 0.9**t) / np.sqrt(1 - beta2**t)
        ax.plot(t, uncorrected, color=color, linestyle="--",
                label=f"without bias correction, betas (0.9, {beta2}): up to "
                      f"{uncorrected.max():.1f} lr at t = {t[uncorrected.argmax()]}")
        measured[beta2] = lengths
    ax.plot(t, measured[0.99], color="C0", linewidth=2,
            label="the course's AdamW, measured: the same line for both betas")
    ax.set_xscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel("step length / lr")
    ax.set_ylim(0, 7.2)
    ax.set_title("Adam on a constant gradient g = 1: with the correction every step is lr long",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    save(fig, path)


@figure("09", "09-pathologies.png")
def training_pathologies(path: Path) -> None:
    """The cpu configuration and its five pathologies, short runs on one log-scale axis, with
    their gradient norms."""
    import contextlib
    import io
    import tempfile
    from dataclasses import replace

    from modules.course.corpus import tinyshakespeare
    from modules.m09_training.configs import PATHOLOGIES, load_config
    from modules.m09_training.data import prepare_char_data
    from modules.m09_training.plots import plot_runs
    from modules.m09_training.train import train

    steps = 100
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        data = prepare_char_data(tinyshakespeare(allow_standin=True), Path(folder) / "data")
        counts = np.bincount(data.train, minlength=data.vocab_size) + 1  # (V,), add-one
        unigram = -np.log(counts / counts.sum())[np.asarray(data.val)].mean()
        for name in ["healthy", *PATHOLOGIES]:
            config = load_config("cpu", pathology=None if name == "healthy" else name)
            config = replace(config, max_iters=steps, lr_decay_iters=steps,
                             warmup_iters=min(config.warmup_iters, steps // 10),
                             eval_interval=steps, eval_iters=5, log_interval=1,
                             sample_interval=0, out_dir=f"{folder}/{name}")
            with contextlib.redirect_stdout(io.StringIO()):
                train(config, progress=False)
            runs[name] = Path(folder) / name / "metrics.jsonl"
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
        plot_runs(axes[0], runs, "loss", window=5)
        plot_runs(axes[1], runs, "grad_norm", window=5)
    axes[0].axhline(unigram, color="gray", linestyle="-.", linewidth=1,
                    label=f"unigram level (character frequencies), {unigram:.2f}")
    axes[0].legend(fontsize=8)
    axes[0].set_title(f"training loss: {steps} steps of the cpu configuration, warmup "
                      f"{steps // 10} steps (0 for no-warmup)", fontsize=10)
    axes[1].axhline(1.0, color="black", linestyle="--", linewidth=1)
    axes[1].set_ylabel("gradient norm before clipping (log scale)")
    axes[1].set_title("gradient norm before clipping (dashed: the threshold 1.0)", fontsize=10)
    save(fig, path)


# --- Module 10: pre-training on TinyStories ------------------------------------------------------
# Drawn with Module 10's own code on the generated stand-in corpus (stories.py), so they need no
# download: the cutter of the download (story_shards.cut_stories) on a few stories, the loader's
# file choice (ShardLoader), and the scaling study (scaling.py, the tiny config's data and
# sizes). The stand-in is written once under data/tinystories/generated/ (git-ignored); the runs
# go to a temporary folder. About 30 seconds on two CPU cores.


@figure("10", "10-shards.png")
def tinystories_shards(path: Path) -> None:
    """A text of stories cut into shards at story boundaries, whole and through a range request
    that stops inside a story."""
    import tempfile

    from modules.course.story_shards import cut_stories, shard_chunks
    from modules.m10_tinystories.stories import generate_stories

    text = generate_stories(24, seed=3).encode("utf-8")  # (about 13 KB)
    shard_bytes = len(text) // 4
    ends, at = [], 0  # the byte after each story's "\n<|endoftext|>\n"
    for story in text.split(b"<|endoftext|>\n")[:-1]:
        at += len(story) + len(b"<|endoftext|>\n")
        ends.append(at)
    with tempfile.TemporaryDirectory() as folder:
        whole = cut_stories([text], Path(folder) / "whole", shard_bytes)
        whole_ok = b"".join(chunk for r in whole
                            for chunk in shard_chunks(Path(folder) / "whole" / r.name)) == text
        fetched = 2 * (shard_bytes + shard_bytes // 4)  # 2 x (shard_bytes + slack)
        ranged = cut_stories([text[:fetched]], Path(folder) / "range", shard_bytes,
                             max_shards=2, to_eof=False)
    fig, ax = plt.subplots(figsize=(13, 3.6), layout="constrained")
    rows = [(1.6, whole, f"the whole file: {len(whole)} shards, reassembled = the file: "
                         f"{whole_ok}"),
            (0.0, ranged, "a range request for the first 2 shards + slack (to_eof=False)")]
    for y, records, label in rows:
        starts = [0] + ends[:-1]
        for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
            if y == 0.0 and end > fetched:
                break
            ax.add_patch(Rectangle((start, y), end - start, 0.5, facecolor="0.93" if i % 2
                                   else "0.82", edgecolor="white", lw=0.5))
        for i, record in enumerate(records):
            ax.add_patch(Rectangle((record.start, y + 0.55), record.bytes, 0.3,
                                   facecolor=f"C{i}", alpha=0.8))
            ax.text(record.start + record.bytes / 2, y + 0.7, record.name.split(".")[0],
                    ha="center", va="center", fontsize=8, color="white")
            target = record.start + shard_bytes
            if target > record.end:  # the last shard: it ends with the file
                ax.text(record.end, y + 0.95, "the last shard ends with the file", ha="right",
                        fontsize=8, color=f"C{i}")
                continue
            ax.plot([target, target], [y - 0.05, y + 0.9], color="black", linestyle=":", lw=1)
            ax.annotate("", (record.end, y + 0.95), (target, y + 0.95),
                        arrowprops={"arrowstyle": "->", "color": f"C{i}"})
        ax.text(0, y + 1.05, label, fontsize=9, va="bottom")
    dropped = ranged[-1].end
    ax.add_patch(Rectangle((dropped, 0.0), fetched - dropped, 0.5, facecolor="none",
                           edgecolor="C3", hatch="///", lw=1))
    ax.text(fetched + 80, 0.25, "bytes fetched after the last\nboundary: an unfinished story,\n"
            "dropped", fontsize=8, color="C3", va="center")
    ax.set_xlim(0, len(text) * 1.01)
    ax.set_ylim(-0.2, 2.9)
    ax.set_yticks([])
    ax.set_xlabel("byte offset in the file")
    ax.set_title(f"Shards end at the first story boundary at or after shard_bytes = "
                 f"{shard_bytes:,} bytes into them (dotted) | grey: the {len(ends)} stories, "
                 f"each ending with a line <|endoftext|>", fontsize=10)
    save(fig, path)


@figure("10", "10-loader-weights.png")
def tinystories_loader_weights(path: Path) -> None:
    """Which file ShardLoader's rows come from, against the file's share of valid starts, of
    length, and a uniform choice."""
    import tempfile

    from modules.m09_training.data import write_tokens
    from modules.m10_tinystories.loader import ShardLoader

    lengths, T = [150, 600, 1_500, 4_000, 9_000], 64
    with tempfile.TemporaryDirectory() as folder:
        files = [write_tokens(np.full(n, i), Path(folder) / f"file-{i}.bin", len(lengths))
                 for i, n in enumerate(lengths)]
        loader = ShardLoader(files, T, seed=0)
        drawn = np.zeros(len(lengths))
        for _ in range(400):
            x, _ = loader.get_batch(64)  # (64, T)
            drawn += np.bincount(x[:, 0].numpy(), minlength=len(lengths))
        valid = loader.valid_starts.numpy()
    shares = {f"drawn by ShardLoader ({int(drawn.sum()):,} rows)": drawn / drawn.sum(),
              "valid starts n − T: every window equally likely": valid / valid.sum(),
              "lengths n": np.array(lengths) / sum(lengths),
              "uniform over files": np.full(len(lengths), 1 / len(lengths))}
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    for j, (label, share) in enumerate(shares.items()):
        ax.bar(np.arange(len(lengths)) + (j - 1.5) * 0.2, share, 0.2, label=label,
               color=["C0", "black", "C7", "C3"][j], alpha=0.85)
    ax.set_xticks(range(len(lengths)), [f"file {i}\n{n:,} ids\n{v:,} valid starts"
                                        for i, (n, v) in enumerate(zip(lengths, valid,
                                                                       strict=True))])
    ax.set_ylabel("share of the rows")
    ax.set_title(f"Which file a row comes from (T = {T}): weighted by valid starts, file 0 gets "
                 f"{valid[0] / valid.sum():.1%} of the rows, not 20%", fontsize=10)
    ax.legend(fontsize=8)
    save(fig, path)


@figure("10", "10-scaling.png")
def tinystories_scaling(path: Path) -> None:
    """The scaling study: three model sizes on the same tokens of the stand-in corpus."""
    import contextlib
    import io
    import tempfile

    from modules.m10_tinystories.configs import CONFIGS
    from modules.m10_tinystories.scaling import plot_scaling, scaling_study

    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()):
        runs = scaling_study(CONFIGS["tiny"], max_iters=300, evaluations=6, out_root=folder)
    fig = plot_scaling(runs)
    fig.suptitle("The scaling study on the generated stand-in (1,500 stories, 512-token BPE): "
                 "300 steps of 16 x 64 tokens per size, the same batches", fontsize=10)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})


# --- Module 11: sampling -------------------------------------------------------------------------
# Drawn with Module 11's own code on Module 09's checkpoint (data/runs/m09/cpu/ckpt.pt, loaded with
# load_for_sampling); without it, a stand-in is trained for 300 steps of the cpu configuration in
# a temporary folder (about 20 seconds on two CPU cores), and the figures differ from the page's.
# The cache's speed-up plot, docs/figures/11-kv-cache.png, is a timing: it is drawn by
# `scripts/bench_11_kv_cache.py --plot docs/figures/11-kv-cache.png`, not here.

M11_CONTEXTS = ("JULIET:\nO Romeo, Romeo! wherefore art thou R", "ROMEO:\nI will ")


def _m11_model():
    """Module 09's trained character model and its vocabulary (or a stand-in, see above)."""
    import contextlib
    import io
    import tempfile

    from modules.course.paths import DATA_DIR
    from modules.m09_training.configs import load_config
    from modules.m09_training.train import train
    from modules.m11_sampling.sample import load_for_sampling

    if "model" not in _M11_CACHE:
        path = DATA_DIR / "runs" / "m09" / "cpu" / "ckpt.pt"
        if not path.is_file():
            folder = tempfile.mkdtemp(prefix="figures-m11-")
            print(f"{path} is missing: training a stand-in (300 steps of the cpu configuration)")
            config = load_config("cpu", {"max_iters": 300, "lr_decay_iters": 300,
                                         "warmup_iters": 30, "eval_interval": 300,
                                         "eval_iters": 5, "sample_interval": 0,
                                         "device": "cpu", "out_dir": folder})
            with contextlib.redirect_stdout(io.StringIO()):
                train(config, progress=False)
            path = Path(folder) / "ckpt.pt"
        _M11_CACHE["model"] = load_for_sampling(path, "cpu")
    return _M11_CACHE["model"]


_M11_CACHE: dict = {}


def _m11_encode(vocab, text: str) -> list[int]:
    """The ids of `text`, without the characters the vocabulary lacks (a stand-in's)."""
    return vocab.encode("".join(c for c in text if c in vocab.chars))


def _m11_next_logits(model, vocab, text: str):
    """The model's logits (V,) for the character after `text`."""
    import torch

    with torch.no_grad():
        ids = torch.tensor([_m11_encode(vocab, text)[-model.config.block_size:]])
        return model(ids)[0][0, -1]


def _m11_bars(ax, vocab, before, after, order, title: str) -> None:
    """`after` as filled bars over the tokens `order`, `before` (the model at T = 1) as outlines."""
    labels = [{"\n": "\\n", " ": "␣"}.get(vocab.decode([i]), vocab.decode([i]))
              for i in order.tolist()]
    x = np.arange(len(order))
    ax.bar(x, before[order].numpy(), color="none", edgecolor="gray", linewidth=0.8,
           label="the model's distribution (T = 1)")
    ax.bar(x, after[order].numpy(), color="C0", alpha=0.85, label="the distribution sampled from")
    ax.set_xticks(x, labels, fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)


@figure("11", "11-temperature.png")
def sampling_temperature(path: Path) -> None:
    """The next-character distribution after a line of Romeo and Juliet, greedy and at three
    temperatures, from next_token_distribution."""
    import torch.nn.functional as F

    from modules.m11_sampling import SamplingSettings, next_token_distribution

    model, vocab = _m11_model()
    logits = _m11_next_logits(model, vocab, M11_CONTEXTS[0])
    probs = F.softmax(logits, dim=-1)
    order = probs.argsort(descending=True)[:12]
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4), layout="constrained", sharey=True)
    for ax, temperature in zip(axes, (0, 0.5, 1.0, 2.0), strict=True):
        dist = next_token_distribution(logits, SamplingSettings(temperature=temperature))
        entropy = abs(-(dist * dist.clamp_min(1e-30).log()).sum().item())
        name = "greedy (T = 0)" if temperature == 0 else f"T = {temperature}"
        _m11_bars(ax, vocab, probs, dist, order,
                  f"{name}: top {dist.max():.2f}, entropy {entropy:.2f} nats")
    axes[0].set_ylabel("probability")
    axes[0].legend(fontsize=8, loc="upper right")
    fig.suptitle(f"the next character after {M11_CONTEXTS[0][-31:]!r}", fontsize=10)
    save(fig, path)


@figure("11", "11-top-k-top-p.png")
def sampling_top_k_top_p(path: Path) -> None:
    """Top-k 5 and top-p 0.9 on a sure and an unsure context: top-k keeps 5 in both, top-p
    follows the shape of the distribution."""
    import torch.nn.functional as F

    from modules.m11_sampling import SamplingSettings, next_token_distribution

    model, vocab = _m11_model()
    fig, axes = plt.subplots(2, 2, figsize=(13, 6), layout="constrained", sharey=True)
    for row, text in zip(axes, M11_CONTEXTS, strict=True):
        logits = _m11_next_logits(model, vocab, text)
        probs = F.softmax(logits, dim=-1)
        order = probs.argsort(descending=True)[:20]
        knobs = (("top-k 5", SamplingSettings(top_k=5)),
                 ("top-p 0.9", SamplingSettings(top_p=0.9)))
        for ax, (name, settings) in zip(row, knobs, strict=True):
            dist = next_token_distribution(logits, settings)
            kept_mass = probs[dist > 0].sum().item()
            _m11_bars(ax, vocab, probs, dist, order,
                      f"after {text[-14:]!r}: {name} keeps {(dist > 0).sum().item()} "
                      f"(they held {kept_mass:.2f})")
        row[0].set_ylabel("probability")
    axes[0][0].legend(fontsize=8, loc="upper right")
    save(fig, path)


@figure("11", "11-nucleus-sizes.png")
def sampling_nucleus_sizes(path: Path) -> None:
    """Over 4,096 positions of held-out Shakespeare: how many characters top-p 0.9 keeps, and
    how much of the probability top-5 keeps."""
    import torch
    import torch.nn.functional as F

    from modules.course.corpus import tinyshakespeare
    from modules.m11_sampling import top_p_filter

    model, vocab = _m11_model()
    block = model.config.block_size
    text = tinyshakespeare(allow_standin=True)
    held_out = "".join(c for c in text[int(0.9 * len(text)):] if c in vocab.chars)
    starts = np.linspace(0, len(held_out) - block - 1, 64).astype(int)
    windows = torch.tensor([_m11_encode(vocab, held_out[s:s + block]) for s in starts])
    with torch.no_grad():
        logits = model(windows)[0].reshape(-1, model.config.vocab_size)  # every position
    sizes = (top_p_filter(logits, 0.9) > float("-inf")).sum(-1).numpy()
    top5 = F.softmax(logits, -1).topk(5, dim=-1).values.sum(-1).numpy()
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.6), layout="constrained")
    axes[0].hist(sizes, bins=np.arange(0.5, sizes.max() + 1.5), color="C0")
    axes[0].axvline(5, color="C3", linestyle="--", label="top-k 5 keeps 5, always")
    axes[0].set_xlabel("characters in the nucleus, p = 0.9")
    axes[0].set_ylabel("positions")
    axes[0].set_title(f"top-p 0.9 keeps 1 to {sizes.max()} characters (median "
                      f"{np.median(sizes):.0f})", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].hist(top5, bins=40, color="C2")
    axes[1].axvline(0.9, color="C3", linestyle="--", label="p = 0.9")
    axes[1].set_xlabel("probability mass kept by top-5")
    axes[1].set_title(f"top-5 keeps {top5.min():.2f} to {top5.max():.3f} of the mass; less "
                      f"than 0.9 at {(top5 < 0.9).mean():.0%} of the positions", fontsize=10)
    axes[1].legend(fontsize=8)
    fig.suptitle(f"{len(sizes):,} positions of held-out Shakespeare (the last 10%)", fontsize=10)
    save(fig, path)


@figure("11", "11-kv-cache-work.png")
def sampling_kv_cache_work(path: Path) -> None:
    """How many positions generate runs through the model at each step, with and without the
    KV cache, recorded by wrapping the model: the prefill, one position per step, and the
    recomputation once the context is full."""
    import torch

    from modules.m11_sampling import SamplingSettings, generate

    model, vocab = _m11_model()

    class Widths(torch.nn.Module):
        """The model, recording the width of every input it is run on."""

        def __init__(self, inner):
            super().__init__()
            self.inner, self.config, self.widths = inner, inner.config, []

        def forward(self, idx, targets=None, caches=None):
            self.widths.append(idx.shape[1])
            return self.inner(idx, targets, caches)

    prompt = torch.tensor([_m11_encode(vocab, "ROMEO:\n")])  # (1, 7)
    n = 100
    block = model.config.block_size
    widths = {}
    for use_cache in (False, True):
        wrapped = Widths(model)
        generate(wrapped, prompt, n, SamplingSettings(temperature=0), use_cache=use_cache)
        widths[use_cache] = wrapped.widths
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), layout="constrained")
    for use_cache, style, name in ((False, "s-", "without cache"), (True, "o-", "with KV cache")):
        w = widths[use_cache]
        axes[0].plot(range(len(w)), w, style, markersize=2.5, label=name)
        axes[1].plot(range(len(w)), np.cumsum(w), style, markersize=2.5,
                     label=f"{name}: {sum(w):,} positions in all")
    axes[0].axhline(block, color="gray", linestyle=":", linewidth=1)
    full_at = block - prompt.shape[1]
    axes[0].annotate(f"the cache is full after {full_at} new tokens:\nthe context slides, "
                     f"recompute {block} positions", (full_at + 1, block),
                     xytext=(full_at + 4, block * 0.4), fontsize=8,
                     arrowprops={"arrowstyle": "->", "color": "gray"})
    axes[0].set_xlabel("model call (0 = the prompt)")
    axes[0].set_ylabel("positions run through the model")
    axes[0].set_title(f"greedy, {n} new tokens after a {prompt.shape[1]}-character prompt, "
                      f"context {block}",
                      fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("model call")
    axes[1].set_ylabel("positions so far")
    axes[1].set_title("the work: quadratic while the context grows, then linear", fontsize=10)
    axes[1].legend(fontsize=8)
    save(fig, path)


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", metavar="NN",
                        help="only this module's figures (repeatable), e.g. --module 00")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="folder for the PNGs")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    args = parser.parse_args(argv)

    modules = [f"{int(m):02d}" for m in args.module] if args.module else sorted(REGISTRY)
    unknown = [m for m in modules if m not in REGISTRY]
    if unknown:
        parser.error(f"no figures for module {', '.join(unknown)}; "
                     f"modules with figures: {', '.join(sorted(REGISTRY))}")
    if not args.list:
        args.out.mkdir(parents=True, exist_ok=True)
    for module in modules:
        for filename, function in REGISTRY[module].items():
            path = args.out / filename
            if not args.list:
                function(path)
            print(f"{module}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
