#!/usr/bin/env python3
"""Module 02 benchmark: one MLP training step in the course's numpy Tensor versus PyTorch (CPU).

Times forward, cross-entropy, backward and an SGD update of the same MLP on the same batch, in
float64 and float32, for three sizes of MLP, and prints the medians and the
ratio (Tensor time / torch time) as a Markdown table.

    .venv/bin/python scripts/bench_02_tensor_vs_torch.py               # full table, 1 thread
    .venv/bin/python scripts/bench_02_tensor_vs_torch.py --threads 4   # NumPy and torch on 4
    .venv/bin/python scripts/bench_02_tensor_vs_torch.py --repeats 5   # quicker, noisier

It runs the Tensor of modules/m02_tensors, so on the scaffold it needs exercises 02.1-02.9.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per cell (median)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before timing")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy's BLAS and for PyTorch (default 1)")
    parser.add_argument("--quick", action="store_true", help="skip the large config")
    args = parser.parse_args(argv)

    # Thread pools are sized when NumPy and PyTorch load, so set them before importing either.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import numpy as np
    import torch

    from modules.m02_tensors.benchmark import LARGE, SMALL, TINY, compare, format_table

    configs = [TINY, SMALL] if args.quick else [TINY, SMALL, LARGE]
    print(f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs, {args.threads} thread(s) for NumPy and torch")
    print(f"median of {args.repeats} steps after {args.warmup} warm-up steps; "
          f"ratio = Tensor time / torch time\n")
    rows = compare(configs, [np.float64, np.float32], warmup=args.warmup, repeats=args.repeats,
                   threads=args.threads)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
