"""The data manifest: every file the course downloads or generates, read from manifest.toml.

`load_manifest()` reads and validates the TOML into frozen dataclasses; `downloads_for(track)`
and `entries_for_module(nn, track)` answer the two questions the tools ask: what must this track
fetch, and what does this module need?
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from modules.course.settings import TRACKS

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")
MODULE_NUMBERS = range(0, 12)
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
ARCHIVE_KEYS = {"archive_sha256", "archive_size"}  # only with a member
SHARD_KEYS = {"shard_bytes", "track_shards"}  # a download kept as story shards


class ManifestError(ValueError):
    """The manifest is malformed; the message says which entry and what is wrong."""


@dataclass(frozen=True)
class Source:
    """One place a download can come from, with the size and sha256 of the file it serves.

    A source with a `member` serves a zip archive, and the file is that member of it: `url`,
    `archive_sha256` and `archive_size` describe the zip, `size` and `sha256` the member.
    """

    url: str
    sha256: str | None  # None only for a member whose sha256 nobody publishes
    size: int | None  # None when the host publishes no size: only the sha256 is checked
    member: str | None = None  # the file's name inside the zip at `url`; None: `url` is the file
    archive_sha256: str | None = None  # the whole zip's sha256, checked when it is downloaded
    archive_size: int | None = None  # the whole zip's size, when published

    @property
    def file_name(self) -> str:
        """The last part of the URL: 'glove.6B.zip', 'TinyStoriesV2-GPT4-train.txt'."""
        return PurePosixPath(urlsplit(self.url).path).name

    @property
    def archive(self) -> Source:
        """The whole zip a member source serves, as a source of its own."""
        return Source(self.url, self.archive_sha256, self.archive_size)


@dataclass(frozen=True)
class Shards:
    """How a large text download is kept: cut at story boundaries into gzip shards.

    Each shard holds about `shard_bytes` bytes of text; a track listed in `track_shards` takes
    only that many shards from the start of the file, any other track takes them all.
    """

    shard_bytes: int
    track_shards: tuple[tuple[str, int], ...]  # (track, number of shards)

    def count(self, track: str) -> int | None:
        """How many shards `track` takes; None: all of them (the whole file)."""
        return dict(self.track_shards).get(track)


@dataclass(frozen=True)
class Download:
    """One file fetched from the internet into `data/<path>`, or, with `shards`, cut into shards
    in the folder `data/<path>` (story_shards.py)."""

    target: str
    path: str
    sources: tuple[Source, ...]
    tracks: tuple[str, ...]
    modules: tuple[int, ...]
    description: str
    shards: Shards | None = None

    @property
    def expected_size(self) -> int | None:
        """The size shown to learners: the first source's that is known."""
        return next((s.size for s in self.sources if s.size is not None), None)

    def track_size(self, track: str) -> int | None:
        """What `track` fetches: the whole file, or about shard_bytes per shard it takes."""
        count = self.shards.count(track) if self.shards else None
        return self.expected_size if count is None else count * self.shards.shard_bytes

    def archive_path(self, source: Source) -> str:
        """Where a member source's zip is kept when it is downloaded whole: beside the file."""
        return str(PurePosixPath(self.path).parent / source.file_name)


@dataclass(frozen=True)
class Artifact:
    """One file the course generates into `data/<path>` by running `produced_by`."""

    path: str
    produced_by: str
    tracks: tuple[str, ...]
    modules: tuple[int, ...]
    description: str


@dataclass(frozen=True)
class Manifest:
    downloads: tuple[Download, ...]
    artifacts: tuple[Artifact, ...]

    def targets(self) -> list[str]:
        """Target names in manifest order, each once."""
        return list(dict.fromkeys(d.target for d in self.downloads))

    def downloads_for(self, track: str, targets: list[str] | None = None) -> list[Download]:
        """The downloads `track` needs, limited to `targets` (all targets when None)."""
        _check_track(track)
        unknown = sorted(set(targets or []) - set(self.targets()))
        if unknown:
            raise ValueError(f"unknown target {', '.join(unknown)}; "
                             f"valid targets: {', '.join(self.targets())}")
        return [d for d in self.downloads
                if track in d.tracks and (targets is None or d.target in targets)]

    def entries_for_module(self, nn: int | str, track: str) -> list[Download | Artifact]:
        """The downloads and artifacts module `nn` (3 or "03") needs on `track`."""
        _check_track(track)
        number = int(nn)
        return [e for e in (*self.downloads, *self.artifacts)
                if number in e.modules and track in e.tracks]


