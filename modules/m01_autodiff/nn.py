"""Neurons, layers and multi-layer perceptrons made of `Value`s.

A neuron computes act(w · x + b) with act = tanh, or nothing (a linear neuron). A layer is `nout`
neurons that all read the same `nin` inputs; an MLP is a stack of layers whose hidden layers use
tanh and whose last layer is linear, so that it outputs unbounded scores.

Initialisation is seeded: pass an `int` seed or a `random.Random`; nothing reads Python's global
random state. A neuron draws its weights, then its bias, uniformly from [-2/sqrt(nin), 2/sqrt(nin)]:
the 1/sqrt(nin) keeps w · x at about the scale of one input however many inputs there are (as
PyTorch's nn.Linear does), and the 2 starts tanh units in their curved range rather than their
nearly linear middle, which makes the small networks here learn curved boundaries sooner.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from modules.m01_autodiff.engine import Value


def as_rng(rng: int | random.Random) -> random.Random:
    """A `random.Random`: `rng` itself, or a new one seeded with the int `rng`."""
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, int):
        raise TypeError(f"rng must be an int seed or a random.Random, got {type(rng).__name__}")
    return random.Random(rng)


class Module:
    """What every model part has: its parameters, and a way to clear their gradients."""

    def parameters(self) -> list[Value]:
        raise NotImplementedError(f"{type(self).__name__} must define parameters()")

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0 (backward() adds into leaf gradients)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """act(w · x + b) for `nin` inputs, with act = tanh when `nonlin`, else the identity."""

    def __init__(self, nin: int, nonlin: bool = True, rng: int | random.Random = 0):
        rng = as_rng(rng)
        bound = 2.0 / math.sqrt(nin)
        self.w = [Value(rng.uniform(-bound, bound), label="w") for _ in range(nin)]
        self.b = Value(rng.uniform(-bound, bound), label="b")
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """x: `nin` inputs (Values or numbers) -> one Value."""
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, got {len(x)}")
        # BEGIN SOLUTION 01.4
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.tanh() if self.nonlin else act
        # END SOLUTION

    def parameters(self) -> list[Value]:
        """The weights in input order, then the bias: nin + 1 Values."""
        # BEGIN SOLUTION 01.4
        return [*self.w, self.b]
        # END SOLUTION

    def __repr__(self) -> str:
        return f"{'Tanh' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons, each reading the same `nin` inputs.

    Builds `self.neurons`, a list of `nout` Neurons created in order with the same `rng`.
    """

    def __init__(self, nin: int, nout: int, nonlin: bool = True, rng: int | random.Random = 0):
        rng = as_rng(rng)
        # BEGIN SOLUTION 01.4
        self.neurons = [Neuron(nin, nonlin, rng) for _ in range(nout)]
        # END SOLUTION

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """x: `nin` inputs -> a list of `nout` Values, one per neuron."""
        # BEGIN SOLUTION 01.4
        return [neuron(x) for neuron in self.neurons]
        # END SOLUTION

    def parameters(self) -> list[Value]:
        """The parameters of each neuron in turn: nout * (nin + 1) Values."""
        # BEGIN SOLUTION 01.4
        return [p for neuron in self.neurons for p in neuron.parameters()]
        # END SOLUTION

    def __repr__(self) -> str:
        return f"Layer([{', '.join(map(repr, self.neurons))}])"


class MLP(Module):
    """A multi-layer perceptron: `nin` inputs, then one Layer per entry of `sizes`.

    Hidden layers use tanh; the last layer is linear. `self.layers` holds the Layers, created in
    order from one `random.Random(seed)` (or the `random.Random` passed as `seed`), so the same
    seed gives the same weights. MLP(2, [8, 8, 1]) has (2+1)*8 + (8+1)*8 + (8+1)*1 = 105
    parameters.
    """

    def __init__(self, nin: int, sizes: Sequence[int], seed: int | random.Random = 0):
        rng = as_rng(seed)
        # BEGIN SOLUTION 01.4
        widths = [nin, *sizes]
        last = len(sizes) - 1
        self.layers = [Layer(widths[i], widths[i + 1], nonlin=i < last, rng=rng)
                       for i in range(len(sizes))]
        # END SOLUTION

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """x: `nin` inputs -> the outputs of the last layer: a list of Values, or a single Value
        when the last layer has one neuron (a score, for binary classification)."""
        # BEGIN SOLUTION 01.4
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x
        # END SOLUTION

    def parameters(self) -> list[Value]:
        """The parameters of each layer in turn (weights, then bias, neuron by neuron)."""
        # BEGIN SOLUTION 01.4
        return [p for layer in self.layers for p in layer.parameters()]
        # END SOLUTION

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
