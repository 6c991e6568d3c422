"""Files inside a zip, like GloVe's vectors: fetched by range requests or from the whole zip.

Each test serves a small zip shaped like glove.6B.zip (four text files, one of them stored rather
than deflated) from the local server, with or without range support, cut part-way, damaged or
replaced by an error page, next to a mirror whose zip holds the same files in other bytes.
"""

import json
import random
import re
import struct
import zipfile
import zlib
from dataclasses import replace
from io import BytesIO

import pytest
from fake_data import sha256
from local_server import HTML_ERROR_PAGE, Route

from modules.course import download, remote_zip
from modules.course.artifacts import entry_status
from modules.course.datasets_cli import main
from modules.course.download import DOWNLOADED, DownloadError, fetch
from modules.course.manifest import Download, Manifest, Source, course_manifest, format_size
from modules.course.verify import Stamps

LINES = {50: 320, 100: 240, 200: 130, 300: 110}  # vector size -> lines: 120-250 kB of text each
TRACKS = {50: ("tiny", "small", "full"), 100: ("small", "full"), 200: ("full",), 300: ("full",)}
PUBLISHED = {50: {"size", "sha256"}, 100: {"size"}, 200: set(), 300: {"size", "sha256"}}
STORED = "glove.6B.200d.txt"  # not deflated: zips may store a member as it is
PRIMARY_PATH, MIRROR_PATH = "/data/glove.6B.zip", "/mirror/glove.6B.zip"


def vectors(dim: int, lines: int) -> bytes:
    """GloVe-like text: a made-up word and `dim` numbers on each line."""
    rng = random.Random(dim)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "dan", "per"]
    rows = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) + " "
            + " ".join(f"{rng.gauss(0, 0.4):.4f}" for _ in range(dim)) for _ in range(lines)]
    return ("\n".join(rows) + "\n").encode()


