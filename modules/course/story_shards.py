"""A large story file kept as gzip text shards cut at story boundaries: fetched, cut and checked.

TinyStories' training split is one 2.2 GB text file in which every story ends with a line
holding only `<|endoftext|>`. Module 10 reads it as shards of about 100 MB of text each, so that
the tiny track can take the first shard, the small track the first four, and the full track all
of them, without ever holding the file in memory.

`cut_stories(chunks, folder, shard_bytes)` is the cutter: it streams bytes into
`folder/train-00000.txt.gz`, `train-00001.txt.gz`, ...; a shard ends after the first line
`<|endoftext|>` that reaches `shard_bytes` bytes into it, so the next shard begins with a story's
first byte and the shards, put back together, are the file. Each shard is written to
`<name>.part` and renamed when complete, then recorded in `folder/shards.json`: its byte offsets
[start, end) in the file, the sha256 of its text and of its .gz file. Module 10 cuts its generated
offline corpus with the same function.

For a manifest entry with `shard_bytes` and `track_shards` (manifest.toml), `fetch_shards` fills
`data/<path>/` for a track: the tiny and small tracks ask the host for the bytes their shards need
with one HTTP range request (`Range: bytes=0-<shards x (shard_bytes + RANGE_SLACK)>`), dropping
the unfinished story at its end; the full track streams the whole file. A rerun continues after
the last complete shard, with a range from its recorded end; a host that ignores ranges sends the
whole file, and the shards already there are skipped, their bytes checked against their sha256.
Once the shards reach the end of the file, their concatenation is checked against the file's
published size and sha256; if it does not match, the shards are moved aside (keeping.py) and the
error says so. `import_shards` does the same from a copy of the file in a local folder.
`shards_status` is what `./datasets.sh --check` and `scripts/artifact_status.py` report.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import requests
from tqdm import tqdm

from modules.course import paths
from modules.course.download import (
    DOWNLOADED,
    IMPORTED,
    SKIPPED,
    DownloadError,
    candidates,
)
from modules.course.keeping import Rejected, set_aside
from modules.course.manifest import Download, Source, course_manifest, format_size
from modules.course.remote_zip import CONTENT_RANGE
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
from modules.course.verify import (
    CHUNK,
    CORRUPT,
    MISSING,
    PARTIAL,
    PRESENT,
    Stamps,
    part_path,
    sha256_of,
)

STORY_END = b"\n<|endoftext|>\n"  # a shard ends right after this: the line holding only the token
SHARDS_FILE = "shards.json"  # the local manifest of a folder of shards
RANGE_SLACK = 1_000_000  # bytes asked for beyond shard_bytes per shard, to reach a story's end
GZIP_LEVEL = 1  # fast enough to keep up with a fast download; level 6 is ~5x slower, ~15% smaller


class ShardError(ValueError):
    """A folder's shards.json is missing, unreadable or inconsistent; the message says which."""


@dataclass(frozen=True)
class ShardRecord:
    """One shard: bytes [start, end) of the source text, gzip-compressed in the file `name`."""

    name: str  # "train-00000.txt.gz", in the shard folder
    start: int  # the source byte offset of its first byte
    end: int  # one past its last byte
    sha256: str  # of the uncompressed text
    gz_sha256: str  # of the .gz file

    @property
    def bytes(self) -> int:
        """The shard's uncompressed size."""
        return self.end - self.start


@dataclass(frozen=True)
class ShardManifest:
    """What a folder's shards.json records."""

    source: Source | None  # the file the shards were cut from, when known
    shard_bytes: int
    shards: tuple[ShardRecord, ...]
    complete: bool  # the last shard ends at the end of the source
    verified: bool  # the shards' concatenation matched the source's size and sha256


def shard_name(index: int) -> str:
    """The file name of shard `index`: 0 -> 'train-00000.txt.gz'."""
    return f"train-{index:05d}.txt.gz"


