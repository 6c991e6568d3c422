"""The data manifest: the course's own entries, the queries, and validation errors."""

import pytest

from modules.course.manifest import (
    Artifact,
    ManifestError,
    course_manifest,
    downloads_for,
    entries_for_module,
    format_size,
    load_manifest,
)

SOURCE = '''
[[download.source]]
url = "https://example.org/a.txt"
size = 10
sha256 = "{sha}"
'''
DOWNLOAD = '''
[[download]]
target = "sample"
path = "{path}"
tracks = {tracks}
modules = {modules}
description = "a sample"
''' + SOURCE
ARTIFACT = '''
[[artifact]]
path = "sample/shards"
produced_by = "python -m modules.m10_tinystories.shard"
tracks = ["small", "full"]
modules = [10]
description = "token shards"
'''


def write(tmp_path, text):
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return path


def download(path="sample/a.txt", tracks='["tiny"]', modules="[3]", sha="ab" * 32):
    return DOWNLOAD.format(path=path, tracks=tracks, modules=modules, sha=sha)


def test_the_course_manifest_lists_the_three_targets_with_their_published_checksums():
    manifest = course_manifest()
    assert manifest.targets() == ["tinyshakespeare", "tinystories", "glove"]
    [shakespeare] = downloads_for("tiny", ["tinyshakespeare"])
    assert shakespeare.path == "tinyshakespeare/input.txt"
    assert shakespeare.sources[0].size == 1_115_394
    assert shakespeare.sources[0].sha256.startswith("86c4e6aa")
    [glove] = downloads_for("tiny", ["glove"])
    assert [s.sha256[:8] for s in glove.sources] == ["617afb2f", "6471382c"]
    assert glove.expected_size == 862_182_613


def test_only_the_full_track_fetches_the_tinystories_training_file():
    tiny = [d.path for d in downloads_for("tiny")]
    full = [d.path for d in downloads_for("full")]
    assert [d.path for d in downloads_for("small")] == tiny
    assert set(full) - set(tiny) == {"tinystories/TinyStoriesV2-GPT4-train.txt"}
    tiny_bytes = sum(d.expected_size for d in downloads_for("tiny"))
    assert tiny_bytes == 1_115_394 + 22_502_601 + 862_182_613


def test_entries_for_module_filter_by_module_and_track():
    assert [e.path for e in entries_for_module("03", "tiny")] == ["tinyshakespeare/input.txt"]
    assert [e.path for e in entries_for_module(10, "tiny")] == [
        "tinystories/TinyStoriesV2-GPT4-valid.txt"]
    assert len(entries_for_module(10, "full")) == 2
    assert entries_for_module(0, "full") == []


def test_artifacts_are_read_and_returned_for_their_module(tmp_path):
    manifest = load_manifest(write(tmp_path, download(modules="[10]") + ARTIFACT))
    [artifact] = manifest.artifacts
    assert artifact == Artifact("sample/shards", "python -m modules.m10_tinystories.shard",
                                ("small", "full"), (10,), "token shards")
    assert [e.path for e in manifest.entries_for_module(10, "small")] == ["sample/shards"]
    assert [e.path for e in manifest.entries_for_module(10, "tiny")] == ["sample/a.txt"]


def test_unknown_targets_and_tracks_are_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="unknown target nope; valid targets: tinyshakespeare, "
                                         "tinystories, glove"):
        downloads_for("tiny", ["nope"])
    with pytest.raises(ValueError, match="unknown track 'medium'; use one of tiny, small, full"):
        downloads_for("medium")


@pytest.mark.parametrize("text, problem", [
    (download() + download(), "more than one entry writes sample/a.txt"),
    (download(tracks='["huge"]'), "tracks must be a non-empty list drawn from tiny, small, full"),
    (download(sha="XYZ"), "sha256 must be 64 lower-case hex digits, got 'XYZ'"),
    (download().replace("size = 10", "size = -5"), "size must be a positive number of bytes"),
    (download(modules="[12]"), "modules must be a non-empty list of module numbers 0 to 11"),
    (download(path="../outside.txt"), "must be relative to data/"),
    (download().replace('target = "sample"\n', ""), "missing target"),
    ("[[dataset]]\n", "unknown section(s) dataset"),
])
def test_a_malformed_manifest_is_refused_with_a_clear_message(tmp_path, text, problem):
    with pytest.raises(ManifestError) as error:
        load_manifest(write(tmp_path, text))
    assert problem in str(error.value)


def test_sizes_are_shown_in_decimal_units():
    assert [format_size(n) for n in (999, 1_115_394, 862_182_613, 2_227_753_162, None)] == [
        "999 B", "1.1 MB", "862.2 MB", "2.2 GB", "?"]
