"""Building the scaffold tree from the solution: stub every region, empty every answer.

Only two kinds of file change: Python files under `modules/mNN_*/` and notebooks
`notebooks/NN_*.ipynb`. Every other file is copied byte for byte.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat

from modules.course.notebook_cells import (
    answer_cell_source,
    clear_outputs,
    course_meta,
    notebook_text,
)
from modules.course.solution_regions import find_regions, stub_source

MODULE_FILE = re.compile(r"^modules/m(?P<nn>\d\d)_[^/]+/.+\.py$")
NOTEBOOK_FILE = re.compile(r"^notebooks/(?P<nn>\d\d)_[^/]+\.ipynb$")


def course_files(root: Path) -> list[str]:
    """The files git tracks or would track under `root` (what a clone of it would hold)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=root, capture_output=True, text=True, check=True).stdout
    return sorted(path for path in set(listed.split("\0")) if path and (root / path).is_file())


def exercise_module(path: str) -> str | None:
    """"03" for a file that may hold module 03's solution regions, else None."""
    match = MODULE_FILE.match(path) or NOTEBOOK_FILE.match(path)
    return match.group("nn") if match else None


def stub_notebook(nb, where: str):
    """A copy of `nb` with regions stubbed, answers emptied and outputs cleared."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        meta = course_meta(cell)
        if cell.cell_type == "code" and meta.get("kind") == "answer":
            cell.source = answer_cell_source(meta["id"], "")
        elif cell.cell_type == "code":
            cell.source = stub_source(cell.source, where)
    clear_outputs(nb)
    return nb


def scaffold_text(path: str, text: str) -> str:
    """The scaffold version of one exercise file's text."""
    if path.endswith(".ipynb"):
        nn = exercise_module(path)
        where = f"this cell of notebook {nn} (open it with ./notebook.sh {nn})"
        return notebook_text(stub_notebook(nbformat.reads(text, as_version=4), where))
    return stub_source(text, path)


def solution_exercises(root: Path, files: list[str]) -> dict[str, set[str]]:
    """Module "NN" -> the exercise ids of the regions in its module files and notebook."""
    found: dict[str, set[str]] = {}
    for path in files:
        module = exercise_module(path)
        if module is None:
            continue
        text = (root / path).read_text()
        sources = ([c.source for c in nbformat.reads(text, as_version=4).cells
                    if c.cell_type == "code"] if path.endswith(".ipynb") else [text])
        for source in sources:
            for region in find_regions(source, path):
                found.setdefault(module, set()).add(region.exercise)
    return found


def build(root: Path, out: Path, only: set[str] | None = None) -> list[str]:
    """Write the scaffold of `root` into `out` (which must not exist) and return its files.

    `only` limits stubbing to those modules ("03"); the rest stays solved.
    """
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose a new folder for the scaffold")
    files = course_files(root)
    for path in files:
        source, target = root / path, out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        module = exercise_module(path)
        if module is not None and (only is None or module in only):
            target.write_text(scaffold_text(path, source.read_text()))
            shutil.copymode(source, target)
        else:
            shutil.copy2(source, target)
    return files