def read_shard_manifest(folder: Path) -> ShardManifest | None:
    """The folder's shards.json, checked for consistency; None when there is none."""
    path = folder / SHARDS_FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        source = Source(**raw["source"]) if raw["source"] is not None else None
        shards = tuple(ShardRecord(r["name"], r["start"], r["end"], r["sha256"], r["gz_sha256"])
                       for r in raw["shards"])
        manifest = ShardManifest(source, raw["shard_bytes"], shards, raw["complete"],
                                 raw["verified"])
    except (ValueError, KeyError, TypeError) as err:
        raise ShardError(f"{path} cannot be read ({type(err).__name__}: {err})") from None
    for index, record in enumerate(shards):
        previous_end = shards[index - 1].end if index else record.start
        if record.name != shard_name(index) or record.start != previous_end \
                or record.end <= record.start:
            raise ShardError(f"{path}: shard #{index} ({record.name}, bytes {record.start:,}-"
                             f"{record.end:,}) does not follow the one before it")
    return manifest


def shard_paths(folder: Path, count: int | None = None) -> list[Path]:
    """The paths of the shards recorded in `folder`, in order: all of them, or the first `count`."""
    manifest = read_shard_manifest(folder)
    if manifest is None:
        raise ShardError(f"{folder} holds no {SHARDS_FILE}: no shards were cut there")
    return [folder / record.name for record in manifest.shards[:count]]


def shard_chunks(path: Path, size: int = CHUNK) -> Iterator[bytes]:
    """A shard's uncompressed text, `size` bytes at a time."""
    with gzip.open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def cut_stories(chunks: Iterable[bytes], out_dir: Path, shard_bytes: int, *,
                source: Source | None = None, start: int = 0, first_index: int = 0,
                max_shards: int | None = None, to_eof: bool = True) -> list[ShardRecord]:
    """Cut a stream of stories into gzip shards in `out_dir`; returns the records it wrote.

    `chunks` is the source text from byte `start`, where a story begins. Shard `first_index`
    starts there; a shard ends at the first STORY_END whose last byte is at least `shard_bytes`
    bytes into it. Each shard is recorded in out_dir/shards.json as soon as it is renamed into
    place. Reading stops after `max_shards` new shards. When the chunks run out, the bytes left
    are the last shard if `to_eof` (they end the file, and the manifest is marked complete);
    otherwise (a range that stops inside the file) the unfinished story is dropped.
    `first_index` 0 starts a new shards.json; k > 0 keeps its first k records, the last of which
    must end at `start`. Memory: one chunk and a few bytes.
    """
    if shard_bytes <= 0 or (max_shards is not None and max_shards <= 0):
        raise ValueError(f"shard_bytes and max_shards must be positive, got {shard_bytes} and "
                         f"{max_shards}")
    out_dir.mkdir(parents=True, exist_ok=True)
    kept: tuple[ShardRecord, ...] = ()
    if first_index:
        earlier = read_shard_manifest(out_dir)
        kept = earlier.shards[:first_index] if earlier else ()
        if len(kept) != first_index or kept[-1].end != start:
            raise ShardError(f"{out_dir / SHARDS_FILE} does not record {first_index} shards "
                             f"ending at byte {start:,}, where these chunks begin")
    manifest = ShardManifest(source, shard_bytes, kept, complete=False, verified=False)
    _write_manifest(out_dir, manifest)
    written: list[ShardRecord] = []

    def close(shard: _ShardWriter) -> None:
        nonlocal manifest
        written.append(shard.finish())
        manifest = replace(manifest, shards=manifest.shards + (written[-1],))
        _write_manifest(out_dir, manifest)

    chunks = iter(chunks)
    pending = bytearray()  # bytes of the current shard not yet written: it may end in them
    position = start  # the source offset of pending[0]
    shard = None
    try:
        for chunk in chunks:
            pending += chunk
            while pending:
                if shard is None:
                    shard = _ShardWriter(out_dir, first_index + len(written), position)
                # the shard may end at a STORY_END that ends `shard_bytes` or more bytes into it
                found = pending.find(STORY_END, max(0, shard_bytes - shard.size - len(STORY_END)))
                if found < 0:  # write all but what may be the start of a STORY_END
                    flush = len(pending) - (len(STORY_END) - 1)
                    if flush > 0:
                        shard.write(pending[:flush])
                        del pending[:flush]
                        position += flush
                    break
                end = found + len(STORY_END)
                shard.write(pending[:end])
                del pending[:end]
                position += end
                close(shard)
                shard = None
                if len(written) == max_shards:
                    if to_eof and not pending and not any(chunks):
                        manifest = replace(manifest, complete=True)
                        _write_manifest(out_dir, manifest)
                    return written
        if not to_eof:
            if shard is not None:  # the unfinished story after the last boundary: not a shard
                shard.drop()
                shard = None
            return written
        if pending:
            if shard is None:
                shard = _ShardWriter(out_dir, first_index + len(written), position)
            shard.write(pending)
        if shard is not None:
            close(shard)
            shard = None
        manifest = replace(manifest, complete=True)
        _write_manifest(out_dir, manifest)
        return written
    finally:
        if shard is not None:  # interrupted: the .part is left for the next run to overwrite
            shard.abandon()


