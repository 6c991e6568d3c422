#!/usr/bin/env python3
"""Module 09 benchmark: training throughput (tokens/s) of the course's loop against a plain
PyTorch one, on the same model shape and the same batches.

    ours        Module 07's GPT with fused_kernels (PyTorch's LayerNorm and attention kernels),
                the course's AdamW (param_groups), get_batch from the memmap, lr_at,
                clip_grad_norm and accumulate_gradients: what train.py runs
    ours, course kernels   the same with the course's own LayerNorm and attention (06.1,
                07.1): the price of writing them out
    reference   a GPT of the same shape built only from torch.nn pieces (nn.Embedding,
                nn.LayerNorm, nn.Linear, nn.GELU, F.scaled_dot_product_attention with
                is_causal=True), torch.optim.AdamW (its default implementation for the device)
                and torch.nn.utils.clip_grad_norm_
    ours + nn   the course's loop and AdamW driving the reference model: its gap to the
                reference is the loop's and the optimiser's overhead, its gap to "ours" is the
                model's

The reference starts from the course model's weights (same parameter names), so the first
losses agree; the table's footnote shows by how much. Each variant trains `--warmup` steps
untimed, then the variants take turns (A B C A B C ...) over `--windows` timed windows of
`--steps` steps each, so that they share the machine's noise; tokens/s is the median over
windows. Both loops read each step's loss as a Python float. On CUDA both use bf16 autocast
and the table adds the model FLOPs utilisation: flops_per_token (Module 07) times tokens/s over
the device's peak (--peak-tflops, or a guess for a few known GPUs).

    .venv/bin/python scripts/bench_09_training.py                     # the cpu config
    .venv/bin/python scripts/bench_09_training.py --threads 1 --steps 10
    .venv/bin/python scripts/bench_09_training.py --config gpu --peak-tflops 989  # on CUDA

It runs modules/m09_training, so on the scaffold it needs every exercise of Module 09.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import nn

from modules.course.device import pick_device
from modules.m07_transformer.model import GPTConfig, flops_per_token
from modules.m09_training.configs import TrainConfig, load_config
from modules.m09_training.data import CharDataset, get_batch
from modules.m09_training.distributed import DistInfo
from modules.m09_training.schedule import lr_at
from modules.m09_training.train import (
    CharData,
    autocast_for,
    build_model,
    build_optimizer,
    load_data,
    micro_batches,
    train_step,
)

# bf16 dense peaks (TFLOP/s) of a few GPUs, from their vendors' data sheets.
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L4": 121.0, "A10": 125.0,
               "RTX 4090": 165.0, "RTX 3090": 71.0}
Step = Callable[[int], float]  # step(i) trains step i and returns its loss


class SelfAttention(nn.Module):
    def __init__(self, c: GPTConfig):
        super().__init__()
        self.n_head, self.dropout = c.n_head, c.dropout
        self.qkv = nn.Linear(c.n_embd, 3 * c.n_embd, bias=c.bias)
        self.proj = nn.Linear(c.n_embd, c.n_embd, bias=c.bias)
        self.resid_dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in self.qkv(x).split(C, dim=-1))  # (B, nh, T, hd) each
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.resid_dropout(self.proj(y.transpose(1, 2).reshape(B, T, C)))  # (B, T, C)


class MLP(nn.Module):
    def __init__(self, c: GPTConfig):
        super().__init__()
        self.fc = nn.Linear(c.n_embd, 4 * c.n_embd, bias=c.bias)
        self.gelu = nn.GELU()
        self.proj = nn.Linear(4 * c.n_embd, c.n_embd, bias=c.bias)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.proj(self.gelu(self.fc(x))))  # (B, T, C)


class Block(nn.Module):
    def __init__(self, c: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.attn = SelfAttention(c)
        self.ln_2 = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.mlp = MLP(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))  # (B, T, C)


class ReferenceGPT(nn.Module):
    """Module 07's GPT (pre-LN, learned positions, tied head) from torch.nn pieces, with the
    same parameter names, so that it loads the course model's state_dict."""

    def __init__(self, c: GPTConfig):
        super().__init__()
        if c.positions != "learned" or c.norm_position != "pre":
            raise ValueError("the reference GPT has learned positions and pre-LN only")
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.block_size, c.n_embd)
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied

    def forward(self, idx: torch.Tensor, targets: torch.Tensor):
        B, T = idx.shape
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(T, device=idx.device)))  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        return logits, F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))


def our_loop(model: nn.Module, config: TrainConfig, data: CharDataset, info: DistInfo,
             autocast) -> Step:
    """The course's step, as train.py takes it."""
    optimizer = build_optimizer(model, config)
    batches_from = CharData(data, config)  # its generator is seeded with config.seed

    def step(i: int) -> float:
        lr = lr_at(i, config.learning_rate, config.min_lr, config.warmup_iters,
                   config.lr_decay_iters)
        batches = micro_batches(batches_from, config, info)
        return train_step(model, optimizer, batches, lr, config.grad_clip, autocast)[0]
    return step


