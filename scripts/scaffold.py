#!/usr/bin/env python3
"""Generate the learners' scaffold from the solution on `main`, and prove it is real.

  scripts/scaffold.py build --out DIR [--only NN ...]   write the scaffold tree into DIR
  scripts/scaffold.py branch [--name scaffold]          commit it to a local branch
  scripts/scaffold.py check                             prove every stub is tested

See docs/instructors.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from modules.course.paths import REPO_ROOT
from modules.course.scaffold_check import check
from modules.course.scaffolding import build
from modules.course.solution_regions import MarkerError

GENERATED = "Scaffold generated from"  # every generated commit's message starts so


def git(*args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def refuse(message: str) -> int:
    print(f"scaffold: {message}", file=sys.stderr)
    return 1


def branch(name: str) -> int:
    """Commit the scaffold of HEAD to branch `name`, deterministically, without touching the
    working tree; refuses to run over uncommitted changes or over commits a person made."""
    dirty = git("status", "--porcelain")
    if dirty:
        return refuse("there are uncommitted changes; commit or stash them first:\n" + dirty)
    current = git("branch", "--show-current")
    if current == name:
        return refuse(f"you are on '{name}'; switch to the solution branch (git switch main)")
    exists = bool(subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{name}"],
                                 cwd=REPO_ROOT, capture_output=True).stdout)
    parent = git("rev-parse", f"refs/heads/{name}") if exists else None
    if parent and not git("log", "-1", "--format=%s", parent).startswith(GENERATED):
        return refuse(f"the tip of '{name}' was not generated (it may hold a learner's work), so "
                      f"regenerating would bury it; pick another name with --name")
    source = git("rev-parse", "HEAD")
    with tempfile.TemporaryDirectory(prefix="scaffold-") as tmp:
        out = Path(tmp) / "tree"
        build(REPO_ROOT, out)
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git("--work-tree", str(out), "add", "--all", "--force", ".", env=index)
        tree = git("write-tree", env=index)
    if parent and git("rev-parse", f"{parent}^{{tree}}") == tree:
        print(f"'{name}' is already the scaffold of {source[:12]} (tree {tree[:12]})")
        return 0
    date = git("log", "-1", "--format=%cI", source)
    message = (f"{GENERATED} {current or 'HEAD'} {source[:12]}\n\n"
               f"Made by scripts/scaffold.py branch; regenerate it, never edit it by hand.")
    commit = git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message,
                 env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    git("update-ref", f"refs/heads/{name}", commit)
    print(f"'{name}' now holds the scaffold of {source[:12]} (tree {tree[:12]}).\n"
          f"Switch to it with: git switch {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="write the scaffold tree into a new folder")
    build_cmd.add_argument("--out", type=Path, required=True)
    build_cmd.add_argument("--only", nargs="+", metavar="NN",
                           help="stub only these modules (e.g. 03 04)")
    branch_cmd = commands.add_parser("branch", help="commit the scaffold to a local branch")
    branch_cmd.add_argument("--name", default="scaffold")
    commands.add_parser("check", help="prove that every exercise's tests fail on its stub")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            only = {f"{int(n):02d}" for n in args.only} if args.only else None
            files = build(REPO_ROOT, args.out, only)
            print(f"wrote the scaffold ({len(files)} files) to {args.out}")
            return 0
        if args.command == "branch":
            return branch(args.name)
        problems = check(REPO_ROOT, log=lambda line: print(f"· {line}", flush=True))
    except (MarkerError, FileExistsError, RuntimeError) as err:
        return refuse(str(err))
    for problem in problems:
        print(f"✗ {problem}")
    print("scaffold check: " + (f"{len(problems)} problems" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
