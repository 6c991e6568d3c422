"""The learning-rate schedule: linear warmup, then cosine decay to a floor.

Warmup (Goyal et al. 2017, "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour") raises
the rate from near zero over the first steps, while Adam's second-moment estimates are still
poor and the early gradients large. Cosine decay (Loshchilov & Hutter 2017, "SGDR: Stochastic
Gradient Descent with Warm Restarts", without the restarts) then lowers it along half a cosine
from max_lr to min_lr, fast in the middle and slowly at both ends, and it stays at min_lr after.
The training loop asks for the rate of each step and writes it into the optimiser (set_lr).
"""

from __future__ import annotations

import math

import torch


def lr_at(step: int, max_lr: float, min_lr: float, warmup_steps: int, decay_steps: int) -> float:
    """The learning rate of step `step` (counted from 0):

    - step < warmup_steps: linear warmup, max_lr * (step + 1) / warmup_steps, so that step 0
      already moves (max_lr / warmup_steps) and step warmup_steps - 1 reaches max_lr;
    - warmup_steps <= step <= decay_steps: cosine from max_lr down to min_lr,
      min_lr + 0.5 (max_lr - min_lr) (1 + cos(pi (step - warmup_steps) / (decay_steps -
      warmup_steps))), and max_lr when decay_steps == warmup_steps;
    - step > decay_steps: min_lr.

    This is torch's SequentialLR of LinearLR(start_factor=1/warmup_steps, total_iters=
    warmup_steps - 1) and CosineAnnealingLR(T_max=decay_steps - warmup_steps, eta_min=min_lr)
    with the milestone at warmup_steps, written as a function of the step.
    """
    for name, value in (("step", step), ("warmup_steps", warmup_steps),
                        ("decay_steps", decay_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    if not 0 <= min_lr <= max_lr:
        raise ValueError(f"the rates must satisfy 0 <= min_lr <= max_lr, got min_lr={min_lr!r} "
                         f"and max_lr={max_lr!r}")
    if warmup_steps > decay_steps:
        raise ValueError(f"warmup_steps={warmup_steps} must not exceed decay_steps="
                         f"{decay_steps}: the decay starts where the warmup ends")
    # BEGIN SOLUTION 09.5
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    if step > decay_steps:
        return min_lr
    if decay_steps == warmup_steps:
        return max_lr
    progress = (step - warmup_steps) / (decay_steps - warmup_steps)  # 0 -> 1
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))
    # END SOLUTION


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group of `optimizer` to `lr`."""
    for group in optimizer.param_groups:
        group["lr"] = lr
