"""Fetching the course's data files: resumable, verified, and never destroying a download.

`fetch(entry, data_dir)` streams a manifest entry's file to `<file>.part` with a progress bar,
resumes a partial file with an HTTP Range request, retries a cut connection, tries the mirrors in
order, checks size and sha256, and only then renames the file into place. `import_from(folder,
entry, data_dir)` does the same from a folder already on disk, for machines without a network.

A file may be one member of a zip (a source with a `member`, like each of GloVe's vector files).
When the host serves byte ranges, only that member's bytes are fetched (remote_zip.py);
otherwise the whole zip is downloaded as above, checked by its sha256, and kept beside the file,
so that its other members are later extracted without downloading it again. Either way the
member is checked as it streams (zip_members.py). `import_from` takes the member or the zip.

The rule throughout (keeping.py): no step deletes a complete download. A file that fails its
check is kept as `<file>.corrupt`; an invalid file already in place is moved aside to
`<file>.invalid-<time>`.
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

from modules.course.keeping import NOT_THE_FILE, Rejected, keep_corrupt, set_aside
from modules.course.manifest import Download, Source, format_size
from modules.course.remote_zip import NoRanges, RemoteZip
from modules.course.transfer import (
    CONNECT_TIMEOUT,
    CUT_ERRORS,
    MAX_RESUMES,
    READ_TIMEOUT,
    RETRY_DELAY,
    Cut,
    NotTheFile,
    html_content_type,
    html_reason,
    looks_like_html,
    new_session,
    range_starts_at,
    reason,
)
from modules.course.unzip import LocalZip
from modules.course.verify import (
    CHUNK,
    Stamps,
    is_valid,
    matching_source,
    part_path,
    sha256_of,
    size_can_match,
    unverifiable,
)
from modules.course.zip_members import (
    archive_paths,
    extract_member,
    import_from_zip,
    kept_archive,
)

# What fetch() and import_from() did.
SKIPPED, DOWNLOADED, IMPORTED = "skipped as valid", "downloaded", "imported"
EXTRACTED = "extracted"  # from a zip an earlier run downloaded whole


class DownloadError(Exception):
    """A data file could not be fetched or imported; the message says why and what to do."""


def _already_valid(entry: Download, target: Path, stamps: Stamps) -> bool:
    """True if `target` holds a valid copy; an invalid one is moved aside, never deleted."""
    if not target.is_file():
        return False
    if is_valid(entry, target, stamps):
        return True
    why = (f"no sha256 is published for {target.name} and none was stamped when it was "
           f"extracted, so it cannot be verified" if unverifiable(entry, target, stamps)
           else NOT_THE_FILE)
    set_aside(target, stamps, entry.path, why)
    return False


def fetch(entry: Download, data_dir: Path, stamps: Stamps | None = None) -> str:
    """Make `data_dir/entry.path` hold a verified copy of the entry's file.

    Returns SKIPPED when a valid copy is already there, EXTRACTED when it came out of a zip kept
    by an earlier download, else DOWNLOADED. Raises DownloadError, naming every URL that failed
    and how to place the file by hand.
    """
    stamps = stamps or Stamps(data_dir)
    target = data_dir / entry.path
    if _already_valid(entry, target, stamps):
        return SKIPPED
    target.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    kept = kept_archive(entry, data_dir, stamps)
    if kept is not None:
        path, source = kept
        try:
            with LocalZip(path) as archive:
                extract_member(archive, entry, source, data_dir, stamps)
            return EXTRACTED
        except Rejected as err:
            failures.append(f"{path}: {err}")
    with new_session() as session:
        for number, source in enumerate(entry.sources, start=1):
            try:
                if source.member:
                    _fetch_member(session, entry, source, data_dir, stamps)
                else:
                    _fetch_file(session, source, data_dir, entry.path, stamps)
            except (NotTheFile, Cut, requests.RequestException) as err:
                failures.append(f"{source.url}: {reason(err)}")
            except Rejected as err:
                failures.append(f"{source.url}: {err}")
            else:
                return DOWNLOADED
            if number < len(entry.sources):
                print(f"{failures[-1]}\ntrying the next source for {entry.path}")
    raise DownloadError(_failure_message(entry, target, failures))


def import_from(folder: Path, entry: Download, data_dir: Path, stamps: Stamps | None = None) -> str:
    """Copy the entry's file from `folder` into place, verified; the original is left alone.

    The file is looked for at the same path relative to `folder`, then by name anywhere below it;
    a member of a zip is also extracted from a copy of the zip found the same way. Returns
    SKIPPED when a valid copy is already in place, else IMPORTED; raises DownloadError when no
    file in `folder` matches the manifest.
    """
    stamps = stamps or Stamps(data_dir)
    target = data_dir / entry.path
    if _already_valid(entry, target, stamps):
        return SKIPPED
    files = candidates(folder, entry.path)
    zips = [(rel, found) for rel in archive_paths(entry) for found in candidates(folder, rel)]
    if not files and not zips:
        names = " or ".join([target.name, *(Path(rel).name for rel in archive_paths(entry))])
        raise DownloadError(f"{entry.path}: no file named {names} in {folder} "
                            f"or any folder below it")
    target.parent.mkdir(parents=True, exist_ok=True)
    attempts = itertools.chain(  # lazily, one candidate at a time: the file itself first
        (_import_file(found, entry, target, stamps) for found in files),
        (import_from_zip(found, rel, entry, data_dir, stamps) for rel, found in zips))
    rejected = []
    for problem in attempts:
        if problem is None:
            return IMPORTED
        rejected.append(problem)
    raise DownloadError(f"{entry.path}: found no valid copy in {folder}:\n"
                        + "\n".join(f"  - {r}" for r in rejected))


def _fetch_file(session: requests.Session, source: Source, data_dir: Path, rel_path: str,
                stamps: Stamps) -> None:
    """Download `source` into `data_dir/rel_path` through `<file>.part`, checked on arrival."""
    target = data_dir / rel_path
    part = part_path(target)
    _download(session, source, part, expects_html=_is_html_name(target))
    problem = _mismatch(part, source)
    if problem is None:
        os.replace(part, target)
        _owner_file(part).unlink(missing_ok=True)
        stamps.record(rel_path, target, source.sha256)
        return
    _owner_file(part).unlink(missing_ok=True)
    raise keep_corrupt(part, target, problem)


def _fetch_member(session: requests.Session, entry: Download, source: Source, data_dir: Path,
                  stamps: Stamps) -> None:
    """Extract the source's member into place: read by range requests, else from the whole zip."""
    try:
        remote = RemoteZip(session, source.url, source.archive_size)
    except NoRanges:
        path = _fetch_archive(session, entry, source, data_dir, stamps)
        with LocalZip(path) as archive:
            extract_member(archive, entry, source, data_dir, stamps)
        return
    extract_member(remote, entry, source, data_dir, stamps)


