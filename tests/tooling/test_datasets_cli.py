"""./datasets.sh: fetching, importing, listing and checking a track, against a local server."""

import os
import subprocess
import sys

import pytest
from fake_data import entry_for, make_bytes, sha256
from local_server import Route

from modules.course.datasets_cli import main
from modules.course.manifest import Manifest, course_manifest
from modules.course.paths import REPO_ROOT
from modules.course.verify import Stamps, file_status

ALPHA = make_bytes(5000, seed=1)  # on every track
BETA = make_bytes(12_000, seed=2)  # on the full track only
SHARED_SHAKESPEARE = REPO_ROOT.parent / "shared/data/tinyshakespeare/input.txt"


@pytest.fixture
def manifest(server):
    alpha = entry_for("alpha/a.bin", (server.add("/a.bin", Route(ALPHA)), ALPHA), target="alpha")
    beta = entry_for("beta/b.bin", (server.add("/b.bin", Route(BETA)), BETA), target="beta",
                     tracks=("full",))
    return Manifest(downloads=(alpha, beta), artifacts=())


def run(capsys, data_dir, manifest, *args):
    code = main(list(args), data_dir=data_dir, manifest=manifest)
    return code, capsys.readouterr().out


def test_fetch_gets_the_track_s_files_and_records_the_track(capsys, server, data_dir, manifest):
    code, out = run(capsys, data_dir, manifest, "--tiny")
    assert code == 0
    assert "  downloaded        alpha/a.bin (5.0 kB)" in out
    assert "beta" not in out
    assert (data_dir / "alpha/a.bin").read_bytes() == ALPHA
    assert (data_dir / ".track").read_text() == "tiny\n"

    code, out = run(capsys, data_dir, manifest, "--tiny")
    assert code == 0
    assert "  skipped as valid  alpha/a.bin (5.0 kB)" in out
    assert len(server.requests) == 1


def test_a_failed_file_exits_1_and_leaves_the_track_unrecorded(capsys, server, data_dir, manifest):
    server.routes.pop("/b.bin")
    code, out = run(capsys, data_dir, manifest)  # no flag: the full track
    assert code == 1
    assert "  downloaded        alpha/a.bin (5.0 kB)" in out
    assert "  failed            beta/b.bin" in out
    assert f"{server.url('/b.bin')}: HTTP 404 Not Found" in out
    assert not (data_dir / ".track").exists()


def test_from_imports_what_it_finds_and_says_how_to_fetch_the_rest(capsys, tmp_path, data_dir,
                                                                  manifest, server):
    folder = tmp_path / "offline-copy"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested/a.bin").write_bytes(ALPHA)
    code, out = run(capsys, data_dir, manifest, "--from", str(folder))
    assert code == 1
    assert "  imported          alpha/a.bin (5.0 kB)" in out
    assert "  failed            beta/b.bin" in out
    assert "fetch it with: ./datasets.sh beta" in out
    assert (data_dir / "alpha/a.bin").read_bytes() == ALPHA
    assert (folder / "nested/a.bin").read_bytes() == ALPHA
    assert server.requests == []  # --from never touches the network


def test_check_reports_each_status_and_fails_on_a_corrupt_file(capsys, data_dir, server):
    files = {name: make_bytes(100, seed=i) for i, name in enumerate("pmxc")}
    entries = [entry_for(f"{name}.bin", (server.url(f"/{name}"), body), target=name)
               for name, body in files.items()]
    manifest = Manifest(downloads=tuple(entries), artifacts=())
    (data_dir / "p.bin").write_bytes(files["p"])  # present
    (data_dir / "x.bin.part").write_bytes(files["x"][:40])  # partial
    (data_dir / "c.bin").write_bytes(files["x"])  # corrupt: right size, other bytes
    code, out = run(capsys, data_dir, manifest, "--tiny", "--check")
    assert code == 1
    assert out.splitlines()[1:] == [
        "  present  p.bin  100 B",
        "  missing  m.bin  fetch it with: ./datasets.sh --tiny m",
        "  partial  x.bin  a download was cut; resume it with: ./datasets.sh --tiny x",
        "  corrupt  c.bin  wrong size or sha256; ./datasets.sh --tiny c moves it aside and "
        "fetches it again",
        "1 present, 1 missing, 1 partial, 1 corrupt",
    ]
    code, _ = run(capsys, data_dir, manifest, "--tiny", "--check", "p", "m", "x")
    assert code == 0


