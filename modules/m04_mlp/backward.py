"""The backward pass of the MLP language model, by hand: every gradient that
`loss.backward()` would compute, written as tensor expressions, one layer at a time.

The loss is the mean cross-entropy F.cross_entropy(logits, targets). Going backwards from it:

    logits = h @ W_out.T + b_out        dlogits = (softmax(logits) - onehot(targets)) / B
    h = tanh(h_norm)                    dh_norm = dh * (1 - h**2)
    h_norm = x_hat * gamma + beta       x_hat = (h_pre - mean) / sqrt(var + eps)
    h_pre = x @ W_hid.T (+ b_hid)       dx = dh_pre @ W_hid
    x = emb.view(B, T*d)                demb = dx.view(B, T, d)
    emb = E[idx]                        dE: add every row of demb into the row of its id
"""

from __future__ import annotations

import torch

from modules.m04_mlp.model import Activations, MLPLanguageModel


def normalization_backward(d_out: torch.Tensor, x_hat: torch.Tensor, inv_std: torch.Tensor,
                           axis: int) -> torch.Tensor:
    """The gradient of the normaliser's input, given the gradient of x_hat = (x - mean) * inv_std.

    mean and the biased variance were taken over `axis` (0 for batch norm, 1 for layer norm),
    so every x_hat depends on every x along that axis. With n elements along the axis:
        dx = inv_std * (d_out - mean(d_out) - x_hat * mean(d_out * x_hat))
    (means over `axis`): the gradient, minus what moves the mean, minus what moves the variance.
    """
    # BEGIN SOLUTION 04.5
    mean_d = d_out.mean(dim=axis, keepdim=True)
    mean_d_x_hat = (d_out * x_hat).mean(dim=axis, keepdim=True)
    return inv_std * (d_out - mean_d - x_hat * mean_d_x_hat)
    # END SOLUTION


@torch.no_grad()
def manual_backward(model: MLPLanguageModel, acts: Activations,
                    targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gradients of F.cross_entropy(acts.logits, targets) (mean over the batch), by hand.

    `acts` comes from `model.forward_steps(idx)` in training mode. Returns a dict with the
    gradient of every intermediate, under the names of `Activations.named()` ("logits", "h",
    "h_norm", "h_pre", "x", "emb"), and of every parameter, under its name in
    `model.named_parameters()` ("output.weight", "norm.bias", "embedding.weight", ...).
    Each gradient has the shape of its tensor.

    Hints: recompute the norm's x_hat and inv_std from acts.h_pre (batch norm: statistics over
    axis 0; layer norm: over axis 1; eps is model.norm.eps), then use `normalization_backward`.
    Ids repeat within a batch, so the embedding gradient must add up every occurrence:
    `torch.zeros_like(E).index_add_(0, ids, rows)` does.
    """
    if model.config.norm == "batch" and not model.training:
        raise ValueError("manual_backward follows batch norm in training mode (batch "
                         "statistics); call model.train() before forward_steps")
    B = targets.shape[0]
    grads: dict[str, torch.Tensor] = {}
    # BEGIN SOLUTION 04.5
    # cross-entropy of the mean over the batch: softmax minus one-hot, over B
    dlogits = torch.softmax(acts.logits, dim=1)  # (B, V)
    dlogits[torch.arange(B), targets] -= 1.0
    dlogits /= B
    grads["logits"] = dlogits

    # output layer: logits = h @ W.T + b
    grads["output.weight"] = dlogits.T @ acts.h  # (V, B) @ (B, H) -> (V, H)
    grads["output.bias"] = dlogits.sum(dim=0)  # (V,)
    dh = dlogits @ model.output.weight  # (B, V) @ (V, H) -> (B, H)
    grads["h"] = dh

    # tanh: its derivative from its output
    dh_norm = dh * (1.0 - acts.h**2)  # (B, H)
    grads["h_norm"] = dh_norm

    # normalisation: batch norm over axis 0, layer norm over axis 1, or nothing
    if model.config.norm == "none":
        dh_pre = dh_norm
    else:
        axis = 0 if model.config.norm == "batch" else 1
        mean = acts.h_pre.mean(dim=axis, keepdim=True)
        var = acts.h_pre.var(dim=axis, keepdim=True, correction=0)
        inv_std = 1.0 / torch.sqrt(var + model.norm.eps)
        x_hat = (acts.h_pre - mean) * inv_std  # (B, H)
        grads["norm.weight"] = (dh_norm * x_hat).sum(dim=0)  # (H,)
        grads["norm.bias"] = dh_norm.sum(dim=0)  # (H,)
        dh_pre = normalization_backward(dh_norm * model.norm.weight, x_hat, inv_std, axis)
    grads["h_pre"] = dh_pre

    # hidden layer: h_pre = x @ W.T (+ b)
    grads["hidden.weight"] = dh_pre.T @ acts.x  # (H, B) @ (B, T*d) -> (H, T*d)
    if model.hidden.bias is not None:
        grads["hidden.bias"] = dh_pre.sum(dim=0)  # (H,)
    dx = dh_pre @ model.hidden.weight  # (B, H) @ (H, T*d) -> (B, T*d)
    grads["x"] = dx

    # concatenation and embedding lookup: un-view, then scatter-add rows into the table
    demb = dx.view(acts.emb.shape)  # (B, T, d)
    grads["emb"] = demb
    table = model.embedding.weight  # (V, d)
    grads["embedding.weight"] = torch.zeros_like(table).index_add_(
        0, acts.idx.reshape(-1), demb.reshape(-1, table.shape[1]))  # (V, d)
    # END SOLUTION
    return grads


def autograd_gradients(model: MLPLanguageModel, idx: torch.Tensor,
                       targets: torch.Tensor) -> tuple[Activations, dict[str, torch.Tensor]]:
    """What PyTorch's autograd says: run forward_steps, keep the intermediates' gradients
    (`retain_grad`), backward the mean cross-entropy. Returns the activations and a dict of
    gradients with the names manual_backward uses. Clears the parameters' .grad first."""
    model.zero_grad(set_to_none=True)
    acts = model.forward_steps(idx)
    named = acts.named()
    for tensor in named.values():
        tensor.retain_grad()
    torch.nn.functional.cross_entropy(acts.logits, targets).backward()
    grads = {name: tensor.grad for name, tensor in named.items()}
    grads.update({name: p.grad for name, p in model.named_parameters()})
    return acts, grads