def _fetch_archive(session: requests.Session, entry: Download, source: Source, data_dir: Path,
                   stamps: Stamps) -> Path:
    """Download the source's whole zip beside the entry's file and keep it; returns its path."""
    rel_path = entry.archive_path(source)
    path = data_dir / rel_path
    if path.exists():  # the zip tried above, valid but holding a bad member: keep it
        raise Rejected(f"{path} already holds a verified zip, and its {source.member} failed "
                        f"its check above; not downloading another over it")
    print(f"{urlsplit(source.url).netloc} does not send parts of files: downloading the whole "
          f"zip to extract {source.member} from it")
    _fetch_file(session, source.archive, data_dir, rel_path, stamps)
    print(f"Keeping {path} ({format_size(path.stat().st_size)}) so that the other files in it "
          f"are extracted without downloading it again; delete it to free that space once you "
          f"have the files you need.")
    return path


def _import_file(candidate: Path, entry: Download, target: Path, stamps: Stamps) -> str | None:
    """Copy `candidate` into place if it is the entry's file; else say why it is not.

    A member whose sha256 nobody publishes is accepted by its size, when the manifest gives one.
    """
    size = candidate.stat().st_size
    by_sha256 = [s for s in entry.sources if s.sha256 and s.size in (None, size)]
    by_size = [s for s in entry.sources if not s.sha256 and s.size == size]
    if not by_sha256 and not by_size:
        if not size_can_match(entry, size):
            return f"{candidate} has {size:,} bytes, not {entry.expected_size:,}"
        return (f"{candidate} cannot be verified: no size or sha256 is published for "
                f"{target.name}; put the zip it comes from in the folder instead")
    temporary = target.with_name(target.name + ".importing")
    sha256 = _copy_and_hash(candidate, temporary)
    published = matching_source(entry, size, sha256)
    if published is None and not by_size:
        temporary.unlink()
        return f"{candidate} has sha256 {sha256}, not the manifest's"
    os.replace(temporary, target)
    stamps.record(entry.path, target, sha256)
    if published is None:
        print(f"{candidate}: no sha256 is published for {target.name}, so it was accepted by its "
              f"size ({size:,} bytes) and could not be verified further")
    return None


