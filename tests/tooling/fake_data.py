"""Test data for the downloader: reproducible bytes, and manifest entries that serve them."""

import hashlib
import random

from modules.course.manifest import Download, Source


def make_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_for(path: str, *sources: tuple[str, bytes], target: str = "sample",
              tracks=("tiny", "small", "full"), modules=(3,)) -> Download:
    """A manifest entry for `data/<path>` whose sources are the given (url, bytes) pairs."""
    return Download(target=target, path=path,
                    sources=tuple(Source(url, sha256(body), len(body)) for url, body in sources),
                    tracks=tuple(tracks), modules=tuple(modules), description=f"test file {path}")
