"""Token files: each text shard encoded once into a flat file of uint16 ids.

Exercise 10.2 `tokenize_shard`: one shard, streamed. The gzip text is read a line at a time,
encoded by Module 08's `encode_iterable`, and written in chunks of `chunk_tokens` ids, so the
memory used stays the same for a 100 MB shard as for a 100 kB one. The ids go to `<out>.tmp`
first and are renamed into place only when complete, then Module 09's sidecar (`<out>.json`:
dtype, length, vocabulary size) is written: a token file with a sidecar that matches its size
is finished, anything else is not.

Exercise 10.3 `tokenize_shards`: all shards, in parallel worker processes (one shard per job;
each worker loads the tokenizer from its file once), skipping those already finished, so that
a run interrupted after k shards redoes only the rest. This is nanoGPT's `prepare.py` for
OpenWebText, made resumable.

A 10K vocabulary needs 14 bits per id: uint16 (Module 09's token_dtype) halves the disk and the
page cache next to int32. TinyStories' 2.2 GB of text is about 540M tokens, 1.1 GB as uint16.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm import tqdm

from modules.m08_bpe import Tokenizer
from modules.m08_bpe.train import tqdm_disable
from modules.m09_training.data import read_tokens, sidecar_path, token_dtype, write_sidecar
from modules.m10_tinystories.stories import open_text


def token_path(shard: str | Path, out_dir: str | Path) -> Path:
    """The token file of a shard: out_dir/<shard name without .txt.gz or .txt>.bin."""
    name = Path(shard).name
    for suffix in (".gz", ".txt"):
        name = name.removesuffix(suffix)
    return Path(out_dir) / f"{name}.bin"


def is_complete(token_file: str | Path, vocab_size: int) -> bool:
    """Whether `token_file` is finished: it and its sidecar exist, the file's size is the one
    the sidecar describes (read_tokens checks it), and the sidecar's vocab_size is `vocab_size`."""
    try:
        read_tokens(token_file)
        record = json.loads(sidecar_path(token_file).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return False
    return record.get("vocab_size") == vocab_size


def tokenize_shard(shard_path: str | Path, tokenizer: Tokenizer, out_path: str | Path,
                   chunk_tokens: int = 1 << 20) -> Path:
    """Encode the text file `shard_path` (gzip or plain) with `tokenizer` into the token file
    `out_path` (ids as token_dtype(tokenizer.vocab_size), i.e. uint16) and its sidecar; return
    out_path.

    Streaming, in bounded memory: `tokenizer.encode_iterable(file)` yields the ids of the whole
    text, and at most `chunk_tokens` of them are held at a time before being appended to
    `<out_path>.tmp`. Once all are written, the .tmp file is renamed onto out_path
    (os.replace), and only then the sidecar written with `write_sidecar(out_path, length,
    tokenizer.vocab_size)`: a crash at any point leaves no sidecar that matches a partial file.

    Hints: `open_text(shard_path)` opens the shard as text; `np.fromiter(islice(ids,
    chunk_tokens), dtype=dtype)` takes the next chunk of an iterator as an array (empty when the
    iterator is done); `array.tofile(f)` appends its bytes to a file opened with "wb".
    """
    shard_path, out_path = Path(shard_path), Path(out_path)
    if not shard_path.is_file():
        raise FileNotFoundError(f"shard {shard_path} is missing")
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"tokenizer must be a modules.m08_bpe.Tokenizer, got "
                        f"{type(tokenizer).__name__}")
    if isinstance(chunk_tokens, bool) or not isinstance(chunk_tokens, int) or chunk_tokens < 1:
        raise ValueError(f"chunk_tokens must be a positive int, got {chunk_tokens!r}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # BEGIN SOLUTION 10.2
    dtype = token_dtype(tokenizer.vocab_size)
    tmp = out_path.with_name(out_path.name + ".tmp")
    length = 0
    with open_text(shard_path) as text, open(tmp, "wb") as out:
        ids = tokenizer.encode_iterable(text)
        while (chunk := np.fromiter(islice(ids, chunk_tokens), dtype=dtype)).size:
            chunk.tofile(out)  # (<= chunk_tokens,)
            length += chunk.size
    os.replace(tmp, out_path)
    write_sidecar(out_path, length, tokenizer.vocab_size)
    return out_path
    # END SOLUTION


def _load_tokenizer(path: str) -> Tokenizer:
    """The tokenizer saved at `path`, loaded once per process (in a worker, by its first job)
    and again only when the file changes (a tokenizer trained anew at the same path)."""
    stat = os.stat(path)
    return _load_version(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _load_version(path: str, mtime_ns: int, size: int) -> Tokenizer:
    return Tokenizer.load(path)


def _tokenize_job(job: tuple[str, str, str]) -> str:
    """One shard in a worker process: (shard, tokenizer file, token file) -> the token file."""
    shard, tokenizer_file, out_path = job
    return str(tokenize_shard(shard, _load_tokenizer(tokenizer_file), out_path))


def tokenize_shards(shards: Sequence[str | Path], tokenizer_file: str | Path,
                    out_dir: str | Path, processes: int | None = None,
                    progress: bool | None = None) -> list[Path]:
    """Tokenise every shard into out_dir (token_path(shard, out_dir)) with the tokenizer saved
    at `tokenizer_file`; return the token files in the order of `shards`.

    A shard whose token file is complete already (is_complete) is skipped; the others are
    tokenised by tokenize_shard, in min(processes, number left) worker processes (default: all
    CPUs) started with the "spawn" method, each job (shard, tokenizer file, token file) run by
    `_tokenize_job`, which loads the tokenizer from the file; with processes=1, or one shard
    left, in this process. A tqdm bar counts the shards (finished ones included, `progress` as
    in train_bpe).

    Hints: `multiprocessing.get_context("spawn").Pool(n)` and its `imap_unordered(_tokenize_job,
    jobs)`; `tqdm(total=..., initial=..., unit="shard", disable=tqdm_disable(progress))`.
    """
    shards = [Path(s) for s in shards]
    tokenizer_file, out_dir = Path(tokenizer_file), Path(out_dir)
    missing = [str(s) for s in shards if not s.is_file()]
    if missing:
        raise FileNotFoundError(f"shards missing: {', '.join(missing)}")
    names = [token_path(s, out_dir).name for s in shards]
    if len(set(names)) != len(names):
        raise ValueError(f"two shards would write the same token file: {names}")
    if processes is not None and (isinstance(processes, bool) or not isinstance(processes, int)
                                  or processes < 1):
        raise ValueError(f"processes must be a positive int or None (all CPUs), got "
                         f"{processes!r}")
    processes = processes or os.cpu_count() or 1
    if not tokenizer_file.is_file():
        raise FileNotFoundError(f"no tokenizer at {tokenizer_file}: train and save one first "
                                f"(ensure_tokenizer)")
    tokenizer = _load_tokenizer(str(tokenizer_file))  # its vocab_size tells finished files
    out_dir.mkdir(parents=True, exist_ok=True)
    # BEGIN SOLUTION 10.3
    outputs = [token_path(s, out_dir) for s in shards]
    jobs = [(str(shard), str(tokenizer_file), str(out))
            for shard, out in zip(shards, outputs, strict=True)
            if not is_complete(out, tokenizer.vocab_size)]
    bar = tqdm(total=len(shards), initial=len(shards) - len(jobs), desc="tokenising",
               unit="shard", disable=tqdm_disable(progress))
    if processes == 1 or len(jobs) <= 1:
        for job in jobs:
            bar.set_postfix_str(Path(job[0]).name)  # the shard being tokenised
            _tokenize_job(job)
            bar.update()
    else:
        # "spawn": fresh interpreters (forking a process that runs PyTorch's threads can hang)
        with multiprocessing.get_context("spawn").Pool(min(processes, len(jobs))) as pool:
            for _ in pool.imap_unordered(_tokenize_job, jobs):
                bar.update()
    bar.close()
    return outputs
    # END SOLUTION
