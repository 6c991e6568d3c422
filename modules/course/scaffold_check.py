"""The proof that the scaffold is real.

1. Nothing leaks: no solution marker in the scaffold's modules or notebooks, every answer cell
   empty, and no reference answer anywhere in the scaffold's files (and every question has one).
2. For each module NN, with only module NN stubbed, every test marked `exercise(...)` in
   `tests/test_NN_*.py` fails with NotImplementedError, every exercise has such a test, and no
   unmarked test depends on a stub.
3. On the full scaffold, `pytest -x` fails first on the earliest exercise, never on tooling,
   and the tooling tests pass.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import nbformat

from modules.course.exercise_ids import exercise_order
from modules.course.exercise_status import run_probed_pytest
from modules.course.notebook_cells import questions_and_answers, reference_answers
from modules.course.scaffolding import build, course_files, exercise_module, solution_exercises

NESTED = {"COURSE_SCAFFOLD_NESTED": "1"}  # the scaffold check skips itself inside a scaffold


def _probe(tree: Path, args: list[str]) -> tuple[list[dict], str]:
    return run_probed_pytest(args, cwd=tree, env={**NESTED, "PYTHONPATH": str(tree)})


def _as_learner_checkout(root: Path, tree: Path) -> None:
    """Make a scaffold tree look like a learner's checkout: a git repository on the branch
    `scaffold`, with the data and .venv of `root` (both git-ignored)."""
    for name in ("data", ".venv"):
        if (root / name).is_dir() and not (tree / name).exists():
            (tree / name).symlink_to((root / name).resolve(), target_is_directory=True)
    for command in (["init", "-q", "-b", "scaffold"], ["add", "-A"],
                    ["-c", "user.name=scaffold", "-c", "user.email=scaffold@localhost",
                     "commit", "-q", "-m", "scaffold"]):
        subprocess.run(["git", *command], cwd=tree, check=True, capture_output=True)


def leaks(root: Path, scaffold: Path, files: list[str]) -> list[str]:
    """Markers or reference answers that survive into the scaffold, and missing references."""
    problems, references = [], []
    for path in files:
        if path.endswith(".ipynb") and exercise_module(path):
            nb = nbformat.read(str(root / path), as_version=4)
            for qid, text in reference_answers(nb).items():
                if text:
                    references.append((path, qid, text))
                else:
                    problems.append(f"{path}: question {qid} has no reference answer")
    for path in files:
        if exercise_module(path) is None:
            text = _readable_text(scaffold / path)
        elif path.endswith(".ipynb"):
            nb = nbformat.read(str(scaffold / path), as_version=4)
            text = "\n".join(cell.source for cell in nb.cells)
            problems += [f"{path}: answer {qa.id} is not empty in the scaffold"
                         for qa in questions_and_answers(nb) if qa.status != "blank"]
        else:
            text = (scaffold / path).read_text()
        if exercise_module(path) and ("BEGIN SOLUTION" in text or "END SOLUTION" in text):
            problems.append(f"{path}: a solution marker leaks into the scaffold")
        problems += [f"{path}: contains the reference answer to question {qid} (from {source})"
                     for source, qid, answer in references if answer in text]
    return problems


def _readable_text(path: Path) -> str:
    try:
        return path.read_text()
    except (UnicodeDecodeError, IsADirectoryError):
        return ""


def judge_module(module: str, exercises: set[str], records: list[dict], output: str) -> list[str]:
    """What is wrong with module `module`'s tests when only its regions are stubbed."""
    if not records:
        return [f"module {module}: pytest ran no test on its stubs; its output ends:\n"
                + output[-1500:]]
    problems = []
    not_implemented: set[str] = set()
    for record in records:
        name, marked = record["nodeid"], set(record["exercises"])
        if record["outcome"] == "error":
            problems.append(f"{name}: cannot be collected on the stubs: {record['message']}")
        for unknown in sorted(marked - exercises):
            problems.append(f"{name}: marked exercise({unknown!r}) but no solution region "
                            f"{unknown} exists")
        if not marked:
            if record["outcome"] == "failed":
                problems.append(f"{name}: fails on the stubs ({record['message']}) but is not "
                                f"marked exercise(...), so its name does not lead to an exercise")
        elif record["outcome"] == "passed":
            problems.append(f"{name}: passes on the stubs of {sorted(marked)}, so it does not "
                            f"test them")
        elif record["outcome"] == "failed" and not record["not_implemented"]:
            problems.append(f"{name}: fails on the stubs with {record['message']!r} instead of "
                            f"NotImplementedError")
        elif record["outcome"] == "failed":
            not_implemented |= marked
    for exercise in sorted(exercises - not_implemented, key=exercise_order):
        problems.append(f"exercise {exercise}: no test marked exercise({exercise!r}) fails with "
                        f"NotImplementedError on its stub")
    return problems


def judge_first_failure(records: list[dict], earliest: str) -> list[str]:
    """`pytest -x` on the whole scaffold must stop first on the earliest exercise."""
    failures = [r for r in records if r["outcome"] in ("failed", "error")]
    if not failures:
        return [f"pytest -x passed on the whole scaffold; it should fail on exercise {earliest}"]
    first = failures[0]
    if earliest not in first["exercises"] or not first["not_implemented"]:
        return [f"pytest -x on the scaffold fails first on {first['nodeid']} "
                f"({first['message']}), not on exercise {earliest} with NotImplementedError"]
    return []


def check(root: Path, log=print) -> list[str]:
    """Every problem found; an empty list means the scaffold is proven."""
    files = course_files(root)
    exercises = solution_exercises(root, files)
    if not exercises:
        return ["no solution regions found: nothing to prove"]
    problems = []
    with tempfile.TemporaryDirectory(prefix="scaffold-check-") as tmp:
        full = Path(tmp) / "full"
        build(root, full)
        _as_learner_checkout(root, full)
        log("checking for leaks")
        problems += leaks(root, full, files)
        for module in sorted(exercises):
            log(f"module {module}: its tests on its stubs alone")
            tests = sorted(str(p.relative_to(root))
                           for p in (root / "tests").glob(f"test_{module}_*.py"))
            if not tests:
                problems.append(f"module {module} has solution regions but no "
                                f"tests/test_{module}_*.py")
                continue
            tree = Path(tmp) / f"only-{module}"
            build(root, tree, only={module})
            _as_learner_checkout(root, tree)
            problems += judge_module(module, exercises[module], *_probe(tree, tests))
        earliest = min((e for ids in exercises.values() for e in ids), key=exercise_order)
        log(f"the whole scaffold: pytest -x must fail first on exercise {earliest}")
        problems += judge_first_failure(_probe(full, ["-x"])[0], earliest)
        if (full / "tests" / "tooling").is_dir():
            log("the whole scaffold: the tooling tests must pass")
            records, output = _probe(full, ["tests/tooling"])
            problems += [f"{r['nodeid']}: tooling test fails on the scaffold: {r['message']}"
                         for r in records if r["outcome"] in ("failed", "error")]
    return problems
