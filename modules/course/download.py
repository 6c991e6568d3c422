"""Fetching the course's data files: resumable, verified, and never destroying a download.

`fetch(entry, data_dir)` streams a manifest entry's file to `<file>.part` with a progress bar,
resumes a partial file with an HTTP Range request, retries a cut connection, tries the mirrors in
order, checks size and sha256, and only then renames the file into place. `import_from(folder,
entry, data_dir)` does the same from a folder already on disk, for machines without a network.

The rule throughout: no step deletes a complete download. A file that fails its check is kept as
`<file>.corrupt`; an invalid file already in place is moved aside to `<file>.invalid-<time>`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from tqdm import tqdm

from modules.course.manifest import Download, Source, format_size
from modules.course.verify import (
    CHUNK,
    Stamps,
    is_valid,
    matching_source,
    part_path,
    sha256_of,
    size_can_match,
)

CONNECT_TIMEOUT = 15  # seconds to open a connection
READ_TIMEOUT = 60  # seconds without a byte before the connection counts as cut
MAX_RESUMES = 5  # times a cut connection is resumed before giving up on a source
RETRY_DELAY = 2.0  # seconds to wait before resuming
USER_AGENT = "llm-from-scratch-course (datasets.sh)"

# What fetch() and import_from() did.
SKIPPED, DOWNLOADED, IMPORTED = "skipped as valid", "downloaded", "imported"


class DownloadError(Exception):
    """A data file could not be fetched or imported; the message says why and what to do."""


class _NotTheFile(Exception):
    """The server answered with something other than the file (an HTML page, a bad range)."""


class _Cut(Exception):
    """The connection ended before the whole file arrived; resuming may finish it."""


def _already_valid(entry: Download, target: Path, stamps: Stamps) -> bool:
    """True if `target` holds a valid copy; an invalid one is moved aside, never deleted."""
    if not target.is_file():
        return False
    if is_valid(entry, target, stamps):
        return True
    set_aside(target, stamps, entry)
    return False


def fetch(entry: Download, data_dir: Path, stamps: Stamps | None = None) -> str:
    """Make `data_dir/entry.path` hold a verified copy of the entry's file.

    Returns SKIPPED when a valid copy is already there, else DOWNLOADED. Raises DownloadError,
    naming every URL that failed and how to place the file by hand.
    """
    stamps = stamps or Stamps(data_dir)
    target = data_dir / entry.path
    if _already_valid(entry, target, stamps):
        return SKIPPED
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    failures = []
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for source in entry.sources:
            try:
                _download(session, source, part, expects_html=_is_html_name(target))
            except (_NotTheFile, _Cut, requests.RequestException) as err:
                failures.append(f"{source.url}: {_reason(err)}")
                continue
            problem = _mismatch(part, source)
            if problem is None:
                os.replace(part, target)
                _owner_file(part).unlink(missing_ok=True)
                stamps.record(entry.path, target, source.sha256)
                return DOWNLOADED
            corrupt = target.with_name(target.name + ".corrupt")
            os.replace(part, corrupt)
            _owner_file(part).unlink(missing_ok=True)
            failures.append(f"{source.url}: {problem}; the bytes received are kept in {corrupt} "
                            f"(look at them if you like, then delete it)")
    raise DownloadError(_failure_message(entry, target, failures))


def import_from(folder: Path, entry: Download, data_dir: Path, stamps: Stamps | None = None) -> str:
    """Copy the entry's file from `folder` into place, verified; the original is left alone.

    The file is looked for at the same path relative to `folder`, then by name anywhere below it.
    Returns SKIPPED when a valid copy is already in place, else IMPORTED; raises DownloadError
    when no file in `folder` matches the manifest.
    """
    stamps = stamps or Stamps(data_dir)
    target = data_dir / entry.path
    if _already_valid(entry, target, stamps):
        return SKIPPED
    candidates = _candidates(folder, entry)
    if not candidates:
        raise DownloadError(f"{entry.path}: no file named {target.name} in {folder} "
                            f"or any folder below it")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".importing")
    rejected = []
    for candidate in candidates:
        size = candidate.stat().st_size
        if not size_can_match(entry, size):
            rejected.append(f"{candidate} has {size:,} bytes, not {entry.expected_size:,}")
            continue
        sha256 = _copy_and_hash(candidate, temporary)
        if matching_source(entry, size, sha256):
            os.replace(temporary, target)
            stamps.record(entry.path, target, sha256)
            return IMPORTED
        temporary.unlink()
        rejected.append(f"{candidate} has sha256 {sha256}, not the manifest's")
    raise DownloadError(f"{entry.path}: found no valid copy in {folder}:\n"
                        + "\n".join(f"  - {r}" for r in rejected))


def set_aside(path: Path, stamps: Stamps, entry: Download) -> Path:
    """Move an invalid file to `<file>.invalid-<time>` (never delete it) and say so."""
    now = time.strftime("%Y%m%d-%H%M%S")
    aside, counter = path.with_name(f"{path.name}.invalid-{now}"), 2
    while aside.exists():  # twice in one second: never overwrite an earlier copy
        aside, counter = path.with_name(f"{path.name}.invalid-{now}-{counter}"), counter + 1
    os.replace(path, aside)
    stamps.forget(entry.path)
    print(f"{path} is not the file the manifest describes (wrong size or sha256); "
          f"moved it to {aside} (delete it once you no longer need it) and fetching again.")
    return aside


def _download(session: requests.Session, source: Source, part: Path, expects_html: bool) -> None:
    """Stream `source` into `part`; resume a cut connection up to MAX_RESUMES times."""
    for resumes in range(MAX_RESUMES + 1):
        try:
            _stream(session, source, part, expects_html)
            return
        except _Cut as cut:
            if resumes == MAX_RESUMES:
                raise _Cut(f"{cut} (gave up after resuming {MAX_RESUMES} times)") from None
            print(f"{urlsplit(source.url).netloc}: {cut}; resuming from byte "
                  f"{_resume_offset(part, source):,} in {RETRY_DELAY:g} s")
            time.sleep(RETRY_DELAY)


def _stream(session: requests.Session, source: Source, part: Path, expects_html: bool) -> None:
    """One request: append to `part` from where it stops (206) or rewrite it from zero (200)."""
    offset = _resume_offset(part, source)
    if offset and offset == source.size:
        return  # a previous run received every byte; only the check remains
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    response = session.get(source.url, headers=headers, stream=True,
                           timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    with response:
        if offset and response.status_code == 416:
            return  # nothing after `offset`: the part may be complete, and the check will tell
        if response.status_code == 206 and not _range_starts_at(response, offset):
            part.unlink()
            raise _Cut(f"the server sent another range than bytes {offset:,}-; starting over")
        response.raise_for_status()
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("text/html") and not expects_html:
            raise _NotTheFile(_html_reason(f"Content-Type {content_type}"))
        resumed = response.status_code == 206
        if offset and not resumed:
            print(f"{urlsplit(source.url).netloc} does not resume downloads; starting over")
        start = offset if resumed else 0
        length = response.headers.get("Content-Length")
        expected_end = start + int(length) if length else None
        chunks = response.iter_content(CHUNK)
        try:
            first = next(chunks, b"")
            if not resumed and not expects_html and _looks_like_html(first):
                raise _NotTheFile(_html_reason("the body is an HTML page"))
            if not resumed:
                _owner_file(part).write_text(source.sha256)
            with open(part, "ab" if resumed else "wb") as f, \
                    tqdm(total=expected_end or source.size, initial=start, unit="B",
                         unit_scale=True, unit_divisor=1024, desc=part.name.removesuffix(".part"),
                         disable=None) as bar:
                for chunk in itertools.chain([first], chunks):
                    f.write(chunk)
                    bar.update(len(chunk))
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError) as err:
            raise _Cut(f"the connection was cut ({type(err).__name__})") from None
    if expected_end is not None and part.stat().st_size < expected_end:
        raise _Cut(f"the connection closed after {part.stat().st_size:,} of "
                   f"{expected_end:,} bytes")


def _resume_offset(part: Path, source: Source) -> int:
    """Bytes already in `part` that came from this source's file; 0 means start over."""
    owner = _owner_file(part)
    if not (part.is_file() and owner.is_file() and owner.read_text().strip() == source.sha256):
        return 0
    size = part.stat().st_size
    return size if source.size is None or size <= source.size else 0


