"""Data files that are members of a zip: extracted into place and checked against the manifest.

A source with a `member` serves a zip (GloVe's 862 MB glove.6B.zip) and the file is one member of
it. `extract_member` writes that member to the entry's path through `<file>.part`, from any
archive unzip.py can read: a RemoteZip fetching only the member's bytes by range requests, a zip
kept beside the file by an earlier whole download (`kept_archive`), or a copy of the zip in a
folder (`import_from_zip`). The member is checked by the zip's own CRC-32 as it streams, then by
the manifest's size and sha256 where they are published; its sha256 is stamped either way, and
for a member nobody publishes a sha256 for, that stamp is what later checks compare with.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from modules.course.keeping import Rejected, keep_corrupt, set_aside
from modules.course.manifest import Download, Source
from modules.course.unzip import BadMember, LocalZip, extract, member_info
from modules.course.verify import (
    Stamps,
    is_valid,
    matching_source,
    part_path,
    sha256_of,
    size_can_match,
)


def archive_paths(entry: Download) -> list[str]:
    """Where the zips of the entry's member sources are kept, relative to data/, each once."""
    return list(dict.fromkeys(entry.archive_path(s) for s in entry.sources if s.member))


def archive_entry(entry: Download, rel_path: str) -> Download:
    """The zips kept at `rel_path` that the entry's member sources come from, as an entry."""
    return replace(entry, path=rel_path, sources=tuple(
        s.archive for s in entry.sources if s.member and entry.archive_path(s) == rel_path))


def kept_archive(entry: Download, data_dir: Path, stamps: Stamps) -> tuple[Path, Source] | None:
    """A verified zip an earlier run downloaded whole that holds the entry's file, and its source.

    A file where such a zip would be kept that is none of the sources' zips is moved aside.
    """
    for rel_path in archive_paths(entry):
        path = data_dir / rel_path
        if not path.is_file():
            continue
        zips = archive_entry(entry, rel_path)
        if is_valid(zips, path, stamps):
            return path, _member_source(entry, stamps.recorded_sha256(rel_path))
        set_aside(path, stamps, zips.path)
    return None


def extract_member(archive, entry: Download, source: Source, data_dir: Path,
                   stamps: Stamps) -> None:
    """Extract the source's member from `archive` (a LocalZip or RemoteZip) into place.

    Raises Rejected, keeping the bytes as `<file>.corrupt`, when a check fails.
    """
    target = data_dir / entry.path
    part = part_path(target)
    try:
        info = member_info(archive, source.member)
        if source.size is not None and info.file_size != source.size:
            raise BadMember(f"{source.member} has {info.file_size:,} bytes in the zip, "
                            f"expected {source.size:,}")
        sha256 = extract(archive, info, part)
        if source.sha256 not in (None, sha256):
            raise BadMember(f"{source.member} has sha256 {sha256}, expected {source.sha256}")
    except BadMember as err:
        if part.exists():
            raise keep_corrupt(part, target, str(err)) from None
        raise Rejected(str(err)) from None
    os.replace(part, target)
    stamps.record(entry.path, target, sha256)


def import_from_zip(candidate: Path, rel_path: str, entry: Download, data_dir: Path,
                    stamps: Stamps) -> str | None:
    """Extract the entry's file from `candidate` if it is a zip kept at `rel_path`; else why not.

    The zip is checked by its size and sha256 in place, and never changed.
    """
    zips = archive_entry(entry, rel_path)
    size = candidate.stat().st_size
    if not size_can_match(zips, size):
        return f"{candidate} has {size:,} bytes, not {zips.expected_size:,}"
    sha256 = sha256_of(candidate)
    if matching_source(zips, size, sha256) is None:
        return f"{candidate} has sha256 {sha256}, not that of a zip in the manifest"
    try:
        with LocalZip(candidate) as archive:
            extract_member(archive, entry, _member_source(entry, sha256), data_dir, stamps)
    except Rejected as err:
        return f"{candidate}: {err}"
    return None


def _member_source(entry: Download, archive_sha256: str) -> Source:
    """The member source whose zip has this sha256."""
    return next(s for s in entry.sources if s.member and s.archive_sha256 == archive_sha256)
