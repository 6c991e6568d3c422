"""The scaffold generator and check, proven on a two-exercise fixture course and on this course."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from modules.course.notebook_cells import answer_cell_source, notebook_text, questions_and_answers
from modules.course.paths import REPO_ROOT
from modules.course.scaffold_check import check
from modules.course.scaffolding import build
from modules.course.solution_regions import MarkerError, find_regions, stub_source

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "scaffold_course"
STUBBED_ARITH = '''"""Two tiny exercises."""


def add(a, b):
    """Return a + b."""
    raise NotImplementedError("Exercise 01.1: implement `add` in modules/m01_fixture/arith.py")


class Counter:
    def __init__(self):
        self.count = 0

    def increment(self):
        """Add one to the count and return it."""
        raise NotImplementedError("Exercise 01.2: implement `Counter.increment` in modules/m01_fixture/arith.py")
        return self.count


def double(a):
    """Provided, not an exercise."""
    return 2 * a
'''  # noqa: E501 (the stub line is as long as the generator writes it)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A git repository holding the fixture course plus the real course plumbing."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    shutil.copytree(REPO_ROOT / "modules" / "course", root / "modules" / "course",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "scripts").mkdir()
    shutil.copy(REPO_ROOT / "scripts" / "scaffold.py", root / "scripts")
    shutil.copy(REPO_ROOT / "pyproject.toml", root)
    shutil.copy(REPO_ROOT / "tests" / "conftest.py", root / "tests")
    (root / ".gitignore").write_text("__pycache__/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "fixture course")
    return root


def scaffold_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the course's own copy of scripts/scaffold.py, as a learner would."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "scripts/scaffold.py", *args], cwd=root, env=env,
                          capture_output=True, text=True)


def test_stub_replaces_each_region_with_one_raise_naming_exercise_and_place(tmp_path):
    source = (FIXTURE / "modules/m01_fixture/arith.py").read_text()
    assert stub_source(source, "modules/m01_fixture/arith.py") == STUBBED_ARITH


def test_unbalanced_nested_or_unnamed_markers_are_rejected_with_the_line():
    with pytest.raises(MarkerError, match=r"f\.py:2: END SOLUTION without a BEGIN"):
        find_regions("x = 1\n# END SOLUTION\n", "f.py")
    with pytest.raises(MarkerError, match=r"f\.py:1: BEGIN SOLUTION is never closed"):
        find_regions("# BEGIN SOLUTION 01.1\nx = 1\n", "f.py")
    with pytest.raises(MarkerError, match=r"f\.py:2: .*cannot nest"):
        find_regions("# BEGIN SOLUTION 01.1\n# BEGIN SOLUTION 01.2\n# END SOLUTION\n"
                     "# END SOLUTION\n", "f.py")
    with pytest.raises(MarkerError, match=r"needs an exercise id"):
        find_regions("# BEGIN SOLUTION\n# END SOLUTION\n", "f.py")


def test_build_stubs_modules_empties_answers_and_copies_the_rest(course, tmp_path):
    out = tmp_path / "scaffold"
    build(course, out)
    assert (out / "modules/m01_fixture/arith.py").read_text() == STUBBED_ARITH
    assert (out / "tests/test_01_fixture.py").read_bytes() == \
        (course / "tests/test_01_fixture.py").read_bytes()
    nb = nbformat.read(str(out / "notebooks/01_fixture.ipynb"), as_version=4)
    assert [(qa.id, qa.status) for qa in questions_and_answers(nb)] == [("01.1", "blank")]
    with pytest.raises(FileExistsError):
        build(course, out)


def test_build_only_one_module_leaves_the_others_solved(course, tmp_path):
    build(course, tmp_path / "none", only={"02"})
    assert (tmp_path / "none/modules/m01_fixture/arith.py").read_text() == \
        (course / "modules/m01_fixture/arith.py").read_text()


def test_check_passes_on_a_sound_course(course):
    assert check(course, log=lambda _: None) == []


def test_check_reports_a_test_that_passes_on_its_stub(course):
    test_file = course / "tests/test_01_fixture.py"
    test_file.write_text(test_file.read_text() + '''

@pytest.mark.exercise("01.1")
def test_01_1_forgets_to_call_add():
    assert 2 + 3 == 5
''')
    commit_all(course)
    problems = check(course, log=lambda _: None)
    assert any("test_01_1_forgets_to_call_add: passes on the stubs" in p for p in problems)


def test_check_reports_wrong_errors_unmarked_dependants_and_untested_regions(course):
    test_file = course / "tests/test_01_fixture.py"
    test_file.write_text(test_file.read_text().replace(
        '@pytest.mark.exercise("01.2")\n', "") + '''

@pytest.mark.exercise("01.1")
def test_01_1_raises_something_else():
    raise ValueError("not the stub")
''')
    commit_all(course)
    problems = "\n".join(check(course, log=lambda _: None))
    assert "test_01_1_raises_something_else: fails on the stubs with" in problems
    assert "ValueError" in problems
    assert "test_01_2_increment_counts: fails on the stubs" in problems
    assert "is not marked exercise(...)" in problems
    assert "exercise 01.2: no test marked exercise('01.2')" in problems


def test_check_reports_leaked_reference_answers(course):
    (course / "README.md").write_text("Because a + b and b + a count the same objects.\n")
    commit_all(course)
    problems = check(course, log=lambda _: None)
    assert any("README.md: contains the reference answer to question 01.1" in p for p in problems)


def test_check_reports_a_question_without_a_reference_answer(course):
    path = course / "notebooks/01_fixture.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[-1].source = answer_cell_source("01.1", "")
    path.write_text(notebook_text(nb))
    commit_all(course)
    problems = check(course, log=lambda _: None)
    assert "notebooks/01_fixture.ipynb: question 01.1 has no reference answer" in problems


def test_branch_is_deterministic_and_never_touches_the_working_tree(course):
    first = scaffold_cli(course, "branch")
    assert first.returncode == 0, first.stderr
    tree = git(course, "rev-parse", "scaffold^{tree}")
    assert git(course, "status", "--porcelain") == ""
    assert "return a + b" in (course / "modules/m01_fixture/arith.py").read_text()
    again = scaffold_cli(course, "branch")
    assert again.returncode == 0 and "already" in again.stdout
    assert git(course, "rev-parse", "scaffold^{tree}") == tree
    shown = git(course, "show", "scaffold:modules/m01_fixture/arith.py")
    assert shown + "\n" == STUBBED_ARITH


def test_branch_refuses_uncommitted_changes(course):
    (course / "modules/m01_fixture/arith.py").write_text("# my work in progress\n")
    done = scaffold_cli(course, "branch")
    assert done.returncode == 1 and "uncommitted changes" in done.stderr
    assert (course / "modules/m01_fixture/arith.py").read_text() == "# my work in progress\n"


def test_branch_refuses_to_bury_a_learners_commits(course):
    assert scaffold_cli(course, "branch").returncode == 0
    git(course, "switch", "-q", "scaffold")
    (course / "modules/m01_fixture/arith.py").write_text("def add(a, b):\n    return a + b\n")
    commit_all(course, "my solution")
    on_branch = scaffold_cli(course, "branch")
    assert on_branch.returncode == 1 and "you are on 'scaffold'" in on_branch.stderr
    git(course, "switch", "-q", "main")
    done = scaffold_cli(course, "branch")
    assert done.returncode == 1 and "was not generated" in done.stderr
    assert git(course, "log", "-1", "--format=%s", "scaffold") == "my solution"


@pytest.mark.skipif(os.environ.get("COURSE_SCAFFOLD_NESTED") == "1",
                    reason="already running inside a scaffold check")
def test_scaffold_check_passes_on_this_course():
    problems = check(REPO_ROOT, log=lambda _: None)
    assert problems == [], "\n".join(problems)