def _owner_file(part: Path) -> Path:
    """`<file>.part.sha256`: which source's file the bytes in `<file>.part` belong to.

    A mirror may serve a different file (GloVe's does), so a partial download from one source
    must not be resumed from another.
    """
    return part.with_name(part.name + ".sha256")


def _range_starts_at(response: requests.Response, offset: int) -> bool:
    """True if a 206 answer's `Content-Range: bytes START-END/TOTAL` starts at `offset`."""
    content_range = response.headers.get("Content-Range", "")
    return content_range.startswith(f"bytes {offset}-")


def _looks_like_html(first_bytes: bytes) -> bool:
    return first_bytes.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


def _is_html_name(path: Path) -> bool:
    return path.suffix.lower() in (".html", ".htm")


def _html_reason(evidence: str) -> str:
    return (f"the server sent an HTML page instead of the file ({evidence}); the host may be "
            f"down, or redirecting to an error or login page")


def _mismatch(part: Path, source: Source) -> str | None:
    """Why the downloaded bytes are not the source's file, or None if they are."""
    size = part.stat().st_size
    if source.size is not None and size != source.size:
        return f"received {size:,} bytes, expected {source.size:,}"
    sha256 = sha256_of(part)
    if sha256 != source.sha256:
        return f"sha256 is {sha256}, expected {source.sha256}"
    return None