def format_size(size: int | None) -> str:
    """Bytes in decimal units, as download speeds are quoted: 1115394 -> '1.1 MB'."""
    if size is None:
        return "?"
    if size < 1000:
        return f"{size} B"
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            return f"{size:.1f} {unit}"


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    """Read and validate a manifest file; raises ManifestError naming what is wrong."""
    if tomllib is None:
        raise ManifestError(f"reading {path.name} needs Python 3.11 or newer (for tomllib); this "
                            f"is Python {sys.version.split()[0]}. Run ./setup.sh to build .venv.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ManifestError(f"{path} is not valid TOML: {err}") from None
    unknown = set(raw) - {"download", "artifact"}
    if unknown:
        raise ManifestError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
                            f"expected [[download]] and [[artifact]]")
    manifest = Manifest(
        downloads=tuple(_parse_download(d, i) for i, d in enumerate(raw.get("download", []))),
        artifacts=tuple(_parse_artifact(a, i) for i, a in enumerate(raw.get("artifact", []))),
    )
    paths = [e.path for e in (*manifest.downloads, *manifest.artifacts)]
    duplicates = sorted({p for p in paths if paths.count(p) > 1})
    if duplicates:
        raise ManifestError(f"{path}: more than one entry writes {', '.join(duplicates)}")
    return manifest


@cache
def course_manifest() -> Manifest:
    """The course's own manifest, read once per process."""
    return load_manifest()


def downloads_for(track: str, targets: list[str] | None = None) -> list[Download]:
    """The course manifest's downloads for `track`; see Manifest.downloads_for."""
    return course_manifest().downloads_for(track, targets)


def entries_for_module(nn: int | str, track: str) -> list[Download | Artifact]:
    """What module `nn` needs on `track` in the course manifest; see Manifest.entries_for_module."""
    return course_manifest().entries_for_module(nn, track)


def _check_track(track: str) -> None:
    if track not in TRACKS:
        raise ValueError(f"unknown track '{track}'; use one of {', '.join(TRACKS)}")


def _parse_download(raw: dict, index: int) -> Download:
    where = f"[[download]] #{index + 1} ({raw.get('path', 'no path')})"
    _require_keys(raw, where, {"target", "path", "tracks", "modules", "description", "source"},
                  optional=SHARD_KEYS)
    target = _string(raw, "target", where)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", target):
        raise ManifestError(f"{where}: target '{target}' must be lower-case letters, digits, "
                            f"- or _")
    sources = raw["source"]
    if not isinstance(sources, list) or not sources:
        raise ManifestError(f"{where}: needs at least one [[download.source]]")
    download = Download(target=target, path=_relative(raw, "path", where),
                        sources=tuple(_parse_source(s, f"{where} source #{i + 1}")
                                      for i, s in enumerate(sources)),
                        tracks=_tracks(raw, where), modules=_modules(raw, where),
                        description=_string(raw, "description", where))
    if SHARD_KEYS & set(raw):
        download = replace(download, shards=_parse_shards(raw, download, where))
    return download


def _parse_shards(raw: dict, download: Download, where: str) -> Shards:
    """The shard keys of a download kept as story shards: both, with sensible values."""
    missing = sorted(SHARD_KEYS - set(raw))
    if missing:
        raise ManifestError(f"{where}: a download kept as shards needs both "
                            f"{' and '.join(sorted(SHARD_KEYS))}; missing {', '.join(missing)}")
    shard_bytes = _size(raw, "shard_bytes", where)
    counts = raw["track_shards"]
    if (not isinstance(counts, dict)
            or any(type(n) is not int or n <= 0 for n in counts.values())):
        raise ManifestError(f"{where}: track_shards must be a table of track = number of "
                            f"shards (a positive whole number), got {counts!r}")
    strangers = sorted(set(counts) - set(download.tracks))
    if strangers:
        raise ManifestError(f"{where}: track_shards names {', '.join(strangers)}, which is not "
                            f"among the entry's tracks ({', '.join(download.tracks)})")
    for source in download.sources:
        if source.member or source.size is None:
            raise ManifestError(f"{where}: a download kept as shards needs sources that serve "
                                f"the text file itself, with its size and sha256 ({source.url})")
    return Shards(shard_bytes, tuple((t, counts[t]) for t in TRACKS if t in counts))


