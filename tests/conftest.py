"""Markers by location: tests/test_NN_*.py get `mNN`, tests/tooling/ gets `tooling`."""

import re
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        match = re.match(r"test_(\d\d)_", path.name)
        if match:
            item.add_marker(getattr(pytest.mark, f"m{match.group(1)}"))
        if "tooling" in path.parts:
            item.add_marker(pytest.mark.tooling)


# tests/fixtures holds small fake courses that tooling tests copy and run on their own.
collect_ignore_glob = ["fixtures/*"]
