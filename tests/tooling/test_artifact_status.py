"""scripts/artifact_status.py: data on disk and the learner's progress, module by module."""

import importlib.util
import json
import sys
import types

import nbformat
import pytest
from fake_data import entry_for, make_bytes

from modules.course import catalogue
from modules.course.artifacts import format_report, module_status
from modules.course.catalogue import find_module
from modules.course.manifest import Artifact, Manifest
from modules.course.paths import REPO_ROOT

TEXT = make_bytes(3000)
SHARDS = "shakespeare/tokens"


def load_script():
    spec = importlib.util.spec_from_file_location(
        "artifact_status", REPO_ROOT / "scripts/artifact_status.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def notebook(answers: dict[str, str]) -> nbformat.NotebookNode:
    """A notebook with one Question/Answer pair per id, answered with the given text."""
    cells = []
    for qid, text in answers.items():
        cells.append(nbformat.v4.new_markdown_cell(
            f"**Question {qid}** Why?", metadata={"course": {"kind": "question", "id": qid}}))
        variable = "answer_" + qid.replace(".", "_")
        cells.append(nbformat.v4.new_code_cell(
            f'{variable} = """{text}"""', metadata={"course": {"kind": "answer", "id": qid}}))
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course whose modules 00 and 03 exist, with notebooks in a temporary folder."""
    notebooks, work = tmp_path / "notebooks", tmp_path / "work"
    notebooks.mkdir()
    work.mkdir()
    monkeypatch.setattr(catalogue, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(catalogue, "WORK_DIR", work)
    nbformat.write(notebook({"00.1": "ref", "00.2": "ref"}), notebooks / "00_prerequisites.ipynb")
    nbformat.write(notebook({"03.1": "ref", "03.2": "ref", "03.3": "ref"}),
                   notebooks / "03_bigram.ipynb")
    return tmp_path


@pytest.fixture
def manifest():
    text = entry_for("shakespeare/input.txt", ("http://unused.invalid/input.txt", TEXT),
                     target="shakespeare", modules=(3, 4))
    big = entry_for("stories/train.txt", ("http://unused.invalid/train.txt", TEXT),
                    target="stories", tracks=("full",), modules=(3,))
    shards = Artifact(SHARDS, "python -m modules.m03_bigram.shard", ("tiny",), (3,), "shards")
    return Manifest(downloads=(text, big), artifacts=(shards,))


def test_each_file_a_module_needs_has_a_status_size_and_command(course, data_dir, manifest):
    (data_dir / "shakespeare").mkdir()
    (data_dir / "shakespeare/input.txt").write_bytes(TEXT)
    (data_dir / "shakespeare/tokens.part").write_bytes(b"x" * 10)
    report = module_status(find_module(3), "tiny", data_dir, manifest)
    assert report["data"] == [
        {"path": "shakespeare/input.txt", "status": "present", "size": 3000,
         "expected_size": 3000, "command": "./datasets.sh --tiny shakespeare"},
        {"path": SHARDS, "status": "partial", "size": 10, "expected_size": None,
         "command": "python -m modules.m03_bigram.shard"},
    ]
    full = module_status(find_module(3), "full", data_dir, manifest)["data"]
    assert [(d["path"], d["status"], d["command"]) for d in full] == [
        ("shakespeare/input.txt", "present", "./datasets.sh shakespeare"),
        ("stories/train.txt", "missing", "./datasets.sh stories"),
    ]


def test_a_file_with_the_wrong_bytes_is_corrupt_and_a_generated_folder_is_present(
        course, data_dir, manifest):
    (data_dir / "shakespeare").mkdir()
    (data_dir / "shakespeare/input.txt").write_bytes(make_bytes(3000, seed=5))
    (data_dir / SHARDS).mkdir()
    (data_dir / SHARDS / "000.bin").write_bytes(b"1234")
    (data_dir / SHARDS / "001.bin").write_bytes(b"56")
    data = module_status(find_module(3), "tiny", data_dir, manifest)["data"]
    assert [(d["status"], d["size"]) for d in data] == [("corrupt", 3000), ("present", 6)]


def test_answers_are_counted_from_the_working_copy(course, data_dir, manifest):
    module = find_module(3)
    assert module_status(module, "tiny", data_dir, manifest)["answers"] == {
        "answered": 0, "hint": 0, "blank": 3}  # not started: every question is still blank
    nbformat.write(notebook({"03.1": "Because counts are smoothed.", "03.2": "hint please",
                             "03.3": ""}), module.working_copy)
    report = module_status(module, "tiny", data_dir, manifest)
    assert report["answers"] == {"answered": 1, "hint": 1, "blank": 1}
    assert report["working_copy"] is True
    assert report["exercises"] is None


def test_the_table_shows_what_to_run_for_what_is_missing(course, data_dir, manifest):
    report = module_status(find_module(3), "tiny", data_dir, manifest)
    assert format_report([report]).splitlines() == [
        "Module 03 · Bigram language model  (tiny track)",
        "  data       missing  3.0 kB                shakespeare/input.txt"
        "  -> ./datasets.sh --tiny shakespeare",
        "             missing  -                     shakespeare/tokens   "
        "  -> python -m modules.m03_bigram.shard",
        "  answers    0 answered, 0 asking for a hint, 3 blank "
        "(not started: ./notebook.sh 03 opens it)",
        "  exercises  run with --tests to see which pass",
    ]


def test_json_lists_every_module_with_exercise_results_from_the_tests(
        course, data_dir, manifest, monkeypatch, capsys):
    fake = types.ModuleType("modules.course.exercise_status")
    fake.exercise_results = lambda module: {f"{module.nn}.1": True, f"{module.nn}.2": False}
    monkeypatch.setitem(sys.modules, "modules.course.exercise_status", fake)
    monkeypatch.setenv("COURSE_TRACK", "small")
    code = load_script().main(["--json", "--tests"], data_dir, manifest)
    assert code == 0
    reports = json.loads(capsys.readouterr().out)
    assert [(r["module"], r["track"]) for r in reports] == [("00", "small"), ("03", "small")]
    assert set(reports[1]) >= {"module", "title", "track", "data", "answers", "exercises"}
    assert reports[1]["exercises"] == {"03.1": True, "03.2": False}
    assert reports[1]["data"][0]["command"] == "./datasets.sh --small shakespeare"
    assert reports[0]["data"] == []


def test_the_table_marks_passing_exercises(course, data_dir, manifest, monkeypatch, capsys):
    fake = types.ModuleType("modules.course.exercise_status")
    fake.exercise_results = lambda module: {"03.1": True, "03.2": False}
    monkeypatch.setitem(sys.modules, "modules.course.exercise_status", fake)
    assert load_script().main(["--module", "3", "--tests", "--track", "tiny"],
                              data_dir, manifest) == 0
    assert "  exercises  1 of 2 pass: 03.1 ✓  03.2 ✗" in capsys.readouterr().out


def test_an_unknown_module_exits_2_naming_the_valid_ones(course, capsys):
    assert load_script().main(["--module", "07"]) == 2
    assert "there is no module '07' in this course; valid modules: 00, 03" in \
        capsys.readouterr().err
