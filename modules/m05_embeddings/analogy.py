"""Word analogies: "a is to b as c is to ?" answered by vector arithmetic, and scored on a set.

Mikolov, Yih and Zweig (2013), "Linguistic Regularities in Continuous Space Word
Representations", answer with the word whose vector is closest to b - a + c (king - man + woman
lands near queen). Levy and Goldberg (2014), "Linguistic Regularities in Sparse and Explicit
Word Representations", note that with unit vectors this is a sum of cosines, and propose to
multiply instead of adding, so that one large similarity cannot drown the other two:

    3CosAdd:  argmax over x of  cos(x, b) - cos(x, a) + cos(x, c)
    3CosMul:  argmax over x of  cos'(x, b) * cos'(x, c) / (cos'(x, a) + eps)

where cos' = (cos + 1) / 2 shifts a cosine into [0, 1] (so products and quotients behave) and
eps = 0.001 keeps the quotient finite. Neither may answer with a, b or c themselves: b - a + c
is usually closest to c (or b), so the query words are excluded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from modules.m05_embeddings.analogy_set import AnalogyQuestion
from modules.m05_embeddings.similarity import top_k, unit_rows
from modules.m05_embeddings.vectors import WordVectors

METHODS = {"add": "3CosAdd", "mul": "3CosMul"}
EPS = 1e-3  # Levy and Goldberg's epsilon in 3CosMul
MAX_SCORES = 4_000_000  # how many scores evaluate_analogies holds at once (questions x words)


def analogy_scores(unit: np.ndarray, questions: np.ndarray, method: str = "add",
                   eps: float = EPS) -> np.ndarray:
    """The score of every word as the answer to each question, with the query words at -inf.

    unit (V, d) holds the word vectors scaled to length 1, so cosines are dot products.
    questions (n, 3) holds the rows of a, b and c of each question "a is to b as c is to ?".
    Returns scores (n, V) by the formula of `method` ("add" for 3CosAdd, "mul" for 3CosMul,
    see the module docstring), where scores[i, a_i], scores[i, b_i] and scores[i, c_i] are
    -inf. Vectorised over the questions: no Python loop.

    Hint: unit[questions] is (n, 3, d); multiplied by unit.T it gives the cosines (n, 3, V) of
    every word with a, b and c. Index with (np.arange(n)[:, None], questions) to set the query
    words of each row at once.
    """
    unit = np.asarray(unit)
    questions = np.asarray(questions)
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if unit.ndim != 2:
        raise ValueError(f"unit must be a matrix (V, d) of unit rows, got shape {unit.shape}")
    if questions.ndim != 2 or questions.shape[1] != 3 or questions.dtype.kind not in "iu":
        raise ValueError(f"questions must be integer rows (n, 3) of a, b, c, got "
                         f"{questions.dtype} of shape {questions.shape}")
    if questions.size and not (questions.min() >= 0 and questions.max() < len(unit)):
        raise ValueError(f"question rows must lie in [0, {len(unit)}), the rows of unit")
    # BEGIN SOLUTION 05.3
    cosines = unit[questions] @ unit.T  # (n, 3, d) @ (d, V) -> (n, 3, V)
    cos_a, cos_b, cos_c = cosines[:, 0], cosines[:, 1], cosines[:, 2]  # (n, V) each
    if method == "add":
        scores = cos_b - cos_a + cos_c  # (n, V)
    else:
        shifted_a, shifted_b, shifted_c = (cos_a + 1) / 2, (cos_b + 1) / 2, (cos_c + 1) / 2
        scores = shifted_b * shifted_c / (shifted_a + eps)  # (n, V)
    scores[np.arange(len(questions))[:, None], questions] = -np.inf  # never a query word
    return scores
    # END SOLUTION


def analogy(wv: WordVectors, a: str, b: str, c: str, k: int = 1,
            method: str = "add") -> list[tuple[str, float]]:
    """The k best answers to "a is to b as c is to ?", best first, with their scores (by
    3CosAdd or 3CosMul: not cosines). analogy(wv, "man", "king", "woman") asks for
    king - man + woman."""
    unknown = [word for word in (a, b, c) if word not in wv]
    if unknown:
        raise KeyError(f"not in the vocabulary of these vectors: {unknown}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rows = [wv.index[word] for word in (a, b, c)]
    candidates = len(wv) - len(set(rows))
    if candidates == 0:
        return []
    scores = analogy_scores(unit_rows(wv.vectors), np.array([rows]), method)[0]  # (V,)
    return [(wv.words[row], float(scores[row])) for row in top_k(scores, min(k, candidates))]


@dataclass
class CategoryResult:
    """One category of an analogy evaluation: `answered` questions had all four words in the
    vocabulary and `correct` of them were answered right (top 1); `skipped` had a word that is
    not. `mistakes` lists each wrong question with the word given instead."""

    correct: int = 0
    answered: int = 0
    skipped: int = 0
    mistakes: list[tuple[AnalogyQuestion, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """correct / answered; NaN when nothing was answered."""
        return self.correct / self.answered if self.answered else math.nan


def evaluate_analogies(wv: WordVectors, questions: Sequence[AnalogyQuestion],
                       method: str = "add") -> dict[str, CategoryResult]:
    """Answer every question whose four words are all in `wv` and count, per category (in the
    order the categories first appear), how many are right. The answer is the best-scoring word
    other than a, b and c; ties go to the word listed first. Questions are scored in batches of
    up to MAX_SCORES // V, as one matrix product each."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    results = {q.category: CategoryResult() for q in questions}
    known = []  # the questions whose four words are all in the vocabulary
    for q in questions:
        if all(word in wv for word in (q.a, q.b, q.c, q.d)):
            known.append(q)
        else:
            results[q.category].skipped += 1
    unit = unit_rows(wv.vectors)  # (V, d)
    rows = np.array([[wv.index[word] for word in (q.a, q.b, q.c)] for q in known],
                    dtype=np.int64).reshape(-1, 3)  # (m, 3)
    per_batch = max(1, MAX_SCORES // len(wv))
    for start in range(0, len(known), per_batch):
        scores = analogy_scores(unit, rows[start:start + per_batch], method)  # (B, V)
        guesses = scores.argmax(axis=1)  # (B,): the first best word, as top_k would pick
        for q, guess in zip(known[start:start + per_batch], guesses, strict=True):
            result = results[q.category]
            result.answered += 1
            if wv.words[guess] == q.d:
                result.correct += 1
            else:
                result.mistakes.append((q, wv.words[guess]))
    return results


def with_total(results: Mapping[str, CategoryResult]) -> dict[str, CategoryResult]:
    """The per-category results followed by their sum under "all" (without the mistakes)."""
    total = CategoryResult(sum(r.correct for r in results.values()),
                           sum(r.answered for r in results.values()),
                           sum(r.skipped for r in results.values()))
    return {**results, "all": total}


def analogy_table(by_method: Mapping[str, Mapping[str, CategoryResult]]) -> str:
    """A Markdown table of evaluations of the same questions by several methods, e.g.
    {METHODS[m]: evaluate_analogies(wv, questions, m) for m in METHODS}: one row per category
    and one for all, with how many questions were answered and skipped and each method's
    accuracy."""
    if not by_method:
        raise ValueError("analogy_table needs the results of at least one method")
    tables = {name: with_total(results) for name, results in by_method.items()}
    lines = ["| category | answered | skipped | " + " | ".join(tables) + " |",
             "| --- | ---: | ---: |" + " ---: |" * len(tables)]
    for category, counts in next(iter(tables.values())).items():
        cells = [table[category] for table in tables.values()]
        accuracies = " | ".join(f"{r.correct}/{r.answered} = {r.accuracy:.0%}" if r.answered
                                else "-" for r in cells)
        lines.append(f"| {category} | {counts.answered} | {counts.skipped} | {accuracies} |")
    return "\n".join(lines)
