"""The downloader against a local HTTP server: resume, verify, mirrors, and never losing a file."""

import json
import socket

import pytest
from fake_data import entry_for, make_bytes, sha256
from local_server import HTML_ERROR_PAGE, Route

from modules.course import download
from modules.course.download import DOWNLOADED, IMPORTED, SKIPPED, DownloadError, fetch, import_from
from modules.course.manifest import Download, Source

BODY = make_bytes(5000)
PATH = "shakespeare/input.txt"


@pytest.fixture
def small_chunks(monkeypatch):
    """Read 1000 bytes at a time, so that a cut after 2500 bytes leaves exactly 2000 on disk."""
    monkeypatch.setattr(download, "CHUNK", 1000)


def test_a_cut_connection_is_resumed_with_a_range_request(server, data_dir, small_chunks):
    url = server.add("/input.txt", Route(BODY, cut_after=2500))
    assert fetch(entry_for(PATH, (url, BODY)), data_dir) == DOWNLOADED
    assert (data_dir / PATH).read_bytes() == BODY
    ranges = [r.headers.get("Range") for r in server.requests_for("/input.txt")]
    assert ranges == [None, "bytes=2000-"]
    assert sorted(p.name for p in (data_dir / "shakespeare").iterdir()) == ["input.txt"]


def test_a_server_without_range_support_restarts_cleanly(server, data_dir, small_chunks, capsys):
    url = server.add("/input.txt", Route(BODY, ranges=False, cut_after=2500))
    assert fetch(entry_for(PATH, (url, BODY)), data_dir) == DOWNLOADED
    ranges = [r.headers.get("Range") for r in server.requests_for("/input.txt")]
    assert ranges == [None, "bytes=2000-"]  # asked to resume, was sent all 5000 bytes again
    assert (data_dir / PATH).read_bytes() == BODY
    assert "does not resume downloads; starting over" in capsys.readouterr().out


def test_a_complete_part_from_an_earlier_run_is_checked_without_a_request(server, data_dir):
    url = server.add("/input.txt", Route(BODY))
    (data_dir / "shakespeare").mkdir()
    (data_dir / "shakespeare/input.txt.part").write_bytes(BODY)
    (data_dir / "shakespeare/input.txt.part.sha256").write_text(sha256(BODY))
    assert fetch(entry_for(PATH, (url, BODY)), data_dir) == DOWNLOADED
    assert server.requests == []
    assert sorted(p.name for p in (data_dir / "shakespeare").iterdir()) == ["input.txt"]


def test_a_complete_part_of_unknown_size_survives_the_server_s_416(server, data_dir):
    url = server.add("/input.txt", Route(BODY))
    (data_dir / "shakespeare").mkdir()
    (data_dir / "shakespeare/input.txt.part").write_bytes(BODY)
    (data_dir / "shakespeare/input.txt.part.sha256").write_text(sha256(BODY))
    entry = Download("sample", PATH, (Source(url, sha256(BODY), None),), ("tiny",), (3,), "test")
    assert fetch(entry, data_dir) == DOWNLOADED
    assert [r.headers.get("Range") for r in server.requests] == ["bytes=5000-"]
    assert (data_dir / PATH).read_bytes() == BODY


def test_a_checksum_mismatch_leaves_no_final_file_and_keeps_the_bytes(server, data_dir):
    url = server.add("/input.txt", Route(BODY))
    expected = make_bytes(5000, seed=1)  # same size, other bytes
    with pytest.raises(DownloadError) as error:
        fetch(entry_for(PATH, (url, expected)), data_dir)
    corrupt = data_dir / "shakespeare/input.txt.corrupt"
    assert not (data_dir / PATH).exists()
    assert corrupt.read_bytes() == BODY
    assert f"sha256 is {sha256(BODY)}, expected {sha256(expected)}" in str(error.value)
    assert str(corrupt) in str(error.value)
    assert sorted(p.name for p in corrupt.parent.iterdir()) == ["input.txt.corrupt"]


def test_a_size_mismatch_leaves_no_final_file(server, data_dir):
    url = server.add("/input.txt", Route(BODY[:4000]))
    with pytest.raises(DownloadError, match="received 4,000 bytes, expected 5,000"):
        fetch(entry_for(PATH, (url, BODY)), data_dir)
    assert not (data_dir / PATH).exists()
    assert (data_dir / "shakespeare/input.txt.corrupt").stat().st_size == 4000


@pytest.mark.parametrize("content_type, evidence", [
    ("text/html; charset=utf-8", "Content-Type text/html; charset=utf-8"),
    ("application/octet-stream", "the body is an HTML page"),
])
def test_an_html_error_page_is_rejected(server, data_dir, content_type, evidence):
    url = server.add("/glove.zip", Route(HTML_ERROR_PAGE, content_type=content_type))
    with pytest.raises(DownloadError) as error:
        fetch(entry_for("glove/glove.zip", (url, BODY)), data_dir)
    assert f"{url}: the server sent an HTML page instead of the file ({evidence})" \
        in str(error.value)
    assert list((data_dir / "glove").iterdir()) == []


