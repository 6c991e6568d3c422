"""The data manifest: the course's own entries, the queries, and validation errors."""

import pytest

from modules.course.manifest import (
    Artifact,
    Download,
    ManifestError,
    Shards,
    Source,
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
ENTRY = '''
[[download]]
target = "sample"
path = "{path}"
tracks = {tracks}
modules = {modules}
description = "a sample"
'''
DOWNLOAD = ENTRY + SOURCE
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


def test_the_course_manifest_lists_the_four_targets_with_their_published_checksums():
    manifest = course_manifest()
    assert manifest.targets() == ["tinyshakespeare", "tinystories", "glove", "gpt2-bpe"]
    [shakespeare] = downloads_for("tiny", ["tinyshakespeare"])
    assert shakespeare.path == "tinyshakespeare/input.txt"
    assert shakespeare.sources[0].size == 1_115_394
    assert shakespeare.sources[0].sha256.startswith("86c4e6aa")
    [glove] = downloads_for("tiny", ["glove"])
    assert glove.path == "glove/glove.6B.50d.txt"
    assert [(s.member, s.archive_sha256[:8], s.archive_size) for s in glove.sources] == [
        ("glove.6B.50d.txt", "617afb2f", 862_182_613), ("glove.6B.50d.txt", "6471382c", None)]
    # Stanford's member is checked by its published sha256; the mirror's by the zip's CRC-32
    assert [s.sha256 and s.sha256[:8] for s in glove.sources] == ["d8f717f8", None]
    assert glove.expected_size == 171_350_079
    assert glove.archive_path(glove.sources[0]) == "glove/glove.6B.zip"
    vocab, merges = downloads_for("tiny", ["gpt2-bpe"])
    assert (vocab.path, merges.path) == ("gpt2/vocab.json", "gpt2/merges.txt")
    # OpenAI's files, then the Hugging Face mirror of the same bytes: the hashes tiktoken pins
    assert [(s.size, s.sha256[:8]) for s in vocab.sources] == [(1_042_301, "19613966")] * 2
    assert [(s.size, s.sha256[:8]) for s in merges.sources] == [(456_318, "1ce16647")] * 2
    assert [s.url.rsplit("/", 1)[1] for s in vocab.sources + merges.sources] == [
        "encoder.json", "vocab.json", "vocab.bpe", "merges.txt"]


def test_tinystories_training_file_is_kept_as_shards_each_track_taking_some():
    validation, train = downloads_for("tiny", ["tinystories"])
    assert validation.path == "tinystories/TinyStoriesV2-GPT4-valid.txt"
    assert validation.shards is None
    assert [d.path for d in downloads_for("full", ["tinystories"])] == [validation.path, train.path]
    assert train.path == "tinystories/train"
    assert train.shards.shard_bytes == 100_000_000
    assert [train.shards.count(t) for t in ("tiny", "small", "full")] == [1, 4, None]
    [source] = train.sources
    assert source.file_name == "TinyStoriesV2-GPT4-train.txt"
    assert (source.size, source.sha256[:8]) == (2_227_753_162, "6418d412")
    assert [train.track_size(t) for t in ("tiny", "small", "full")] == [
        100_000_000, 400_000_000, 2_227_753_162]
    tiny_bytes = sum(d.track_size("tiny") for d in downloads_for("tiny"))
    assert tiny_bytes == 1_115_394 + 22_502_601 + 100_000_000 + 171_350_079 + 1_042_301 + 456_318


def test_each_track_extracts_its_glove_vector_sizes_from_the_zip():
    def glove(track):
        return [d.path.removeprefix("glove/") for d in downloads_for(track, ["glove"])]
    assert glove("tiny") == ["glove.6B.50d.txt"]
    assert glove("small") == ["glove.6B.50d.txt", "glove.6B.100d.txt"]
    assert glove("full") == [f"glove.6B.{d}d.txt" for d in (50, 100, 200, 300)]
    published = {d.path: (d.sources[0].size, d.sources[0].sha256 is not None)
                 for d in downloads_for("full", ["glove"])}
    assert published == {"glove/glove.6B.50d.txt": (171_350_079, True),
                         "glove/glove.6B.100d.txt": (347_116_733, False),
                         "glove/glove.6B.200d.txt": (None, False),
                         "glove/glove.6B.300d.txt": (1_037_962_819, True)}


def test_entries_for_module_filter_by_module_and_track():
    assert [e.path for e in entries_for_module("03", "tiny")] == ["tinyshakespeare/input.txt"]
    assert [e.path for e in entries_for_module(10, "tiny") if isinstance(e, Download)] == [
        "tinystories/TinyStoriesV2-GPT4-valid.txt", "tinystories/train"]
    assert [e.path for e in entries_for_module(8, "tiny")] == [
        "tinyshakespeare/input.txt", "tinystories/TinyStoriesV2-GPT4-valid.txt",
        "gpt2/vocab.json", "gpt2/merges.txt"]
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
                                         "tinystories, glove, gpt2-bpe"):
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


