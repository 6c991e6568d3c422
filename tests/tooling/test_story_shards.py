"""Story shards: the cutter, and TinyStories' sharded download against a local HTTP server.

A generated story file of about 216 kB stands in for TinyStories' 2.2 GB training split, cut into
shards of 16 kB instead of 100 MB: the tiny track takes 1 shard, the small track 4, the full track
all of them. The server honours ranges or not, and cuts connections where a test says.
"""

import gzip
import os
import random

import pytest
from fake_data import sha256
from local_server import Route

from modules.course import story_shards
from modules.course.artifacts import entry_status, format_report
from modules.course.datasets_cli import main
from modules.course.download import DOWNLOADED, IMPORTED, SKIPPED, DownloadError
from modules.course.manifest import Download, Manifest, Shards, Source
from modules.course.story_shards import (
    STORY_END,
    cut_stories,
    fetch_shards,
    import_shards,
    read_shard_manifest,
    shard_paths,
    shards_status,
)
from modules.course.verify import Stamps

SHARD_BYTES = 16_000
SLACK = 2_000  # bytes asked for beyond each shard: several stories
PATH = "stories/train"
NAME = "stories-train.txt"
WORDS = ["Lily", "Tom", "dog", "cat", "park", "ran", "saw", "a", "big", "red", "ball", "happy",
         "sad", "and", "then", "the"]


def make_stories(n: int, seed: int = 0) -> bytes:
    """`n` short stories of one to four lines, each ending with a line holding <|endoftext|>."""
    rng = random.Random(seed)
    stories = []
    for _ in range(n):
        lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))
                 for _ in range(rng.randint(1, 4))]
        stories.append("\n".join(lines) + "\n<|endoftext|>\n")
    return "".join(stories).encode()


STORIES = make_stories(900)  # 216.1 kB: 14 shards


def sharded_entry(url: str, body: bytes = STORIES, published: bytes | None = None) -> Download:
    """A manifest entry that keeps `body`, served at `url`, as shards (tiny: 1, small: 4)."""
    published = body if published is None else published
    return Download("stories", PATH, (Source(url, sha256(published), len(published)),),
                    ("tiny", "small", "full"), (10,), "test stories",
                    Shards(SHARD_BYTES, (("tiny", 1), ("small", 4))))


def shard_texts(folder) -> list[bytes]:
    return [gzip.decompress(path.read_bytes()) for path in shard_paths(folder)]


def ranges(server) -> list[str | None]:
    return [r.headers.get("Range") for r in server.requests_for(f"/{NAME}")]


@pytest.fixture(autouse=True)
def small_reads(monkeypatch):
    """A small slack, and reads of 1000 bytes, so that a cut connection leaves complete shards."""
    monkeypatch.setattr(story_shards, "RANGE_SLACK", SLACK)
    monkeypatch.setattr(story_shards, "CHUNK", 1000)


@pytest.mark.parametrize("chunk", [5, 999, 1 << 20])
def test_shards_end_where_a_story_ends_and_reassemble_to_the_file(tmp_path, chunk):
    pieces = [STORIES[i:i + chunk] for i in range(0, len(STORIES), chunk)]
    records = cut_stories(pieces, tmp_path, SHARD_BYTES)
    texts = shard_texts(tmp_path)
    assert b"".join(texts) == STORIES
    assert len(texts) == len(records) == 14
    for text in texts[:-1]:  # each ends at the first story end SHARD_BYTES or more into it
        assert text.endswith(STORY_END)
        assert text.find(STORY_END, SHARD_BYTES - len(STORY_END)) == len(text) - len(STORY_END)
    assert [(r.start, r.end) for r in records] == [
        (sum(map(len, texts[:i])), sum(map(len, texts[:i + 1]))) for i in range(len(texts))]
    assert [r.sha256 for r in records] == [sha256(t) for t in texts]
    assert [r.gz_sha256 for r in records] == [sha256(p.read_bytes()) for p in shard_paths(tmp_path)]
    manifest = read_shard_manifest(tmp_path)
    assert manifest.complete and manifest.shards == tuple(records)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("train-")) == [
        "shards.json"]


