"""A pytest plugin that records, per test, its exercise ids, its outcome and whether it failed
with NotImplementedError. The scaffold check and `exercise_results` read what it writes.

Load it with `-p modules.course.scaffold_probe` and set COURSE_PROBE_OUT to a JSON file path.
"""

from __future__ import annotations

import json
import os

import pytest

_records: dict[str, dict] = {}


def _not_implemented(excinfo) -> bool:
    """True if the failure is, or was caused by, NotImplementedError (also inside a notebook)."""
    error = excinfo.value if excinfo else None
    while error is not None:
        if isinstance(error, NotImplementedError) or getattr(error, "ename", None) == \
                "NotImplementedError":
            return True
        error = error.__cause__ or error.__context__
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    ids = sorted({i for mark in item.iter_markers("exercise") for i in mark.args})
    record = _records.setdefault(item.nodeid, {"nodeid": item.nodeid, "exercises": ids,
                                               "outcome": "passed", "not_implemented": False,
                                               "message": ""})
    if report.failed:
        record["outcome"] = "failed"
        record["not_implemented"] = _not_implemented(call.excinfo)
        record["message"] = call.excinfo.exconly()[:500] if call.excinfo else ""
    elif report.skipped and record["outcome"] == "passed":
        record["outcome"] = "skipped"


def pytest_collectreport(report):
    if report.failed:
        _records[report.nodeid] = {"nodeid": report.nodeid, "exercises": [], "outcome": "error",
                                   "not_implemented": False,
                                   "message": str(report.longrepr)[-500:]}


def pytest_sessionfinish(session):
    path = os.environ.get("COURSE_PROBE_OUT")
    if path:
        with open(path, "w") as out:
            json.dump(list(_records.values()), out, indent=1)