class _ShardWriter:
    """One shard being written: its text gzip-compressed into `<name>.part`, both hashed."""

    def __init__(self, folder: Path, index: int, start: int):
        self.path = folder / shard_name(index)
        self.part = part_path(self.path)
        self.start, self.size = start, 0
        self.text = hashlib.sha256()
        self.raw = _HashingFile(open(self.part, "wb"))  # noqa: SIM115 (closed by abandon)
        # mtime 0 and no file name: the same text always gives the same .gz bytes
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw,
                                compresslevel=GZIP_LEVEL, mtime=0)

    def write(self, data: bytes | bytearray) -> None:
        self.gz.write(data)
        self.text.update(data)
        self.size += len(data)

    def finish(self) -> ShardRecord:
        """Close the shard and rename it into place; an older, different file there is set aside."""
        self.abandon()
        gz_sha256 = self.raw.digest.hexdigest()
        if self.path.exists() and sha256_of(self.path) != gz_sha256:
            set_aside(self.path, None, None, "not the shard just cut",
                      then="writing that one in its place")
        os.replace(self.part, self.path)
        return ShardRecord(self.path.name, self.start, self.start + self.size,
                           self.text.hexdigest(), gz_sha256)

    def drop(self) -> None:
        """Close and remove the half-written shard: its bytes are deliberately not kept."""
        self.abandon()
        self.part.unlink()

    def abandon(self) -> None:
        self.gz.close()
        self.raw.file.close()


class _HashingFile:
    """A file opened for writing that hashes what is written to it."""

    def __init__(self, file):
        self.file, self.digest = file, hashlib.sha256()

    def write(self, data) -> int:
        self.digest.update(data)
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()


def _write_manifest(folder: Path, manifest: ShardManifest) -> None:
    """Rewrite folder/shards.json atomically."""
    source = manifest.source
    raw = {
        "source": None if source is None else {"url": source.url, "size": source.size,
                                               "sha256": source.sha256},
        "shard_bytes": manifest.shard_bytes,
        "complete": manifest.complete,
        "verified": manifest.verified,
        "shards": [{"name": r.name, "start": r.start, "end": r.end, "bytes": r.bytes,
                    "sha256": r.sha256, "gz_sha256": r.gz_sha256} for r in manifest.shards],
    }
    path = folder / SHARDS_FILE
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


@dataclass(frozen=True)
class ShardsOnDisk:
    """What a track has of a sharded download: its status, and the shards behind it."""

    status: str  # PRESENT, PARTIAL, MISSING or CORRUPT (verify.py)
    shards: tuple[ShardRecord, ...]  # the valid shards the track takes, in order
    wanted: int | None  # how many shards the track takes; None: all of them
    problems: tuple[str, ...]  # one line per recorded shard (or shards.json) that fails its check
    complete: bool  # the shards reach the end of the file and match its sha256

    @property
    def text_bytes(self) -> int:
        return sum(record.bytes for record in self.shards)

    def describe(self) -> str:
        """'1 shard, 100.0 MB of text' / '2 of 4 shards, ...' / 'all 23 shards, ...'."""
        n = len(self.shards)
        if self.complete and self.wanted is None:
            count = f"all {n} shards"
        elif self.wanted is not None and n < self.wanted and not self.complete:
            count = f"{n} of {self.wanted} shards"
        elif self.wanted is None:
            count = f"{n} shards so far"
        else:
            count = f"{n} shard" + ("s" if n != 1 else "")
        return f"{count}, {format_size(self.text_bytes)} of text"