def test_a_range_that_stops_inside_the_file_drops_the_unfinished_story(tmp_path):
    whole = cut_stories([STORIES], tmp_path / "whole", SHARD_BYTES)
    first = cut_stories([STORIES[:40_000]], tmp_path / "cut", SHARD_BYTES, to_eof=False)
    assert first == whole[:2]
    more = cut_stories([STORIES[first[-1].end:]], tmp_path / "cut", SHARD_BYTES,
                       start=first[-1].end, first_index=2, max_shards=3)
    assert more == whole[2:5]  # the same bytes, gzip included
    manifest = read_shard_manifest(tmp_path / "cut")
    assert len(manifest.shards) == 5 and not manifest.complete
    assert not list((tmp_path / "cut").glob("*.part"))


def test_tiny_asks_for_one_shard_and_its_slack_and_a_rerun_does_nothing(server, data_dir, capsys):
    entry = sharded_entry(server.add(f"/{NAME}", Route(STORIES)))
    assert fetch_shards(entry, data_dir, "tiny") == DOWNLOADED
    assert ranges(server) == [f"bytes=0-{SHARD_BYTES + SLACK - 1}"]
    [text] = shard_texts(data_dir / PATH)
    assert STORIES.startswith(text) and text.endswith(STORY_END)
    assert fetch_shards(entry, data_dir, "tiny") == SKIPPED
    assert len(server.requests) == 1
    assert shards_status(entry, data_dir, "tiny", Stamps(data_dir)).describe() == \
        f"1 shard, {len(text) / 1000:.1f} kB of text"
    assert "Traceback" not in capsys.readouterr().err


def test_small_continues_from_the_end_recorded_for_the_last_shard(server, data_dir):
    entry = sharded_entry(server.add(f"/{NAME}", Route(STORIES)))
    fetch_shards(entry, data_dir, "tiny")
    end = read_shard_manifest(data_dir / PATH).shards[-1].end
    assert fetch_shards(entry, data_dir, "small") == DOWNLOADED
    assert ranges(server)[1] == f"bytes={end}-{end + 3 * (SHARD_BYTES + SLACK) - 1}"
    texts = shard_texts(data_dir / PATH)
    assert len(texts) == 4 and STORIES.startswith(b"".join(texts))


def test_a_story_running_past_the_slack_is_fetched_with_an_open_ended_range(
        server, data_dir, monkeypatch):
    monkeypatch.setattr(story_shards, "RANGE_SLACK", 1)
    [expected] = cut_stories([STORIES], data_dir / "expected", SHARD_BYTES, max_shards=1)
    assert expected.end > SHARD_BYTES + 1  # no story ends within the bounded range
    entry = sharded_entry(server.add(f"/{NAME}", Route(STORIES)))
    assert fetch_shards(entry, data_dir, "tiny") == DOWNLOADED
    assert ranges(server) == [f"bytes=0-{SHARD_BYTES}", None]  # then the rest of the file
    assert read_shard_manifest(data_dir / PATH).shards == (expected,)
    assert not list((data_dir / PATH).glob("*.part"))


def test_without_ranges_the_file_is_read_from_its_start_skipping_the_shards_done(
        server, data_dir, capsys):
    entry = sharded_entry(server.add(f"/{NAME}", Route(STORIES, ranges=False)))
    fetch_shards(entry, data_dir, "tiny")
    assert fetch_shards(entry, data_dir, "small") == DOWNLOADED
    assert "does not send parts of files: reading stories-train.txt from its start, skipping " \
           "the 1 shard(s) already cut" in capsys.readouterr().out
    expected = cut_stories([STORIES], data_dir / "expected", SHARD_BYTES, max_shards=4)
    assert read_shard_manifest(data_dir / PATH).shards == tuple(expected)


