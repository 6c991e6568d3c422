"""Counting the pre-tokens of a large file in parallel worker processes.

Pre-tokenisation (the GPT-2 regex of Radford et al., 2019, run over every character) is most of
the time of training BPE on a large corpus, and it is independent from document to document. So
cut the file into chunks, count each chunk's pre-tokens in its own process, and add the Counters.

A cut must not change what is counted. A cut in the middle of a word would split one pre-token in
two, so chunks are cut only just before a special token (e.g. b"<|endoftext|>", which separates
the documents of TinyStories): that token is dropped from the counts anyway and nothing is merged
across it. Provided, not an exercise.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from tqdm.auto import tqdm

from modules.m08_bpe.train import count_pretokens, tqdm_disable

BLOCK_SIZE = 1 << 20  # bytes read at a time while looking for a cut
CHUNK_TARGET = 16 << 20  # at least this many chunks of about 16 MiB, so memory stays bounded


def _next_occurrence(file, start: int, token: bytes, block_size: int) -> int | None:
    """The offset of the first `token` at or after byte `start` of `file`, or None."""
    file.seek(start)
    carried = b""  # the end of the previous block, in case the token straddles two blocks
    position = start  # the offset of the first byte of `carried + block`
    while block := file.read(block_size):
        buffer = carried + block
        found = buffer.find(token)
        if found >= 0:
            return position + found
        keep = min(len(token) - 1, len(buffer))
        carried = buffer[len(buffer) - keep:] if keep else b""
        position += len(buffer) - len(carried)
    return None


def chunk_boundaries(path: str | os.PathLike, n_chunks: int, split_token: bytes,
                     block_size: int = BLOCK_SIZE) -> list[int]:
    """Byte offsets [0, ..., file size] that cut the file into at most `n_chunks` chunks.

    Each inner offset is the start of an occurrence of `split_token`: the first one at or after
    an equal share of the file (k * size // n_chunks). Offsets that coincide are kept once, so a
    file with few split tokens gives fewer chunks (one when it holds none). The file is read in
    blocks of `block_size` bytes from each guess, never whole.
    """
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be at least 1, got {n_chunks}")
    if not split_token:
        raise ValueError("split_token must not be empty")
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        boundaries = [0]
        for k in range(1, n_chunks):
            start = max(k * size // n_chunks, boundaries[-1])
            found = _next_occurrence(file, start, split_token, block_size)
            if found is None:
                break
            if found > boundaries[-1]:
                boundaries.append(found)
    if size > boundaries[-1] or size == 0:
        boundaries.append(size)
    return boundaries


def count_chunk(path: str | os.PathLike, start: int, end: int,
                special_tokens: list[str]) -> Counter[bytes]:
    """count_pretokens of bytes [start, end) of the file, decoded as UTF-8: one worker's job."""
    with open(path, "rb") as file:
        file.seek(start)
        text = file.read(end - start).decode("utf-8")
    return count_pretokens(text, special_tokens)


def _count_chunk(job: tuple[str, int, int, list[str]]) -> Counter[bytes]:
    return count_chunk(*job)


def count_pretokens_parallel(path: str | os.PathLike, special_tokens: Iterable[str] = (),
                             processes: int | None = None, split_token: str | None = None,
                             progress: bool | None = None) -> Counter[bytes]:
    """count_pretokens of a UTF-8 file, with chunks counted in `processes` worker processes
    (default os.cpu_count()); the same Counter as count_pretokens of the file's decoded bytes.

    Chunks are cut before `split_token` (default: the first special token); with no special token
    the file is one chunk. The split token must be one of the special tokens, and should not
    overlap another one (a cut inside a longer special token would change the counts). A tqdm bar
    counts the chunks done; `progress` as in train_bpe. Line endings are kept as they are in the
    file (Python's text mode would turn "\\r\\n" into "\\n").

    The workers are started fresh ("spawn"), so a script that calls this must do so under
    `if __name__ == "__main__":` (a notebook need not).
    """
    special_tokens = list(special_tokens)
    if split_token is None and special_tokens:
        split_token = special_tokens[0]
    if split_token is not None and split_token not in special_tokens:
        raise ValueError(f"split_token {split_token!r} must be one of the special tokens "
                         f"{special_tokens}: chunks are cut only where nothing is merged across")
    processes = processes or os.cpu_count() or 1
    if processes < 1:
        raise ValueError(f"processes must be at least 1, got {processes}")

    size = os.path.getsize(path)
    if split_token is None:
        boundaries = [0, size]
    else:
        n_chunks = max(4 * processes, size // CHUNK_TARGET + 1)  # a few per process: a live bar
        boundaries = chunk_boundaries(path, n_chunks, split_token.encode("utf-8"))
    jobs = [(str(path), start, end, special_tokens)
            for start, end in pairwise(boundaries)]

    counts: Counter[bytes] = Counter()
    bar = tqdm(total=len(jobs), desc="pre-tokens", unit="chunk", disable=tqdm_disable(progress))
    if processes == 1 or len(jobs) <= 1:
        for job in jobs:
            counts.update(_count_chunk(job))
            bar.update()
    else:
        # "spawn" starts clean interpreters: forking a process that already runs threads (as
        # PyTorch does) can deadlock, and spawn is what macOS and Windows do anyway. It imports
        # the calling script again, hence the `if __name__ == "__main__":` that scripts need.
        with multiprocessing.get_context("spawn").Pool(min(processes, len(jobs))) as pool:
            for chunk_counts in pool.imap_unordered(_count_chunk, jobs):
                counts.update(chunk_counts)
                bar.update()
    bar.close()
    return counts