def shards_status(entry: Download, data_dir: Path, track: str, stamps: Stamps,
                  rehash: bool = False) -> ShardsOnDisk:
    """What is on disk of a sharded entry for `track`; `rehash` re-hashes every recorded shard.

    PRESENT: the shards the track takes are all there and valid (for a track that takes the whole
    file, checked against its sha256 too); PARTIAL: fewer, or a shard half-written; CORRUPT: a
    recorded shard fails its check, or the shards are not the manifest's (cut from another file
    or into other sizes), or shards.json is damaged; MISSING: nothing.
    """
    folder = data_dir / entry.path
    wanted = entry.shards.count(track)
    try:
        manifest = read_shard_manifest(folder)
    except ShardError as err:
        return ShardsOnDisk(CORRUPT, (), wanted, (str(err),), False)
    halfway = folder.is_dir() and any(folder.glob("*.part"))
    if manifest is None:
        return ShardsOnDisk(PARTIAL if halfway else MISSING, (), wanted, (), False)
    foreign = _not_ours(entry, manifest)
    if foreign:
        return ShardsOnDisk(CORRUPT, (), wanted, (f"{entry.path}: {foreign}",), False)
    problems, valid = [], []
    for record in manifest.shards:
        problem = _shard_problem(entry, folder, record, stamps, rehash)
        if problem:
            problems.append(f"{record.name}: {problem}")
        elif not problems:
            valid.append(record)
    complete = manifest.complete and manifest.verified and len(valid) == len(manifest.shards)
    taken = tuple(valid[:wanted])
    if problems:
        status = CORRUPT
    elif complete or (wanted is not None and len(taken) == wanted):
        status = PRESENT
    else:
        status = PARTIAL if taken or halfway else MISSING
    return ShardsOnDisk(status, taken, wanted, tuple(problems), complete)


def course_shards(track: str, data_dir: Path | None = None) -> list[Path] | None:
    """The TinyStories training shards `track` takes, in order, if ./datasets.sh fetched them all.

    Valid shards are trusted by their stamps in data/.verified.json (a changed file is re-hashed);
    None when any of them is missing or invalid.
    """
    data_dir = data_dir or paths.DATA_DIR
    [entry] = [d for d in course_manifest().downloads_for(track, ["tinystories"]) if d.shards]
    state = shards_status(entry, data_dir, track, Stamps(data_dir))
    if state.status != PRESENT:
        return None
    return [data_dir / entry.path / record.name for record in state.shards]


def fetch_shards(entry: Download, data_dir: Path, track: str, stamps: Stamps | None = None) -> str:
    """Make `data_dir/entry.path` hold the shards `track` takes, cut from the entry's file.

    Returns SKIPPED when they are all there and valid, else DOWNLOADED; raises DownloadError,
    naming every URL that failed and how to place the file by hand.
    """
    stamps = stamps or Stamps(data_dir)
    folder = data_dir / entry.path
    if _has_enough(entry, _usable_shards(entry, folder, stamps), track):
        return SKIPPED
    failures = []
    with new_session() as session:
        for number, source in enumerate(entry.sources, start=1):
            try:
                _download_shards(session, entry, source, folder, track, stamps)
                _check_whole(entry, folder, stamps)
            except (NotTheFile, Cut, requests.RequestException) as err:
                failures.append(f"{source.url}: {reason(err)}")
            except Rejected as err:
                failures.append(f"{source.url}: {err}")
            else:
                return DOWNLOADED
            if number < len(entry.sources):
                print(f"{failures[-1]}\ntrying the next source for {entry.path}")
    raise DownloadError(_failure_message(entry, failures))


def import_shards(folder: Path, entry: Download, data_dir: Path, track: str,
                  stamps: Stamps | None = None) -> str:
    """Cut the shards `track` takes from a copy of the entry's file found in `folder`.

    The copy is looked for as download.import_from does (same relative path, then by name below
    `folder`) and must have the published size; it is read, never changed. When the shards reach
    the end of the file (the full track), their concatenation is checked against its sha256.
    Returns SKIPPED when the shards are already there, else IMPORTED.
    """
    stamps = stamps or Stamps(data_dir)
    shard_folder = data_dir / entry.path
    if _has_enough(entry, _usable_shards(entry, shard_folder, stamps), track):
        return SKIPPED
    names = list(dict.fromkeys(source.file_name for source in entry.sources))
    parent = PurePosixPath(entry.path).parent
    found = [path for name in names for path in candidates(folder, str(parent / name))]
    if not found:
        raise DownloadError(f"{entry.path}: no file named {' or '.join(names)} in {folder} or "
                            f"any folder below it (the shards are cut from it)")
    rejected = []
    for path in found:
        size = path.stat().st_size
        source = next((s for s in entry.sources if s.size == size), None)
        if source is None:
            rejected.append(f"{path} has {size:,} bytes, not {entry.expected_size:,}")
            continue
        try:
            manifest = _usable_shards(entry, shard_folder, stamps, source)
            if not (manifest and manifest.complete):
                with open(path, "rb") as f:
                    _cut_whole(_read_file(f, size), entry, source, shard_folder, manifest, track)
            _check_whole(entry, shard_folder, stamps)
        except (NotTheFile, Rejected) as err:
            rejected.append(f"{path}: {err}")
            continue
        return IMPORTED
    raise DownloadError(f"{entry.path}: found no valid copy of {' or '.join(names)} in "
                        f"{folder}:\n" + "\n".join(f"  - {r}" for r in rejected))


