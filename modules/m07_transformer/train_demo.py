"""Provided helpers for Module 07's notebook: TinyShakespeare as characters, a small training
loop (AdamW at a constant rate, no warmup, no clipping: the setting where pre-LN and post-LN
differ, Xiong et al. 2020), gradient norms per layer, and where a GPT's parameters and FLOPs go.

Module 09 builds the real training loop; this one is just enough to compare two models.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import torch
from torch.utils.flop_counter import FlopCounterMode

from modules.course.corpus import tinyshakespeare
from modules.m03_bigram import CharVocab, get_batch, train_val_split
from modules.m07_transformer.model import GPT, GPTConfig


@dataclass
class CharData:
    """A text as character ids: the vocabulary and the training and validation ids (1-D)."""

    vocab: CharVocab
    train_ids: torch.Tensor
    val_ids: torch.Tensor


def shakespeare_chars(allow_standin: bool = True, val_fraction: float = 0.1) -> CharData:
    """TinyShakespeare (or, with allow_standin, a short stand-in when it is missing) as
    character ids, split with Module 03's train_val_split (the last 10% for validation)."""
    text = tinyshakespeare(allow_standin=allow_standin)
    vocab = CharVocab.from_text(text)
    train_ids, val_ids = train_val_split(torch.tensor(vocab.encode(text)), val_fraction)
    return CharData(vocab, train_ids, val_ids)


@dataclass
class TrainLog:
    """What train_char_model records: the mini-batch loss of every step, the gradient norms
    per layer (layer_grad_norms) every `norms_every` steps, the validation loss at the end, and
    the wall-clock seconds of the training steps."""

    losses: list[float] = field(default_factory=list)
    norm_steps: list[int] = field(default_factory=list)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    val_loss: float = math.nan
    seconds: float = 0.0


def layer_grad_norms(model: GPT) -> dict[str, float]:
    """The L2 norm of the gradients of each part of the model, in order: "wte" (the tied
    embedding and head), "wpe" (learned positions only), "block 0" ... "block L-1", "ln_f".
    Call it after loss.backward()."""
    squares: dict[str, float] = {}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        parts = name.split(".")
        part = f"block {parts[1]}" if parts[0] == "blocks" else parts[0]
        squares[part] = squares.get(part, 0.0) + p.grad.detach().float().pow(2).sum().item()
    return {part: math.sqrt(total) for part, total in squares.items()}


