#!/usr/bin/env python3
"""Module 02 benchmark: one MLP training step in the course's numpy Tensor versus PyTorch (CPU).

Times forward, cross-entropy, backward and an SGD update of the same MLP on the same batch, in
float64 and float32, for a small and a larger configuration, and prints the medians and the
ratio (Tensor time / torch time) as a Markdown table.

    .venv/bin/python scripts/bench_02_tensor_vs_torch.py               # full table
    .venv/bin/python scripts/bench_02_tensor_vs_torch.py --repeats 5   # quicker, noisier

It runs the Tensor of modules/m02_tensors, so on the scaffold it needs exercises 02.1-02.9.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np
import torch

from modules.m02_tensors.benchmark import LARGE, SMALL, compare, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per cell (median)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before timing")
    parser.add_argument("--small-only", action="store_true", help="skip the larger config")
    args = parser.parse_args(argv)

    configs = [SMALL] if args.small_only else [SMALL, LARGE]
    print(f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}")
    print(f"median of {args.repeats} steps after {args.warmup} warm-up steps; "
          f"ratio = Tensor time / torch time\n")
    rows = compare(configs, [np.float64, np.float32], warmup=args.warmup, repeats=args.repeats)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
