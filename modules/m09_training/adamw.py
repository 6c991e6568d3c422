"""AdamW: Adam with decoupled weight decay, and which parameters to decay.

Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization") keeps two running
averages per parameter, of the gradient g and of its square, and moves each parameter by the
first over the square root of the second: a step whose size hardly depends on the scale of
the gradient. With t the step count (from 1), lr the learning rate:

    m <- beta1 m + (1 - beta1) g              first moment (momentum)
    v <- beta2 v + (1 - beta2) g^2            second moment (element-wise)
    m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)     bias correction (m, v start at 0)
    p <- p - lr m_hat / (sqrt(v_hat) + eps)

AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization") shrinks the weights
directly, p <- p (1 - lr wd), before that update, instead of adding wd p to the gradient where
Adam's normalisation would rescale it. Decay applies to the matrices that multiply activations;
biases, LayerNorm scales and embedding tables are usually left alone (param_groups).

The class subclasses torch.optim.Optimizer, which provides param_groups, zero_grad,
state_dict and load_state_dict, so a schedule that writes group["lr"] and a checkpoint work
as they do with torch.optim.AdamW, whose single-tensor arithmetic step() follows so that the
two agree to the last bit in float64.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


class AdamW(torch.optim.Optimizer):
    """AdamW over `params` (an iterable of parameters, or of dicts {"params": [...], and any of
    "lr", "betas", "eps", "weight_decay"} for groups with their own settings)."""

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        _check_hyperparameters(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)
        for group in self.param_groups:  # a group may override the defaults
            _check_hyperparameters(group["lr"], group["betas"], group["eps"],
                                   group["weight_decay"])

    @torch.no_grad()
    def step(self) -> None:
        """One AdamW update of every parameter that has a gradient, with each group's current
        lr, betas, eps and weight_decay.

        State per parameter, created on its first step: self.state[p]["step"] (the count t as
        a float32 0-d tensor, as torch keeps it), "exp_avg" (m) and "exp_avg_sq" (v), zeros
        like p. To agree with torch.optim.AdamW(foreach=False) to the bit, use its order of
        operations, with g = p.grad and t the count after adding 1, as a Python number
        (state["step"].item()):

            p.mul_(1 - lr * wd)
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (v.sqrt() / (1 - beta2 ** t) ** 0.5).add_(eps)
            p.addcdiv_(m, denom, value=-lr / (1 - beta1 ** t))

        (the bias corrections folded into the step size and the denominator).
        """
        # BEGIN SOLUTION 09.3
        for group in self.param_groups:
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:  # the parameter's first step
                    state["step"] = torch.tensor(0.0, dtype=torch.float32)
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p,
                                                           memory_format=torch.preserve_format)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                state["step"] += 1
                t = state["step"].item()
                p.mul_(1 - lr * wd)  # decoupled weight decay
                m.lerp_(p.grad, 1 - beta1)  # m <- beta1 m + (1 - beta1) g
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denom = (v.sqrt() / (1 - beta2**t) ** 0.5).add_(eps)
                p.addcdiv_(m, denom, value=-lr / (1 - beta1**t))
        # END SOLUTION


def _check_hyperparameters(lr, betas, eps, weight_decay) -> None:
    """A ValueError that names the first hyperparameter out of its range."""
    def number(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    if not number(lr) or lr < 0:
        raise ValueError(f"lr must be a number >= 0, got {lr!r}")
    if not isinstance(betas, (tuple, list)) or len(betas) != 2 or \
            not all(number(b) and 0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"betas must be two numbers in [0, 1) (e.g. (0.9, 0.95)), got {betas!r}")
    if not number(eps) or eps < 0:
        raise ValueError(f"eps must be a number >= 0, got {eps!r}")
    if not number(weight_decay) or weight_decay < 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two parameter groups for AdamW: [{"params": decay, "weight_decay": weight_decay},
    {"params": no_decay, "weight_decay": 0.0}].

    decay holds every parameter with two or more dimensions that is not an embedding table:
    in a GPT, the weight of every Linear. no_decay holds the rest: biases and LayerNorm
    weights (1-D), and the weights of nn.Embedding modules (the token table, tied to the output
    head, and the learned position table, whose class derives from nn.Embedding). Each
    parameter appears exactly once (model.named_parameters() yields a tied matrix once), and
    each group keeps the order of model.named_parameters().

    Hint: collect the ids (id(p)) of the weights of `m for m in model.modules() if
    isinstance(m, nn.Embedding)` first.
    """
    if not isinstance(weight_decay, (int, float)) or weight_decay < 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    # BEGIN SOLUTION 09.4
    embeddings = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        if p.ndim >= 2 and id(p) not in embeddings:
            decay.append(p)
        else:
            no_decay.append(p)
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]
    # END SOLUTION
