#!/usr/bin/env python3
"""Module 08 benchmark: the course's BPE trainer and tokenizer versus HF `tokenizers` and tiktoken.

For each corpus, in one run:
- training time for each vocabulary size (1K, 5K and 10K tokens by default): ours (what
  train_bpe does with a file: the pre-tokens counted in worker processes, timed once, plus the
  merges, timed for each size) versus the ByteLevel BPE trainer of Hugging Face `tokenizers`,
  with the same special token and as many threads as we have processes;
- encoding throughput in MB of UTF-8 per second, in one process: ours (Tokenizer.encode) versus
  tiktoken and HF `tokenizers`, both built from OUR merges of the largest vocabulary, so all
  three do the same work (the table says whether their ids agree).
Ratios are ours / theirs: above 1 means slower. Also checks the module's targets: train a 10K
vocabulary on a 22 MB corpus in under a minute on 2 cores, and encode at least 1 MB/s.

    .venv/bin/python scripts/bench_08_bpe.py                  # TinyShakespeare + a 22 MB corpus
    .venv/bin/python scripts/bench_08_bpe.py --file my.txt    # also your own UTF-8 file
    .venv/bin/python scripts/bench_08_bpe.py --quick          # TinyShakespeare only

Corpora: data/tinyshakespeare/input.txt and data/tinystories/TinyStoriesV2-GPT4-valid.txt
(about 22 MB) when present. Without TinyStories, the 22 MB target is measured on a stand-in that
says what it is: 20 copies of TinyShakespeare, the words of every line shuffled (a seeded RNG,
a new order for each copy), the copies separated by <|endoftext|>. It has the size and the
document separators of the real thing but TinyShakespeare's vocabulary, so it measures the
parallel counting honestly while the merges see far fewer distinct words than TinyStories has.
It needs modules/m08_bpe (exercises 08.1-08.5 on the scaffold).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from modules.course.paths import DATA_DIR

EOT = "<|endoftext|>"
TINYSHAKESPEARE = DATA_DIR / "tinyshakespeare" / "input.txt"
TINYSTORIES_VALID = DATA_DIR / "tinystories" / "TinyStoriesV2-GPT4-valid.txt"
TARGET_TRAIN_S = 60.0  # a 10K vocabulary on 22 MB on 2 cores
TARGET_ENCODE_MBS = 1.0  # one process


def standin_corpus(source: Path, out: Path, copies: int = 20, seed: int = 0) -> Path:
    """`copies` copies of `source`, the words of each line shuffled, joined by <|endoftext|>."""
    rng = random.Random(seed)
    lines = source.read_text(encoding="utf-8").split("\n")
    with open(out, "w", encoding="utf-8", newline="") as file:
        for copy in range(copies):
            if copy:
                file.write(EOT)
            shuffled = []
            for line in lines:
                words = line.split(" ")
                rng.shuffle(words)
                shuffled.append(" ".join(words))
            file.write("\n".join(shuffled))
    return out


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def train_ours(path: Path, vocab_sizes: list[int], processes: int) -> dict:
    """Pre-tokens counted once (in `processes` processes), then the merges for each size."""
    from modules.m08_bpe.parallel import count_pretokens_parallel
    from modules.m08_bpe.train import learn_merges

    count_s, counts = timed(count_pretokens_parallel, path, [EOT], processes, progress=False)
    runs = {}
    for size in vocab_sizes:
        merge_s, (vocab, merges) = timed(learn_merges, counts, size - 256 - 1, progress=False)
        vocab[len(vocab)] = EOT.encode()  # the layout train_bpe makes
        runs[size] = {"count_s": count_s, "merge_s": merge_s, "vocab": vocab, "merges": merges}
    return {"distinct": len(counts), "runs": runs}


def train_hf(path: Path, vocab_size: int) -> tuple[float, list[tuple[bytes, bytes]]]:
    """HF's ByteLevel BPE trainer on the file: (seconds, its merges as bytes)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from modules.m08_bpe.bytes_unicode import printable_to_token

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    seconds, _ = timed(tokenizer.train, [str(path)], trainer)
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    pairs = [merge.split(" ") if isinstance(merge, str) else merge for merge in merges]
    return seconds, [(printable_to_token(a), printable_to_token(b)) for a, b in pairs]