def build_zip(members: dict[str, bytes], year: int) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, (year, 8, 4, 12, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == STORED else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def name_of(dim: int) -> str:
    return f"glove.6B.{dim}d.txt"


MEMBERS = {name_of(dim): vectors(dim, lines) for dim, lines in LINES.items()}
PRIMARY = build_zip(MEMBERS, 2014)
MIRROR = build_zip(MEMBERS, 2023)  # the same files in other bytes, like Hugging Face's copy


def data_span(name: str) -> tuple[int, int]:
    """Where a member's compressed bytes lie in the primary zip: [start, end)."""
    info = zipfile.ZipFile(BytesIO(PRIMARY)).getinfo(name)
    name_length, extra_length = struct.unpack("<HH", PRIMARY[info.header_offset + 26:][:4])
    start = info.header_offset + 30 + name_length + extra_length
    return start, start + info.compress_size


def crc_only_damage(name: str) -> tuple[int, int]:
    """Where to invert a byte of the member so that only its CRC-32 can tell; and that CRC-32.

    The damaged bytes still inflate, to the right length: no other check notices.
    """
    start, end = data_span(name)
    for offset in range((start + end) // 2, end):
        damaged = bytearray(PRIMARY[start:end])
        damaged[offset - start] ^= 0xFF
        try:
            inflated = zlib.decompress(bytes(damaged), -zlib.MAX_WBITS)
        except zlib.error:
            continue
        if len(inflated) == len(MEMBERS[name]):
            return offset, zlib.crc32(inflated)
    raise AssertionError(f"no byte of {name} can be damaged that only its CRC-32 catches")


def size_of(dim: int) -> str:
    return format_size(len(MEMBERS[name_of(dim)]))


def member_source(url: str, archive: bytes, dim: int, archive_size: bool = True) -> Source:
    data = MEMBERS[name_of(dim)]
    return Source(url, sha256=sha256(data) if "sha256" in PUBLISHED[dim] else None,
                  size=len(data) if "size" in PUBLISHED[dim] else None, member=name_of(dim),
                  archive_sha256=sha256(archive),
                  archive_size=len(archive) if archive_size else None)


def serve(server, primary: Route | None, mirror: Route | None) -> Manifest:
    """A manifest shaped like the course's GloVe entries; a source without a Route is a 404."""
    urls = [server.add(path, route) if route else server.url(path)
            for path, route in ((PRIMARY_PATH, primary), (MIRROR_PATH, mirror))]
    return Manifest(downloads=tuple(
        Download("glove", f"glove/{name_of(dim)}",
                 (member_source(urls[0], PRIMARY, dim),
                  member_source(urls[1], MIRROR, dim, archive_size=False)),
                 TRACKS[dim], (5,), f"{dim}-dimensional vectors")
        for dim in LINES), artifacts=())


def entry(manifest: Manifest, dim: int) -> Download:
    return next(e for e in manifest.downloads if e.path == f"glove/{name_of(dim)}")


def extracted(data_dir, dim: int) -> bytes:
    return (data_dir / "glove" / name_of(dim)).read_bytes()


def ranges(server, path: str = PRIMARY_PATH) -> list[str | None]:
    return [r.headers.get("Range") for r in server.requests_for(path)]


def bytes_asked_for(server, path: str, size: int) -> int:
    """How many bytes the requests to `path` asked for, from their Range headers."""
    total = 0
    for header in ranges(server, path):
        first, last = re.fullmatch(r"bytes=(\d*)-(\d*)", header or "bytes=0-").groups()
        if not first:  # bytes=-N: the last N bytes
            total += int(last)
        else:
            total += (int(last) + 1 if last else size) - int(first)
    return total


def run(capsys, data_dir, manifest, *args):
    code = main(list(args), data_dir=data_dir, manifest=manifest)
    return code, capsys.readouterr().out


@pytest.fixture(autouse=True)
def small_tail(monkeypatch):
    """Ask for the last 1 kB first, not 64 kB: the test zip is 388 kB, not 862 MB."""
    monkeypatch.setattr(remote_zip, "TAIL", 1024)


def test_with_ranges_only_the_member_s_bytes_are_fetched(server, data_dir):
    manifest = serve(server, Route(PRIMARY), Route(MIRROR))
    assert fetch(entry(manifest, 50), data_dir) == DOWNLOADED
    assert extracted(data_dir, 50) == MEMBERS[name_of(50)]
    start, end = data_span(name_of(50))
    assert ranges(server) == ["bytes=-1024", "bytes=0-29", f"bytes={start}-{end - 1}"]
    assert bytes_asked_for(server, PRIMARY_PATH, len(PRIMARY)) < len(PRIMARY) / 5
    assert sorted(p.name for p in (data_dir / "glove").iterdir()) == [name_of(50)]
    stamp = json.loads((data_dir / ".verified.json").read_text())["glove/glove.6B.50d.txt"]
    assert stamp["sha256"] == sha256(MEMBERS[name_of(50)])


def test_without_ranges_the_zip_is_downloaded_checked_kept_and_reused(capsys, server, data_dir):
    manifest = serve(server, Route(PRIMARY, ranges=False), Route(MIRROR, ranges=False))
    code, out = run(capsys, data_dir, manifest, "--small", "glove")
    assert code == 0
    kept = data_dir / "glove/glove.6B.zip"
    assert f"  downloaded        glove/glove.6B.50d.txt ({size_of(50)})" in out
    assert f"  extracted         glove/glove.6B.100d.txt ({size_of(100)})" in out
    assert f"Keeping {kept} ({format_size(len(PRIMARY))})" in out
    assert "delete it to free that space" in out
    assert ranges(server) == ["bytes=-1024", None]  # refused the range, then sent the whole zip
    assert kept.read_bytes() == PRIMARY
    assert json.loads((data_dir / ".verified.json").read_text())[
        "glove/glove.6B.zip"]["sha256"] == sha256(PRIMARY)
    assert [extracted(data_dir, dim) for dim in (50, 100)] == [MEMBERS[name_of(50)],
                                                                MEMBERS[name_of(100)]]

    server.requests.clear()
    code, out = run(capsys, data_dir, manifest, "--small", "glove")
    assert (code, out.count("skipped as valid"), server.requests) == (0, 2, [])
    code, out = run(capsys, data_dir, manifest, "glove")  # the full track: two more files
    assert (code, out.count("extracted "), server.requests) == (0, 2, [])
    assert extracted(data_dir, 200) == MEMBERS[STORED]


def test_a_connection_cut_inside_a_member_is_resumed_where_it_stopped(capsys, server, data_dir,
                                                                      monkeypatch):
    monkeypatch.setattr(remote_zip, "CHUNK", 1000)  # so that the bytes before the cut arrive
    start, end = data_span(name_of(300))
    cut_at = (start + end) // 2
    manifest = serve(server, Route(PRIMARY, cut_at=cut_at), Route(MIRROR))
    assert fetch(entry(manifest, 300), data_dir) == DOWNLOADED
    assert extracted(data_dir, 300) == MEMBERS[name_of(300)]
    *_, first, resumed = ranges(server)
    assert first == f"bytes={start}-{end - 1}"
    resumed_from = int(re.fullmatch(rf"bytes=(\d+)-{end - 1}", resumed).group(1))
    assert cut_at - 1000 < resumed_from <= cut_at
    assert server.requests_for(MIRROR_PATH) == []
    assert f"resuming from byte {resumed_from:,}" in capsys.readouterr().out


def test_a_cut_during_the_whole_zip_download_is_resumed_with_a_range_request(server, data_dir,
                                                                             monkeypatch):
    monkeypatch.setattr(download, "CHUNK", 1000)
    cut_at = len(PRIMARY) // 2
    # This server ignores `bytes=-N`, as some do, so the zip comes whole; `bytes=N-` it honours.
    whole_zip_cut = Route(PRIMARY, suffix_ranges=False, cut_at=cut_at, cut_from=2)
    manifest = serve(server, whole_zip_cut, Route(MIRROR))
    assert fetch(entry(manifest, 100), data_dir) == DOWNLOADED
    assert ranges(server) == ["bytes=-1024", None, f"bytes={cut_at // 1000 * 1000}-"]
    assert (data_dir / "glove/glove.6B.zip").read_bytes() == PRIMARY
    assert extracted(data_dir, 100) == MEMBERS[name_of(100)]


@pytest.mark.parametrize("mirror_works", [True, False])
def test_a_damaged_member_fails_its_crc_and_is_kept_aside(capsys, server, data_dir, mirror_works):
    offset, damaged_crc = crc_only_damage(name_of(50))
    manifest = serve(server, Route(PRIMARY, corrupt_at=offset),
                     Route(MIRROR) if mirror_works else None)
    corrupt = data_dir / "glove/glove.6B.50d.txt.corrupt"
    crc = zlib.crc32(MEMBERS[name_of(50)])
    problem = (f"{server.url(PRIMARY_PATH)}: glove.6B.50d.txt has CRC-32 {damaged_crc:08x}, not "
               f"the {crc:08x} the zip's directory gives: its bytes are damaged (in the zip, or "
               f"on their way here); the bytes received are kept in {corrupt}")
    if mirror_works:
        assert fetch(entry(manifest, 50), data_dir) == DOWNLOADED
        assert extracted(data_dir, 50) == MEMBERS[name_of(50)]
        assert f"{problem} (look at them if you like, then delete it)\ntrying the next source " \
               f"for glove/glove.6B.50d.txt" in capsys.readouterr().out
    else:
        with pytest.raises(DownloadError) as error:
            fetch(entry(manifest, 50), data_dir)
        assert problem in str(error.value)
        assert not (data_dir / "glove/glove.6B.50d.txt").exists()
    assert len(corrupt.read_bytes()) == len(MEMBERS[name_of(50)])
    assert corrupt.read_bytes() != MEMBERS[name_of(50)]


@pytest.mark.parametrize("name, problem", [
    (STORED, "glove.6B.200d.txt has CRC-32 [0-9a-f]{8}, not the"),
    (name_of(300), "glove.6B.300d.txt"),  # a damaged deflate stream: whichever check sees it
])
def test_damage_anywhere_in_a_member_is_caught(server, data_dir, name, problem):
    start, end = data_span(name)
    manifest = serve(server, Route(PRIMARY, corrupt_at=(start + end) // 2), None)
    dim = int(re.search(r"(\d+)d", name).group(1))
    with pytest.raises(DownloadError, match=f"{problem}.*its bytes are damaged"):
        fetch(entry(manifest, dim), data_dir)
    assert not (data_dir / "glove" / name).exists()


def test_a_wrong_sha256_in_the_manifest_names_the_member_and_both_checksums(server, data_dir):
    manifest = serve(server, Route(PRIMARY), None)
    fifty = entry(manifest, 50)
    wrong = replace(fifty, sources=(replace(fifty.sources[0], sha256="0" * 64),))
    with pytest.raises(DownloadError) as error:
        fetch(wrong, data_dir)
    actual = sha256(MEMBERS[name_of(50)])
    assert f"glove.6B.50d.txt has sha256 {actual}, expected {'0' * 64}" in str(error.value)
    assert not (data_dir / "glove/glove.6B.50d.txt").exists()
    assert (data_dir / "glove/glove.6B.50d.txt.corrupt").read_bytes() == MEMBERS[name_of(50)]


@pytest.mark.parametrize("primary, reason", [
    (None, "HTTP 404 Not Found"),
    (Route(HTML_ERROR_PAGE, content_type="text/html; charset=utf-8"),
     "the server sent an HTML page instead of the file (Content-Type text/html; charset=utf-8)"),
    (Route(HTML_ERROR_PAGE, ranges=False),
     "the server sent an HTML page instead of the file (the body is an HTML page)"),
    (Route(HTML_ERROR_PAGE),  # sent as 206 Partial Content, size and all
     f"the zip there has {len(HTML_ERROR_PAGE)} bytes, not {len(PRIMARY):,}"),
])
def test_an_error_page_or_a_404_from_the_primary_falls_back_to_the_mirror(
        capsys, server, data_dir, primary, reason):
    manifest = serve(server, primary, Route(MIRROR))
    assert fetch(entry(manifest, 100), data_dir) == DOWNLOADED
    assert extracted(data_dir, 100) == MEMBERS[name_of(100)]
    assert f"{server.url(PRIMARY_PATH)}: {reason}" in capsys.readouterr().out
    assert not (data_dir / "glove/glove.6B.zip").exists()


def test_a_mirror_serving_something_else_than_a_zip_is_refused(server, data_dir):
    manifest = serve(server, None, Route(b"x" * 5000))
    with pytest.raises(DownloadError) as error:
        fetch(entry(manifest, 50), data_dir)
    assert f"{server.url(PRIMARY_PATH)}: HTTP 404 Not Found" in str(error.value)
    assert (f"{server.url(MIRROR_PATH)}: not a zip archive, or a damaged one (File is not a zip "
            f"file)") in str(error.value)


def test_a_host_serving_another_zip_is_refused_by_its_size(server, data_dir):
    manifest = serve(server, Route(PRIMARY[:-1000] + PRIMARY[-1000:] * 2), None)
    with pytest.raises(DownloadError, match=f"the zip there has {len(PRIMARY) + 1000:,} bytes, "
                                            f"not {len(PRIMARY):,}"):
        fetch(entry(manifest, 50), data_dir)


def test_a_zip64_archive_is_read_through_its_zip64_records(server, data_dir, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP64_LIMIT", 1000)  # as if every size and offset were over 4 GiB
        zip64 = build_zip(MEMBERS, 2014)
    assert b"PK\x06\x06" in zip64[-200:]  # the ZIP64 end of central directory record
    url = server.add("/glove.6B.zip", Route(zip64))
    three_hundred = Download("glove", f"glove/{name_of(300)}", (member_source(url, zip64, 300),),
                             TRACKS[300], (5,), "300d")
    assert fetch(three_hundred, data_dir) == DOWNLOADED
    assert extracted(data_dir, 300) == MEMBERS[name_of(300)]


@pytest.mark.parametrize("flags, dims", [
    (["--tiny"], [50]), (["--small"], [50, 100]), ([], [50, 100, 200, 300])])
def test_each_track_gets_its_vector_sizes(capsys, server, data_dir, flags, dims):
    manifest = serve(server, Route(PRIMARY), Route(MIRROR))
    code, _ = run(capsys, data_dir, manifest, *flags, "glove")
    assert code == 0
    assert sorted(p.name for p in (data_dir / "glove").iterdir()) == sorted(map(name_of, dims))
    assert all(extracted(data_dir, dim) == MEMBERS[name_of(dim)] for dim in dims)
    assert server.requests_for(MIRROR_PATH) == []


def test_from_a_folder_with_the_zip_extracts_the_track_s_files(capsys, tmp_path, data_dir,
                                                                server):
    manifest = serve(server, None, None)
    folder = tmp_path / "usb-stick"
    (folder / "downloads").mkdir(parents=True)
    (folder / "downloads/glove.6B.zip").write_bytes(MIRROR)
    code, out = run(capsys, data_dir, manifest, "--small", "--from", str(folder), "glove")
    assert code == 0
    assert f"  imported          glove/glove.6B.50d.txt ({size_of(50)})" in out
    assert f"  imported          glove/glove.6B.100d.txt ({size_of(100)})" in out
    assert [extracted(data_dir, dim) for dim in (50, 100)] == [MEMBERS[name_of(50)],
                                                                MEMBERS[name_of(100)]]
    assert (folder / "downloads/glove.6B.zip").read_bytes() == MIRROR  # read, never moved
    assert sorted(p.name for p in (data_dir / "glove").iterdir()) == [name_of(100), name_of(50)]
    assert server.requests == []


def test_from_a_folder_with_the_files_themselves(capsys, tmp_path, data_dir, server):
    manifest = serve(server, None, None)
    folder = tmp_path / "copies"
    folder.mkdir()
    for dim in (50, 100, 200):
        (folder / name_of(dim)).write_bytes(MEMBERS[name_of(dim)])
    (folder / "glove.6B.zip").write_bytes(b"not the zip")
    code, out = run(capsys, data_dir, manifest, "--from", str(folder), "glove")
    assert code == 1
    assert "  imported          glove/glove.6B.50d.txt" in out
    assert (f"{folder / name_of(100)}: no sha256 is published for glove.6B.100d.txt, so it was "
            f"accepted by its size ({len(MEMBERS[name_of(100)]):,} bytes) and could not be "
            f"verified further") in out
    assert "  imported          glove/glove.6B.100d.txt" in out
    assert (f"{folder / STORED} cannot be verified: no size or sha256 is published for "
            f"glove.6B.200d.txt; put the zip it comes from in the folder instead") in out
    assert (f"{folder / 'glove.6B.zip'} has sha256 {sha256(b'not the zip')}, not that of a zip "
            f"in the manifest") in out
    assert "  failed            glove/glove.6B.300d.txt" in out
    assert [extracted(data_dir, dim) for dim in (50, 100)] == [MEMBERS[name_of(50)],
                                                                MEMBERS[name_of(100)]]
    assert server.requests == []


def test_a_member_with_no_published_sha256_is_checked_against_its_stamp(capsys, server,
                                                                         data_dir):
    manifest = serve(server, Route(PRIMARY), Route(MIRROR))
    assert run(capsys, data_dir, manifest, "--small", "glove")[0] == 0
    path = data_dir / "glove/glove.6B.100d.txt"
    original = path.read_bytes()
    path.write_bytes(original[::-1])  # same size, other bytes
    for _ in range(2):  # the stamp is the only checksum: a failed check keeps it
        code, out = run(capsys, data_dir, manifest, "--small", "--check", "glove")
        assert code == 1
        assert "  corrupt  glove/glove.6B.100d.txt  wrong size or sha256" in out

    path.write_bytes(original)
    (data_dir / ".verified.json").unlink()  # say, data/ copied from another machine without it
    code, out = run(capsys, data_dir, manifest, "--small", "--check", "glove")
    assert code == 1
    assert ("  unverified glove/glove.6B.100d.txt  no sha256 is published for it and none was "
            "stamped when it was extracted; ./datasets.sh --small glove moves it aside and "
            "extracts it again") in out
    assert out.splitlines()[-1] == "1 present, 0 missing, 0 partial, 0 corrupt, 1 unverified"

    assert fetch(entry(manifest, 100), data_dir) == DOWNLOADED
    [aside] = path.parent.glob("glove.6B.100d.txt.invalid-*")
    assert aside.read_bytes() == original == path.read_bytes()
    assert "so it cannot be verified; moved it to" in capsys.readouterr().out
    assert run(capsys, data_dir, manifest, "--small", "--check", "glove")[0] == 0


def test_the_course_manifest_lists_each_glove_file_with_its_size_per_track(capsys, data_dir):
    code, out = run(capsys, data_dir, course_manifest(), "--list", "glove")
    assert code == 0
    assert out.splitlines()[:6] == [
        "target  file                     tiny      small     full        on disk",
        "glove   glove/glove.6B.50d.txt   171.4 MB  171.4 MB  171.4 MB    missing",
        "glove   glove/glove.6B.100d.txt  -         347.1 MB  347.1 MB    missing",
        "glove   glove/glove.6B.200d.txt  -         -         ?           missing",
        "glove   glove/glove.6B.300d.txt  -         -         1.0 GB      missing",
        "total                            171.4 MB  518.5 MB  1.6 GB + ?",
    ]
    assert "    https://nlp.stanford.edu/data/glove.6B.zip  (a zip holding it as " \
           "glove.6B.50d.txt)" in out


def test_artifact_status_shows_the_glove_files_module_05_needs(data_dir):
    stamps = Stamps(data_dir)
    rows = [entry_status(e, "small", data_dir, stamps)
            for e in course_manifest().entries_for_module(5, "small")
            if getattr(e, "target", None) == "glove"]
    assert [(r["path"], r["status"], r["expected_size"], r["command"]) for r in rows] == [
        ("glove/glove.6B.50d.txt", "missing", 171_350_079, "./datasets.sh --small glove"),
        ("glove/glove.6B.100d.txt", "missing", 347_116_733, "./datasets.sh --small glove"),
    ]
