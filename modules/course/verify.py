"""Is a data file on disk the one the manifest describes? Size first, then sha256.

Hashing gigabytes takes a while, so each file found valid is recorded in a small stamp,
`data/.verified.json` (path -> size, mtime_ns, sha256). While the file's size and modification
time still match its stamp, it is trusted without re-hashing; `./datasets.sh --check` re-hashes
regardless.

A file extracted from a zip may have no published sha256 (GloVe's 100d and 200d vectors). Its
stamp is then its checksum: written when it was extracted and its CRC-32 checked, compared
with on every re-hash, and kept when the file stops matching it. Such a file with no stamp
cannot be verified at all: it is `unverified`, and fetching it again moves it aside.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tqdm import tqdm

from modules.course.manifest import Download, Source

STAMP_FILE = ".verified.json"
CHUNK = 1 << 20  # read and write 1 MiB at a time

# What a file on disk can be, as --check and artifact_status report it.
PRESENT, MISSING, PARTIAL, CORRUPT = "present", "missing", "partial", "corrupt"
UNVERIFIED = "unverified"  # no published sha256 and no stamp to check the file against


def part_path(target: Path) -> Path:
    """Where a download in progress is written: `<file>.part`."""
    return target.with_name(target.name + ".part")


def sha256_of(path: Path) -> str:
    """The sha256 of a file, with a progress bar (shown only on a terminal)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f, tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                                     desc=f"checking {path.name}", disable=None) as bar:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def matching_source(entry: Download, size: int, sha256: str,
                    recorded: str | None = None) -> Source | None:
    """The source whose file has this size and sha256, or None.

    A source that publishes no sha256 matches when `sha256` is `recorded`, the one stamped when
    the file was extracted and its CRC-32 checked.
    """
    return next((s for s in entry.sources
                 if sha256 == (s.sha256 or recorded) and s.size in (None, size)), None)


def size_can_match(entry: Download, size: int) -> bool:
    """False when no source could have served a file of this size (no need to hash it)."""
    return any(s.size in (None, size) for s in entry.sources)


class Stamps:
    """The record of files already verified, kept in `<data_dir>/.verified.json`."""

    def __init__(self, data_dir: Path):
        self.file = data_dir / STAMP_FILE
        self.records: dict[str, dict] = {}
        if self.file.is_file():
            try:
                self.records = json.loads(self.file.read_text())
            except json.JSONDecodeError:
                self.records = {}  # a damaged stamp only costs a re-hash

    def trusted_sha256(self, rel_path: str, path: Path) -> str | None:
        """The recorded sha256 if the file is unchanged since it was verified, else None."""
        record = self.records.get(rel_path)
        stat = path.stat()
        if record and record["size"] == stat.st_size and record["mtime_ns"] == stat.st_mtime_ns:
            return record["sha256"]
        return None

    def recorded_sha256(self, rel_path: str) -> str | None:
        """The sha256 stamped for the file, whether or not it changed since."""
        record = self.records.get(rel_path)
        return record["sha256"] if record else None

    def record(self, rel_path: str, path: Path, sha256: str) -> None:
        stat = path.stat()
        record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
        if self.records.get(rel_path) != record:
            self.records[rel_path] = record
            self._save()

    def forget(self, rel_path: str) -> None:
        if self.records.pop(rel_path, None) is not None:
            self._save()

    def _save(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.file.with_name(self.file.name + ".tmp")
        temporary.write_text(json.dumps(self.records, indent=1, sort_keys=True) + "\n")
        os.replace(temporary, self.file)


def is_valid(entry: Download, path: Path, stamps: Stamps, rehash: bool = False) -> bool:
    """True if `path` holds one of the entry's sources' files. Records a stamp when it hashes."""
    size = path.stat().st_size
    if not size_can_match(entry, size):
        stamps.forget(entry.path)
        return False
    if unverifiable(entry, path, stamps):
        return False  # no checksum to compare a hash with
    sha256 = None if rehash else stamps.trusted_sha256(entry.path, path)
    if sha256 is None:
        sha256 = sha256_of(path)
    if matching_source(entry, size, sha256, stamps.recorded_sha256(entry.path)) is None:
        if all(s.sha256 for s in entry.sources):  # else the stamp is the only checksum: keep it
            stamps.forget(entry.path)
        return False
    stamps.record(entry.path, path, sha256)
    return True


def unverifiable(entry: Download, path: Path, stamps: Stamps) -> bool:
    """True if only sources without a published sha256 fit the file's size, and it has no stamp."""
    size = path.stat().st_size
    fitting = [s for s in entry.sources if s.size in (None, size)]
    return (bool(fitting) and all(s.sha256 is None for s in fitting)
            and stamps.recorded_sha256(entry.path) is None)


def file_status(entry: Download, data_dir: Path, stamps: Stamps, rehash: bool = False) -> str:
    """What is on disk for the entry: PRESENT, CORRUPT, UNVERIFIED, PARTIAL or MISSING.

    PRESENT is valid; CORRUPT has the wrong size or sha256; UNVERIFIED has nothing to be checked
    against (see above); PARTIAL is a `.part` left by a cut download or extraction.
    """
    path = data_dir / entry.path
    if path.is_file():
        if is_valid(entry, path, stamps, rehash):
            return PRESENT
        return UNVERIFIED if unverifiable(entry, path, stamps) else CORRUPT
    return PARTIAL if part_path(path).is_file() else MISSING
