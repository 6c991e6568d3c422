"""Module 10, pre-training on TinyStories: contracts of the tokenizer training, the token files,
the multi-file loader, the validation loss, and the pipeline that joins them.

Everything runs on the generated story corpus (stories.py), cut into shards by the download's
own cutter (modules/course/story_shards.py), in tmp_path; nothing here needs TinyStories.
References are independent of the learner's code:
- the shards: the generated text itself (their concatenation equals it, byte for byte) and the
  story separator "\\n<|endoftext|>\\n" (every shard ends with it);
- train_tokenizer: Module 08's train_bpe run here on the same stories as one string (the same
  vocabulary and merges, exactly), and on the first k stories for a byte budget;
- token files: Module 08's Tokenizer.encode of the whole decompressed shard (the same ids),
  decode (the shard's text), the file size (2 bytes per id) and Module 09's sidecar;
- resuming: the mtimes (ns) of finished token files, and the shards tokenize_shard is called on;
- ShardLoader: files whose ids name their file and position (file f holds 10,000 f + 0, 1, ...),
  so each row shows where it was cut; the file counts of 4,000 rows against the expected
  proportions (a chi-square statistic, fixed seed), and the starts inside one file against the
  uniform distribution;
- validation_loss: F.cross_entropy over all the consecutive windows at once, in float64, to
  1e-12 (relative);
- the pipeline: the "tiny" config for 30 steps (the validation loss falls by more than 1 nat
  from ln(512) = 6.24), and 15 + 15 steps with --resume equal to 30 in one go, bit for bit;
- the configs: CS336's numbers (327,680,000 tokens; about 17M non-embedding parameters, within
  10%, counted as CS336 counts them; its own count worked out here is 17,576,448).
Tests of provided code carry no exercise marker and pass on the scaffold.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch_checks import gen

from modules.course.catalogue import find_module
from modules.course.manifest import course_manifest
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.course.paths import DATA_DIR
from modules.course.story_shards import STORY_END, read_shard_manifest
from modules.m03_bigram import CharVocab
from modules.m07_transformer.model import GPT, GPTConfig
from modules.m08_bpe import Tokenizer, train_bpe
from modules.m09_training.checkpoint import load_checkpoint
from modules.m09_training.data import read_tokens, sidecar_path, write_tokens
from modules.m09_training.metrics import read_metrics
from modules.m10_tinystories import stories
from modules.m10_tinystories import tokenize as tokenize_module
from modules.m10_tinystories.configs import (
    CONFIGS,
    load_pretrain_config,
    non_embedding_parameters,
)
from modules.m10_tinystories.loader import ShardLoader, validation_loss
from modules.m10_tinystories.pretrain import load_trained, parse_args, pretrain, run_dir
from modules.m10_tinystories.scaling import plot_scaling, scaling_study
from modules.m10_tinystories.stories import (
    END_OF_TEXT,
    STORY_SEPARATOR,
    TRAIN_SEED,
    VALID_SEED,
    generate_stories,
    generated_source,
    iter_stories,
    track_work_dir,
)
from modules.m10_tinystories.tokenize import token_path, tokenize_shard, tokenize_shards
from modules.m10_tinystories.tokenizer_training import (
    SPECIAL_TOKENS,
    checkpoint_tokenizer,
    tokenizer_path,
    train_tokenizer,
)

N_STORIES = 240  # about 130 kB: six shards of 20 kB
SHARD_BYTES = 20_000
SMALL_VOCAB = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The generated corpus of N_STORIES stories, as shards, in a folder of its own."""
    return generated_source(N_STORIES, tmp_path_factory.mktemp("stories"), SHARD_BYTES)


@pytest.fixture(scope="module")
def small_bpe(corpus, tmp_path_factory) -> tuple[Tokenizer, object]:
    """A 400-token BPE trained by Module 08 on the corpus, and the file it is saved in."""
    vocab, merges = train_bpe(generate_stories(N_STORIES, TRAIN_SEED), SMALL_VOCAB,
                              SPECIAL_TOKENS)
    tokenizer = Tokenizer(vocab, merges, SPECIAL_TOKENS)
    path = tmp_path_factory.mktemp("bpe") / "bpe-400.json"
    tokenizer.save(path)
    return tokenizer, path


def shard_text(path) -> str:
    with gzip.open(path, "rb") as f:
        return f.read().decode("utf-8")


# ---- the stories and their shards (provided) ----------------------------------------------------