def test_a_404_names_the_url_and_how_to_place_the_file_by_hand(server, data_dir):
    url = server.url("/missing.txt")
    with pytest.raises(DownloadError) as error:
        fetch(entry_for(PATH, (url, BODY)), data_dir)
    message = str(error.value)
    assert f"{url}: HTTP 404 Not Found" in message
    assert f"save the file as {data_dir / PATH}" in message
    assert "./datasets.sh [--tiny|--small] --from FOLDER sample;" in message
    assert "./datasets.sh --check" in message


def test_an_unreachable_host_is_reported_as_a_connection_failure(data_dir):
    with socket.socket() as sock:  # a port nothing listens on once this socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/input.txt"
    with pytest.raises(DownloadError, match=f"{url}: could not connect"):
        fetch(entry_for(PATH, (url, BODY)), data_dir)


def test_a_second_run_makes_no_request(server, data_dir):
    url = server.add("/input.txt", Route(BODY))
    entry = entry_for(PATH, (url, BODY))
    assert fetch(entry, data_dir) == DOWNLOADED
    assert fetch(entry, data_dir) == SKIPPED
    assert len(server.requests) == 1
    stamp = json.loads((data_dir / ".verified.json").read_text())
    assert stamp[PATH]["size"] == 5000
    assert stamp[PATH]["sha256"] == sha256(BODY)


def test_the_next_mirror_is_tried_when_the_first_fails(server, data_dir):
    mirror_body = make_bytes(3000, seed=2)  # a mirror may serve a different file
    first = server.url("/gone.zip")
    mirror = server.add("/mirror.zip", Route(mirror_body))
    assert fetch(entry_for("glove/glove.zip", (first, BODY), (mirror, mirror_body)),
                 data_dir) == DOWNLOADED
    assert [r.path for r in server.requests] == ["/gone.zip", "/mirror.zip"]
    assert (data_dir / "glove/glove.zip").read_bytes() == mirror_body


def test_a_redirect_is_followed(server, data_dir):
    real = server.add("/real.txt", Route(BODY))
    url = server.add("/moved.txt", Route(redirect_to=real))
    assert fetch(entry_for(PATH, (url, BODY)), data_dir) == DOWNLOADED
    assert [r.path for r in server.requests] == ["/moved.txt", "/real.txt"]


def test_a_partial_file_from_another_mirror_is_not_resumed(server, data_dir):
    url = server.add("/input.txt", Route(BODY))
    part = data_dir / "shakespeare/input.txt.part"
    part.parent.mkdir()
    part.write_bytes(b"x" * 100)
    (data_dir / "shakespeare/input.txt.part.sha256").write_text("0" * 64)
    assert fetch(entry_for(PATH, (url, BODY)), data_dir) == DOWNLOADED
    assert "Range" not in server.requests[0].headers
    assert (data_dir / PATH).read_bytes() == BODY


def test_an_invalid_final_file_is_moved_aside_not_deleted(server, data_dir, capsys):
    url = server.add("/input.txt", Route(BODY))
    target = data_dir / PATH
    target.parent.mkdir()
    target.write_bytes(b"an old, different file")
    assert fetch(entry_for(PATH, (url, BODY)), data_dir) == DOWNLOADED
    assert target.read_bytes() == BODY
    [aside] = target.parent.glob("input.txt.invalid-*")
    assert aside.read_bytes() == b"an old, different file"
    assert f"moved it to {aside}" in capsys.readouterr().out


def test_a_file_with_an_unknown_size_is_checked_by_sha256(server, data_dir):
    url = server.add("/input.txt", Route(BODY))
    entry = Download("sample", PATH, (Source(url, sha256(BODY), None),), ("tiny",), (3,), "test")
    assert fetch(entry, data_dir) == DOWNLOADED
    assert (data_dir / PATH).read_bytes() == BODY


def test_import_finds_the_file_by_name_verifies_and_copies_it(tmp_path, data_dir):
    folder = tmp_path / "usb-stick"
    original = folder / "downloads/2024/input.txt"
    original.parent.mkdir(parents=True)
    original.write_bytes(BODY)
    entry = entry_for(PATH, ("http://unused.invalid/input.txt", BODY))
    assert import_from(folder, entry, data_dir) == IMPORTED
    assert (data_dir / PATH).read_bytes() == BODY
    assert original.read_bytes() == BODY  # copied, never moved
    assert json.loads((data_dir / ".verified.json").read_text())[PATH]["sha256"] == sha256(BODY)
    assert import_from(folder, entry, data_dir) == SKIPPED


def test_import_prefers_the_same_relative_path_and_rejects_a_wrong_file(tmp_path, data_dir):
    folder = tmp_path / "copy"
    (folder / "shakespeare").mkdir(parents=True)
    (folder / "shakespeare/input.txt").write_bytes(make_bytes(5000, seed=3))
    with pytest.raises(DownloadError) as error:
        import_from(folder, entry_for(PATH, ("http://unused.invalid/x", BODY)), data_dir)
    assert f"{folder / PATH} has sha256 {sha256(make_bytes(5000, seed=3))}" in str(error.value)
    assert not (data_dir / PATH).exists()
    assert not (data_dir / "shakespeare/input.txt.importing").exists()


def test_import_reports_a_file_it_cannot_find(tmp_path, data_dir):
    with pytest.raises(DownloadError, match=f"no file named input.txt in {tmp_path}"):
        import_from(tmp_path, entry_for(PATH, ("http://unused.invalid/x", BODY)), data_dir)
