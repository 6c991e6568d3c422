"""`./datasets.sh`: fetch, import, list or check the data files of a track.

    ./datasets.sh [--tiny|--small] [--from DIR] [--list] [--check] [TARGET ...]

No track flag means the full track; no TARGET means every target. Everything it knows comes
from the manifest (modules/course/manifest.toml).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modules.course import paths, settings
from modules.course.download import DownloadError, fetch, import_from
from modules.course.manifest import Download, Manifest, ManifestError, course_manifest, format_size
from modules.course.story_shards import ShardsOnDisk, fetch_shards, import_shards, shards_status
from modules.course.verify import (
    CORRUPT,
    MISSING,
    PARTIAL,
    PRESENT,
    UNVERIFIED,
    Stamps,
    file_status,
)


def fetch_command(track: str, target: str) -> str:
    """The command that fetches `target` for `track`, e.g. `./datasets.sh --tiny glove`."""
    flag = "" if track == "full" else f" --{track}"
    return f"./datasets.sh{flag} {target}"


def track_file(data_dir: Path) -> Path:
    """Where the track last fetched is recorded: settings.TRACK_FILE for the real data/."""
    return data_dir / settings.TRACK_FILE.relative_to(paths.DATA_DIR)


def build_parser(targets: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="./datasets.sh",
        usage="%(prog)s [--tiny|--small] [--from DIR] [--list] [--check] [TARGET ...]\n"
              f"       TARGET is one of: {', '.join(targets)} (default: all)",
        description="Download the course's data into data/, verified against the manifest. "
                    "Without --tiny or --small it fetches the full track.")
    track = parser.add_mutually_exclusive_group()
    track.add_argument("--tiny", action="store_const", dest="track", const="tiny",
                       help="the tiny track: the smallest downloads")
    track.add_argument("--small", action="store_const", dest="track", const="small",
                       help="the small track (docs/tracks-and-artifacts.md compares them)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--from", dest="folder", type=Path, metavar="DIR",
                      help="import the files from DIR (no network), verified and copied")
    mode.add_argument("--list", action="store_true",
                      help="list every file with its size per track and whether it is here")
    mode.add_argument("--check", action="store_true",
                      help="re-verify the files on disk; fails if one is corrupt")
    parser.add_argument("targets", nargs="*", metavar="TARGET", help="what to fetch")
    return parser


def main(argv: list[str] | None = None, data_dir: Path | None = None,
         manifest: Manifest | None = None) -> int:
    data_dir = data_dir or paths.DATA_DIR
    try:
        manifest = manifest or course_manifest()
    except ManifestError as err:
        print(f"datasets.sh: {err}", file=sys.stderr)
        return 1
    parser = build_parser(manifest.targets())
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in manifest.targets()]
    if unknown:
        parser.error(f"unknown target {', '.join(unknown)}; "
                     f"valid targets: {', '.join(manifest.targets())}")
    track = args.track or "full"
    targets = args.targets or None
    stamps = Stamps(data_dir)
    if args.list:
        return list_files(manifest, targets, data_dir, stamps)
    entries = manifest.downloads_for(track, targets)
    if args.check:
        return check_files(entries, track, data_dir, stamps)
    try:
        return get_files(entries, track, data_dir, stamps, args.folder)
    except KeyboardInterrupt:
        print("\ninterrupted: run the same command again to continue", file=sys.stderr)
        return 130


def get_files(entries: list[Download], track: str, data_dir: Path, stamps: Stamps,
              folder: Path | None) -> int:
    """Download each entry (or import it from `folder`); one line per file, 1 if any failed."""
    if folder is not None and not folder.is_dir():
        print(f"datasets.sh: --from {folder}: no such folder", file=sys.stderr)
        return 2
    where = f"from {folder}" if folder else "from the internet"
    print(f"Getting the {track} track's data {where} into {data_dir}")
    failed = []
    for entry in entries:
        try:
            if entry.shards and folder is None:
                outcome = fetch_shards(entry, data_dir, track, stamps)
            elif entry.shards:
                outcome = import_shards(folder, entry, data_dir, track, stamps)
            elif folder is None:
                outcome = fetch(entry, data_dir, stamps)
            else:
                outcome = import_from(folder, entry, data_dir, stamps)
        except DownloadError as err:
            failed.append(entry)
            print(f"  {'failed':<17} {entry.path}")
            print(_indent(str(err)))
            if folder is not None:
                print(f"    fetch it with: {fetch_command(track, entry.target)}")
            continue
        if entry.shards:
            what = shards_status(entry, data_dir, track, stamps).describe()
        else:
            what = format_size((data_dir / entry.path).stat().st_size)  # known if unpublished
        print(f"  {outcome:<17} {entry.path} ({what})")
    if failed:
        print(f"{len(failed)} of {len(entries)} files failed: see the messages above.",
              file=sys.stderr)
        return 1
    track_file(data_dir).parent.mkdir(parents=True, exist_ok=True)
    track_file(data_dir).write_text(track + "\n")
    files = "the file is" if len(entries) == 1 else f"all {len(entries)} files are"
    print(f"Done: {files} in place; the {track} track is now the default "
          f"(recorded in {track_file(data_dir)}).")
    return 0


def check_files(entries: list[Download], track: str, data_dir: Path, stamps: Stamps) -> int:
    """Re-hash every file the track needs and report it; 1 if any is corrupt or unverified."""
    print(f"Checking the {track} track's data in {data_dir}")
    counts = dict.fromkeys((PRESENT, MISSING, PARTIAL, CORRUPT, UNVERIFIED), 0)
    shards = {entry.path: shards_status(entry, data_dir, track, stamps, rehash=True)
              for entry in entries if entry.shards}
    statuses = [shards[entry.path].status if entry.shards
                else file_status(entry, data_dir, stamps, rehash=True) for entry in entries]
    status_width = max([8, *map(len, statuses)])  # 8 fits all but "unverified"
    width = max((len(e.path) for e in entries), default=0)
    for entry, status in zip(entries, statuses, strict=True):
        counts[status] += 1
        if entry.shards:
            advice = _shard_advice(shards[entry.path], fetch_command(track, entry.target))
            print(f"  {status:<{status_width}} {entry.path:<{width}}  {advice}")
            continue
        advice = {
            MISSING: f"fetch it with: {fetch_command(track, entry.target)}",
            PARTIAL: f"a download was cut; resume it with: {fetch_command(track, entry.target)}",
            CORRUPT: f"wrong size or sha256; {fetch_command(track, entry.target)} moves it "
                     f"aside and fetches it again",
            UNVERIFIED: f"no sha256 is published for it and none was stamped when it was "
                        f"extracted; {fetch_command(track, entry.target)} moves it aside and "
                        f"extracts it again",
        }.get(status, format_size(entry.expected_size))
        print(f"  {status:<{status_width}} {entry.path:<{width}}  {advice}")
    print(", ".join(f"{n} {status}" for status, n in counts.items()
                    if n or status != UNVERIFIED))  # unverified only where there is one
    return 1 if counts[CORRUPT] or counts[UNVERIFIED] else 0


def list_files(manifest: Manifest, targets: list[str] | None, data_dir: Path,
               stamps: Stamps) -> int:
    """A table of every download: its size on each track, whether it is here, its URLs."""
    entries = [d for d in manifest.downloads if targets is None or d.target in targets]
    rows = [["target", "file", *settings.TRACKS, "on disk"]]
    for entry in entries:
        sizes = [_track_size(entry, t) if t in entry.tracks else "-" for t in settings.TRACKS]
        if entry.shards:  # what is there, whatever the track
            state = shards_status(entry, data_dir, "full", stamps)
            on_disk = state.status if state.status in (MISSING, CORRUPT) else \
                f"{len(state.shards)} shard{'s' if len(state.shards) != 1 else ''}" + \
                (" (all)" if state.complete else "")
        else:
            on_disk = file_status(entry, data_dir, stamps)
        rows.append([entry.target, entry.path, *sizes, on_disk])
    totals = [_total_size([e for e in entries if t in e.tracks], t) for t in settings.TRACKS]
    rows.append(["total", "", *totals, ""])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    print(f"\nWhere each file comes from (mirrors after the first); to fetch one by hand, save it "
          f"under {data_dir} at its path:")
    if any(s.member for e in entries for s in e.sources):
        print("(a file inside a zip: save the zip in a folder and run "
              "./datasets.sh --from FOLDER TARGET, which extracts it)")
    if any(e.shards for e in entries):
        print("(a folder of shards: save the file it is cut from in a folder and run "
              "./datasets.sh --from FOLDER TARGET, which cuts it)")
    for entry in entries:
        print(f"  {entry.path}")
        for source in entry.sources:
            inside = f"  (a zip holding it as {source.member})" if source.member else ""
            print(f"    {source.url}{inside}")
    return 0


def _track_size(entry: Download, track: str) -> str:
    """What the track fetches of the entry: '1.1 MB', or '~100.0 MB x4' for some of its shards."""
    count = entry.shards.count(track) if entry.shards else None
    if count is None:
        return format_size(entry.expected_size)
    return f"~{format_size(entry.shards.shard_bytes)} x{count}"


def _total_size(entries: list[Download], track: str) -> str:
    """The entries' total size on `track`, with '+ ?' when some size is not published."""
    sizes = [e.track_size(track) for e in entries]
    total = format_size(sum(size or 0 for size in sizes))
    return total + " + ?" if None in sizes else total


def _shard_advice(state: ShardsOnDisk, command: str) -> str:
    """What --check says about a sharded entry, after its status."""
    if state.status == CORRUPT:
        problems = "; ".join(state.problems)
        return f"{problems}; {command} moves the bad shards aside and cuts them again"
    if state.status == MISSING:
        return f"fetch it with: {command}"
    if state.status == PARTIAL:
        return f"{state.describe()}; fetch the rest with: {command}"
    return state.describe()


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
