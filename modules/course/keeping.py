"""The downloaders' one rule: no step deletes a complete download or a learner's file.

A file already in place that fails its check is moved aside to `<file>.invalid-<time>` by
`set_aside`; bytes that arrive but fail their check are kept as `<file>.corrupt` by
`keep_corrupt`, and the source that sent them is `Rejected` with a message that says where.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from modules.course.verify import Stamps

NOT_THE_FILE = "not the file the manifest describes (wrong size or sha256)"


class Rejected(Exception):
    """A source's bytes arrived but failed a check; the message says how, and where they are."""


def set_aside(path: Path, stamps: Stamps | None, rel_path: str | None,
              why: str = NOT_THE_FILE, then: str = "fetching again") -> Path:
    """Move an invalid file (or folder) to `<name>.invalid-<time>`, never deleting it, and say so.

    `rel_path` is its stamp in `stamps` (data/.verified.json), forgotten; None: it has none.
    """
    now = time.strftime("%Y%m%d-%H%M%S")
    aside, counter = path.with_name(f"{path.name}.invalid-{now}"), 2
    while aside.exists():  # twice in one second: never overwrite an earlier copy
        aside, counter = path.with_name(f"{path.name}.invalid-{now}-{counter}"), counter + 1
    os.replace(path, aside)
    if stamps is not None and rel_path is not None:
        stamps.forget(rel_path)
    print(f"{path}: {why}; moved it to {aside} (delete it once you no longer need it) "
          f"and {then}.")
    return aside


def keep_corrupt(part: Path, target: Path, problem: str) -> Rejected:
    """Keep bytes that failed their check as `<target>.corrupt`; the error that says so."""
    corrupt = target.with_name(target.name + ".corrupt")
    os.replace(part, corrupt)
    return Rejected(f"{problem}; the bytes received are kept in {corrupt} "
                    f"(look at them if you like, then delete it)")
