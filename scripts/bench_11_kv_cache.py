#!/usr/bin/env python3
"""Module 11 benchmark: generation speed with the KV cache against full recomputation, as the
number of generated tokens doubles from 64 to 512.

The model has the shape of Module 09's cpu config (4 layers, 4 heads, 128 wide, no biases,
PyTorch's fused kernels, 65 characters as the vocabulary) with block_size raised to 1024 so that
512 new tokens fit without cropping. Its weights are random: speed does not depend on what the
weights are (the GPT-2 initialisation, seeded, with every matrix times 10, so that greedy
decoding does not repeat one token and the check of equal tokens means something). Decoding is
greedy, batch 1, from a one-token prompt. Without the cache, step t runs the model on all t
tokens so far, so n tokens cost about n^2 / 2 token-forwards and the speed falls as n grows;
with it, each step runs one token against the cached keys and values (attention still reads
all t of them, a small part of the work at this size). Both must produce the same tokens, and
the table says whether they did.

Prints tokens/s (the median of --repeats runs after one warm-up, each run a whole generation)
and the speed-up, as a Markdown table; --plot PATH also saves tokens/s against the length.

    .venv/bin/python scripts/bench_11_kv_cache.py                      # 1 thread, 64..512
    .venv/bin/python scripts/bench_11_kv_cache.py --plot data/figures/m11_kv_cache.png
    .venv/bin/python scripts/bench_11_kv_cache.py --max-new 256 --repeats 1   # quicker

It runs modules/m11_sampling, so on the scaffold it needs exercises 11.1, 11.5 and 11.6.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per cell (median)")
    parser.add_argument("--max-new", type=int, default=512,
                        help="largest number of new tokens (powers of 2 from 64, at most 1023)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or mps")
    parser.add_argument("--plot", type=Path, help="save tokens/s against length as this PNG")
    args = parser.parse_args(argv)
    if not 64 <= args.max_new <= 1023:
        parser.error(f"--max-new must be in [64, 1023] (block_size 1024), got {args.max_new}")

    # Thread pools are sized when torch loads, so set them before importing it.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import torch

    from modules.m07_transformer.model import GPT, GPTConfig
    from modules.m11_sampling import SamplingSettings, generate

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    config = GPTConfig(vocab_size=65, block_size=1024, n_layer=4, n_head=4, n_embd=128,
                       bias=False, fused_kernels=True)
    model = GPT(config, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim >= 2:
                p.mul_(10.0)  # random weights with more contrast: varied greedy tokens
    model = model.to(device).eval()
    prompt = torch.zeros(1, 1, dtype=torch.int64, device=device)  # (1, 1)
    greedy = SamplingSettings(temperature=0)

    def timed(n: int, use_cache: bool) -> tuple[float, torch.Tensor]:
        """Tokens/s of generating n tokens (median over repeats), and the tokens."""
        speeds = []
        for _ in range(args.repeats):
            if device.type == "cuda":
                torch.cuda.synchronize()
            began = time.perf_counter()
            ids = generate(model, prompt, n, greedy, use_cache=use_cache)  # (1, 1 + n)
            if device.type == "cuda":
                torch.cuda.synchronize()
            speeds.append(n / (time.perf_counter() - began))
        return statistics.median(speeds), ids

    generate(model, prompt, 64, greedy, use_cache=True)  # warm-up: allocations, kernels
    generate(model, prompt, 64, greedy, use_cache=False)
    lengths = [64 * 2 ** i for i in range((args.max_new // 64).bit_length())]
    rows = []
    for n in lengths:
        without, ids_without = timed(n, use_cache=False)
        with_cache, ids_with = timed(n, use_cache=True)
        rows.append((n, without, with_cache, torch.equal(ids_without, ids_with)))

    print(f"Python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} "
          f"CPUs, {args.threads} thread(s), device {device}; GPT 4 layers, 4 heads, 128 wide, "
          f"block_size 1024, random weights (x10), float32")
    print(f"greedy, batch 1, one-token prompt; tokens/s = new tokens / seconds, median of "
          f"{args.repeats} runs after a warm-up; same tokens = the two runs agree exactly\n")
    print("| new tokens | without cache (tokens/s) | with cache (tokens/s) | speed-up "
          "| same tokens |")
    print("| ---: | ---: | ---: | ---: | :---: |")
    for n, without, with_cache, same in rows:
        print(f"| {n} | {without:,.0f} | {with_cache:,.0f} | {with_cache / without:.1f}x "
              f"| {'yes' if same else 'NO'} |")
    if args.plot:
        save_plot(args.plot, rows)
        print(f"\nwrote {args.plot}")
    return 0 if all(same for *_, same in rows) else 1


def save_plot(path: Path, rows: list[tuple[int, float, float, bool]]) -> None:
    """Tokens/s against the number of new tokens, with and without the cache (no pyplot)."""
    from matplotlib.figure import Figure

    lengths = [n for n, *_ in rows]
    figure = Figure(figsize=(6, 3.8), layout="constrained")
    ax = figure.add_subplot()
    ax.plot(lengths, [r[2] for r in rows], "o-", label="with KV cache")
    ax.plot(lengths, [r[1] for r in rows], "s-", label="without (full recomputation)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(lengths, [str(n) for n in lengths])
    ax.set_yscale("log")
    ax.set_xlabel("new tokens generated")
    ax.set_ylabel("tokens / s")
    ax.set_title("Greedy generation, GPT 4x128, batch 1", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
