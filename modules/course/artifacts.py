"""Where a learner stands, module by module: the data on disk and the work done.

For each module: every download and generated artifact it needs on a track (from the manifest),
each `present`, `missing`, `partial`, `corrupt` or `unverified` (verify.py), with the command
that produces it; how many of the notebook's questions are answered; and, when asked, which
exercises pass their tests.
`scripts/artifact_status.py` prints this as a table or as JSON.
"""

from __future__ import annotations

from pathlib import Path

from modules.course import paths
from modules.course.catalogue import CourseModule
from modules.course.datasets_cli import fetch_command
from modules.course.manifest import Artifact, Download, Manifest, course_manifest, format_size
from modules.course.notebook_cells import questions_and_answers, read_notebook
from modules.course.story_shards import shards_status
from modules.course.verify import MISSING, PARTIAL, PRESENT, Stamps, file_status, part_path


def module_status(module: CourseModule, track: str, data_dir: Path | None = None,
                  manifest: Manifest | None = None, with_tests: bool = False) -> dict:
    """One module's report: {module, title, track, data, answers, working_copy, exercises}."""
    data_dir = data_dir or paths.DATA_DIR
    manifest = manifest or course_manifest()
    stamps = Stamps(data_dir)
    return {
        "module": module.nn,
        "title": module.title,
        "track": track,
        "data": [entry_status(e, track, data_dir, stamps)
                 for e in manifest.entries_for_module(module.number, track)],
        "answers": answer_counts(module),
        "working_copy": module.working_copy.is_file(),
        "exercises": passing_exercises(module) if with_tests else None,
    }


def entry_status(entry: Download | Artifact, track: str, data_dir: Path, stamps: Stamps) -> dict:
    """{path, status, size, expected_size, command} for one manifest entry.

    A download kept as shards is sized by its text (the shards the track takes, and about what
    they hold together), and has `shards`, a phrase such as '1 shard, 100.0 MB of text'.
    """
    path = data_dir / entry.path
    if isinstance(entry, Download) and entry.shards:
        state = shards_status(entry, data_dir, track, stamps)
        return {"path": entry.path, "status": state.status, "size": state.text_bytes or None,
                "expected_size": entry.track_size(track),
                "command": fetch_command(track, entry.target), "shards": state.describe()}
    if isinstance(entry, Download):
        status = file_status(entry, data_dir, stamps)
        expected_size, command = entry.expected_size, fetch_command(track, entry.target)
    else:  # generated artifacts have no published checksum: they are there or not
        status = PRESENT if path.exists() else PARTIAL if part_path(path).exists() else MISSING
        expected_size, command = None, entry.produced_by
    on_disk = part_path(path) if status == PARTIAL else path
    return {"path": entry.path, "status": status,
            "size": _size(on_disk) if on_disk.exists() else None,
            "expected_size": expected_size, "command": command}


def answer_counts(module: CourseModule) -> dict[str, int]:
    """How many of the module's questions the learner answered, asked a hint for, left blank.

    Before the learner opens the module (no working copy yet), every question counts as blank.
    """
    counts = {"answered": 0, "hint": 0, "blank": 0}
    if module.working_copy.is_file():
        for qa in questions_and_answers(_read(module.working_copy, module)):
            counts[qa.status] += 1
    elif module.notebook.is_file():
        counts["blank"] = len(questions_and_answers(_read(module.notebook, module)))
    return counts


def passing_exercises(module: CourseModule) -> dict[str, bool]:
    """Exercise id -> whether all its tests pass. It runs the tests, so only on request."""
    from modules.course.exercise_status import exercise_results

    return exercise_results(module)


def format_report(reports: list[dict]) -> str:
    """The reports as a readable table, one block per module."""
    blocks = []
    for report in reports:
        lines = [f"Module {report['module']} · {report['title']}  ({report['track']} track)"]
        if not report["data"]:
            lines.append("  data       none needed on this track")
        width = max((len(d["path"]) for d in report["data"]), default=0)
        for i, item in enumerate(report["data"]):
            label = "data" if i == 0 else ""
            todo = "" if item["status"] == PRESENT else f"  -> {item['command']}"
            shards = f"  ({item['shards']})" if "shards" in item else ""
            lines.append(f"  {label:<10} {item['status']:<8} {_sizes(item):<22}"
                         f"{item['path']:<{width}}{shards}{todo}".rstrip())
        answers = report["answers"]
        where = ("" if report["working_copy"]
                 else f" (not started: ./notebook.sh {report['module']} opens it)")
        lines.append(f"  {'answers':<10} {answers['answered']} answered, {answers['hint']} "
                     f"asking for a hint, {answers['blank']} blank{where}")
        lines.append(f"  {'exercises':<10} {_exercises(report['exercises'])}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _sizes(item: dict) -> str:
    if item["status"] == PARTIAL and item["expected_size"]:
        return f"{format_size(item['size'])} of {format_size(item['expected_size'])}"
    if item["size"] is None:
        return format_size(item["expected_size"]) if item["expected_size"] else "-"
    return format_size(item["size"])


def _exercises(results: dict[str, bool] | None) -> str:
    if results is None:
        return "run with --tests to see which pass"
    if not results:
        return "none in this module"
    marks = "  ".join(f"{eid} {'✓' if ok else '✗'}" for eid, ok in results.items())
    return f"{sum(results.values())} of {len(results)} pass: {marks}"


def _size(path: Path) -> int:
    """A file's size, or the total size of the files in a folder (artifacts may be folders)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _read(notebook: Path, module: CourseModule):
    try:
        return read_notebook(notebook)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read {notebook}: {err}. If it is your working copy, "
                         f"./notebook.sh {module.nn} --fresh starts a new one and keeps this one "
                         f"as a backup.") from None