def _download_shards(session: requests.Session, entry: Download, source: Source, folder: Path,
                     track: str, stamps: Stamps) -> None:
    """Request bytes until the track's shards are there; resume a cut connection a few times."""
    resumes, open_ended = 0, False
    while True:
        manifest = _usable_shards(entry, folder, stamps, source)
        if _has_enough(entry, manifest, track) or (manifest and manifest.complete):
            return
        try:
            _request_shards(session, entry, source, folder, manifest, track, open_ended)
        except Cut as cut:
            if resumes == MAX_RESUMES:
                raise Cut(f"{cut} (gave up after resuming {MAX_RESUMES} times)") from None
            resumes += 1
            after = read_shard_manifest(folder)
            print(f"{urlsplit(source.url).netloc}: {cut}; resuming after "
                  f"{len(after.shards) if after else 0} complete shard(s), from byte "
                  f"{_next_start(after):,}, in {RETRY_DELAY:g} s")
            time.sleep(RETRY_DELAY)
            continue
        after = read_shard_manifest(folder)
        progress = after is not None and (after.complete or len(after.shards) > len(
            manifest.shards if manifest else ()))
        if not progress and open_ended:
            raise NotTheFile(f"no story ends (with a line holding only <|endoftext|>) after "
                             f"byte {_next_start(manifest):,}")
        open_ended = not progress  # a story longer than the slack: ask for the rest of the file


def _request_shards(session: requests.Session, entry: Download, source: Source, folder: Path,
                    manifest: ShardManifest | None, track: str, open_ended: bool) -> None:
    """One request for the shards after those in `manifest`, cut as the bytes arrive.

    A track that takes some shards asks for the bytes they need plus RANGE_SLACK each (or, when
    `open_ended`, for all the rest); the full track for everything after the last shard. A host
    that answers 200 sends the whole file: the shards already cut are skipped, and checked.
    """
    start, wanted = _next_start(manifest), _still_wanted(entry, manifest, track)
    headers = {"Accept-Encoding": "identity"}  # a compressed answer would shift every offset
    if wanted is not None and not open_ended:
        last = min(start + wanted * (entry.shards.shard_bytes + RANGE_SLACK), source.size) - 1
        headers["Range"] = f"bytes={start}-{last}"
    elif start:
        headers["Range"] = f"bytes={start}-"
    response = session.get(source.url, headers=headers, stream=True,
                           timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    with response:
        response.raise_for_status()
        content_type = html_content_type(response)
        if content_type:
            raise NotTheFile(html_reason(f"Content-Type {content_type}"))
        if response.status_code == 206:
            first, last, total = _content_range(response, start)
            if total != source.size:
                raise NotTheFile(f"the file there has {total:,} bytes, not {source.size:,}")
            cut_stories(_body(response, last + 1 - first, source.file_name), folder,
                        entry.shards.shard_bytes, source=source, start=start,
                        first_index=len(manifest.shards) if manifest else 0,
                        max_shards=wanted, to_eof=last + 1 == total)
            return
        length = response.headers.get("Content-Length")
        if length is not None and int(length) != source.size:
            raise NotTheFile(f"the file there has {int(length):,} bytes, not {source.size:,}")
        if "Range" in headers:
            done = len(manifest.shards) if manifest else 0
            print(f"{urlsplit(source.url).netloc} does not send parts of files: reading "
                  f"{source.file_name} from its start"
                  + (f", skipping the {done} shard(s) already cut" if done else ""))
        chunks = _body(response, source.size, source.file_name)
        _cut_whole(chunks, entry, source, folder, manifest, track)


def _cut_whole(chunks: Iterable[bytes], entry: Download, source: Source, folder: Path,
               manifest: ShardManifest | None, track: str) -> None:
    """Cut the shards after those in `manifest` from the whole file's bytes, read from its start."""
    chunks = iter(chunks)
    first = next(chunks, b"")
    if looks_like_html(first):
        raise NotTheFile(html_reason("the body is an HTML page"))
    done = manifest.shards if manifest else ()
    cut_stories(_after(itertools.chain([first], chunks), done), folder,
                entry.shards.shard_bytes, source=source, start=_next_start(manifest),
                first_index=len(done), max_shards=_still_wanted(entry, manifest, track))


def _after(chunks: Iterable[bytes], done: tuple[ShardRecord, ...]) -> Iterator[bytes]:
    """The bytes after the shards in `done`, from chunks that start at the file's first byte.

    The skipped bytes are hashed, shard by shard, and must match each shard's recorded sha256.
    """
    records = iter(done)
    record, digest, position = next(records, None), hashlib.sha256(), 0
    for chunk in chunks:
        while record is not None and chunk:
            piece = chunk[:record.end - position]
            digest.update(piece)
            position += len(piece)
            chunk = chunk[len(piece):]
            if position == record.end:
                if digest.hexdigest() != record.sha256:
                    raise NotTheFile(f"its bytes {record.start:,} to {record.end:,} are not the "
                                     f"text of {record.name}, cut from it before: the file has "
                                     f"changed, or the shards come from another copy (move "
                                     f"their folder aside to cut them afresh)")
                record, digest = next(records, None), hashlib.sha256()
        if chunk:
            yield chunk


def _body(response: requests.Response, expected: int, name: str) -> Iterator[bytes]:
    """The answer's `expected` bytes as they arrive, with a progress bar; Cut if they stop short."""
    received = 0
    with tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024, desc=name,
              disable=None) as bar:
        try:
            for chunk in response.iter_content(CHUNK):
                received += len(chunk)
                bar.update(len(chunk))
                yield chunk
        except CUT_ERRORS as err:
            raise Cut.by(err) from None
    if received < expected:
        raise Cut(f"the connection closed after {received:,} of {expected:,} bytes")