def _reason(err: Exception) -> str:
    """A short, human explanation of why a source failed."""
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code} {err.response.reason}"
    if isinstance(err, requests.ConnectTimeout):
        return f"no answer within {CONNECT_TIMEOUT} s (offline, or the host is down?)"
    if isinstance(err, requests.ConnectionError):
        return f"could not connect (offline, DNS failure or host down?): {_last_line(err)}"
    if isinstance(err, requests.Timeout):
        return f"no data for {READ_TIMEOUT} s"
    return str(err)


def _last_line(err: Exception) -> str:
    """The innermost cause of a requests error, which is the part worth reading."""
    while err.__context__ is not None:
        err = err.__context__
    return str(err)[:200]


def _failure_message(entry: Download, target: Path, failures: list[str]) -> str:
    urls = " or ".join(s.url for s in entry.sources)
    return "\n".join([
        f"could not download {entry.path} ({format_size(entry.expected_size)}):",
        *(f"  - {failure}" for failure in failures),
        "To place the file by hand, either",
        f"  - open {urls} in a browser and save the file as {target}, or",
        f"  - put it in a folder (any layout) and run "
        f"./datasets.sh [--tiny|--small] --from FOLDER {entry.target};",
        "then run ./datasets.sh --check to verify it.",
    ])


def _candidates(folder: Path, entry: Download) -> list[Path]:
    """Files in `folder` that may be the entry's: the same relative path first, then same name."""
    same_path = folder / entry.path
    found = [same_path] if same_path.is_file() else []
    name = Path(entry.path).name
    found += sorted(p for p in folder.rglob(name) if p.is_file() and p != same_path)
    return found


def _copy_and_hash(source: Path, destination: Path) -> str:
    """Copy a file with a progress bar, hashing the bytes on the way; returns their sha256."""
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(destination, "wb") as dst, \
            tqdm(total=source.stat().st_size, unit="B", unit_scale=True, unit_divisor=1024,
                 desc=f"copying {source.name}", disable=None) as bar:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()