def sharded(extra: str) -> str:
    """A download kept as shards, with `extra` lines of shard keys."""
    entry = ENTRY.format(path="sample/train", tracks='["tiny", "full"]', modules="[10]")
    return entry + extra + SOURCE.format(sha="ab" * 32)


def test_a_download_may_be_kept_as_shards(tmp_path):
    text = sharded("shard_bytes = 1_000\ntrack_shards = { tiny = 2 }\n")
    [entry] = load_manifest(write(tmp_path, text)).downloads
    assert entry.shards == Shards(1000, (("tiny", 2),))
    assert (entry.shards.count("tiny"), entry.shards.count("full")) == (2, None)
    assert (entry.track_size("tiny"), entry.track_size("full")) == (2000, 10)


@pytest.mark.parametrize("extra, problem", [
    ("shard_bytes = 1_000\n", "needs both shard_bytes and track_shards; missing track_shards"),
    ("shard_bytes = 0\ntrack_shards = {}\n", "shard_bytes must be a positive number of bytes"),
    ("shard_bytes = 10\ntrack_shards = { tiny = 0 }\n",
     "track_shards must be a table of track = number of shards (a positive whole number)"),
    ("shard_bytes = 10\ntrack_shards = [1]\n", "track_shards must be a table"),
    ("shard_bytes = 10\ntrack_shards = { small = 4 }\n",
     "track_shards names small, which is not among the entry's tracks (tiny, full)"),
    ("shard_bytes = 10\ntrack_shards = { tiny = 1 }\n\n[[download.source]]\n"
     'url = "https://example.org/b.txt"\nsha256 = "' + "cd" * 32 + '"\n',
     "needs sources that serve the text file itself, with its size and sha256"),
])
def test_malformed_shard_keys_are_refused_with_a_clear_message(tmp_path, extra, problem):
    with pytest.raises(ManifestError) as error:
        load_manifest(write(tmp_path, sharded(extra)))
    assert problem in str(error.value)


def member(**keys) -> str:
    """A download whose one source is a member of a zip, with `keys` changed (None: left out)."""
    source = {"url": '"https://example.org/files/vectors.zip"', "member": '"vectors.50d.txt"',
              "archive_sha256": f'"{"cd" * 32}"', "archive_size": "1_000", "size": "10",
              "sha256": f'"{"ab" * 32}"'}
    source.update(keys)
    lines = "".join(f"{key} = {value}\n" for key, value in source.items() if value is not None)
    entry = ENTRY.format(path="sample/vectors.50d.txt", tracks='["tiny"]', modules="[5]")
    return f"{entry}\n[[download.source]]\n{lines}"


def test_a_source_may_name_a_member_of_a_zip(tmp_path):
    [entry] = load_manifest(write(tmp_path, member(sha256=None))).downloads
    [source] = entry.sources
    assert (source.member, source.size, source.sha256) == ("vectors.50d.txt", 10, None)
    assert (source.archive_sha256, source.archive_size) == ("cd" * 32, 1000)
    assert source.archive == Source("https://example.org/files/vectors.zip", "cd" * 32, 1000)
    assert source.file_name == "vectors.zip"
    assert entry.archive_path(source) == "sample/vectors.zip"


@pytest.mark.parametrize("text, problem", [
    (member(archive_sha256=None), "source #1: missing archive_sha256"),
    (member(archive_sha256='"abc"'), "archive_sha256 must be 64 lower-case hex digits, got 'abc'"),
    (member(archive_size="0"), "archive_size must be a positive number of bytes, got 0"),
    (member(sha256='"ABC"'), "sha256 must be 64 lower-case hex digits, got 'ABC'"),
    (member(member='"../etc/passwd"'),
     "member '../etc/passwd' must be relative to the zip's root, with / separators"),
    (member(url='"https://example.org/vectors.tar.gz"'),
     "a source with a member must serve a zip, but url 'https://example.org/vectors.tar.gz' "
     "does not end in a .zip file name"),
    (member(member=None),
     "archive_sha256, archive_size only go with a member (a file extracted from the zip at "
     "url): add member = \"<its name in the zip>\" or remove archive_sha256, archive_size"),
    (member(member=None, archive_sha256=None, archive_size=None, sha256=None),
     "source #1: missing sha256"),  # only a member may go without a sha256
    (member(crc='"1234"'), "unknown key(s) crc"),
])
def test_a_malformed_member_source_is_refused_with_a_clear_message(tmp_path, text, problem):
    with pytest.raises(ManifestError) as error:
        load_manifest(write(tmp_path, text))
    assert problem in str(error.value)


def test_sizes_are_shown_in_decimal_units():
    assert [format_size(n) for n in (999, 1_115_394, 862_182_613, 2_227_753_162, None)] == [
        "999 B", "1.1 MB", "862.2 MB", "2.2 GB", "?"]
