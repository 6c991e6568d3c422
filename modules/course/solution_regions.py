"""Solution regions: the code a learner writes, fenced by marker comments.

A region is a line `# BEGIN SOLUTION NN.k` and a line `# END SOLUTION` (same indentation, each
alone on its line). The scaffold replaces each region with one line that raises
NotImplementedError naming the exercise and where it lives; everything outside is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?:[ \t]+(?P<id>\S+))?[ \t]*$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
EXERCISE_ID = re.compile(r"\d\d\.\d+")
DEFINITION = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(?P<name>\w+)")


class MarkerError(ValueError):
    """Solution markers that do not pair up, nest, or lack an exercise id."""


@dataclass(frozen=True)
class Region:
    exercise: str  # "03.2"
    begin: int  # index of the BEGIN line
    end: int  # index of the END line
    indent: str
    owner: str | None  # "Value.backward": the function or class the region sits in


def _owner(lines: list[str], begin: int, indent: str) -> str | None:
    """The dotted name of the definitions enclosing line `begin`, innermost last."""
    names, width = [], len(indent)
    for line in reversed(lines[:begin]):
        match = DEFINITION.match(line)
        if match and len(match.group("indent")) < width:
            names.append(match.group("name"))
            width = len(match.group("indent"))
    return ".".join(reversed(names)) or None


def find_regions(source: str, where: str) -> list[Region]:
    """Every region in `source`; `where` names the file in error messages."""
    lines = source.splitlines()
    regions, open_at = [], None
    for index, line in enumerate(lines):
        begin = BEGIN.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(f"{where}:{index + 1}: BEGIN SOLUTION inside the region "
                                  f"opened at line {open_at + 1}; regions cannot nest")
            exercise = begin.group("id") or ""
            if not EXERCISE_ID.fullmatch(exercise):
                raise MarkerError(f"{where}:{index + 1}: BEGIN SOLUTION needs an exercise id "
                                  f"like 'BEGIN SOLUTION 03.2', got {exercise!r}")
            open_at, open_id, open_indent = index, exercise, begin.group("indent")
        elif END.match(line):
            if open_at is None:
                raise MarkerError(f"{where}:{index + 1}: END SOLUTION without a BEGIN")
            regions.append(Region(open_id, open_at, index, open_indent,
                                  _owner(lines, open_at, open_indent)))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{where}:{open_at + 1}: BEGIN SOLUTION is never closed")
    return regions


def stub_message(region: Region, where: str) -> str:
    target = f"`{region.owner}` in {where}" if region.owner else where
    return f"Exercise {region.exercise}: implement {target}"


def stub_source(source: str, where: str) -> str:
    """`source` with every region replaced by a line raising NotImplementedError."""
    lines = source.splitlines(keepends=True)
    out, cursor = [], 0
    for region in find_regions(source, where):
        out.extend(lines[cursor:region.begin])
        message = stub_message(region, where).replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'{region.indent}raise NotImplementedError("{message}")\n')
        cursor = region.end + 1
    out.extend(lines[cursor:])
    return "".join(out)