def hf_from_merges(vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]]):
    """An HF `tokenizers` ByteLevel BPE tokenizer with our vocabulary and merges."""
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers

    from modules.m08_bpe.bytes_unicode import token_to_printable

    printable = {token_to_printable(token): i for i, token in vocab.items()
                 if token != EOT.encode()}
    model = models.BPE(vocab=printable,
                       merges=[(token_to_printable(a), token_to_printable(b)) for a, b in merges])
    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.add_special_tokens([AddedToken(EOT, special=True)])
    return tokenizer


def encode_rates(text: str, vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]]) -> dict:
    """MB/s of ours, tiktoken and HF on `text`, and whether their ids equal ours."""
    import tiktoken

    from modules.m08_bpe.pretokenize import GPT2_PATTERN

    megabytes = len(text.encode("utf-8")) / 1e6
    rows = {}
    try:
        from modules.m08_bpe.tokenizer import Tokenizer
    except ImportError as error:
        print(f"note: our Tokenizer is not importable ({error}); its column is skipped")
        Tokenizer = None  # noqa: N806
    ours_ids = None
    if Tokenizer is not None:
        ours = Tokenizer(vocab, merges, [EOT])
        seconds, ours_ids = timed(ours.encode, text)
        rows["ours"] = {"mbs": megabytes / seconds, "same": "-"}
        ranks = ours.to_tiktoken_ranks()
    else:
        ranks = {vocab[i]: i for i in range(256 + len(merges))}
    encoding = tiktoken.Encoding(name="m08-bench", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                                 special_tokens={EOT: len(ranks)})
    seconds, ids = timed(encoding.encode, text, allowed_special={EOT})
    rows["tiktoken"] = {"mbs": megabytes / seconds, "same": _same(ids, ours_ids)}
    hf = hf_from_merges(vocab, merges)
    seconds, encoded = timed(hf.encode, text)
    rows["HF tokenizers"] = {"mbs": megabytes / seconds, "same": _same(encoded.ids, ours_ids)}
    return {"megabytes": megabytes, "rows": rows}


def _same(ids: list[int], ours: list[int] | None) -> str:
    return "-" if ours is None else ("yes" if list(ids) == ours else "NO")


def overlap(ours: list[tuple[bytes, bytes]], theirs: list[tuple[bytes, bytes]]) -> float:
    """The fraction of our merges that HF's trainer also made (its tie-break and its reading of
    the file differ, so the lists need not be equal)."""
    return len(set(ours) & set(theirs)) / max(1, len(ours))


