#!/usr/bin/env python3
"""Print every Question/Answer pair of a learner's notebook, for grading.

  scripts/answers.py NN [--notebook PATH] [--json] [--key]

Reads the learner's working copy (notebooks/work/NN_slug.ipynb) unless --notebook is given.
Each answer has a status: `blank` (skipped: do not grade), `hint` (the learner asks for a
hint: give one, not a grade) or `answered`. --key adds the reference answers from the clean
notebook on the branch `main`; they are for the grader only (see AGENTS.md).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path

import nbformat

from modules.course.catalogue import CourseModule, find_module
from modules.course.notebook_cells import questions_and_answers, read_notebook, reference_answers
from modules.course.paths import REPO_ROOT

SOLUTION_BRANCH = "main"


class AnswersError(Exception):
    """Bad input: the message says what was wrong and what to do."""


def learner_notebook(module: CourseModule, path: Path | None):
    path = path or module.working_copy
    if not path.is_file():
        hint = ("" if path != module.working_copy else
                f" The learner has not opened module {module.nn} yet (./notebook.sh {module.nn}); "
                "or pass --notebook PATH.")
        raise AnswersError(f"no notebook at {path}.{hint}")
    try:
        return read_notebook(path)
    except Exception as err:  # nbformat raises several types for unreadable files
        raise AnswersError(f"{path} is not a readable notebook ({err})") from None


def reference_key(module: CourseModule) -> dict[str, str]:
    """Reference answers from the clean notebook on `main` (or this checkout's, if it has them)."""
    relative = module.notebook.relative_to(REPO_ROOT).as_posix()
    shown = subprocess.run(["git", "show", f"{SOLUTION_BRANCH}:{relative}"], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    nb = (nbformat.reads(shown.stdout, as_version=4) if shown.returncode == 0
          else read_notebook(module.notebook))
    key = reference_answers(nb)
    if not any(key.values()):
        raise AnswersError(f"no reference answers found for module {module.nn}: they live in "
                           f"{relative} on the branch '{SOLUTION_BRANCH}', which this copy lacks")
    return key


def collect(module: CourseModule, notebook: Path | None, with_key: bool) -> list[dict]:
    pairs = [vars(qa) for qa in questions_and_answers(learner_notebook(module, notebook))]
    if with_key:
        key = reference_key(module)
        for pair in pairs:
            pair["reference"] = key.get(pair["id"], "")
    return pairs


def as_text(pairs: list[dict]) -> str:
    blocks = []
    for pair in pairs:
        lines = [f"== Question {pair['id']} [{pair['status']}]", pair["prompt"], "",
                 "-- answer:", pair["answer"] or "(blank)"]
        if "reference" in pair:
            lines += ["", "-- reference (for the grader only):", pair["reference"]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "(this notebook has no questions)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="module number, e.g. 3 or 03")
    parser.add_argument("--notebook", type=Path, help="read this notebook instead of the "
                        "learner's working copy")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.add_argument("--key", action="store_true", help="add the reference answers")
    args = parser.parse_args(argv)
    try:
        pairs = collect(find_module(args.module), args.notebook, args.key)
    except (ValueError, AnswersError) as err:
        print(f"answers: {err}", file=sys.stderr)
        return 2
    print(json.dumps(pairs, indent=1, ensure_ascii=False) if args.json else as_text(pairs))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly, like other tools
    sys.exit(main())
