"""Markers by location and by content.

- tests/test_NN_*.py get `mNN`; tests/tooling/ gets `tooling`.
- A `notebook` test without an `exercise` marker gets one naming every exercise the other tests
  of its file check: the notebook's check cells run those tests, so it fails on their stubs too.
"""

import re
from collections import defaultdict
from pathlib import Path

import pytest

# tests/fixtures holds small fake courses that tooling tests copy and run on their own.
collect_ignore_glob = ["fixtures/*"]


def pytest_collection_modifyitems(config, items):
    exercises_by_file = defaultdict(set)
    for item in items:
        path = Path(str(item.fspath))
        match = re.match(r"test_(\d\d)_", path.name)
        if match:
            item.add_marker(getattr(pytest.mark, f"m{match.group(1)}"))
        if "tooling" in path.parts:
            item.add_marker(pytest.mark.tooling)
        for mark in item.iter_markers("exercise"):
            exercises_by_file[path].update(mark.args)
    for item in items:
        exercises = exercises_by_file[Path(str(item.fspath))]
        if item.get_closest_marker("notebook") and not item.get_closest_marker("exercise") \
                and exercises:
            item.add_marker(pytest.mark.exercise(*sorted(exercises)))