def bench_corpus(name: str, path: Path, args) -> dict:
    size_mb = path.stat().st_size / 1e6
    print(f"\n## {name}: {path} ({size_mb:.1f} MB)\n")
    ours = train_ours(path, args.vocab_sizes, args.processes)
    print(f"ours: pre-tokens counted in {ours['runs'][args.vocab_sizes[0]]['count_s']:.2f} s "
          f"with {args.processes} process(es); {ours['distinct']:,} distinct pre-tokens\n")
    print("| vocab | ours: count + merges (s) | ours total (s) | HF train (s) | ratio ours/HF "
          "| merges shared with HF |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    totals = {}
    for size in args.vocab_sizes:
        run = ours["runs"][size]
        total = run["count_s"] + run["merge_s"]
        totals[size] = total
        hf_s, hf_merges = train_hf(path, size)
        print(f"| {size:,} | {run['count_s']:.2f} + {run['merge_s']:.2f} | {total:.2f} | "
              f"{hf_s:.2f} | {total / hf_s:.2f} | {overlap(run['merges'], hf_merges):.0%} |")

    largest = ours["runs"][max(args.vocab_sizes)]
    raw = path.read_bytes()[:int(args.encode_mb * 1e6)]
    text = raw.decode("utf-8", errors="ignore")  # a cut may split the last character
    rates = encode_rates(text, largest["vocab"], largest["merges"])
    print(f"\nencoding {rates['megabytes']:.1f} MB with the {max(args.vocab_sizes):,}-token "
          f"vocabulary, one process, cold cache:\n")
    print("| tokenizer | MB/s | ours time / its time | same ids as ours |")
    print("| --- | ---: | ---: | :---: |")
    ours_mbs = rates["rows"].get("ours", {}).get("mbs")
    for tokenizer, row in rates["rows"].items():
        ratio = f"{row['mbs'] / ours_mbs:.2f}" if ours_mbs else "-"
        print(f"| {tokenizer} | {row['mbs']:.2f} | {ratio} | {row['same']} |")
    return {"size_mb": size_mb, "totals": totals, "encode_mbs": ours_mbs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, action="append", default=[],
                        help="also benchmark this UTF-8 text file (repeatable)")
    parser.add_argument("--vocab-sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="processes for our counting, threads for HF (default: all CPUs)")
    parser.add_argument("--encode-mb", type=float, default=4.0,
                        help="encode the first this many MB of each corpus (default 4)")
    parser.add_argument("--quick", action="store_true", help="TinyShakespeare and --file only")
    args = parser.parse_args(argv)
    # HF sizes its thread pool when it first runs; give it as many threads as we have processes
    os.environ["RAYON_NUM_THREADS"] = str(args.processes)
    import tiktoken
    import tokenizers

    print(f"Python {platform.python_version()}, tokenizers {tokenizers.__version__}, "
          f"tiktoken {tiktoken.__version__}, {os.cpu_count()} CPUs; ours uses "
          f"{args.processes} process(es) to count, HF {args.processes} thread(s); "
          f"special token {EOT}")
    print("HF's trainer reads the file line by line and breaks ties its own way, so its merges "
          "differ a little from ours; its pre-tokenizer is the same GPT-2 pattern.")

    corpora = []
    if TINYSHAKESPEARE.is_file():
        corpora.append(("TinyShakespeare", TINYSHAKESPEARE))
    else:
        print(f"note: {TINYSHAKESPEARE} is missing (./datasets.sh --tiny tinyshakespeare)")
    corpora += [(f"--file {path.name}", path) for path in args.file]
    with tempfile.TemporaryDirectory(prefix="bench08-") as tmp:
        if not args.quick and TINYSTORIES_VALID.is_file():
            corpora.append(("TinyStories-valid", TINYSTORIES_VALID))
        elif not args.quick and TINYSHAKESPEARE.is_file():
            print(f"note: {TINYSTORIES_VALID} is missing, so the 22 MB target runs on a STAND-IN: "
                  f"20 copies of TinyShakespeare with the words of each line shuffled (seed 0), "
                  f"joined by {EOT}. Its vocabulary is TinyShakespeare's, much smaller than "
                  f"TinyStories'.")
            corpora.append(("stand-in, 20 x shuffled TinyShakespeare",
                            standin_corpus(TINYSHAKESPEARE, Path(tmp) / "standin.txt")))
        results = {name: bench_corpus(name, path, args) for name, path in corpora}

    print("\n## Targets\n")
    large = {name: r for name, r in results.items() if r["size_mb"] > 20}
    largest_vocab = max(args.vocab_sizes)
    for name, result in large.items():
        if largest_vocab >= 10_000:
            seconds = result["totals"][largest_vocab]
            verdict = "met" if seconds < TARGET_TRAIN_S else "NOT met"
            print(f"- train {largest_vocab:,} tokens on {name} ({result['size_mb']:.1f} MB) with "
                  f"{args.processes} process(es): {seconds:.1f} s, target < {TARGET_TRAIN_S:.0f} "
                  f"s on 2 cores: {verdict}")
    if not large:
        print("- training on 22 MB: not measured (no corpus over 20 MB in this run)")
    for name, result in results.items():
        if result["encode_mbs"] is not None:
            verdict = "met" if result["encode_mbs"] >= TARGET_ENCODE_MBS else "NOT met"
            print(f"- encode {name}: {result['encode_mbs']:.2f} MB/s in one process, target >= "
                  f"{TARGET_ENCODE_MBS:.0f} MB/s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
