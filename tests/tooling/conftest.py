"""Fixtures for the tooling tests: a local HTTP server and a throw-away data folder."""

import pytest
from local_server import LocalServer

from modules.course import download, remote_zip, story_shards


@pytest.fixture
def server():
    local = LocalServer().start()
    yield local
    local.stop()


@pytest.fixture
def data_dir(tmp_path):
    """An empty data folder, so that no test writes into the repository's data/."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def no_retry_delay(monkeypatch):
    monkeypatch.setattr(download, "RETRY_DELAY", 0)
    monkeypatch.setattr(remote_zip, "RETRY_DELAY", 0)
    monkeypatch.setattr(story_shards, "RETRY_DELAY", 0)