@torch.no_grad()
def estimate_loss(model: GPT, ids: torch.Tensor, batches: int, batch_size: int,
                  generator: torch.Generator) -> float:
    """The mean loss of `model` over `batches` random mini-batches of `ids`, in eval mode
    (the mode the model was in is restored)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for _ in range(batches):
        x, y = get_batch(ids, batch_size, model.config.block_size, generator)
        total += model(x.to(device), y.to(device))[1].item()
    model.train(was_training)
    return total / batches


def train_char_model(model: GPT, data: CharData, steps: int, batch_size: int = 32,
                     lr: float = 1e-3, seed: int = 0, norms_every: int = 10,
                     eval_batches: int = 10) -> TrainLog:
    """Train `model` with AdamW (constant lr, weight decay 0.1 on matrices only, no warmup, no
    gradient clipping) on random windows of data.train_ids, and return the TrainLog.

    The batches come from a generator seeded with `seed`, so two models trained with the same
    seed see the same batches. A non-finite loss stops the run early (the log then holds the
    steps done).
    """
    device = next(model.parameters()).device
    matrices = [p for p in model.parameters() if p.ndim >= 2]
    vectors = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.1},
                                   {"params": vectors, "weight_decay": 0.0}], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    log = TrainLog()
    model.train()
    start = time.perf_counter()
    for step in range(steps):
        x, y = get_batch(data.train_ids, batch_size, model.config.block_size, generator)
        _, loss = model(x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        log.losses.append(loss.item())
        if not math.isfinite(log.losses[-1]):
            break
        if step % norms_every == 0 or step == steps - 1:
            log.norm_steps.append(step)
            for part, norm in layer_grad_norms(model).items():
                log.grad_norms.setdefault(part, []).append(norm)
        optimizer.step()
    log.seconds = time.perf_counter() - start
    log.val_loss = estimate_loss(model, data.val_ids, eval_batches, batch_size,
                                 torch.Generator().manual_seed(seed + 1))
    return log


def compare_norm_positions(config: GPTConfig, data: CharData, steps: int,
                           batch_size: int = 32, lr: float = 1e-3,
                           seed: int = 0) -> dict[str, TrainLog]:
    """Train a pre-LN and a post-LN GPT of the same config from the same initial weights
    (seeded generator), on the same batches, at the same learning rate: {"pre": ..., "post": ...}.
    """
    logs = {}
    for norm_position in ("pre", "post"):
        model = GPT(replace(config, norm_position=norm_position),
                    generator=torch.Generator().manual_seed(seed))
        logs[norm_position] = train_char_model(model, data, steps, batch_size, lr, seed)
    return logs


@torch.no_grad()
def token_influence(model: GPT, idx: torch.Tensor) -> torch.Tensor:
    """(T, T) table for one sequence idx (1, T): entry [s, t] is the largest change of any
    logit at position t when the token at position s is replaced by the next id, (id + 1) mod
    vocab_size. A causal model gives zeros wherever t < s: no position sees the future."""
    was_training = model.training
    model.eval()
    base, _ = model(idx)  # (1, T, V)
    T = idx.shape[1]
    influence = torch.zeros(T, T)
    for s in range(T):
        changed = idx.clone()
        changed[0, s] = (changed[0, s] + 1) % model.config.vocab_size
        logits, _ = model(changed)  # (1, T, V)
        influence[s] = (logits - base).abs().amax(dim=-1)[0].cpu()  # (T,)
    model.train(was_training)
    return influence


def parameter_breakdown(config: GPTConfig) -> dict[str, int]:
    """Where the parameters of GPT(config) are, counted on a model built on the "meta" device
    (shapes without memory, so GPT-2 sizes cost nothing): the token embedding (which is also
    the output head), the position table, attention (qkv and proj), feed-forward (fc and proj),
    and the LayerNorms; biases count with their layer."""
    with torch.device("meta"):
        model = GPT(config)
    groups = {"token embedding = output head": 0, "position table": 0, "attention": 0,
              "feed-forward": 0, "layer norms": 0}
    for name, p in model.named_parameters():
        if name.startswith("wte."):
            group = "token embedding = output head"
        elif name.startswith("wpe."):
            group = "position table"
        elif ".attn." in name:
            group = "attention"
        elif ".mlp." in name:
            group = "feed-forward"
        else:
            group = "layer norms"
        groups[group] += p.numel()
    return groups


def flops_breakdown(config: GPTConfig) -> dict[str, int]:
    """Where the training FLOPs per token go (forward and backward, a full context of
    block_size tokens), in the convention of flops_per_token: 6 per parameter that multiplies
    activations (the position table adds, so it costs nothing here) plus attention's own
    products, the scores q k^T and the weighted sum of values, 12 * n_layer * n_embd * block_size.
    """
    params = parameter_breakdown(config)
    return {"output head": 6 * params["token embedding = output head"],
            "attention projections": 6 * params["attention"],
            "attention scores and values": 12 * config.n_layer * config.n_embd * config.block_size,
            "feed-forward": 6 * params["feed-forward"],
            "layer norms": 6 * params["layer norms"]}


def measured_flops_per_token(model: GPT, batch_size: int = 1) -> float:
    """The floating-point operations of one training step (forward and backward) on a batch of
    random ids of the model's full context, per token, as counted by PyTorch's FlopCounterMode.
    It counts matrix products only, so it misses the few FLOPs of LayerNorm, biases, softmax
    and GELU; compare it with flops_per_token."""
    config = model.config
    device = next(model.parameters()).device
    idx = torch.randint(config.vocab_size, (batch_size, config.block_size), device=device)
    with FlopCounterMode(display=False) as counter:
        _, loss = model(idx, idx)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / idx.numel()