def test_check_rehashes_even_a_file_its_stamp_vouches_for(capsys, data_dir, server):
    entry = entry_for("a.bin", (server.url("/a"), ALPHA), target="alpha")
    path = data_dir / "a.bin"
    path.write_bytes(ALPHA)
    assert file_status(entry, data_dir, Stamps(data_dir)) == "present"  # hashed and stamped
    mtime_ns = path.stat().st_mtime_ns
    path.write_bytes(make_bytes(5000, seed=9))  # same size; then hide the change
    os.utime(path, ns=(mtime_ns, mtime_ns))
    assert file_status(entry, data_dir, Stamps(data_dir)) == "present"  # the stamp is trusted
    code, out = run(capsys, data_dir, Manifest((entry,), ()), "--check")
    assert code == 1
    assert "  corrupt  a.bin" in out


def test_list_shows_sizes_per_track_presence_and_urls(capsys, data_dir, manifest, server):
    (data_dir / "alpha").mkdir()
    (data_dir / "alpha/a.bin").write_bytes(ALPHA)
    code, out = run(capsys, data_dir, manifest, "--list")
    assert code == 0
    assert out.splitlines()[:4] == [
        "target  file         tiny    small   full     on disk",
        "alpha   alpha/a.bin  5.0 kB  5.0 kB  5.0 kB   present",
        "beta    beta/b.bin   -       -       12.0 kB  missing",
        "total                5.0 kB  5.0 kB  17.0 kB",
    ]
    assert out.splitlines()[-4:] == ["  alpha/a.bin", f"    {server.url('/a.bin')}",
                                     "  beta/b.bin", f"    {server.url('/b.bin')}"]


def test_an_unknown_target_exits_2_and_lists_the_valid_ones(capsys, data_dir, manifest):
    with pytest.raises(SystemExit) as exit_:
        main(["--tiny", "gamma"], data_dir=data_dir, manifest=manifest)
    assert exit_.value.code == 2
    assert "unknown target gamma; valid targets: alpha, beta" in capsys.readouterr().err


@pytest.mark.parametrize("args, problem", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["nope"], "unknown target nope; valid targets: tinyshakespeare, tinystories, glove, "
              "gpt2-bpe"),
    (["--tiny", "--small"], "not allowed with argument"),
])
def test_the_wrapper_script_refuses_bad_input_with_exit_2(args, problem):
    env = {**os.environ, "PYTHON": sys.executable}  # used where the copy has no .venv
    done = subprocess.run([str(REPO_ROOT / "datasets.sh"), *args], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 2
    assert problem in done.stderr
    assert "TARGET is one of: tinyshakespeare, tinystories, glove, gpt2-bpe" in done.stderr


@pytest.mark.skipif(not SHARED_SHAKESPEARE.is_file(), reason="no local copy of TinyShakespeare")
def test_the_real_tinyshakespeare_matches_the_manifest(capsys, data_dir):
    code, out = run(capsys, data_dir, course_manifest(), "--tiny", "--from",
                    str(SHARED_SHAKESPEARE.parent.parent), "tinyshakespeare")
    assert code == 0, out
    copied = data_dir / "tinyshakespeare/input.txt"
    [expected] = course_manifest().downloads_for("tiny", ["tinyshakespeare"])
    assert sha256(copied.read_bytes()) == expected.sources[0].sha256
    assert copied.stat().st_size == 1_115_394