def _read_file(f, size: int) -> Iterator[bytes]:
    """A local file's bytes, CHUNK at a time, with a progress bar."""
    with tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024,
              desc=f"cutting {Path(f.name).name}", disable=None) as bar:
        while chunk := f.read(CHUNK):
            bar.update(len(chunk))
            yield chunk


def _content_range(response: requests.Response, start: int) -> tuple[int, int, int]:
    """(first, last, total) of a 206 answer that must start at byte `start`."""
    match = CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
    if not match or not range_starts_at(response, start):
        sent = response.headers.get("Content-Range", "no Content-Range")
        raise NotTheFile(f"asked for bytes from {start:,}, the server answered with {sent}")
    first, last, total = (int(n) for n in match.groups())
    return first, last, total


def _usable_shards(entry: Download, folder: Path, stamps: Stamps,
                   source: Source | None = None) -> ShardManifest | None:
    """The shards in `folder` that a fetch can build on, after setting aside what it cannot.

    A damaged shards.json, or shards cut from another file or into other sizes (or, given a
    `source`, from another source's file) put the whole folder aside; the first shard that
    fails its check is set aside, and the record ends before it (the later shards are cut
    again, replacing identical files and setting aside different ones).
    """
    try:
        manifest = read_shard_manifest(folder)
    except ShardError as err:
        _set_folder_aside(entry, folder, stamps, str(err))
        return None
    if manifest is None:
        return None
    foreign = _not_ours(entry, manifest)
    if not foreign and source is not None and manifest.source.sha256 != source.sha256:
        foreign = f"cut from another source's file than {source.url}"
    if foreign:
        _set_folder_aside(entry, folder, stamps, foreign)
        return None
    for index, record in enumerate(manifest.shards):
        problem = _shard_problem(entry, folder, record, stamps, rehash=False)
        if problem:
            if (folder / record.name).exists():
                set_aside(folder / record.name, stamps, _stamp_key(entry, record), problem,
                          then="cutting it again")
            manifest = replace(manifest, shards=manifest.shards[:index], complete=False,
                               verified=False)
            _write_manifest(folder, manifest)
            break
    return manifest