def _download(session: requests.Session, source: Source, part: Path, expects_html: bool) -> None:
    """Stream `source` into `part`; resume a cut connection up to MAX_RESUMES times."""
    for resumes in range(MAX_RESUMES + 1):
        try:
            _stream(session, source, part, expects_html)
            return
        except Cut as cut:
            if resumes == MAX_RESUMES:
                raise Cut(f"{cut} (gave up after resuming {MAX_RESUMES} times)") from None
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
        if response.status_code == 206 and not range_starts_at(response, offset):
            part.unlink()
            raise Cut(f"the server sent another range than bytes {offset:,}-; starting over")
        response.raise_for_status()
        content_type = html_content_type(response)
        if content_type and not expects_html:
            raise NotTheFile(html_reason(f"Content-Type {content_type}"))
        resumed = response.status_code == 206
        if offset and not resumed:
            print(f"{urlsplit(source.url).netloc} does not resume downloads; starting over")
        start = offset if resumed else 0
        length = response.headers.get("Content-Length")
        expected_end = start + int(length) if length else None
        chunks = response.iter_content(CHUNK)
        try:
            first = next(chunks, b"")
            if not resumed and not expects_html and looks_like_html(first):
                raise NotTheFile(html_reason("the body is an HTML page"))
            if not resumed:
                _owner_file(part).write_text(source.sha256)
            with open(part, "ab" if resumed else "wb") as f, \
                    tqdm(total=expected_end or source.size, initial=start, unit="B",
                         unit_scale=True, unit_divisor=1024, desc=part.name.removesuffix(".part"),
                         disable=None) as bar:
                for chunk in itertools.chain([first], chunks):
                    f.write(chunk)
                    bar.update(len(chunk))
        except CUT_ERRORS as err:
            raise Cut.by(err) from None
    if expected_end is not None and part.stat().st_size < expected_end:
        raise Cut(f"the connection closed after {part.stat().st_size:,} of "
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


def _is_html_name(path: Path) -> bool:
    return path.suffix.lower() in (".html", ".htm")


def _mismatch(part: Path, source: Source) -> str | None:
    """Why the downloaded bytes are not the source's file, or None if they are."""
    size = part.stat().st_size
    if source.size is not None and size != source.size:
        return f"received {size:,} bytes, expected {source.size:,}"
    sha256 = sha256_of(part)
    if sha256 != source.sha256:
        return f"sha256 is {sha256}, expected {source.sha256}"
    return None


def _failure_message(entry: Download, target: Path, failures: list[str]) -> str:
    files = " or ".join(s.url for s in entry.sources if not s.member)
    zips = " or ".join(dict.fromkeys(s.url for s in entry.sources if s.member))
    command = f"./datasets.sh [--tiny|--small] --from FOLDER {entry.target}"
    return "\n".join([
        f"could not download {entry.path} ({format_size(entry.expected_size)}):",
        *(f"  - {failure}" for failure in failures),
        "To place the file by hand, either",
        *([f"  - open {files} in a browser and save the file as {target}, or"] if files else []),
        *([f"  - open {zips} in a browser, save the zip in a folder and run {command} "
           f"(it extracts {target.name} from the zip), or"] if zips else []),
        f"  - put {'it' if files else target.name} in a folder (any layout) and run {command};",
        "then run ./datasets.sh --check to verify it.",
    ])


def candidates(folder: Path, rel_path: str) -> list[Path]:
    """Files in `folder` that may be data/<rel_path>: the same relative path first, then by name."""
    same_path = folder / rel_path
    found = [same_path] if same_path.is_file() else []
    name = Path(rel_path).name
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