@pytest.mark.parametrize("honours_ranges", [True, False])
def test_a_connection_cut_inside_a_shard_resumes_after_the_last_complete_one(
        server, data_dir, capsys, honours_ranges):
    expected = cut_stories([STORIES], data_dir / "expected", SHARD_BYTES, max_shards=4)
    cut_at = expected[2].start + 5000  # inside the third shard
    url = server.add(f"/{NAME}", Route(STORIES, ranges=honours_ranges, cut_at=cut_at))
    assert fetch_shards(sharded_entry(url), data_dir, "small") == DOWNLOADED
    resume = expected[2].start
    assert ranges(server)[1].startswith(f"bytes={resume}-")
    assert f"resuming after 2 complete shard(s), from byte {resume:,}" in capsys.readouterr().out
    assert read_shard_manifest(data_dir / PATH).shards == tuple(expected)
    assert not list((data_dir / PATH).glob("*.part"))


def test_the_full_track_checks_the_whole_file_and_a_rerun_does_nothing(server, data_dir):
    entry = sharded_entry(server.add(f"/{NAME}", Route(STORIES)))
    assert fetch_shards(entry, data_dir, "full") == DOWNLOADED
    assert ranges(server) == [None]
    assert b"".join(shard_texts(data_dir / PATH)) == STORIES
    manifest = read_shard_manifest(data_dir / PATH)
    assert manifest.complete and manifest.verified
    state = shards_status(entry, data_dir, "full", Stamps(data_dir))
    assert (state.status, state.describe()) == ("present", "all 14 shards, 216.1 kB of text")
    assert fetch_shards(entry, data_dir, "full") == SKIPPED
    assert fetch_shards(entry, data_dir, "small") == SKIPPED
    assert len(server.requests) == 1


def test_the_full_track_sets_the_shards_aside_when_the_file_is_not_the_published_one(
        server, data_dir):
    other = make_stories(900, seed=1)[:len(STORIES)]  # same size, other stories
    entry = sharded_entry(server.add(f"/{NAME}", Route(other)), published=STORIES)
    with pytest.raises(DownloadError) as error:
        fetch_shards(entry, data_dir, "full")
    [aside] = (data_dir / "stories").glob("train.invalid-*")
    assert f"not the published {len(STORIES):,} bytes and {sha256(STORIES)}" in str(error.value)
    assert f"the shards were moved to {aside}" in str(error.value)
    assert "--from FOLDER stories" in str(error.value)
    assert not (data_dir / PATH).exists()
    assert b"".join(shard_texts(aside)) == other  # kept, never deleted


def test_check_finds_a_flipped_byte_and_a_fetch_cuts_that_shard_again(server, data_dir, capsys):
    manifest = Manifest((sharded_entry(server.add(f"/{NAME}", Route(STORIES))),), ())
    assert main(["--small"], data_dir=data_dir, manifest=manifest) == 0
    assert f"  downloaded        {PATH} (4 shards, " in capsys.readouterr().out
    shard = data_dir / PATH / "train-00001.txt.gz"
    good, mtime_ns = shard.read_bytes(), shard.stat().st_mtime_ns
    shard.write_bytes(good[:100] + bytes([good[100] ^ 0xFF]) + good[101:])
    os.utime(shard, ns=(mtime_ns, mtime_ns))  # the stamp still vouches for it; --check re-hashes
    assert main(["--small", "--check"], data_dir=data_dir, manifest=manifest) == 1
    out = capsys.readouterr().out
    assert f"  corrupt  {PATH}  train-00001.txt.gz: sha256 is " in out
    assert "./datasets.sh --small stories moves the bad shards aside and cuts them again" in out
    start = read_shard_manifest(data_dir / PATH).shards[1].start
    assert main(["--small"], data_dir=data_dir, manifest=manifest) == 0
    assert ranges(server)[-1] == f"bytes={start}-{start + 3 * (SHARD_BYTES + SLACK) - 1}"
    [aside] = shard.parent.glob("train-00001.txt.gz.invalid-*")
    assert aside.read_bytes() != good and shard.read_bytes() == good
    assert main(["--small", "--check"], data_dir=data_dir, manifest=manifest) == 0


