"""What a notebook's check cells call.

- `check("03.2")` runs the contract tests of exercise 03.2 in this process, against the code as
  it is on disk now, and raises if any fails. Notebooks load IPython's autoreload, which updates
  edited modules in place; elsewhere `check` re-imports them.
- `expect(...)` compares a value written in the notebook itself (Module 00) without revealing
  the expected value, and `passed(...)` prints the tick.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from modules.course.catalogue import find_module
from modules.course.exercise_ids import marked_exercises, owning_exercise
from modules.course.paths import REPO_ROOT


class ExerciseNotDone(AssertionError):
    """A check found that an exercise is not finished yet."""


def passed(exercise_id: str, detail: str = "") -> None:
    print(f"✓ Exercise {exercise_id} passed" + (f": {detail}" if detail else ""))


def expect(exercise_id: str, name: str, got, want, tol: float = 1e-6) -> None:
    """Raise ExerciseNotDone if `got` differs from `want`, without printing `want`.

    Numbers and arrays are compared with absolute and relative tolerance `tol`; tuples
    (shapes) and strings must be equal.
    """
    if isinstance(want, (tuple, str)):
        if got != want:
            raise ExerciseNotDone(f"Exercise {exercise_id}: `{name}` = {got!r} is not right yet.")
        return
    got_array = np.asarray(got, dtype=np.float64)
    want_array = np.asarray(want, dtype=np.float64)
    if got_array.shape != want_array.shape:
        raise ExerciseNotDone(f"Exercise {exercise_id}: `{name}` has shape {got_array.shape}; "
                              f"the shape is not right yet.")
    if not np.allclose(got_array, want_array, atol=tol, rtol=tol):
        raise ExerciseNotDone(f"Exercise {exercise_id}: `{name}` = {got!r} is not right yet "
                              f"(tolerance {tol}).")


class _SelectExercise:
    """A pytest plugin that keeps only the tests of one exercise: those whose `exercise` marker
    names it as the last of its ids (see exercise_ids), except notebook tests (a check cell must
    not execute the notebook it sits in)."""

    def __init__(self, exercise_id: str):
        self.exercise_id = exercise_id
        self.selected = 0

    def pytest_collection_modifyitems(self, config, items):
        keep = [item for item in items if not item.get_closest_marker("notebook") and
                owning_exercise(marked_exercises(item)) == self.exercise_id]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep
        self.selected = len(keep)


def _autoreload_active() -> bool:
    """True inside IPython with the autoreload extension, which reloads edited modules in place
    before every cell (so objects made earlier in the notebook keep working)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and any("autoreload" in name
                                     for name in shell.extension_manager.loaded)


def _forget_course_code() -> None:
    """Drop imported test code, and module code unless autoreload keeps it current, so that the
    next import reads the files on disk."""
    roots = [REPO_ROOT / "tests"] + ([] if _autoreload_active() else [REPO_ROOT / "modules"])
    keep = REPO_ROOT / "modules" / "course"
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if any(path.is_relative_to(root) for root in roots) and not path.is_relative_to(keep):
            del sys.modules[name]


def check(exercise_id: str) -> None:
    """Run the tests of one exercise (e.g. "03.2") and raise ExerciseNotDone if any fails."""
    module = find_module(exercise_id.split(".")[0])
    _forget_course_code()
    selector = _SelectExercise(exercise_id)
    code = pytest.main([str(module.test_file), "-q", "--no-header", "-p", "no:cacheprovider",
                        f"--rootdir={REPO_ROOT}", "--tb=short"], plugins=[selector])
    if selector.selected == 0:
        raise ExerciseNotDone(f"no tests are marked exercise({exercise_id!r}) in "
                              f"{module.test_file}")
    if code != 0:
        raise ExerciseNotDone(f"Exercise {exercise_id} is not done yet: read the first failure "
                              f"above, fix the code it names, then run this cell again.")
    passed(exercise_id, f"{selector.selected} tests")