def test_generated_stories_are_deterministic_and_end_with_the_separator():
    text = generate_stories(50, seed=3)
    assert text == generate_stories(50, seed=3)
    assert text != generate_stories(50, seed=4)
    assert generate_stories(80, seed=3).startswith(text)  # more stories extend the text
    parts = text.split(STORY_SEPARATOR)
    assert len(parts) == 51 and parts[-1] == ""  # 50 stories, each followed by the separator
    assert all(part.strip() and END_OF_TEXT not in part for part in parts[:-1])
    assert STORY_SEPARATOR == "\n<|endoftext|>\n" == STORY_END.decode()
    assert len(set(parts)) > 45  # the stories differ
    assert 400 < len(text) / 50 < 1500  # short stories, like TinyStories'


def test_generated_corpus_shards_reassemble_to_it_and_end_at_story_boundaries(corpus):
    text = generate_stories(N_STORIES, TRAIN_SEED)
    shards = [shard_text(p) for p in corpus.train_shards]
    assert len(shards) >= 4
    assert "".join(shards) == text
    for i, shard in enumerate(shards):
        assert shard.endswith(STORY_SEPARATOR), f"shard {i} does not end after a story"
        assert not shard.startswith("\n"), f"shard {i} does not start with a story"
        assert len(shard.encode()) >= SHARD_BYTES or i == len(shards) - 1
    manifest = read_shard_manifest(corpus.train_shards[0].parent)
    assert manifest.complete
    assert [r.sha256 for r in manifest.shards] == [
        hashlib.sha256(s.encode()).hexdigest() for s in shards]
    assert corpus.valid.read_text(encoding="utf-8") == generate_stories(N_STORIES // 10,
                                                                        VALID_SEED)
    assert "".join(iter_stories(corpus.train_shards)) == text
    assert len(list(iter_stories(corpus.train_shards))) == N_STORIES


def test_the_generated_corpus_is_written_once(corpus):
    before = [p.stat().st_mtime_ns for p in corpus.train_shards]
    again = generated_source(N_STORIES, corpus.work_dir.parent, SHARD_BYTES)
    assert again == corpus
    assert [p.stat().st_mtime_ns for p in again.train_shards] == before


