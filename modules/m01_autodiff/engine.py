"""A scalar with a gradient: the smallest reverse-mode automatic differentiation engine.

Every arithmetic operation on `Value`s returns a new `Value` that remembers its operands (its
`parents`) and a closure, `_backward`, that applies the chain rule for that one operation: it
adds the operation's local derivative times `out.grad` into each parent's `grad`.
`Value.backward()` runs those closures from the output back to the inputs, in reverse
topological order, so that every node's gradient is complete before it is passed on.

Operands may be a `Value`, an `int` or a `float` (any real number except `bool`, so NumPy's
scalar types work too). Everything else, a `str`, a `list`, a NumPy array, `True`, raises a
`TypeError` that names the type and what is supported.

Reference: A. G. Baydin, B. A. Pearlmutter, A. A. Radul and J. M. Siskind, "Automatic
differentiation in machine learning: a survey", JMLR 18(153), 2018, section 3.2 (reverse mode).
"""

from __future__ import annotations

import math
from numbers import Real


def _as_number(x: object, what: str, supported: str = "an int or a float") -> float:
    """`x` as a float if it is a real number (and not a bool), else a TypeError naming `what`."""
    if type(x) is float or type(x) is int:  # the common case first: the Real check is slow
        return float(x)
    if isinstance(x, bool):
        raise TypeError(f"{what} must be {supported}, got bool {x!r}; a bool here is usually a "
                        f"bug, so it is refused: write 1.0 or 0.0 if you mean a number")
    if not isinstance(x, Real):
        raise TypeError(f"{what} must be {supported}, got {type(x).__name__} {x!r:.60}; "
                        f"convert a number with float(x), and use one Value per element of an "
                        f"array or list")
    return float(x)


def _as_value(x: object, op: str) -> Value:
    """`x` as a Value: a Value is returned as is, a number is wrapped in a new constant leaf."""
    if isinstance(x, Value):
        return x
    return Value(_as_number(x, f"the other operand of '{op}'", "an int, a float or a Value"))


