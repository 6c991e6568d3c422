"""./notebook.sh: module lookup, working copies, --fresh backups, --no-launch."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from modules.course.catalogue import find_module
from modules.course.paths import REPO_ROOT

MODULE = find_module("00")


def run_notebook_sh(work_dir: Path, *args: str, script: Path = REPO_ROOT / "notebook.sh"):
    env = {**os.environ, "COURSE_WORK_DIR": str(work_dir)}
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True)


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path / "work"


def test_no_launch_creates_the_working_copy_from_the_clean_notebook(work_dir):
    done = run_notebook_sh(work_dir, "0", "--no-launch")
    copy = work_dir / MODULE.notebook.name
    assert done.returncode == 0, done.stderr
    assert str(copy) in done.stdout
    assert copy.read_bytes() == MODULE.notebook.read_bytes()


def test_an_existing_copy_is_kept_as_it_is(work_dir):
    copy = work_dir / MODULE.notebook.name
    run_notebook_sh(work_dir, "00", "--no-launch")
    copy.write_text("my edits")
    assert run_notebook_sh(work_dir, "00", "--no-launch").returncode == 0
    assert copy.read_text() == "my edits"


def test_fresh_keeps_the_old_copy_as_a_timestamped_backup_and_says_where(work_dir):
    copy = work_dir / MODULE.notebook.name
    run_notebook_sh(work_dir, "00", "--no-launch")
    copy.write_text("my edits")
    done = run_notebook_sh(work_dir, "00", "--fresh", "--no-launch")
    assert done.returncode == 0, done.stderr
    backups = list((work_dir / "backups").glob(f"{copy.stem}-*.ipynb"))
    assert [b.read_text() for b in backups] == ["my edits"]
    assert str(backups[0]) in done.stdout
    assert copy.read_bytes() == MODULE.notebook.read_bytes()
    run_notebook_sh(work_dir, "00", "--fresh", "--no-launch")
    assert len(list((work_dir / "backups").iterdir())) == 2


@pytest.mark.parametrize("bad", ["42", "abc", "-1"])
def test_an_unknown_module_fails_and_lists_the_valid_ones(work_dir, bad):
    done = run_notebook_sh(work_dir, bad, "--no-launch")
    assert done.returncode != 0
    assert "valid modules: 00" in done.stderr
    assert not work_dir.exists()


def test_a_missing_venv_says_to_run_setup(tmp_path, work_dir):
    script = tmp_path / "notebook.sh"
    shutil.copy(REPO_ROOT / "notebook.sh", script)
    done = run_notebook_sh(work_dir, "00", script=script)
    assert done.returncode == 1
    assert "run ./setup.sh first" in done.stderr
