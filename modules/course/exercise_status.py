"""Which exercises of a module pass their contract tests right now."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from modules.course.catalogue import CourseModule
from modules.course.exercise_ids import exercise_order, owning_exercise
from modules.course.paths import REPO_ROOT


def run_probed_pytest(args: list[str], cwd: Path,
                      env: dict | None = None) -> tuple[list[dict], str]:
    """Run pytest in a subprocess with the scaffold probe: its per-test records and output."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.json"
        full_env = {**os.environ, **(env or {}), "COURSE_PROBE_OUT": str(out), "COURSE_FAST": "1"}
        command = [sys.executable, "-m", "pytest", "-p", "modules.course.scaffold_probe",
                   "-q", "-p", "no:cacheprovider", *args]
        done = subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True)
        records = json.loads(out.read_text()) if out.is_file() else []
        return records, done.stdout + done.stderr


def exercise_results(module: CourseModule) -> dict[str, bool]:
    """Exercise id -> True when every one of its tests passed (skips count as passing); a test
    marked with several ids counts for the last of them, as in check()."""
    if not module.test_file.is_file():
        return {}
    results: dict[str, bool] = {}
    for record in run_probed_pytest([str(module.test_file)], cwd=REPO_ROOT)[0]:
        exercise = owning_exercise(record["exercises"])  # as check() counts it
        if exercise is not None:
            results[exercise] = results.get(exercise, True) and record["outcome"] != "failed"
    return dict(sorted(results.items(), key=lambda item: exercise_order(item[0])))
