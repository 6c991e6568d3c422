"""Un-broadcasting: the backward of NumPy's broadcasting.

When an operation broadcasts an input of shape `shape` up to the output's shape, each element of
that input is used several times: once per copy that broadcasting made. The chain rule sums the
gradient over every use, so the input's gradient is the output's gradient summed over the copies.
PyTorch calls the same operation `Tensor.sum_to_size`.
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing the broadcasting that took `shape` to `grad.shape`.

    Broadcasting (right-aligned) may have (1) added leading axes and (2) stretched axes of size 1.
    Sum over both: the added leading axes disappear, the stretched axes stay with size 1.

        unbroadcast(g of shape (2, 3, 4), (3, 1))  -> (3, 1): summed over axis 0, then axis 2
        unbroadcast(g of shape (3, 4), ())         -> ():     summed over everything

    Returns an `np.ndarray` of exactly `shape` and of `grad`'s dtype. Hints: `grad.sum(axis=...)`
    takes a tuple of axes and `keepdims=True`; a sum over every axis gives a NumPy scalar, which
    `np.asarray` turns back into a 0-d array.
    """
    shape = tuple(shape)
    try:
        reachable = np.broadcast_shapes(shape, grad.shape) == grad.shape
    except ValueError:
        reachable = False
    if not reachable:
        raise ValueError(f"cannot un-broadcast a gradient of shape {grad.shape} to {shape}: "
                         f"{shape} does not broadcast to {grad.shape}")
    # BEGIN SOLUTION 02.2
    leading = tuple(range(grad.ndim - len(shape)))  # the axes broadcasting added in front
    if leading:
        grad = grad.sum(axis=leading)
    stretched = tuple(axis for axis, size in enumerate(shape)
                      if size == 1 and grad.shape[axis] != 1)  # the size-1 axes it repeated
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return np.asarray(grad)
    # END SOLUTION
