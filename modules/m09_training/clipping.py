"""Gradient clipping by the global norm (Pascanu, Mikolov & Bengio 2013, "On the difficulty of
training recurrent neural networks").

All gradients of a model are seen as one long vector. When its 2-norm exceeds max_norm, every
gradient is scaled by the same factor so that the norm becomes max_norm: the direction of the
step is kept, only its length is capped, so that one unlucky batch with a huge gradient cannot
throw the weights far away. The norm before clipping is returned: logged every step, it is the
best early warning of an unstable run.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def clip_grad_norm(parameters: Iterable[torch.Tensor] | torch.Tensor,
                   max_norm: float) -> torch.Tensor:
    """Scale the gradients of `parameters` in place so that their global 2-norm is at most
    `max_norm`; return the global norm before clipping (a 0-d tensor), as
    torch.nn.utils.clip_grad_norm_ does.

    total = the 2-norm of the per-parameter norms (= the norm of all gradients concatenated),
    computed in the gradients' dtype; coef = max_norm / (total + 1e-6), capped at 1; every
    gradient is multiplied by coef (so nothing changes when total <= max_norm). Parameters
    without a gradient are skipped.

    Hints: torch.linalg.vector_norm(g) is one gradient's norm; torch.stack turns a list of 0-d
    tensors into a vector; torch.clamp(coef, max=1.0) caps without leaving the device.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or max_norm <= 0:
        raise ValueError(f"max_norm must be a number > 0, got {max_norm!r}; to train without "
                         f"clipping, do not call clip_grad_norm (grad_clip = 0 in the config)")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    # BEGIN SOLUTION 09.6
    norms = torch.stack([torch.linalg.vector_norm(g) for g in grads])  # (n_params,)
    total = torch.linalg.vector_norm(norms)  # ()
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total
    # END SOLUTION
