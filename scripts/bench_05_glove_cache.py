#!/usr/bin/env python3
"""Module 05 benchmark: parsing GloVe's text format versus reloading the binary cache.

Times `load_glove` (parse the text) against `load_glove_cached` once its cache exists (np.load
of the float32 matrix plus the word list), best of several runs each, and prints a Markdown
table with the ratio. The module's target is a cache at least 10 times faster than the text.

    .venv/bin/python scripts/bench_05_glove_cache.py               # data/glove/glove.6B.50d.txt
    .venv/bin/python scripts/bench_05_glove_cache.py --file PATH   # any GloVe text file
    .venv/bin/python scripts/bench_05_glove_cache.py --repeats 5

Without --file and without the real file (fetch it with ./datasets.sh --tiny glove), it writes
a random file of the real file's shape, 400,000 words x 50 values, to a temporary folder. The
cache goes to a temporary folder too, so the benchmark leaves nothing behind. It parses with
modules/m05_embeddings, so on the scaffold it needs exercise 05.1.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from modules.m05_embeddings.glove_files import GLOVE_DIR
from modules.m05_embeddings.vectors import WordVectors, load_glove, load_glove_cached

REAL_FILE = GLOVE_DIR / "glove.6B.50d.txt"
REAL_SHAPE = (400_000, 50)


def write_random_glove(path: Path, n_words: int, dim: int, seed: int = 0) -> None:
    """A GloVe-format file of n_words random vectors, values with 5 significant digits as in
    GloVe's own files."""
    rng = np.random.default_rng(seed)
    line = "%s" + " %.5g" * dim + "\n"
    with open(path, "w", encoding="utf-8") as f:
        for start in range(0, n_words, 50_000):
            rows = rng.standard_normal((min(50_000, n_words - start), dim)) * 0.5  # (n, dim)
            f.writelines(line % (f"w{start + i}", *row) for i, row in enumerate(rows.tolist()))


def best_seconds(load: Callable[[], WordVectors], repeats: int) -> tuple[float, WordVectors]:
    """The shortest wall time of `repeats` calls of load(), and what the last call returned."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        wv = load()
        times.append(time.perf_counter() - start)
    return min(times), wv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="a GloVe text file (default: the real 50d "
                        "file when present, else a generated one of its shape)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each load (the best "
                        "counts)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-05-") as tmp:
        if args.file is not None:
            path, what = args.file, str(args.file)
        elif REAL_FILE.is_file():
            path, what = REAL_FILE, f"{REAL_FILE} (the real GloVe 6B 50d)"
        else:
            path = Path(tmp) / "random-400000x50.txt"
            print(f"{REAL_FILE} is missing: writing a random file of its shape "
                  f"{REAL_SHAPE[0]:,} x {REAL_SHAPE[1]} ...", flush=True)
            write_random_glove(path, *REAL_SHAPE)
            what = f"a generated file of random vectors, {REAL_SHAPE[0]:,} x {REAL_SHAPE[1]}"
        cache_dir = Path(tmp) / "cache"

        start = time.perf_counter()
        wv = load_glove_cached(path, cache_dir=cache_dir, progress=False)  # parse, write cache
        first = time.perf_counter() - start
        text, parsed = best_seconds(lambda: load_glove(path, progress=False), args.repeats)
        binary, cached = best_seconds(
            lambda: load_glove_cached(path, cache_dir=cache_dir, progress=False), args.repeats)
        if cached.words != parsed.words or not np.array_equal(cached.vectors, parsed.vectors):
            print("the cache does not hold what the text holds", file=sys.stderr)
            return 1
        text_mb = path.stat().st_size / 1e6
        cache_mb = sum(f.stat().st_size for f in cache_dir.iterdir()) / 1e6

    print(f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"file: {what}: {len(wv):,} words x {wv.dim}, {text_mb:.1f} MB "
          f"as text, {cache_mb:.1f} MB as cache")
    print(f"best of {args.repeats} runs; ratio = text time / time\n")
    print("| load | ms | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| text: load_glove | {1e3 * text:.1f} | 1.0x |")
    print(f"| first load_glove_cached (parse, then write the cache; one run) | "
          f"{1e3 * first:.1f} | {text / first:.1f}x |")
    print(f"| cache: load_glove_cached, cache present | {1e3 * binary:.1f} | "
          f"{text / binary:.1f}x |")
    print(f"\nthe cache reloads {text / binary:.0f} times faster than the text "
          f"(target: at least 10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
