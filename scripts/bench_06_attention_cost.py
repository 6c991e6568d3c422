#!/usr/bin/env python3
"""Module 06 benchmark: the course's causal attention against torch's fused SDPA, on the CPU,
as the sequence length T doubles from 128 to 4096.

Both compute softmax(q k^T / sqrt(d) + causal mask) v on float32 (B, h, T, d) inputs without
autograd. The course's attention builds the (B, h, T, T) scores and weights in memory (their
size is the memory column: it grows like T^2); torch's CPU kernel works on blocks of keys and
never holds them all. Prints the median times, their ratio (course / torch) and how much each
time grew since the previous T (4x per doubling means T^2), as a Markdown table.

    .venv/bin/python scripts/bench_06_attention_cost.py               # 1 thread, T up to 4096
    .venv/bin/python scripts/bench_06_attention_cost.py --threads 2   # torch on 2 threads
    .venv/bin/python scripts/bench_06_attention_cost.py --max-t 1024  # quicker

It runs modules/m06_attention, so on the scaffold it needs exercises 06.1 and 06.2.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per cell (median)")
    parser.add_argument("--max-t", type=int, default=4096, help="largest T (powers of 2 from 128)")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--head-dim", type=int, default=64)
    args = parser.parse_args(argv)

    # Thread pools are sized when torch loads, so set them before importing it.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import torch
    import torch.nn.functional as F

    from modules.m06_attention.attention import scaled_dot_product_attention
    from modules.m06_attention.demos import attention_cost

    torch.set_num_threads(args.threads)
    ts = [128 * 2 ** i for i in range((args.max_t // 128).bit_length())]
    shape = dict(batch=args.batch, n_head=args.heads, head_dim=args.head_dim,
                 repeats=args.repeats)
    course = attention_cost(
        ts, lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True),
        generator=torch.Generator().manual_seed(0), **shape)
    reference = attention_cost(
        ts, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        generator=torch.Generator().manual_seed(0), **shape)

    print(f"Python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} "
          f"CPUs, {args.threads} thread(s); causal attention, float32, B={args.batch}, "
          f"h={args.heads}, d={args.head_dim}")
    print(f"median of {args.repeats} calls after 1 warm-up; ratio = course time / torch time; "
          f"growth = time / time at the previous T (4.0 = T^2)\n")
    print("| T | course (ms) | torch SDPA (ms) | ratio | course growth | torch growth "
          "| (B, h, T, T) weights (MiB) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for i, (mine, ref) in enumerate(zip(course, reference, strict=True)):
        growth = ("", "") if i == 0 else (f"{mine.seconds / course[i - 1].seconds:.1f}",
                                          f"{ref.seconds / reference[i - 1].seconds:.1f}")
        print(f"| {mine.T} | {mine.seconds * 1e3:.2f} | {ref.seconds * 1e3:.2f} | "
              f"{mine.seconds / ref.seconds:.2f} | {growth[0]} | {growth[1]} | "
              f"{mine.memory_bytes / 2 ** 20:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