def test_story_source_says_when_it_uses_the_generated_corpus(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(stories, "GENERATED_DIR", tmp_path)
    monkeypatch.setattr(stories, "course_shards", lambda track: None)
    source = stories.story_source("tiny", generated_stories=30)
    assert source.generated and source.name == "generated-30"
    assert source.work_dir == tmp_path / "30-stories"
    out = capsys.readouterr().out
    assert "TinyStories is not here" in out and "./datasets.sh --tiny tinystories" in out
    # with the shards and the validation file there, the real data is used
    shard, valid = tmp_path / "train-00000.txt.gz", tmp_path / "valid.txt"
    shard.write_bytes(b""), valid.write_text("")
    monkeypatch.setattr(stories, "course_shards", lambda track: [shard])
    monkeypatch.setattr(stories, "VALID_FILE", valid)
    real = stories.story_source("small")
    assert (real.name, real.train_shards, real.valid, real.generated) == (
        "small", (shard,), valid, False)
    assert real.work_dir == track_work_dir("small")


# ---- 10.1 the tokenizer -------------------------------------------------------------------------

@pytest.mark.exercise("10.1")
def test_10_1_train_tokenizer_equals_train_bpe_on_the_stories(corpus):
    tokenizer = train_tokenizer(corpus.train_shards, SMALL_VOCAB, processes=1, progress=False)
    vocab, merges = train_bpe(generate_stories(N_STORIES, TRAIN_SEED), SMALL_VOCAB,
                              SPECIAL_TOKENS)
    assert isinstance(tokenizer, Tokenizer)
    assert tokenizer.vocab == vocab and tokenizer.merges == merges
    assert tokenizer.vocab_size == SMALL_VOCAB
    assert tokenizer.special_ids == {END_OF_TEXT: SMALL_VOCAB - 1}
    story = next(iter_stories(corpus.train_shards))
    assert tokenizer.encode(story)[-2:] == [SMALL_VOCAB - 1, tokenizer.encode("\n")[0]]
    assert tokenizer.decode(tokenizer.encode(story)) == story


@pytest.mark.exercise("10.1")
def test_10_1_max_bytes_takes_whole_stories_only(corpus):
    first = list(iter_stories(corpus.train_shards))[:12]
    budget = len("".join(first).encode()) + len(first[-1].encode()) // 2  # 12.5 stories
    tokenizer = train_tokenizer(corpus.train_shards, 300, max_bytes=budget, processes=1,
                                progress=False)
    vocab, merges = train_bpe("".join(first), 300, SPECIAL_TOKENS)
    assert tokenizer.vocab == vocab and tokenizer.merges == merges
    with pytest.raises(ValueError, match="smaller than the first story"):
        train_tokenizer(corpus.train_shards, 300, max_bytes=10, processes=1, progress=False)


def test_train_tokenizer_refuses_bad_arguments(corpus, tmp_path):
    with pytest.raises(ValueError, match="shards is empty"):
        train_tokenizer([], 300)
    with pytest.raises(FileNotFoundError, match="missing"):
        train_tokenizer([tmp_path / "nope.txt.gz"], 300)
    with pytest.raises(ValueError, match="vocab_size must be an int from 257"):
        train_tokenizer(corpus.train_shards, 256)
    with pytest.raises(ValueError, match="max_bytes must be a positive int"):
        train_tokenizer(corpus.train_shards, 300, max_bytes=0)


# ---- 10.2, 10.3 token files ---------------------------------------------------------------------

def decoded(token_file, tokenizer: Tokenizer) -> str:
    return tokenizer.decode(read_tokens(token_file).tolist())


@pytest.mark.exercise("10.2")
def test_10_2_a_token_file_decodes_back_to_its_shard(corpus, small_bpe, tmp_path):
    tokenizer, _ = small_bpe
    shard = corpus.train_shards[1]
    text = shard_text(shard)
    out = tokenize_shard(shard, tokenizer, tmp_path / "tokens" / "train-00001.bin",
                         chunk_tokens=257)  # many chunks
    assert out == tmp_path / "tokens" / "train-00001.bin"
    ids = tokenizer.encode(text)
    assert out.stat().st_size == 2 * len(ids)  # uint16: two bytes per id
    assert np.fromfile(out, dtype=np.uint16).tolist() == ids
    assert json.loads(sidecar_path(out).read_text()) == {
        "dtype": "uint16", "length": len(ids), "vocab_size": SMALL_VOCAB}
    assert decoded(out, tokenizer) == text
    assert sorted(p.name for p in out.parent.iterdir()) == ["train-00001.bin",
                                                            "train-00001.bin.json"]


@pytest.mark.exercise("10.2")
def test_10_2_a_plain_text_file_too(corpus, small_bpe, tmp_path):
    tokenizer, _ = small_bpe
    out = tokenize_shard(corpus.valid, tokenizer, tmp_path / "valid.bin")
    assert decoded(out, tokenizer) == corpus.valid.read_text(encoding="utf-8")


@pytest.mark.exercise("10.3")
def test_10_3_tokenize_shards_writes_one_file_per_shard_in_order(corpus, small_bpe, tmp_path):
    tokenizer, path = small_bpe
    shards = [*corpus.train_shards[:3], corpus.valid]
    files = tokenize_shards(shards, path, tmp_path, processes=1, progress=False)
    assert files == [tmp_path / n for n in ("train-00000.bin", "train-00001.bin",
                                            "train-00002.bin", "valid.bin")]
    assert files == [token_path(s, tmp_path) for s in shards]
    for shard, file in zip(shards[:3], files[:3], strict=True):
        assert decoded(file, tokenizer) == shard_text(shard)


@pytest.mark.exercise("10.3")
def test_10_3_an_interrupted_run_resumes_without_redoing_finished_shards(
        corpus, small_bpe, tmp_path, monkeypatch):
    tokenizer, path = small_bpe
    shards = list(corpus.train_shards[:4])
    files = tokenize_shards(shards, path, tmp_path, processes=1, progress=False)
    # the run "crashed": shard 1 was being written (a stray .tmp, no token file), shard 2's
    # token file was renamed but its sidecar never written
    files[1].unlink(), sidecar_path(files[1]).unlink()
    files[1].with_name(files[1].name + ".tmp").write_bytes(b"\x01\x02half")
    sidecar_path(files[2]).unlink()
    finished = {p: p.stat().st_mtime_ns for f in (files[0], files[3])
                for p in (f, sidecar_path(f))}
    called, real = [], tokenize_module.tokenize_shard

    def recorded(shard, *args, **kwargs):
        called.append(Path(shard).name)
        return real(shard, *args, **kwargs)
    monkeypatch.setattr(tokenize_module, "tokenize_shard", recorded)
    again = tokenize_shards(shards, path, tmp_path, processes=1, progress=False)
    assert again == files
    assert sorted(called) == ["train-00001.txt.gz", "train-00002.txt.gz"]
    assert {p: p.stat().st_mtime_ns for p in finished} == finished, "finished files rewritten"
    assert not list(tmp_path.glob("*.tmp")), "a .tmp file was left behind"
    for shard, file in zip(shards, files, strict=True):
        assert decoded(file, tokenizer) == shard_text(shard)
    called.clear()
    tokenize_shards(shards, path, tmp_path, processes=1, progress=False)
    assert called == [], "a complete run tokenised shards again"


@pytest.mark.exercise("10.3")
def test_10_3_worker_processes_write_the_same_files(corpus, small_bpe, tmp_path):
    _, path = small_bpe
    shards = corpus.train_shards[:3]
    one = tokenize_shards(shards, path, tmp_path / "one", processes=1, progress=False)
    two = tokenize_shards(shards, path, tmp_path / "two", processes=2, progress=False)
    assert [f.name for f in two] == [f.name for f in one]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert sidecar_path(a).read_text() == sidecar_path(b).read_text()


# ---- 10.4 the loader ----------------------------------------------------------------------------

LENGTHS = (40, 117, 2_000, 12, 700)  # file 3 is shorter than a window: never drawn
T = 16


@pytest.fixture
def position_files(tmp_path):
    """Token files whose ids name their file and position: file f holds 10,000 f + 0, 1, ..."""
    return [write_tokens(10_000 * f + np.arange(n), tmp_path / f"f{f}.bin", 2**16)
            for f, n in enumerate(LENGTHS)]


def where(row: torch.Tensor) -> tuple[int, int]:
    """(file, start) of a row of ids from position_files."""
    return int(row[0]) // 10_000, int(row[0]) % 10_000


@pytest.mark.exercise("10.4")
def test_10_4_each_row_is_a_window_inside_one_file(position_files):
    loader = ShardLoader(position_files, T, seed=0)
    x, y = loader.get_batch(500)
    assert x.shape == y.shape == (500, T) and x.dtype == y.dtype == torch.int64
    for row_x, row_y in zip(x, y, strict=True):
        f, start = where(row_x)
        assert start >= 0 and start + T + 1 <= LENGTHS[f], f"window {start} out of file {f}"
        expected = 10_000 * f + torch.arange(start, start + T + 1)
        assert torch.equal(row_x, expected[:-1]) and torch.equal(row_y, expected[1:])


@pytest.mark.exercise("10.4")
def test_10_4_batches_depend_only_on_the_seed_and_resume_from_the_state(position_files):
    a, b = ShardLoader(position_files, T, seed=5), ShardLoader(position_files, T, seed=5)
    first = [a.get_batch(8) for _ in range(3)]
    assert all(torch.equal(p[0], q[0]) and torch.equal(p[1], q[1])
               for p, q in zip(first, [b.get_batch(8) for _ in range(3)], strict=True))
    other = ShardLoader(position_files, T, seed=6).get_batch(8)[0]
    assert not torch.equal(other, first[0][0])
    state = a.state_dict()
    later = [a.get_batch(8)[0] for _ in range(2)]
    c = ShardLoader(position_files, T, seed=123)
    c.load_state_dict(state)
    assert all(torch.equal(p, c.get_batch(8)[0]) for p in later)


@pytest.mark.exercise("10.4")
def test_10_4_files_are_drawn_in_proportion_to_their_valid_starts(position_files):
    loader = ShardLoader(position_files, T, seed=2024)
    assert loader.valid_starts.tolist() == [24, 101, 1984, 0, 684]
    x, _ = loader.get_batch(4_000)
    files, starts = zip(*(where(row) for row in x), strict=True)
    counts = np.bincount(files, minlength=len(LENGTHS))
    assert counts[3] == 0, "a file shorter than a window was drawn"
    weights = np.array([24, 101, 1984, 684]) / 2793
    expected = 4_000 * weights
    chi2 = ((counts[[0, 1, 2, 4]] - expected) ** 2 / expected).sum()
    # 3 degrees of freedom: P(chi2 > 25) is about 1.6e-5 when files follow their weights.
    assert chi2 < 25, f"file counts {counts.tolist()} vs expected {expected.round().tolist()}"
    # inside file 4 (684 valid starts), the starts are uniform: 19 bins of 36 starts
    inside = np.array([s for f, s in zip(files, starts, strict=True) if f == 4])
    bins = np.bincount(inside // 36, minlength=19)
    mean = len(inside) / 19
    chi2 = ((bins - mean) ** 2 / mean).sum()
    # 18 degrees of freedom: P(chi2 > 50) is about 7e-5 for uniform starts.
    assert chi2 < 50, f"starts in a file are not uniform: {bins.tolist()}"


def test_shard_loader_refuses_files_too_short_for_one_window(tmp_path):
    short = write_tokens(np.arange(T), tmp_path / "short.bin", 100)
    with pytest.raises(ValueError, match="no token file holds more than block_size=16"):
        ShardLoader([short], T)
    with pytest.raises(ValueError, match="token_files is empty"):
        ShardLoader([], T)


# ---- 10.5 the validation loss -------------------------------------------------------------------

def small_gpt(vocab_size: int = 50, block_size: int = T) -> GPT:
    config = GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=1, n_head=2,
                       n_embd=16, dropout=0.1)
    return GPT(config, generator=gen(0)).double()


@pytest.mark.exercise("10.5")
@pytest.mark.parametrize("max_tokens", [500, 10_000])
def test_10_5_validation_loss_is_the_mean_over_consecutive_windows(max_tokens):
    tokens = np.random.default_rng(1).integers(0, 50, size=1_000).astype(np.uint16)
    model = small_gpt()
    model.train()  # dropout on: the evaluation must turn it off, and put it back
    got = validation_loss(model, tokens, T, batch_size=7, max_tokens=max_tokens)
    assert model.training
    n = min(max_tokens, len(tokens))
    windows = (n - 1) // T  # 31 or 62 windows, of which the last batch holds 3 or 6
    ids = torch.from_numpy(tokens[:windows * T + 1].astype(np.int64))
    x, y = ids[:-1].view(windows, T), ids[1:].view(windows, T)
    model.eval()
    with torch.no_grad():
        logits, _ = model(x)
    want = F.cross_entropy(logits.reshape(-1, 50), y.reshape(-1)).item()
    assert math.isclose(got, want, rel_tol=1e-12), f"{got} != {want}"


def test_validation_loss_needs_one_whole_window():
    with pytest.raises(ValueError, match="a window needs block_size \\+ 1 = 17 ids"):
        validation_loss(small_gpt(), np.arange(30, dtype=np.uint16), T, 4, max_tokens=16)


# ---- the pipeline -------------------------------------------------------------------------------

@pytest.mark.exercise("10.1", "10.2", "10.3", "10.4", "10.5")
def test_10_5_pretrain_tiny_learns_records_its_tokenizer_and_resumes_bit_for_bit(
        tmp_path, monkeypatch):
    monkeypatch.setattr(stories, "GENERATED_DIR", tmp_path / "generated")
    config = load_pretrain_config("tiny", device="cpu")
    common = {"processes": 1, "progress": False, "n_samples": 2}
    straight = pretrain(config, out_dir=tmp_path / "straight", max_iters=30, **common)
    evals = read_metrics(tmp_path / "straight" / "metrics.jsonl", kind="eval")
    assert [e["step"] for e in evals] == [0, 30]
    assert abs(evals[0]["val_loss"] - math.log(512)) < 0.3  # a fresh model guesses uniformly
    assert evals[-1]["val_loss"] < evals[0]["val_loss"] - 1.0, "the loss did not go down"
    assert len(straight.samples) == 2 and (tmp_path / "straight" / "samples.txt").is_file()

    state = load_checkpoint(tmp_path / "straight" / "ckpt.pt")
    prepared = straight.prepared
    assert state["tokenizer"]["kind"] == "bpe"
    assert state["model_config"]["vocab_size"] == prepared.tokenizer.vocab_size == 512
    rebuilt = checkpoint_tokenizer(state)
    story = generate_stories(3, seed=99)
    assert rebuilt.encode(story) == prepared.tokenizer.encode(story)
    model, tokenizer = load_trained(tmp_path / "straight" / "ckpt.pt")
    assert not model.training and tokenizer.vocab == prepared.tokenizer.vocab

    pretrain(config, out_dir=tmp_path / "resumed", max_iters=15, **common)
    pretrain(config, out_dir=tmp_path / "resumed", max_iters=30, resume=True, **common)
    resumed = load_checkpoint(tmp_path / "resumed" / "ckpt.pt")
    assert resumed["step"] == 30
    for name, weight in state["model"].items():
        assert torch.equal(weight, resumed["model"][name]), f"{name} differs after resuming"


@pytest.mark.exercise("10.1", "10.2", "10.3", "10.4", "10.5")
def test_10_5_scaling_study_trains_each_size_on_the_same_tokens(tmp_path, monkeypatch):
    monkeypatch.setattr(stories, "GENERATED_DIR", tmp_path / "generated")
    sizes = {"1 x 16": {"n_layer": 1, "n_head": 2, "n_embd": 16},
             "1 x 32": {"n_layer": 1, "n_head": 2, "n_embd": 32}}
    runs = scaling_study(sizes=sizes, max_iters=6, evaluations=2, out_root=tmp_path / "runs",
                         processes=1)
    assert [r.name for r in runs] == list(sizes)
    assert runs[0].parameters < runs[1].parameters
    for run in runs:
        assert run.tokens == [0, 3 * 1024, 6 * 1024] and len(run.val_loss) == 3
    assert isinstance(plot_scaling(runs), Figure)


# ---- configs, the manifest, checkpoints (provided) ----------------------------------------------

def test_the_gpu_config_is_cs336s_tinystories_setting():
    gpu = CONFIGS["gpu"]
    t = gpu.train
    assert (t.block_size, t.n_embd, t.n_layer, t.n_head, gpu.vocab_size) == (256, 512, 4, 16,
                                                                             10_000)
    assert gpu.tokens_processed() == t.batch_size * t.max_iters * t.block_size == 327_680_000
    assert (t.learning_rate, t.min_lr, t.lr_decay_iters) == (1e-3, 1e-4, t.max_iters)
    assert 0 < t.warmup_iters < t.max_iters // 10
    ours = non_embedding_parameters(gpu.gpt_config())
    C, F_FF, V = 512, 1344, 10_000  # CS336: attention, SwiGLU, two RMSNorms per block; head
    cs336 = 4 * (4 * C * C + 3 * C * F_FF + 2 * C) + C + V * C
    assert cs336 == 17_576_448
    assert abs(ours - 17e6) / 17e6 < 0.10, f"{ours:,} non-embedding parameters"
    assert abs(ours - cs336) / cs336 < 0.02


def test_the_cpu_and_tiny_configs():
    cpu, tiny = CONFIGS["cpu"], CONFIGS["tiny"]
    assert cpu.vocab_size == 10_000 and not cpu.generated
    assert cpu.train.n_layer <= 4 and cpu.train.n_embd <= 256 and cpu.train.block_size <= 256
    assert tiny.generated and tiny.train.max_iters <= 200
    assert load_pretrain_config("tiny", max_iters=7).train.max_iters == 7
    with pytest.raises(ValueError, match="unknown config 'huge'"):
        load_pretrain_config("huge")
    with pytest.raises(ValueError, match="unknown TrainConfig field"):
        load_pretrain_config("tiny", max_steps=7)


def test_the_manifest_registers_where_pretrain_writes_the_tokenizer_and_checkpoint():
    artifacts = [a for a in course_manifest().artifacts if 10 in a.modules]
    assert {a.tracks for a in artifacts} == {("tiny",), ("small",), ("full",)}
    for artifact in artifacts:
        command = shlex.split(artifact.produced_by)
        assert command[:3] == ["python", "-m", "modules.m10_tinystories.pretrain"]
        args = parse_args(command[3:])
        assert [args.track] == list(artifact.tracks)
        config = CONFIGS[args.config]
        written = {tokenizer_path(track_work_dir(args.track), config.vocab_size),
                   run_dir(config, args.track) / "ckpt.pt"}
        assert DATA_DIR / artifact.path in written, artifact.path


def test_checkpoint_tokenizer_reads_char_and_bpe_records(small_bpe):
    chars = ["\n", " ", "a", "b"]
    assert checkpoint_tokenizer({"tokenizer": {"kind": "char", "chars": chars}}).chars == chars
    legacy = checkpoint_tokenizer({"vocab": chars})  # written before "tokenizer" existed
    assert isinstance(legacy, CharVocab) and legacy.decode([2, 3]) == "ab"
    tokenizer, path = small_bpe
    record = {"kind": "bpe", "json": path.read_text(encoding="utf-8")}
    rebuilt = checkpoint_tokenizer({"tokenizer": record})
    assert rebuilt.vocab == tokenizer.vocab and rebuilt.merges == tokenizer.merges
    with pytest.raises(ValueError, match="records no tokenizer"):
        checkpoint_tokenizer({"model": {}})


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_10_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("10")))
