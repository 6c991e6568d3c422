"""Training the MLP language model: mini-batches, plain SGD, a cosine learning-rate decay, and
evaluation of the mean negative log-likelihood (nats per character) in eval mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from modules.m04_mlp.diagnostics import update_to_data


@dataclass(frozen=True)
class TrainConfig:
    """steps SGD steps on mini-batches of batch_size windows; the learning rate decays from lr
    to lr_min along a half cosine; the model is evaluated every eval_every steps and at the end.
    """

    steps: int = 20_000
    batch_size: int = 64
    lr: float = 0.2
    lr_min: float = 0.02
    eval_every: int = 2_000


@dataclass
class History:
    """What train() records. Per step: the mini-batch loss (training mode), the learning rate and,
    per weight matrix, log10 of its update-to-data ratio. Per evaluation: the step, and the NLL
    in eval mode on a spread sample of the training windows and on all validation windows."""

    losses: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    update_ratios: dict[str, list[float]] = field(default_factory=dict)
    eval_steps: list[int] = field(default_factory=list)
    train_nll: list[float] = field(default_factory=list)
    val_nll: list[float] = field(default_factory=list)

    def record_ratios(self, ratios: dict[str, float]) -> None:
        for name, value in ratios.items():
            self.update_ratios.setdefault(name, []).append(value)


def get_batch(X: torch.Tensor, Y: torch.Tensor, batch_size: int,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """batch_size windows drawn uniformly with replacement: (X[i], Y[i]) for random rows i.

    X (N, T), Y (N,) -> xb (batch_size, T), yb (batch_size,). Draw the rows with
    `torch.randint(len(X), (batch_size,), generator=generator)`, so a seeded generator gives
    the same batches.
    """
    # BEGIN SOLUTION 04.6
    rows = torch.randint(len(X), (batch_size,), generator=generator)  # (batch_size,)
    return X[rows], Y[rows]
    # END SOLUTION


def sgd_step(model: nn.Module, xb: torch.Tensor, yb: torch.Tensor, lr: float) -> float:
    """One step of plain SGD on one mini-batch; returns the batch's mean cross-entropy.

    Forward (model(xb) gives logits), F.cross_entropy against yb, clear the old gradients
    (set every p.grad to None), backward, then p -= lr * p.grad for every parameter, in place
    and under torch.no_grad(). Leave the gradients in p.grad: the diagnostics read them.
    The model stays in whatever mode (train or eval) it is in.
    """
    # BEGIN SOLUTION 04.6
    loss = F.cross_entropy(model(xb), yb)
    for p in model.parameters():
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    return loss.item()
    # END SOLUTION


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, chunk: int = 8192) -> float:
    """The mean negative log-likelihood of Y given X, in nats, over all N windows, in eval mode.

    Switch to eval mode (batch norm then uses its running statistics, and nothing is updated),
    sum F.cross_entropy(..., reduction="sum") over chunks of `chunk` windows (a whole split at
    once would need a lot of memory), divide by N, and restore the mode the model was in.
    """
    # BEGIN SOLUTION 04.6
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(X), chunk):
        logits = model(X[start:start + chunk])  # (chunk, V)
        total += F.cross_entropy(logits, Y[start:start + chunk], reduction="sum").item()
    model.train(was_training)
    return total / len(X)
    # END SOLUTION


def cosine_lr(step: int, total_steps: int, lr_max: float, lr_min: float) -> float:
    """The learning rate at `step` (0 <= step < total_steps) of a half-cosine decay:
    lr_max at step 0, lr_min at the last step (total_steps - 1), and in between
        lr_min + (lr_max - lr_min) * (1 + cos(pi * progress)) / 2
    with progress = step / (total_steps - 1) going from 0 to 1.
    A single-step run uses lr_max.
    """
    if not 0 <= step < total_steps:
        raise ValueError(f"step must be in [0, {total_steps}), got {step}")
    # BEGIN SOLUTION 04.7
    if total_steps == 1:
        return lr_max
    progress = step / (total_steps - 1)
    return lr_min + (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress)) / 2.0
    # END SOLUTION


def spread_sample(X: torch.Tensor, Y: torch.Tensor,
                  n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """About n windows spread evenly over (X, Y): every k-th, k = max(1, len(X) // n).
    A cheap, fixed estimate of the training NLL that does not only see the split's start."""
    k = max(1, len(X) // n)
    return X[::k][:n], Y[::k][:n]


def train(model: nn.Module, X_train: torch.Tensor, Y_train: torch.Tensor, X_val: torch.Tensor,
          Y_val: torch.Tensor, config: TrainConfig, generator: torch.Generator) -> History:
    """Train `model` for config.steps SGD steps and return the History.

    Put the model in training mode. At each step s: lr = cosine_lr(s, ...), a batch from
    get_batch, loss = sgd_step(...), then record the loss, lr and
    `history.record_ratios(update_to_data(model, lr))`. After steps s with
    (s + 1) % config.eval_every == 0, and after the last step, record s + 1 in eval_steps,
    evaluate(...) on `spread_sample(X_train, Y_train, len(X_val))` in train_nll and on
    (X_val, Y_val) in val_nll. evaluate restores training mode.
    """
    history = History()
    train_probe = spread_sample(X_train, Y_train, len(X_val))
    # BEGIN SOLUTION 04.7
    model.train()
    for step in range(config.steps):
        lr = cosine_lr(step, config.steps, config.lr, config.lr_min)
        xb, yb = get_batch(X_train, Y_train, config.batch_size, generator)
        history.losses.append(sgd_step(model, xb, yb, lr))
        history.lrs.append(lr)
        history.record_ratios(update_to_data(model, lr))
        if (step + 1) % config.eval_every == 0 or step + 1 == config.steps:
            history.eval_steps.append(step + 1)
            history.train_nll.append(evaluate(model, *train_probe))
            history.val_nll.append(evaluate(model, X_val, Y_val))
    # END SOLUTION
    return history


def lr_sweep(make_model, X: torch.Tensor, Y: torch.Tensor, lrs: list[float], steps: int,
             batch_size: int, generator: torch.Generator) -> list[float]:
    """For each learning rate, train a fresh `make_model()` for `steps` SGD steps at that
    constant rate and return the mean mini-batch loss of its last steps (the last fifth).

    Too small a rate barely moves the loss; too large a rate makes it jump or diverge (a
    non-finite loss is returned as inf). A good rate sits a little below the bottom of the
    curve. Provided: it uses your get_batch and sgd_step.
    """
    results = []
    tail = max(1, steps // 5)
    for lr in lrs:
        model = make_model()
        model.train()
        losses = [sgd_step(model, *get_batch(X, Y, batch_size, generator), lr)
                  for _ in range(steps)]
        mean = sum(losses[-tail:]) / tail
        results.append(mean if math.isfinite(mean) else math.inf)
    return results