def _parse_source(raw: dict, where: str) -> Source:
    if isinstance(raw, dict) and "member" in raw:
        return _parse_member_source(raw, where)
    if isinstance(raw, dict) and ARCHIVE_KEYS & set(raw):
        keys = ", ".join(sorted(ARCHIVE_KEYS & set(raw)))
        raise ManifestError(f"{where}: {keys} only go with a member (a file extracted from the "
                            f"zip at url): add member = \"<its name in the zip>\" or remove {keys}")
    _require_keys(raw, where, {"url", "sha256"}, optional={"size"})
    return Source(url=_url(raw, where), sha256=_sha256(raw, "sha256", where),
                  size=_size(raw, "size", where))


def _parse_member_source(raw: dict, where: str) -> Source:
    """A source whose url serves a zip and whose file is one member of it."""
    _require_keys(raw, where, {"url", "member", "archive_sha256"},
                  optional={"sha256", "size", "archive_size"})
    source = Source(url=_url(raw, where), member=_relative(raw, "member", where, "the zip's root"),
                    sha256=_sha256(raw, "sha256", where) if "sha256" in raw else None,
                    size=_size(raw, "size", where),
                    archive_sha256=_sha256(raw, "archive_sha256", where),
                    archive_size=_size(raw, "archive_size", where))
    if not source.file_name.endswith(".zip"):
        raise ManifestError(f"{where}: a source with a member must serve a zip, but url "
                            f"'{source.url}' does not end in a .zip file name")
    return source


def _parse_artifact(raw: dict, index: int) -> Artifact:
    where = f"[[artifact]] #{index + 1} ({raw.get('path', 'no path')})"
    _require_keys(raw, where, {"path", "produced_by", "tracks", "modules", "description"})
    return Artifact(path=_relative(raw, "path", where),
                    produced_by=_string(raw, "produced_by", where),
                    tracks=_tracks(raw, where), modules=_modules(raw, where),
                    description=_string(raw, "description", where))


def _require_keys(raw: dict, where: str, required: set[str], optional: set[str] | None = None):
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: must be a table of keys, got {raw!r}")
    missing = sorted(required - set(raw))
    extra = sorted(set(raw) - required - (optional or set()))
    if missing:
        raise ManifestError(f"{where}: missing {', '.join(missing)}")
    if extra:
        raise ManifestError(f"{where}: unknown key(s) {', '.join(extra)}")


def _string(raw: dict, key: str, where: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: {key} must be a non-empty string")
    return value


def _url(raw: dict, where: str) -> str:
    url = _string(raw, "url", where)
    if not url.startswith(("https://", "http://")):
        raise ManifestError(f"{where}: url '{url}' must start with https:// or http://")
    return url


def _sha256(raw: dict, key: str, where: str) -> str:
    sha256 = _string(raw, key, where)
    if not SHA256_PATTERN.fullmatch(sha256):
        raise ManifestError(f"{where}: {key} must be 64 lower-case hex digits, got '{sha256}'")
    return sha256


def _size(raw: dict, key: str, where: str) -> int | None:
    size = raw.get(key)
    if size is not None and (type(size) is not int or size <= 0):
        raise ManifestError(f"{where}: {key} must be a positive number of bytes, got {size!r}")
    return size


def _relative(raw: dict, key: str, where: str, root: str = "data/") -> str:
    path = _string(raw, key, where)
    parts = PurePosixPath(path).parts
    if path.startswith("/") or ".." in parts or "\\" in path:
        raise ManifestError(f"{where}: {key} '{path}' must be relative to {root}, "
                            f"with / separators")
    return path


def _tracks(raw: dict, where: str) -> tuple[str, ...]:
    tracks = raw["tracks"]
    if not isinstance(tracks, list) or not tracks or not set(tracks) <= set(TRACKS):
        raise ManifestError(f"{where}: tracks must be a non-empty list drawn from "
                            f"{', '.join(TRACKS)}, got {tracks!r}")
    return tuple(tracks)


def _modules(raw: dict, where: str) -> tuple[int, ...]:
    modules = raw["modules"]
    if (not isinstance(modules, list) or not modules
            or any(type(m) is not int or m not in MODULE_NUMBERS for m in modules)):
        raise ManifestError(f"{where}: modules must be a non-empty list of module numbers "
                            f"0 to 11, got {modules!r}")
    return tuple(modules)
