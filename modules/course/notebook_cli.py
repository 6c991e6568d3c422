"""`./notebook.sh NN [--fresh] [--no-launch]`: open the learner's own copy of a notebook."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from modules.course.catalogue import CourseModule, find_module
from modules.course.paths import BACKUP_DIR, REPO_ROOT


def back_up(copy: Path) -> Path:
    """Move `copy` into the backup folder under a timestamped name and return its new path."""
    BACKUP_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = BACKUP_DIR / f"{copy.stem}-{stamp}{copy.suffix}"
    counter = 1
    while backup.exists():
        backup = BACKUP_DIR / f"{copy.stem}-{stamp}-{counter}{copy.suffix}"
        counter += 1
    shutil.move(copy, backup)
    return backup


def prepare_working_copy(module: CourseModule, fresh: bool) -> Path:
    copy = module.working_copy
    if copy.exists() and fresh:
        print(f"Kept your previous copy as {back_up(copy)}")
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module.notebook, copy)
        print(f"Created your working copy from {module.notebook.relative_to(REPO_ROOT)}")
    return copy


def main(argv: list[str] | None = None) -> int | None:
    parser = argparse.ArgumentParser(prog="./notebook.sh", description=__doc__)
    parser.add_argument("module", help="module number, e.g. 3 or 03")
    parser.add_argument("--fresh", action="store_true",
                        help="start over from the clean notebook (your old copy is backed up)")
    parser.add_argument("--no-launch", action="store_true",
                        help="prepare the working copy and print its path; do not start Jupyter")
    args = parser.parse_args(argv)
    try:
        module = find_module(args.module)
    except ValueError as err:
        print(f"notebook.sh: {err}", file=sys.stderr)
        return 2
    copy = prepare_working_copy(module, args.fresh)
    print(f"Your working copy: {copy}")
    if args.no_launch:
        return 0
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={REPO_ROOT}", str(copy)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers often run as root; Jupyter refuses without it
    os.execv(sys.executable, command)  # replaces this process with JupyterLab


if __name__ == "__main__":
    sys.exit(main())
