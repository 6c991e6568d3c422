"""A 10K byte-level BPE vocabulary for TinyStories, trained with Module 08's trainer.

Exercise 10.1 `train_tokenizer`: gather the stories of the track's shards (whole stories, at
most max_bytes of them), train Module 08's BPE on them with `<|endoftext|>` as a special token,
and return Module 08's Tokenizer. CS336 (assignment 1) trains the same thing: a 10,000-token
vocabulary on TinyStories' training text.

Provided: where the tokenizer file goes and when a saved one can be reused (`ensure_tokenizer`:
the same vocabulary size, byte budget and shards), and how a checkpoint records its tokenizer
(`tokenizer_record`) and gets it back (`checkpoint_tokenizer`), for Module 09's character
vocabulary and for this BPE alike.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from modules.m03_bigram import CharVocab
from modules.m08_bpe import Tokenizer, train_bpe
from modules.m10_tinystories.stories import END_OF_TEXT, iter_stories

SPECIAL_TOKENS = (END_OF_TEXT,)


def train_tokenizer(shards: Sequence[str | Path], vocab_size: int = 10_000,
                    max_bytes: int | None = None, processes: int | None = None,
                    progress: bool | None = None) -> Tokenizer:
    """A byte-level BPE Tokenizer of `vocab_size` tokens (256 bytes, the merges, and
    "<|endoftext|>"), trained with Module 08's train_bpe on the stories of `shards` (gzip shards
    or plain text files, in order).

    With max_bytes, only the first whole stories that together hold at most max_bytes bytes of
    UTF-8 are used (a story is never cut: the text ends with a story's "\\n<|endoftext|>\\n").
    The text goes through a temporary file (in $TMPDIR: 2.2 GB for the full track) so that
    train_bpe counts its pre-tokens in `processes` worker processes (all CPUs by default)
    without holding it in memory; `progress`
    shows train_bpe's bars (None: on a terminal). A small corpus may run out of pairs to merge
    before vocab_size (see train_bpe): the vocabulary is then smaller.

    Hints: `iter_stories(shards)` yields the stories one at a time, each with its ending;
    `len(story.encode("utf-8"))` is its size in bytes; write them to a file opened with
    `open(path, "w", encoding="utf-8", newline="")` inside `tempfile.TemporaryDirectory()`;
    `train_bpe(Path(path), vocab_size, SPECIAL_TOKENS, progress=..., processes=...)` returns
    (vocab, merges), and `Tokenizer(vocab, merges, SPECIAL_TOKENS)` makes the tokenizer.
    """
    shards = [Path(s) for s in shards]
    if not shards:
        raise ValueError("shards is empty: pass the track's training shards (story_source)")
    missing = [str(s) for s in shards if not s.is_file()]
    if missing:
        raise FileNotFoundError(f"shards missing: {', '.join(missing)}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) \
            or not 256 + len(SPECIAL_TOKENS) <= vocab_size <= 2**16:
        raise ValueError(f"vocab_size must be an int from 257 (the bytes and <|endoftext|>) to "
                         f"65536 (ids stored as uint16), got {vocab_size!r}")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int)
                                  or max_bytes < 1):
        raise ValueError(f"max_bytes must be a positive int or None (all the text), got "
                         f"{max_bytes!r}")
    # BEGIN SOLUTION 10.1
    with tempfile.TemporaryDirectory(prefix="m10-bpe-") as tmp:
        text_file = Path(tmp) / "stories.txt"
        taken = 0  # bytes written so far
        with open(text_file, "w", encoding="utf-8", newline="") as out:
            for story in iter_stories(shards):
                size = len(story.encode("utf-8"))
                if max_bytes is not None and taken + size > max_bytes:
                    break
                out.write(story)
                taken += size
        if taken == 0:
            raise ValueError(f"max_bytes={max_bytes} is smaller than the first story: no text "
                             f"to train on")
        vocab, merges = train_bpe(text_file, vocab_size, SPECIAL_TOKENS, progress=progress,
                                  processes=processes)
    return Tokenizer(vocab, merges, SPECIAL_TOKENS)
    # END SOLUTION


def tokenizer_path(work_dir: str | Path, vocab_size: int) -> Path:
    """Where the tokenizer of a story source is kept: <work_dir>/bpe-<vocab_size>.json."""
    return Path(work_dir) / f"bpe-{vocab_size}.json"


def _training_record(shards: Sequence[Path], vocab_size: int, max_bytes: int | None) -> dict:
    """What a tokenizer was trained on: enough to tell whether a saved one still fits."""
    return {"vocab_size": vocab_size, "max_bytes": max_bytes,
            "shards": [[Path(s).name, Path(s).stat().st_size] for s in shards]}


def ensure_tokenizer(shards: Sequence[str | Path], path: str | Path, vocab_size: int = 10_000,
                     max_bytes: int | None = None, processes: int | None = None,
                     progress: bool | None = None) -> tuple[Tokenizer, bool]:
    """(tokenizer, trained): the tokenizer saved at `path` when it was trained on the same
    shards (names and sizes) with the same vocab_size and max_bytes (recorded next to it in
    <stem>.source.json), else a new one from train_tokenizer, saved there."""
    path = Path(path)
    record_file = path.with_name(path.stem + ".source.json")
    record = _training_record([Path(s) for s in shards], vocab_size, max_bytes)
    if path.is_file() and record_file.is_file() \
            and json.loads(record_file.read_text(encoding="utf-8")) == record:
        return Tokenizer.load(path), False
    tokenizer = train_tokenizer(shards, vocab_size, max_bytes, processes, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    record_file.unlink(missing_ok=True)  # the record goes last: it says the file is complete
    tokenizer.save(path)
    record_file.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return tokenizer, True


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tokenizer_record(path: str | Path) -> dict:
    """The checkpoint's extra["tokenizer"] for the BPE tokenizer saved at `path`:
    {"kind": "bpe", "file": the path it was saved at, "sha256": of that file, "json": the
    file's text (Tokenizer.save's format)}, so that the checkpoint alone rebuilds it."""
    path = Path(path)
    return {"kind": "bpe", "file": str(path), "sha256": file_sha256(path),
            "json": path.read_text(encoding="utf-8")}


def checkpoint_tokenizer(state: dict) -> CharVocab | Tokenizer:
    """The tokenizer a checkpoint (load_checkpoint's dict) was trained with: Module 09's
    CharVocab for extra["tokenizer"] = {"kind": "char", "chars": [...]} (or the key "vocab" of
    checkpoints written before "tokenizer" existed), this module's BPE Tokenizer for
    {"kind": "bpe", "json": ...}. Both have encode(text) and decode(ids)."""
    record = state.get("tokenizer")
    if record is None and "vocab" in state:
        record = {"kind": "char", "chars": state["vocab"]}
    if not isinstance(record, dict) or record.get("kind") not in ("char", "bpe"):
        raise ValueError(f"the checkpoint records no tokenizer (its keys: {sorted(state)}); "
                         f"it was not written by Module 09's or Module 10's training")
    if record["kind"] == "char":
        return CharVocab(record["chars"])
    with tempfile.TemporaryDirectory(prefix="m10-tokenizer-") as tmp:
        saved = Path(tmp) / "tokenizer.json"
        saved.write_text(record["json"], encoding="utf-8")
        return Tokenizer.load(saved)
