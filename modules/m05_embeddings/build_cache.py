"""Build the binary cache of a GloVe file ahead of time (the notebook's first load does the same):

    python -m modules.m05_embeddings.build_cache              # the file find_glove finds
    python -m modules.m05_embeddings.build_cache PATH --limit 50000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from modules.m05_embeddings.glove_files import find_glove
from modules.m05_embeddings.vectors import cache_stem, load_glove_cached


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of words, at least 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Write the binary cache of a GloVe file and report both load times."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("path", nargs="?", type=Path, help="a GloVe text file")
    parser.add_argument("--limit", type=_positive, metavar="N", help="keep only the first N words")
    args = parser.parse_args(argv)
    path = args.path
    if path is None:
        path, description = find_glove(50)
        print(description)
    try:
        start = time.perf_counter()
        wv = load_glove_cached(path, args.limit)
        first = time.perf_counter() - start
        start = time.perf_counter()
        load_glove_cached(path, args.limit, progress=False)
        again = time.perf_counter() - start
    except (OSError, ValueError) as err:
        print(f"build_cache: {err}", file=sys.stderr)
        return 1
    stem = cache_stem(path, args.limit)
    print(f"{len(wv):,} words of {wv.dim} dimensions; cache {stem}.npy and {stem.name}.words.txt\n"
          f"first load {first:.2f} s (parsed, or an existing cache), reload {again:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
