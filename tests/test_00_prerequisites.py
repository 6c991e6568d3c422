"""Module 00, prerequisites: the notebook is the exercise.

Its check cells compare the learner's values with references computed in the notebook itself, so the
contract is that the notebook runs top to bottom (the learner's working copy when there is one, else
the clean copy). The other tests check the clean notebook's format, which the course tools rely on.
"""

import re

import nbformat
import pytest

from modules.course.catalogue import find_module
from modules.course.notebook_cells import (
    course_meta,
    notebook_problems,
    read_notebook,
    reference_answers,
)
from modules.course.notebook_run import execute_notebook, notebook_to_run

module = find_module("00")
path = notebook_to_run(module)
CLEAN = read_notebook(module.notebook)
EXERCISES = sorted(course_meta(cell)["id"] for cell in CLEAN.cells
                   if course_meta(cell).get("kind") == "exercise")
REGION = re.compile(r"^# BEGIN SOLUTION (\S+)$.*?^# END SOLUTION$", re.M | re.S)


@pytest.mark.notebook
@pytest.mark.exercise(*EXERCISES)
def test_00_notebook_runs_top_to_bottom():
    execute_notebook(path)


def test_00_notebook_is_well_formed_and_stored_canonically():
    assert notebook_problems(CLEAN, "00") == []
    assert CLEAN.metadata["course"] == {"module": "00"}
    # Exactly what nbformat.write produces (no outputs, sorted keys, one trailing newline).
    assert nbformat.writes(CLEAN) + "\n" == module.notebook.read_text(encoding="utf-8")


def test_00_every_exercise_has_a_region_a_check_and_every_question_an_answer():
    cells = CLEAN.cells
    for index, cell in enumerate(cells):
        meta = course_meta(cell)
        if meta.get("kind") == "exercise":
            after = cells[index + 1] if index + 1 < len(cells) else None
            assert after is not None and course_meta(after) == {"kind": "check", "id": meta["id"]}
            assert f'passed("{meta["id"]}"' in after.source
    regions = {match.group(1): cell for cell in cells for match in REGION.finditer(cell.source)}
    if not regions:
        pytest.skip("no solution regions: this is the scaffold, where the answers are emptied")
    assert sorted(regions) == EXERCISES, "exactly one solution region per exercise cell"
    for qid, cell in regions.items():
        assert course_meta(cell) == {"kind": "exercise", "id": qid}
    answers = reference_answers(CLEAN)
    assert len(answers) >= 5
    assert all(answers.values()), "every question needs a reference answer on main"