def _check_whole(entry: Download, folder: Path, stamps: Stamps) -> None:
    """Once the shards reach the end of the file, check them against its size and sha256.

    On a mismatch the shards' folder is set aside and Rejected says so.
    """
    manifest = read_shard_manifest(folder)
    if manifest is None or not manifest.complete or manifest.verified:
        return
    digest, size = hashlib.sha256(), 0
    with tqdm(total=manifest.shards[-1].end if manifest.shards else 0, unit="B", unit_scale=True,
              unit_divisor=1024, desc=f"checking the {len(manifest.shards)} shards",
              disable=None) as bar:
        for record in manifest.shards:
            for chunk in shard_chunks(folder / record.name):
                digest.update(chunk)
                size += len(chunk)
                bar.update(len(chunk))
    source = manifest.source
    if size == source.size and digest.hexdigest() == source.sha256:
        _write_manifest(folder, replace(manifest, verified=True))
        return
    why = (f"the {len(manifest.shards)} shards put together have {size:,} bytes and sha256 "
           f"{digest.hexdigest()}, not the published {source.size:,} bytes and {source.sha256}")
    aside = _set_folder_aside(entry, folder, stamps, why)
    raise Rejected(f"{why}: the file was not the one the manifest describes; the shards were "
                   f"moved to {aside}")


def _shard_problem(entry: Download, folder: Path, record: ShardRecord, stamps: Stamps,
                   rehash: bool) -> str | None:
    """Why a recorded shard is not valid (missing, wrong sha256), or None; stamps a valid one."""
    path = folder / record.name
    if not path.is_file():
        return "missing"
    key = _stamp_key(entry, record)
    sha256 = None if rehash else stamps.trusted_sha256(key, path)
    if sha256 is None:
        sha256 = sha256_of(path)
    if sha256 != record.gz_sha256:
        stamps.forget(key)
        return f"sha256 is {sha256}, {SHARDS_FILE} records {record.gz_sha256}"
    stamps.record(key, path, sha256)
    return None


def _not_ours(entry: Download, manifest: ShardManifest) -> str | None:
    """Why shards recorded in `manifest` are not the entry's, or None."""
    if manifest.shard_bytes != entry.shards.shard_bytes:
        return (f"cut into shards of {manifest.shard_bytes:,} bytes, the manifest now says "
                f"{entry.shards.shard_bytes:,}")
    published = {s.sha256 for s in entry.sources}
    if manifest.source is None or manifest.source.sha256 not in published:
        return "cut from another file than the manifest's"
    return None


def _set_folder_aside(entry: Download, folder: Path, stamps: Stamps, why: str) -> Path:
    for key in [k for k in stamps.records if k.startswith(f"{entry.path}/")]:
        stamps.forget(key)
    return set_aside(folder, stamps, None, why, then="cutting the shards again")


def _stamp_key(entry: Download, record: ShardRecord) -> str:
    """The shard's path relative to data/, its key in data/.verified.json."""
    return f"{entry.path}/{record.name}"


def _next_start(manifest: ShardManifest | None) -> int:
    """Where the next shard begins: the end of the last one recorded, or 0."""
    return manifest.shards[-1].end if manifest and manifest.shards else 0


def _still_wanted(entry: Download, manifest: ShardManifest | None, track: str) -> int | None:
    """How many more shards `track` takes; None: all the rest of the file."""
    count = entry.shards.count(track)
    return None if count is None else count - (len(manifest.shards) if manifest else 0)


def _has_enough(entry: Download, manifest: ShardManifest | None, track: str) -> bool:
    """True when `manifest` records every shard `track` takes (the whole file: verified)."""
    if manifest is None:
        return False
    count = entry.shards.count(track)
    return (count is not None and len(manifest.shards) >= count) or \
        (manifest.complete and manifest.verified)


def _failure_message(entry: Download, failures: list[str]) -> str:
    source = entry.sources[0]
    command = f"./datasets.sh [--tiny|--small] --from FOLDER {entry.target}"
    return "\n".join([
        f"could not download {entry.path} (shards of {source.file_name}):",
        *(f"  - {failure}" for failure in failures),
        f"To place the file by hand, open {' or '.join(s.url for s in entry.sources)} in a "
        f"browser, save {source.file_name} ({format_size(source.size)}) in a folder and run",
        f"  {command}",
        "which cuts the shards from it (checking its sha256 on the full track); then run "
        "./datasets.sh --check to verify them.",
    ])
