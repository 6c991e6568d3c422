"""Looking inside a network while it trains (provided): activation and gradient statistics per
layer, the saturation of tanh units, and update-to-data ratios.

A deep stack of Linear + tanh layers shows what initialisation does: with weights of the wrong
scale the activations either grow until tanh saturates at +-1 (its gradient 1 - t**2 is then
about 0, and the unit stops learning) or shrink towards 0 layer after layer. Fan-in scaling with
the tanh gain keeps them in between at every depth, and batch norm does so by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from modules.m04_mlp.layers import BatchNorm1d, Linear, Tanh

SATURATED = 0.97  # |tanh| above this counts as saturated: its local gradient is below 0.06


def saturation(t: torch.Tensor, threshold: float = SATURATED) -> float:
    """The fraction of the entries of a tanh output t with |t| > threshold."""
    return (t.abs() > threshold).float().mean().item()


def update_to_data(model: nn.Module, lr: float) -> dict[str, float]:
    """log10(std(lr * grad) / std(weight)) for each weight matrix (parameters with 2 axes).

    How big a step is relative to the numbers it changes. Around -3 (a thousandth per step) is a
    common rule of thumb for SGD: much lower and the layer barely learns; much higher and it
    churns. Call it after backward, while p.grad holds this step's gradient.
    """
    ratios = {}
    for name, p in model.named_parameters():
        if p.ndim == 2 and p.grad is not None:
            ratio = (lr * p.grad).std() / p.detach().std()
            ratios[name] = math.log10(ratio.item())
    return ratios


def tanh_stack(n_layers: int, width: int, gain: float, batch_norm: bool = False,
               generator: torch.Generator | None = None) -> list[nn.Module]:
    """n_layers blocks of Linear(width, width, gain) [+ BatchNorm1d(width)] + Tanh, as a list.

    Linear draws its weights with std gain / sqrt(width); gain = sqrt(width) therefore gives
    plain N(0, 1) weights, the "naive" initialisation.
    """
    layers: list[nn.Module] = []
    for _ in range(n_layers):
        layers.append(Linear(width, width, bias=not batch_norm, gain=gain, generator=generator))
        if batch_norm:
            layers.append(BatchNorm1d(width))
        layers.append(Tanh())
    return layers


@dataclass
class TanhStats:
    """One tanh layer after one forward and backward pass: its outputs and their gradients
    (flattened, detached) and the fraction of saturated units."""

    name: str
    out: torch.Tensor
    grad: torch.Tensor
    saturation: float


def tanh_statistics(layers: list[nn.Module], x: torch.Tensor, n_classes: int = 10,
                    generator: torch.Generator | None = None) -> list[TanhStats]:
    """Run x (B, width) through `layers` in training mode, then through a fresh linear head to
    n_classes logits, backward a cross-entropy against random targets, and return the
    statistics of every Tanh's output. (The loss is arbitrary; what matters is how the forward
    signal and the backward gradient change from layer to layer.)"""
    outputs = []
    h = x
    for layer in layers:
        layer.train()
        h = layer(h)
        if isinstance(layer, Tanh):
            h.retain_grad()
            outputs.append(h)
    head = Linear(h.shape[1], n_classes, generator=generator)
    targets = torch.randint(n_classes, (x.shape[0],), generator=generator)
    F.cross_entropy(head(h), targets).backward()
    return [TanhStats(f"layer {i + 1}", out.detach().flatten(), out.grad.flatten(),
                      saturation(out)) for i, out in enumerate(outputs)]