def reference_loop(model: nn.Module, config: TrainConfig, data: CharDataset,
                   device: torch.device, autocast) -> Step:
    """A plain PyTorch step on the same batches and schedule: torch's AdamW and clipping."""
    decays = {n: p.ndim >= 2 and not n.startswith(("wte", "wpe"))
              for n, p in model.named_parameters()}
    params = dict(model.named_parameters())
    optimizer = torch.optim.AdamW(
        [{"params": [params[n] for n, d in decays.items() if d],
          "weight_decay": config.weight_decay},
         {"params": [params[n] for n, d in decays.items() if not d], "weight_decay": 0.0}],
        lr=config.learning_rate, betas=(config.beta1, config.beta2))
    generator = torch.Generator().manual_seed(config.seed)
    k = config.grad_accum_steps

    def step(i: int) -> float:
        for group in optimizer.param_groups:
            group["lr"] = lr_at(i, config.learning_rate, config.min_lr, config.warmup_iters,
                                config.lr_decay_iters)
        total = 0.0
        for _ in range(k):
            x, y = get_batch(data.train, config.batch_size, config.block_size, generator,
                             device)  # (B, T) each
            with autocast():
                _, loss = model(x, y)
            (loss / k).backward()
            total += loss.item() / k
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return total
    return step


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="cpu", help="cpu, gpu or tiny (default cpu)")
    parser.add_argument("--device", default="auto", help="cpu, cuda or mps (default: best)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default, one per core)")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=7, help="timed windows per variant")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per variant")
    parser.add_argument("--peak-tflops", type=float, default=0.0,
                        help="the device's peak TFLOP/s for the MFU column (CUDA)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device() if args.device == "auto" else torch.device(args.device)
    config = load_config(args.config, {"device": str(device)})
    info = DistInfo(0, 0, 1, device)
    with contextlib.redirect_stdout(io.StringIO()):  # the stand-in's note, if any
        data = load_data(config, info)
    ours = build_model(config, data.vocab_size).to(device)
    written_out = build_model(replace(config, fused_kernels=False), data.vocab_size).to(device)
    reference = ReferenceGPT(ours.config).to(device)
    reference.load_state_dict(ours.state_dict())
    mixed = ReferenceGPT(ours.config).to(device)
    mixed.load_state_dict(ours.state_dict())
    autocast = autocast_for(config, device)
    steps = {"ours": our_loop(ours, config, data, info, autocast),
             "ours, course kernels": our_loop(written_out, config, data, info, autocast),
             "reference": reference_loop(reference, config, data, device, autocast),
             "ours + nn": our_loop(mixed, config, data, info, autocast)}
    rates: dict[str, list[float]] = {name: [] for name in steps}
    first_losses = {name: step(0) for name, step in steps.items()}
    for step in steps.values():
        for i in range(1, args.warmup):
            step(i)
    tokens = config.tokens_per_step() * args.steps
    for window in range(args.windows):  # A B C A B C ...: the variants share the noise
        start = args.warmup + window * args.steps
        for name, step in steps.items():
            sync(device)
            began = time.perf_counter()
            for i in range(start, start + args.steps):
                step(i)
            sync(device)
            rates[name].append(tokens / (time.perf_counter() - began))

    on_cuda = device.type == "cuda"
    gpu = torch.cuda.get_device_name(device) if on_cuda else ""
    peak = args.peak_tflops or next((v for k, v in PEAK_TFLOPS.items() if k in gpu), 0.0)
    print(f"Python {platform.python_version()}, torch {torch.__version__}, {device} "
          f"{gpu}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch thread(s)")
    print(f"config {args.config}: {config.n_layer} layers, {config.n_head} heads, "
          f"{config.n_embd} wide, context {config.block_size}, batch {config.batch_size} x "
          f"{config.grad_accum_steps}, dropout {config.dropout}, "
          f"{'bf16 autocast' if on_cuda else 'float32'}; {args.warmup} warm-up steps, "
          f"median of {args.windows} windows of {args.steps} steps")
    if on_cuda and peak:
        print(f"MFU = {flops_per_token(ours.config):,} FLOPs per token x tokens/s / "
              f"{peak:g} TFLOP/s")
    print()
    mfu = on_cuda and peak > 0
    print("| loop | model | tokens/s | slowest..fastest window | ratio to reference |"
          + (" MFU |" if mfu else ""))
    print("| --- | --- | ---: | ---: | ---: |" + (" ---: |" if mfu else ""))
    labels = {"ours": ("course", "course GPT, fused kernels"),
              "ours, course kernels": ("course", "course GPT, course kernels"),
              "reference": ("torch", "torch.nn GPT"),
              "ours + nn": ("course", "torch.nn GPT")}
    reference_rate = statistics.median(rates["reference"])
    for name, measured in rates.items():
        rate = statistics.median(measured)
        utilisation = f" {rate * flops_per_token(ours.config) / (peak * 1e12):.1%} |" \
            if mfu else ""
        print(f"| {labels[name][0]} | {labels[name][1]} | {rate:,.0f} | {min(measured):,.0f}.."
              f"{max(measured):,.0f} | {rate / reference_rate:.3f} |{utilisation}")
    spread = max(first_losses.values()) - min(first_losses.values())
    print(f"\nfirst-step losses (same weights, same batch): "
          f"{', '.join(f'{k} {v:.6f}' for k, v in first_losses.items())}; spread {spread:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
