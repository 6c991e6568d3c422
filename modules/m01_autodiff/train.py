"""Training an MLP of Values as a binary classifier: logistic loss, accuracy, gradient descent.

The model outputs one score s per point; it predicts +1 when s > 0 and -1 otherwise, and
sigmoid(s) is its probability that the label is +1. Labels are in {-1, +1}, as `make_moons` and
`make_spirals` return them. Every step uses the whole data set
(full-batch gradient descent): the sets here have tens of points, and scalar autodiff is slow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from modules.m01_autodiff.engine import Value
from modules.m01_autodiff.nn import MLP


def _check_labels(labels: Sequence[int]) -> None:
    bad = sorted({int(label) for label in labels} - {-1, 1})
    if bad:
        raise ValueError(f"labels must be -1 or +1, got {bad}; map 0/1 labels with 2 * y - 1")


def logistic_loss(scores: Sequence[Value], labels: Sequence[int]) -> Value:
    """The mean over points of log(1 + exp(-y * s)): the negative log-likelihood of the label
    when P(y = +1) = sigmoid(s). It is log 2 at s = 0, tends to 0 as y * s grows, and grows like
    -y * s when a point is confidently on the wrong side.

    scores: n Values; labels: n ints in {-1, +1}. Returns one Value.
    Hint: exp of a large number overflows; for z = -y * s > 0 use the equal form
    z + log(1 + exp(-z)), which only exponentiates negative numbers.
    """
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")
    _check_labels(labels)
    # BEGIN SOLUTION 01.5
    terms = []
    for score, label in zip(scores, labels, strict=True):
        z = -int(label) * score
        if z.data > 0:
            terms.append(z + (1 + (-z).exp()).log())
        else:
            terms.append((1 + z.exp()).log())
    return sum(terms) / len(terms)
    # END SOLUTION


def accuracy(scores: Sequence[Value], labels: Sequence[int]) -> float:
    """The fraction of points whose prediction (+1 if score > 0, else -1) equals the label."""
    _check_labels(labels)
    # BEGIN SOLUTION 01.5
    predictions = [1 if score.data > 0 else -1 for score in scores]
    hits = sum(p == int(label) for p, label in zip(predictions, labels, strict=True))
    return hits / len(labels)
    # END SOLUTION


@dataclass
class History:
    """What `train` records at every step, before the update: the loss and the accuracy."""

    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)


def scores_of(model: MLP, X: np.ndarray) -> list[Value]:
    """The model's score for each row of X (n, 2): n Values."""
    return [model([float(v) for v in row]) for row in X]


def train(model: MLP, X: np.ndarray, y: np.ndarray, steps: int = 100, lr: float = 3.0,
          alpha: float = 1e-4) -> History:
    """Full-batch gradient descent on logistic_loss + alpha * (sum of squared parameters).

    Each step: scores for all of X (n, 2); the loss; record loss and accuracy in the History;
    zero the gradients; backward; move every parameter by -lr * its gradient.
    """
    history = History()
    params = model.parameters()
    for _ in range(steps):
        # BEGIN SOLUTION 01.5
        scores = scores_of(model, X)
        loss = logistic_loss(scores, y) + alpha * sum(p * p for p in params)
        history.losses.append(loss.data)
        history.accuracies.append(accuracy(scores, y))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        # END SOLUTION
    return history
