"""The notebook check helpers (`expect`, `check`) and the notebook format checker."""

import sys

import nbformat
import pytest

import modules.course.checks as checks
from modules.course.catalogue import CourseModule
from modules.course.checks import ExerciseNotDone, expect
from modules.course.notebook_cells import (
    KERNEL_NAME,
    answer_cell_source,
    notebook_problems,
)


def test_expect_accepts_values_within_tolerance():
    expect("00.1", "x", [1.0, 2.0 + 1e-9], [1.0, 2.0])
    expect("00.1", "shape", (2, 3), (2, 3))


@pytest.mark.parametrize("got, want, words", [
    ([1.0, 2.5], [1.0, 2.0], "is not right yet"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "has shape (3,)"),
    ((3, 2), (2, 3), "is not right yet"),
])
def test_expect_rejects_without_revealing_the_expected_value(got, want, words):
    with pytest.raises(ExerciseNotDone) as err:
        expect("00.2", "product", got, want)
    assert "Exercise 00.2" in str(err.value) and words in str(err.value)
    assert repr(want) not in str(err.value) and "2.0]" not in str(err.value).split("=")[0]


@pytest.fixture
def fake_module(tmp_path, monkeypatch):
    """Module 01 with a test file of two exercises: 01.1 passes, 01.2 fails (including a test
    that names both); and a notebook."""
    tests = tmp_path / "test_01_fake.py"
    tests.write_text('''import pytest

@pytest.mark.exercise("01.1")
def test_01_1_passes():
    assert 1 + 1 == 2

@pytest.mark.exercise("01.2")
def test_01_2_fails():
    raise NotImplementedError("Exercise 01.2: implement `thing` in modules/m01_fake/x.py")

@pytest.mark.exercise("01.1", "01.2")
def test_01_2_needs_01_1_too():
    raise NotImplementedError("Exercise 01.2: implement `thing` in modules/m01_fake/x.py")

@pytest.mark.notebook
@pytest.mark.exercise("01.1")
def test_01_notebook_would_run_the_check_cell_again():
    raise AssertionError("a check cell must never execute its own notebook")
''')
    module = CourseModule(1, "fake", "Fake", "m01_fake")
    monkeypatch.setattr(CourseModule, "test_file", property(lambda self: tests))
    monkeypatch.setattr(checks, "find_module", lambda spec: module)
    yield module
    sys.modules.pop("test_01_fake", None)  # each test writes its own copy of this file


def test_check_runs_only_the_exercises_tests_and_reports_success(fake_module, capsys):
    checks.check("01.1")  # not the test that also needs 01.2: it belongs to 01.2's check
    assert "✓ Exercise 01.1 passed: 1 tests" in capsys.readouterr().out


def test_check_raises_when_an_exercise_test_fails(fake_module, capsys):
    with pytest.raises(ExerciseNotDone, match="Exercise 01.2 is not done yet"):
        checks.check("01.2")
    assert "implement `thing`" in capsys.readouterr().out


def test_check_of_an_exercise_without_tests_says_so(fake_module):
    with pytest.raises(ExerciseNotDone, match=r"no tests are marked exercise\('01.9'\)"):
        checks.check("01.9")


def well_formed_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": KERNEL_NAME, "display_name": "x", "language": "python"}
    cells = [
        (nbformat.v4.new_markdown_cell("**Question 03.1** Why?"), "question"),
        (nbformat.v4.new_code_cell(answer_cell_source("03.1", "Because.")), "answer"),
        (nbformat.v4.new_code_cell("# BEGIN SOLUTION 03.2\nx = 1\n# END SOLUTION"), "exercise"),
        (nbformat.v4.new_code_cell("assert x == 1"), "check"),
    ]
    for index, (cell, kind) in enumerate(cells):
        cell.id = f"cell-{index}"
        cell.metadata["course"] = {"kind": kind, "id": "03.1" if index < 2 else "03.2"}
    nb.cells = [cell for cell, _ in cells]
    return nb


def test_a_well_formed_notebook_has_no_problems():
    assert notebook_problems(well_formed_notebook(), "03") == []


@pytest.mark.parametrize("damage, problem", [
    (lambda nb: nb.cells[1].outputs.append(nbformat.v4.new_output("stream", text="hi")),
     "stored with outputs"),
    (lambda nb: nb.cells.pop(1), "is not followed by its answer cell"),
    (lambda nb: nb.cells.insert(0, nb.cells.pop(1)), "does not follow its question"),
    (lambda nb: nb.cells[1].metadata["course"].update(id="04.1"), "is not of the form 03.k"),
    (lambda nb: setattr(nb.cells[1], "source", "answer = 'x'"), 'must start `answer_03_1 = """`'),
    (lambda nb: setattr(nb.cells[3], "id", "cell-0"), "duplicate cell id"),
    (lambda nb: nb.cells.pop(2), "does not follow exercise 03.2"),
    (lambda nb: nb.metadata.kernelspec.update(name="python3"), "kernelspec must be"),
    (lambda nb: nb.cells[0].metadata["course"].update(kind="quiz"), "unknown course kind"),
])
def test_the_checker_names_each_kind_of_damage(damage, problem):
    nb = well_formed_notebook()
    damage(nb)
    assert any(problem in p for p in notebook_problems(nb, "03")), notebook_problems(nb, "03")