class Value:
    """One float in a computation graph, and the gradient of the graph's output with respect to it.

    Attributes:
        data: the number (float).
        grad: d(output)/d(self) after `output.backward()`; 0.0 before.
        parents: the Values this one was computed from (empty for a leaf: an input or parameter).
        op: the operation that produced it, e.g. "+", "*", "**2", "tanh" ("" for a leaf).
        label: an optional name, shown by `draw_graph`.
        _backward: a closure that adds this node's `grad` times each local derivative into the
            parents' `grad` (a no-op for a leaf).

    `==` compares identity, as for any object, so Values can be kept in sets and dicts.
    """

    __slots__ = ("data", "grad", "parents", "op", "label", "_backward")
    __array_ufunc__ = None  # `numpy_array + v` asks Value (and gets the TypeError) instead of
    # quietly building an array of Values

    def __init__(self, data: float, parents: tuple[Value, ...] = (), op: str = "",
                 label: str = ""):
        self.data = _as_number(data, "the data of a Value")
        self.grad = 0.0
        self.parents = tuple(parents)
        self.op = op
        self.label = label
        self._backward = _no_backward

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        made = f", op={self.op!r}" if self.op else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g}{made})"

    # --- arithmetic: three primitive operations, the rest derived from them (exercise 01.1) ---

    def __add__(self, other: Value | float) -> Value:
        """self + other. Local derivatives: 1 for both operands."""
        other = _as_value(other, "+")
        # BEGIN SOLUTION 01.1
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def __mul__(self, other: Value | float) -> Value:
        """self * other. Local derivatives: d/d(self) = other.data, d/d(other) = self.data."""
        other = _as_value(other, "*")
        # BEGIN SOLUTION 01.1
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def __pow__(self, exponent: float) -> Value:
        """self ** exponent for a constant int or float exponent; op label like "**2" or "**-0.5".

        Local derivative: exponent * self.data ** (exponent - 1).
        """
        if isinstance(exponent, Value):
            raise TypeError("the exponent of '**' must be a constant int or float, not a Value; "
                            "for a variable exponent write (exponent * base.log()).exp()")
        exponent = _as_number(exponent, "the exponent of '**'")
        if self.data < 0 and not exponent.is_integer():
            raise ValueError(f"({self.data!r}) ** {exponent!r}: a negative base needs an integer "
                             f"exponent (the result would be a complex number)")
        # BEGIN SOLUTION 01.1
        out = Value(self.data ** exponent, (self,), f"**{exponent:g}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def __neg__(self) -> Value:
        """-self, derived: self * -1."""
        # BEGIN SOLUTION 01.1
        return self * -1
        # END SOLUTION

    def __sub__(self, other: Value | float) -> Value:
        """self - other, derived: self + (-other)."""
        other = _as_value(other, "-")
        # BEGIN SOLUTION 01.1
        return self + (-other)
        # END SOLUTION

    def __truediv__(self, other: Value | float) -> Value:
        """self / other, derived: self * other ** -1."""
        other = _as_value(other, "/")
        # BEGIN SOLUTION 01.1
        return self * other ** -1
        # END SOLUTION

    def __radd__(self, other: Value | float) -> Value:
        """other + self, when `other` is a number: `2 + v`, and `sum(values)` (starting at 0)."""
        other = _as_value(other, "+")
        # BEGIN SOLUTION 01.1
        return other + self
        # END SOLUTION

    def __rsub__(self, other: Value | float) -> Value:
        """other - self, when `other` is a number: `2 - v`."""
        other = _as_value(other, "-")
        # BEGIN SOLUTION 01.1
        return other + (-self)
        # END SOLUTION

    def __rmul__(self, other: Value | float) -> Value:
        """other * self, when `other` is a number: `2 * v`."""
        other = _as_value(other, "*")
        # BEGIN SOLUTION 01.1
        return other * self
        # END SOLUTION

    def __rtruediv__(self, other: Value | float) -> Value:
        """other / self, when `other` is a number: `2 / v`."""
        other = _as_value(other, "/")
        # BEGIN SOLUTION 01.1
        return other * self ** -1
        # END SOLUTION

    def __rpow__(self, base: object):
        raise TypeError(f"{type(base).__name__} ** Value is not supported: the exponent of '**' "
                        f"must be a constant; write (v * math.log(base)).exp() for base ** v")

    # --- elementary functions (exercise 01.2) --------------------------------------------------

    def exp(self) -> Value:
        """e ** self. Local derivative: exp(self.data), the output itself."""
        # BEGIN SOLUTION 01.2
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def log(self) -> Value:
        """Natural logarithm, for self.data > 0. Local derivative: 1 / self.data."""
        if self.data <= 0:
            raise ValueError(f"log is only defined for positive numbers, got log({self.data!r}); "
                             f"add a small epsilon or clamp the input first")
        # BEGIN SOLUTION 01.2
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out
        # END SOLUTION

    def tanh(self) -> Value:
        """Hyperbolic tangent. Local derivative: 1 - tanh(self.data) ** 2."""
        # BEGIN SOLUTION 01.2
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1.0 - out.data ** 2) * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def relu(self) -> Value:
        """max(0, self). Local derivative: 1 where self.data > 0, else 0 (0 at 0, as in PyTorch)."""
        # BEGIN SOLUTION 01.2
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), without overflow for any float input (e.g. -1000).

        Local derivative: s * (1 - s) with s the output. Hint: for x < 0 compute
        exp(x) / (1 + exp(x)), which only ever exponentiates a negative number.
        """
        # BEGIN SOLUTION 01.2
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            s = z / (1.0 + z)
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out
        # END SOLUTION

    # --- backpropagation (exercise 01.3) -------------------------------------------------------

    def backward(self) -> None:
        """Fill `grad` of every node of the graph that ends in `self` with d(self)/d(node).

        1. Order the nodes topologically (every node after all its parents), with a loop and an
           explicit stack, not recursion: a chain of 10,000 operations must not hit Python's
           recursion limit.
        2. Reset `grad` to 0 on every node that has parents (the non-leaves), then add 1 to
           `self.grad` (d(self)/d(self) = 1).
        3. Call `_backward` of every node in reverse topological order: a node passes its
           gradient on only after every path through it has added its share.

        Calling `backward()` twice behaves like PyTorch with `retain_graph=True`: leaf gradients
        accumulate (twice gives 2x, until you set them back to 0, e.g. with `zero_grad`), while
        every non-leaf `grad` holds the gradient of the latest pass only. The reset in step 2 is
        what makes this so: without it, the first pass's intermediate gradients would be passed
        on a second time.
        """
        # BEGIN SOLUTION 01.3
        order: list[Value] = []
        seen: set[Value] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)  # every parent is already in `order`
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))  # comes back after all its parents
            stack.extend((parent, False) for parent in node.parents if parent not in seen)

        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()
        # END SOLUTION


def _no_backward() -> None:
    """The `_backward` of a leaf: it has no parents to pass a gradient to."""