def test_from_cuts_a_local_copy_the_same_way_and_checks_it_on_the_full_track(
        server, data_dir, tmp_path, capsys):
    url = server.url(f"/{NAME}")  # nothing served: --from never touches the network
    folder = tmp_path / "usb"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / NAME).write_bytes(STORIES)
    entry = sharded_entry(url)
    code = main(["--tiny", "--from", str(folder)], data_dir=data_dir,
                manifest=Manifest((entry,), ()))
    assert code == 0
    assert f"  imported          {PATH} (1 shard, " in capsys.readouterr().out
    assert read_shard_manifest(data_dir / PATH).shards == tuple(
        cut_stories([STORIES], tmp_path / "expected", SHARD_BYTES, max_shards=1))
    assert import_shards(folder, entry, data_dir, "full") == IMPORTED
    assert read_shard_manifest(data_dir / PATH).verified
    assert import_shards(folder, entry, data_dir, "full") == SKIPPED
    assert (folder / "nested" / NAME).read_bytes() == STORIES
    assert server.requests == []

    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / NAME).write_bytes(make_stories(900, seed=1)[:len(STORIES)])
    with pytest.raises(DownloadError, match="the shards were moved to"):
        import_shards(wrong, entry, tmp_path / "other-data", "full")
    with pytest.raises(DownloadError, match=f"has 10 bytes, not {len(STORIES):,}"):
        (wrong / NAME).write_bytes(b"0123456789")
        import_shards(wrong, entry, tmp_path / "other-data", "tiny")


def test_list_and_artifact_status_show_the_shards_per_track(server, data_dir, capsys):
    entry = sharded_entry(server.add(f"/{NAME}", Route(STORIES)))
    manifest = Manifest((entry,), ())
    main(["--list"], data_dir=data_dir, manifest=manifest)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "target   file           tiny         small        full      on disk",
        "stories  stories/train  ~16.0 kB x1  ~16.0 kB x4  216.1 kB  missing",
        "total                   16.0 kB      64.0 kB      216.1 kB",
    ]
    fetch_shards(entry, data_dir, "tiny")
    item = entry_status(entry, "small", data_dir, Stamps(data_dir))
    text_bytes = read_shard_manifest(data_dir / PATH).shards[0].bytes
    assert item == {"path": PATH, "status": "partial", "size": text_bytes,
                    "expected_size": 4 * SHARD_BYTES, "command": "./datasets.sh --small stories",
                    "shards": f"1 of 4 shards, {text_bytes / 1000:.1f} kB of text"}
    assert entry_status(entry, "tiny", data_dir, Stamps(data_dir))["status"] == "present"
    report = {"module": "10", "title": "Pre-training", "track": "small", "data": [item],
              "answers": {"answered": 0, "hint": 0, "blank": 0}, "working_copy": True,
              "exercises": None}
    assert format_report([report]).splitlines()[1] == (
        f"  data       partial  {f'{text_bytes / 1000:.1f} kB of 64.0 kB':<22}{PATH}  "
        f"(1 of 4 shards, {text_bytes / 1000:.1f} kB of text)  -> ./datasets.sh --small stories")
    main(["--list"], data_dir=data_dir, manifest=manifest)
    assert "216.1 kB  1 shard" in capsys.readouterr().out


def test_a_failure_names_the_url_and_how_to_cut_the_shards_by_hand(server, data_dir):
    url = server.url(f"/{NAME}")
    with pytest.raises(DownloadError) as error:
        fetch_shards(sharded_entry(url), data_dir, "tiny")
    message = str(error.value)
    assert f"{url}: HTTP 404 Not Found" in message
    assert f"open {url} in a browser, save {NAME} (216.1 kB) in a folder and run" in message
    assert "./datasets.sh [--tiny|--small] --from FOLDER stories" in message
