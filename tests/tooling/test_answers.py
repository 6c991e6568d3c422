"""scripts/answers.py: every Question/Answer pair with its status, as text or JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from modules.course.catalogue import find_module
from modules.course.notebook_cells import (
    answer_cell_source,
    answer_status,
    parse_answer,
    read_notebook,
    reference_answers,
)
from modules.course.paths import REPO_ROOT
from modules.course.scaffolding import build

MODULE = find_module("00")


def learner_notebook(path: Path, answers: dict[str, str]) -> Path:
    """Module 00's clean notebook with the given answers written in, saved at `path`."""
    nb = read_notebook(MODULE.notebook)
    for cell in nb.cells:
        meta = cell.metadata.get("course", {})
        if meta.get("kind") == "answer":
            cell.source = answer_cell_source(meta["id"], answers.get(meta["id"], ""))
    nbformat.write(nb, str(path))
    return path


def answers_cli(*args: str, work_dir: Path | None = None):
    env = {**os.environ, **({"COURSE_WORK_DIR": str(work_dir)} if work_dir else {})}
    return subprocess.run([sys.executable, "scripts/answers.py", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize("text, status", [
    ("", "blank"), ("  \n ", "blank"), ("hint", "hint"), ("Hint: where do I start?", "hint"),
    ("?", "hint"), ("The gradient accumulates.", "answered"),
    ("hinting at it is an answer", "answered"),
])
def test_answer_status(text, status):
    assert answer_status(text) == status


def test_answer_cells_round_trip_even_with_quotes_inside():
    text = 'He said """stop""" and left.\nSecond line.'
    assert parse_answer(answer_cell_source("03.2", text)) == text


def test_a_broken_answer_cell_is_shown_raw_rather_than_hidden():
    assert parse_answer('answer_03_2 = """unclosed') == 'answer_03_2 = """unclosed'


def test_json_lists_every_pair_with_exactly_the_promised_keys(tmp_path):
    ids = list(reference_answers(read_notebook(MODULE.notebook)))
    path = learner_notebook(tmp_path / "mine.ipynb", {ids[0]: "hint please", ids[1]: "Because."})
    done = answers_cli("00", "--notebook", str(path), "--json")
    assert done.returncode == 0, done.stderr
    pairs = json.loads(done.stdout)
    assert [p["id"] for p in pairs] == ids
    assert all(set(p) == {"id", "prompt", "answer", "status"} for p in pairs)
    assert [p["status"] for p in pairs[:3]] == ["hint", "answered", "blank"]
    assert pairs[1]["answer"] == "Because."
    assert all(p["prompt"] and not p["prompt"].startswith("**Question") for p in pairs)


def test_key_adds_the_reference_answers(tmp_path):
    key = reference_answers(read_notebook(MODULE.notebook))
    if not all(key.values()):
        pytest.skip("this copy is a scaffold: the reference answers live on main")
    path = learner_notebook(tmp_path / "mine.ipynb", {})
    pairs = json.loads(answers_cli("0", "--notebook", str(path), "--json", "--key").stdout)
    assert {p["id"]: p["reference"] for p in pairs} == key


def test_key_on_a_scaffold_without_main_says_where_the_answers_are(tmp_path):
    scaffold = tmp_path / "scaffold"
    build(REPO_ROOT, scaffold, only={"00"})
    path = learner_notebook(tmp_path / "mine.ipynb", {})
    done = subprocess.run([sys.executable, "scripts/answers.py", "00", "--notebook", str(path),
                           "--key"], cwd=scaffold, env={**os.environ, "PYTHONPATH": str(scaffold)},
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "on the branch 'main'" in done.stderr


def test_text_output_reads_the_working_copy_by_default(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    first = next(iter(reference_answers(read_notebook(MODULE.notebook))))
    learner_notebook(work / MODULE.notebook.name, {first: "My own words."})
    done = answers_cli("00", work_dir=work)
    assert done.returncode == 0, done.stderr
    assert f"== Question {first} [answered]" in done.stdout
    assert "My own words." in done.stdout
    assert "reference" not in done.stdout


def test_bad_input_says_what_to_do(tmp_path):
    missing = answers_cli("00", work_dir=tmp_path / "empty")
    assert missing.returncode == 2 and "./notebook.sh 00" in missing.stderr
    unknown = answers_cli("77")
    assert unknown.returncode == 2 and "valid modules" in unknown.stderr
    junk = tmp_path / "junk.ipynb"
    junk.write_text("not json")
    unreadable = answers_cli("00", "--notebook", str(junk))
    assert unreadable.returncode == 2 and "not a readable notebook" in unreadable.stderr
