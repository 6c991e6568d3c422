"""Running a course notebook headless, as the test suite and the scaffold check do."""

from __future__ import annotations

import os
from pathlib import Path

import nbclient
import nbformat

from modules.course.catalogue import CourseModule
from modules.course.paths import REPO_ROOT


class NotebookFailed(Exception):
    """A cell raised. `ename` is the exception's class name inside the kernel."""

    def __init__(self, path: Path, cell_id: str, ename: str, evalue: str):
        self.ename = ename
        super().__init__(f"{path} failed in cell '{cell_id}': {ename}: {evalue}")


def notebook_to_run(module: CourseModule) -> Path:
    """The learner's working copy when there is one, else the clean notebook."""
    return module.working_copy if module.working_copy.is_file() else module.notebook


def execute_notebook(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    """Execute every cell in fast mode (COURSE_FAST=1) with this interpreter's kernel."""
    __tracebackhide__ = True  # pytest shows the failing cell, not this function
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env={**os.environ, "COURSE_FAST": "1"})
    except nbclient.exceptions.CellExecutionError as err:
        cell_id = next((c.get("id", "?") for c in nb.cells
                        if any(o.get("output_type") == "error" for o in c.get("outputs", []))), "?")
        try:
            shown = path.relative_to(REPO_ROOT)
        except ValueError:
            shown = path
        raise NotebookFailed(shown, cell_id, err.ename, err.evalue) from None
    return nb
