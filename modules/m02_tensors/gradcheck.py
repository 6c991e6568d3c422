"""Gradient checking: compare backward() with central differences, element by element.

For a function f of tensors and a fixed random weight w of f's output shape, the scalar
L = sum(w * f(inputs)) has the gradient that `f(inputs).backward(w)` computes. A central
difference estimates each of its partial derivatives independently:

    dL/dx[i] ~ (L(x[i] + eps) - L(x[i] - eps)) / (2 eps)

with an error of order eps^2 from truncation and machine-epsilon / eps from rounding, which is
why the check runs in float64 (in float32 the rounding error alone is about 1e-1 at eps = 1e-6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from modules.m02_tensors.tensor import Tensor


@dataclass(frozen=True)
class GradcheckResult:
    """The outcome of `gradcheck`, with the element that disagrees most.

    `worst_input` and `worst_index` locate that element (which input, and where in it);
    `analytic` and `numeric` are its two gradients, `error` = |analytic - numeric|.
    """

    passed: bool
    worst_input: int
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    error: float

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (f"gradcheck {verdict}: worst element is input {self.worst_input} at "
                f"{self.worst_index}: backward {self.analytic:.10g}, central difference "
                f"{self.numeric:.10g}, |difference| {self.error:.3g}")


def gradcheck(f: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-5, seed: int = 0) -> GradcheckResult:
    """Check backward() of `f(*inputs)` against central differences on every input element.

    Every input must be a float64 Tensor with requires_grad=True; their data is perturbed in
    place and restored. `weight` (drawn below) is the fixed random w of f's output shape:
    the analytic gradients come from one `f(*inputs).backward(weight)` (clear the inputs' `grad`
    first; an input that gets none has gradient 0), the numeric ones from sum(weight * f.data)
    at x[i] +- eps (iterate over elements with `np.ndindex(t.shape)`).

    Element i passes when |analytic - numeric| <= atol + rtol * |numeric|; the result reports
    the element that exceeds this bound by the largest factor (or comes closest to it), and
    passes only if every element passes.
    """
    for position, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor) or tensor.dtype != np.float64 or \
                not tensor.requires_grad:
            raise ValueError(f"input {position} must be a float64 Tensor with requires_grad=True:"
                             f" central differences are too inexact in float32")
    weight = np.random.default_rng(seed).standard_normal(f(*inputs).shape)
    # BEGIN SOLUTION 02.8
    for tensor in inputs:
        tensor.grad = None
    f(*inputs).backward(weight)
    analytic = [np.zeros_like(t.data) if t.grad is None else t.grad for t in inputs]

    def objective() -> float:
        return float(np.sum(weight * f(*inputs).data))

    worst = None  # (ratio, input position, index, analytic, numeric)
    for position, tensor in enumerate(inputs):
        for index in np.ndindex(tensor.shape):
            original = tensor.data[index]
            tensor.data[index] = original + eps
            plus = objective()
            tensor.data[index] = original - eps
            minus = objective()
            tensor.data[index] = original
            numeric = (plus - minus) / (2 * eps)
            exact = float(analytic[position][index])
            ratio = abs(exact - numeric) / (atol + rtol * abs(numeric))
            if worst is None or ratio > worst[0]:
                worst = (ratio, position, index, exact, numeric)
    ratio, position, index, exact, numeric = worst
    return GradcheckResult(passed=ratio <= 1.0, worst_input=position, worst_index=index,
                           analytic=exact, numeric=numeric, error=abs(exact - numeric))
    # END SOLUTION
