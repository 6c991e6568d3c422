"""Checking gradients against central differences, the independent reference for any backward.

For f: R^n -> R, the central difference (f(x + h e_i) - f(x - h e_i)) / (2h) approximates
df/dx_i with an error of order h^2 (Taylor), plus rounding error of order eps * |f| / h. In float64
(eps about 1e-16) h = 1e-6 balances the two at about 1e-10 relative accuracy; in float32
(eps about 1e-7) no h gets better than about 1e-3, which is why gradient checks use float64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from modules.m01_autodiff.engine import Value

Function = Callable[[list[Value]], Value]  # n leaf Values -> one output Value


def numerical_grad(f: Function, values: Sequence[float], h: float = 1e-6) -> list[float]:
    """The central-difference estimate of df/dx_i at x = `values`, for each i.

    f takes a list of n Values (fresh leaves) and returns one Value; only its `.data` is used,
    so no backward() runs here. Returns n floats.
    """
    # BEGIN SOLUTION 01.6
    grads = []
    for i in range(len(values)):
        up = [Value(v + h) if j == i else Value(v) for j, v in enumerate(values)]
        down = [Value(v - h) if j == i else Value(v) for j, v in enumerate(values)]
        grads.append((f(up).data - f(down).data) / (2 * h))
    return grads
    # END SOLUTION


@dataclass
class GradcheckResult:
    """Backward's gradients next to the central differences, and the worst disagreement.

    `worst` is the index i with the largest error |analytic - numerical| relative to the allowed
    error atol + rtol * |numerical|; `passed` is True when that ratio is at most 1 for every i.
    """

    inputs: list[float]
    analytic: list[float]
    numerical: list[float]
    atol: float
    rtol: float
    worst: int
    passed: bool

    def __str__(self) -> str:
        i = self.worst
        verdict = "passed" if self.passed else "FAILED"
        return (f"gradcheck {verdict} on {len(self.inputs)} inputs (atol={self.atol:g}, "
                f"rtol={self.rtol:g}); worst: input {i} (x = {self.inputs[i]!r}): backward "
                f"{self.analytic[i]!r}, central difference {self.numerical[i]!r}, "
                f"error {abs(self.analytic[i] - self.numerical[i]):.3g}")


def gradcheck(f: Function, inputs: Sequence[float], atol: float = 1e-6, rtol: float = 1e-5,
              h: float = 1e-6) -> GradcheckResult:
    """Compare the gradients backward() gives for f at `inputs` with `numerical_grad`.

    Builds one leaf Value per input, runs f and backward() once, and passes when for every i
    |analytic_i - numerical_i| <= atol + rtol * |numerical_i|.
    """
    inputs = [float(x) for x in inputs]
    if not inputs:
        raise ValueError("gradcheck needs at least one input")
    # BEGIN SOLUTION 01.6
    leaves = [Value(x) for x in inputs]
    f(leaves).backward()
    analytic = [leaf.grad for leaf in leaves]
    numerical = numerical_grad(f, inputs, h)
    ratios = [abs(a - n) / (atol + rtol * abs(n)) for a, n in
              zip(analytic, numerical, strict=True)]
    worst = max(range(len(ratios)), key=ratios.__getitem__)
    return GradcheckResult(inputs, analytic, numerical, atol, rtol, worst, ratios[worst] <= 1.0)
    # END SOLUTION
