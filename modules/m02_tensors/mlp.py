"""A two-layer MLP classifier on the Tensor, trained by plain stochastic gradient descent.

    x (N, n_in) -> Linear -> ReLU -> Linear -> logits (N, n_classes) -> cross_entropy

Parameters are leaves with requires_grad=True; one training step is forward, loss, clear the
gradients, backward, and `p.data -= lr * p.grad` for every parameter.
"""

from __future__ import annotations

import numpy as np

from modules.m02_tensors.functional import cross_entropy
from modules.m02_tensors.tensor import Tensor


class Linear:
    """y = x @ weight + bias: x (N, fan_in) -> y (N, fan_out).

    weight (fan_in, fan_out) and bias (fan_out,) start uniform in +-1/sqrt(fan_in), PyTorch's
    default for nn.Linear, so that each output starts with a variance that does not grow with
    fan_in. (PyTorch stores the weight transposed, as (fan_out, fan_in).)
    """

    def __init__(self, fan_in: int, fan_out: int, rng: np.random.Generator,
                 dtype=np.float64):
        bound = 1.0 / np.sqrt(fan_in)
        self.weight = Tensor(rng.uniform(-bound, bound, (fan_in, fan_out)), requires_grad=True,
                             dtype=dtype)
        self.bias = Tensor(rng.uniform(-bound, bound, fan_out), requires_grad=True, dtype=dtype)

    def __call__(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION 02.9
        return x @ self.weight + self.bias  # (N, fan_in) @ (fan_in, fan_out) + (fan_out,)
        # END SOLUTION

    def parameters(self) -> list[Tensor]:
        return [self.weight, self.bias]


class MLP:
    """Linear(n_in, n_hidden) -> ReLU -> Linear(n_hidden, n_classes): x (N, n_in) -> (N, C)."""

    def __init__(self, n_in: int, n_hidden: int, n_classes: int, seed: int = 0,
                 dtype=np.float64):
        rng = np.random.default_rng(seed)
        self.hidden = Linear(n_in, n_hidden, rng, dtype)
        self.output = Linear(n_hidden, n_classes, rng, dtype)

    def __call__(self, x: Tensor) -> Tensor:
        """The logits (N, n_classes) for inputs x (N, n_in)."""
        # BEGIN SOLUTION 02.9
        return self.output(self.hidden(x).relu())
        # END SOLUTION

    def parameters(self) -> list[Tensor]:
        return self.hidden.parameters() + self.output.parameters()

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The predicted class (N,) for inputs x (N, n_in), as an int array."""
        return self(Tensor(x, dtype=self.hidden.weight.dtype)).data.argmax(axis=1)


def sgd_step(parameters: list[Tensor], lr: float) -> None:
    """One step of plain SGD: p.data -= lr * p.grad for every parameter that has a grad.

    Update `p.data` in place: it is not an op of the graph (the next forward builds a new graph
    from the updated leaves).
    """
    # BEGIN SOLUTION 02.9
    for p in parameters:
        if p.grad is not None:
            p.data -= lr * p.grad
    # END SOLUTION


def train(model: MLP, x: np.ndarray, y: np.ndarray, steps: int, lr: float) -> list[float]:
    """Full-batch training: `steps` SGD steps on all of (x (N, n_in), y (N,)); the loss of each.

    Each step: logits = model(x), loss = cross_entropy(logits, y), model.zero_grad(),
    loss.backward(), sgd_step(model.parameters(), lr). Returns the `steps` losses as floats,
    each measured before its update.
    """
    inputs = Tensor(x, dtype=model.hidden.weight.dtype)
    # BEGIN SOLUTION 02.9
    losses = []
    for _ in range(steps):
        loss = cross_entropy(model(inputs), y)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss.item())
    return losses
    # END SOLUTION


def accuracy(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of points whose predicted class is y."""
    return float(np.mean(model.predict(x) == y))
