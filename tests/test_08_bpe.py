"""Module 08, byte-level BPE. First part: contracts of pre-tokenisation, pre-token counting and
training. Second part: GPT-2's printable byte mapping, encode (08.4: BPE by merge rank, with the
per-pre-token cache), decode (08.5), the streaming encode_iterable, save/load, GPT-2's files and
tiktoken's ranks.

References of the first part are independent of the learner's code: lists of pre-tokens worked out
by hand from the GPT-2 pattern; `str.split` on the special token and `regex.findall` with the
(provided) pattern for pre-token counts of seeded generated text (English, accents, CJK, emoji,
digits, whitespace runs and `<|endoftext|>`); merges worked out by hand on small corpora (Sennrich
et al.'s low/lower/newest/widest among them) for the tie-break; and the provided naive trainer
(modules/m08_bpe/naive.py, a full recount before every merge), which the fast trainer must match
merge for merge and id for id. Tests of provided code carry no exercise marker.

References of the second part are independent of the learner's code:
- BPE by its definition: apply every merge, in rank order, to the whole pre-token
  (`enc_reference_bpe`), after pre-tokenising with GPT-2's pattern called directly; for merge
  lists as training leaves them (each merge built from bytes and earlier merges, which the
  tokenizer checks) this is exactly what merging the lowest-rank pair first gives. Vocabularies
  are laid out by the tests themselves (`enc_layout`), and short encodings are worked out by hand.
- tiktoken: its own loader (`tiktoken.load.data_gym_to_mergeable_bpe_ranks`, which derives the
  byte mapping itself and checks the ranks against vocab.json) reads GPT-2-style files the tests
  write, and GPT-2's real files from the shared data folder when they are there (skipped when
  absent, and tiktoken never downloads: it reads local files with its cache turned off). Its
  `encode(..., allowed_special={"<|endoftext|>"})` must be matched token for token.
- decode: Python's own `bytes.decode("utf-8", errors="replace")` of the joined token bytes.
- The printable mapping: tiktoken's definition of it (the bytes whose Latin-1 character is
  printable and not a space keep it; the other 68 take U+0100 onwards, in byte order).
- encode_iterable: `encode` of the joined text; its memory is measured with tracemalloc.

Tests of provided code carry no exercise marker and pass on the scaffold.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import tracemalloc
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import regex

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.course.paths import REPO_ROOT
from modules.m08_bpe import gpt2_files
from modules.m08_bpe import train as train_module
from modules.m08_bpe.bytes_unicode import (
    BYTE_TO_CHAR,
    bytes_to_unicode,
    printable_to_token,
    token_to_printable,
)
from modules.m08_bpe.naive import naive_train_bpe
from modules.m08_bpe.parallel import chunk_boundaries, count_pretokens_parallel
from modules.m08_bpe.pretokenize import (
    GPT2_PATTERN,
    pretokens,
    special_token_regex,
    split_on_special,
)
from modules.m08_bpe.tokenizer import Tokenizer, read_merges_txt
from modules.m08_bpe.train import count_pretokens, learn_merges, merge_pair, train_bpe

EOT = "<|endoftext|>"

# Pieces the generated corpora are made of: few enough that pairs tie often (the tie-break
# matters), varied enough to cover what the pattern distinguishes.
PIECES = ["the", " cat", " sat", "ing", " on", "é", " naïve", "日本", "語", "🙂", " 🚀🚀", " 42",
          "7", "'s", "'t", "'re", ",", ".", "!", "\n", "\n\n", " ", "  ", "\t", "x", "Ünï"]


def generated_text(seed: int, n_pieces: int = 400, special: str | None = EOT,
                   p_special: float = 0.05) -> str:
    """Seeded random text: PIECES, with `special` (if any) in between now and then."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(n_pieces):
        if special is not None and rng.random() < p_special:
            parts.append(special)
        else:
            parts.append(PIECES[rng.integers(len(PIECES))])
    return "".join(parts)


def reference_counts(text: str, special: str | None = EOT) -> Counter[bytes]:
    """Pre-token counts by str.split on the one special token and regex.findall."""
    parts = text.split(special) if special is not None else [text]
    return Counter(piece.encode("utf-8") for part in parts
                   for piece in regex.findall(GPT2_PATTERN, part))


def merges_of(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(left.encode(), right.encode()) for left, right in pairs]


# Sennrich, Haddow and Birch (2016)'s example vocabulary, without end-of-word symbols. By hand:
# (e,s) and (s,t) both occur 9 times, (s,t) is greater; then (e,st) 9; (l,o) and (o,w) 7, (o,w)
# is greater; (l,ow) 7; then (n,e), (e,w) and (w,est) 6 times each, and (w,est) is greatest.
LOW_LOWER = Counter({b"low": 5, b"lower": 2, b"newest": 6, b"widest": 3})
LOW_LOWER_MERGES = merges_of(("s", "t"), ("e", "st"), ("o", "w"), ("l", "ow"), ("w", "est"))


# --- provided code ------------------------------------------------------------------------------


def test_special_token_regex_is_none_without_tokens_and_refuses_an_empty_one():
    assert special_token_regex([]) is None
    with pytest.raises(ValueError, match="empty"):
        special_token_regex(["<|a|>", ""])


def test_naive_trainer_learns_the_hand_worked_merges():
    vocab, merges = naive_train_bpe(LOW_LOWER, 256 + 5)
    assert merges == LOW_LOWER_MERGES
    assert vocab[260] == b"west"


def test_chunk_boundaries_fall_just_before_the_split_token(tmp_path: Path):
    text = generated_text(seed=3, n_pieces=3000, p_special=0.02).encode("utf-8")
    path = tmp_path / "corpus.txt"
    path.write_bytes(text)
    token = EOT.encode()
    for n_chunks in (1, 2, 5, 40):
        # in memory: the first token at or after each equal share, past the previous cut
        want = [0]
        for k in range(1, n_chunks):
            found = text.find(token, max(k * len(text) // n_chunks, want[-1]))
            if found > want[-1]:
                want.append(found)
        want.append(len(text))
        for block_size in (7, 64, 1 << 20):  # 7 < len(token): the token straddles blocks
            bounds = chunk_boundaries(path, n_chunks, token, block_size=block_size)
            assert bounds == want
            assert all(text.startswith(token, cut) for cut in bounds[1:-1])
    assert len(chunk_boundaries(path, 5, token)) == 6  # many tokens: five chunks


def test_chunk_boundaries_without_the_token_give_one_chunk(tmp_path: Path):
    path = tmp_path / "plain.txt"
    path.write_bytes(b"no special token here\n" * 50)
    assert chunk_boundaries(path, 4, EOT.encode(), block_size=16) == [0, 22 * 50]
    with pytest.raises(ValueError, match="n_chunks"):
        chunk_boundaries(path, 0, EOT.encode())
    with pytest.raises(ValueError, match="split_token"):
        count_pretokens_parallel(path, ["<|a|>"], processes=2, split_token=EOT)


def test_train_bpe_rejects_bad_arguments_with_clear_errors():
    with pytest.raises(ValueError, match="at least 256"):
        train_bpe("some text", 255)
    with pytest.raises(ValueError, match=r"\+ 1"):
        train_bpe("some text", 256, special_tokens=[EOT])
    with pytest.raises(ValueError, match="vocab_size"):
        train_bpe("some text", 300.0)
    with pytest.raises(ValueError, match="empty"):
        train_bpe("some text", 300, special_tokens=[""])
    with pytest.raises(TypeError, match="strings"):
        train_bpe("some text", 300, special_tokens=[b"<|endoftext|>"])
    with pytest.raises(ValueError, match="distinct"):
        train_bpe("some text", 300, special_tokens=[EOT, EOT])
    with pytest.raises(TypeError, match="bytes keys"):
        train_bpe(Counter({"the": 3}), 300)
    with pytest.raises(TypeError, match="pathlib.Path"):
        train_bpe(["some", "text"], 300)


# --- 08.1 pre-tokenisation ----------------------------------------------------------------------


@pytest.mark.exercise("08.1")
def test_08_1_split_on_special_cuts_around_special_tokens():
    assert split_on_special("a<|endoftext|>b", [EOT]) == ["a", EOT, "b"]
    assert split_on_special(f"{EOT}{EOT}x", [EOT]) == [EOT, EOT, "x"]  # adjacent, at the start
    assert split_on_special(f"x y{EOT}", [EOT]) == ["x y", EOT]  # at the end
    assert split_on_special(EOT, [EOT]) == [EOT]
    assert split_on_special("", [EOT]) == []
    assert split_on_special("no tokens", [EOT]) == ["no tokens"]
    assert split_on_special("a<|endoftext|>b", []) == ["a<|endoftext|>b"]  # none declared
    assert split_on_special("", []) == []
    assert split_on_special("a<|x|>b<|y|>c", ["<|y|>", "<|x|>"]) == \
        ["a", "<|x|>", "b", "<|y|>", "c"]


@pytest.mark.exercise("08.1")
def test_08_1_split_on_special_prefers_the_longest_overlapping_token():
    double = "<|a|><|a|>"
    # the short one is listed first, so only "longest first" explains the result
    assert split_on_special("<|a|><|a|><|a|>", ["<|a|>", double]) == [double, "<|a|>"]
    assert split_on_special("x<|a|>y<|a|><|a|>", ["<|a|>", double]) == \
        ["x", "<|a|>", "y", double]
    assert split_on_special("<|end|><|endoftext|>", ["<|end", EOT]) == ["<|end", "|>", EOT]


@pytest.mark.exercise("08.1")
def test_08_1_split_on_special_treats_tokens_literally():
    assert split_on_special("a.b axb", ["a.b"]) == ["a.b", " axb"]  # "." is not "any character"
    assert split_on_special("x[SEP]y", ["[SEP]"]) == ["x", "[SEP]", "y"]
    assert split_on_special("p|q", ["|"]) == ["p", "|", "q"]


@pytest.mark.exercise("08.1")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_08_1_split_on_special_round_trips_generated_text(seed: int):
    text = generated_text(seed)
    parts = split_on_special(text, [EOT])
    assert "".join(parts) == text
    assert all(parts)  # no empty stretches
    assert [p for p in parts if p != EOT] == [p for p in text.split(EOT) if p]


PRETOKEN_CASES = {
    "contractions": (
        "I'm sure they'll say it's what we've done, don't you? DON'T",
        ["I", "'m", " sure", " they", "'ll", " say", " it", "'s", " what", " we", "'ve", " done",
         ",", " don", "'t", " you", "?", " DON", "'", "T"]),
    "numbers": (
        "In 1984, 3.14 and 1,000,000 abc123def",
        ["In", " 1984", ",", " 3", ".", "14", " and", " 1", ",", "000", ",", "000", " abc", "123",
         "def"]),
    "unicode letters": (
        "Ünïcödé 東京 déjà-vu Ελληνικά x ٣٤",
        ["Ünïcödé", " 東京", " déjà", "-", "vu", " Ελληνικά", " x", " ٣٤"]),
    "emoji and punctuation": (
        "ok 🙂🚀! (yes)...",
        ["ok", " 🙂🚀!", " (", "yes", ")..."]),
    "whitespace runs": (
        "a  b\n\nc   d \t e   ",
        ["a", " ", " b", "\n", "\n", "c", "  ", " d", " \t", " e", "   "]),
    "leading spaces": (
        "   a\tb\n",
        ["  ", " a", "\t", "b", "\n"]),
}


@pytest.mark.exercise("08.1")
@pytest.mark.parametrize("case", list(PRETOKEN_CASES))
def test_08_1_pretokens_follow_the_gpt2_pattern(case: str):
    text, expected = PRETOKEN_CASES[case]
    assert list(pretokens(text)) == expected
    assert "".join(expected) == text  # the hand-written list itself round trips


@pytest.mark.exercise("08.1")
@pytest.mark.parametrize("seed", [0, 1])
def test_08_1_pretokens_round_trip_generated_text(seed: int):
    text = generated_text(seed, special=None)
    pieces = list(pretokens(text))
    assert "".join(pieces) == text
    assert pieces == regex.findall(GPT2_PATTERN, text)
    assert list(pretokens("")) == []


# --- 08.2 counting pre-tokens -------------------------------------------------------------------


@pytest.mark.exercise("08.1", "08.2")
def test_08_2_count_pretokens_by_hand():
    text = f"the cat{EOT}the cat the\n"
    assert count_pretokens(text, [EOT]) == Counter({b"the": 2, b" cat": 2, b" the": 1, b"\n": 1})
    assert count_pretokens("é é", []) == Counter({b"\xc3\xa9": 1, b" \xc3\xa9": 1})  # UTF-8
    assert count_pretokens("", [EOT]) == Counter()
    assert count_pretokens(EOT + EOT, [EOT]) == Counter()


@pytest.mark.exercise("08.1", "08.2")
def test_08_2_count_pretokens_drops_special_tokens_only_when_declared():
    text = f"x{EOT}y"
    assert count_pretokens(text, [EOT]) == Counter({b"x": 1, b"y": 1})
    # undeclared, the special token is ordinary text that the pattern cuts up
    assert count_pretokens(text) == Counter({b"x": 1, b"<|": 1, b"endoftext": 1, b"|>": 1,
                                             b"y": 1})


@pytest.mark.exercise("08.1", "08.2")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_08_2_count_pretokens_matches_the_reference_on_generated_text(seed: int):
    text = generated_text(seed, n_pieces=2000)
    counts = count_pretokens(text, [EOT])
    assert counts == reference_counts(text)
    assert all(isinstance(word, bytes) for word in counts)


@pytest.mark.exercise("08.1", "08.2")
def test_08_2_parallel_counting_equals_serial_counting(tmp_path: Path):
    text = generated_text(seed=5, n_pieces=6000, p_special=0.01)
    path = tmp_path / "corpus.txt"
    path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation
    assert len(chunk_boundaries(path, 8, EOT.encode())) > 3  # really several chunks
    parallel = count_pretokens_parallel(path, [EOT], processes=2, progress=False)
    assert parallel == count_pretokens(text, [EOT]) == reference_counts(text)
    assert count_pretokens_parallel(path, [EOT], processes=1, progress=False) == parallel


# --- 08.3 training ------------------------------------------------------------------------------


@pytest.mark.exercise("08.3")
def test_08_3_merge_pair_by_hand():
    assert merge_pair((5, 6, 7, 5, 6), (5, 6), 300) == (300, 7, 300)
    assert merge_pair((1, 1, 1), (1, 1), 9) == (9, 1)  # from the left
    assert merge_pair((1, 1, 1, 1), (1, 1), 9) == (9, 9)
    assert merge_pair((2, 1, 2), (1, 3), 9) == (2, 1, 2)  # absent: unchanged
    assert merge_pair((4,), (4, 4), 9) == (4,)
    assert merge_pair((), (4, 4), 9) == ()
    assert merge_pair((3, 4), (3, 4), 9) == (9,)


@pytest.mark.exercise("08.3")
def test_08_3_ties_go_to_the_greatest_pair_of_bytes():
    assert train_bpe(LOW_LOWER, 256 + 5)[1] == LOW_LOWER_MERGES
    corpus = Counter({b"ab": 3, b"cd": 3, b"ef": 2})
    assert train_bpe(corpus, 259)[1] == merges_of(("c", "d"), ("a", "b"), ("e", "f"))
    assert train_bpe(Counter({b"ab": 1, b"ac": 1}), 258)[1] == merges_of(("a", "c"), ("a", "b"))
    # after (a,b): (ab,z) and (a,z) tie, and b"ab" > b"a" (a longer string beats its prefix)
    corpus = Counter({b"abz": 1, b"ab": 1, b"az": 1})
    assert train_bpe(corpus, 258)[1] == merges_of(("a", "b"), ("ab", "z"))
    # bytes, not characters: é = C3 A9 and ü = C3 BC, so (C3, BC) wins the tie
    assert train_bpe(Counter({"é".encode(): 1, "ü".encode(): 1}), 257)[1] == [(b"\xc3", b"\xbc")]


@pytest.mark.exercise("08.3")
@pytest.mark.parametrize("seed, n_pieces, vocab_size", [(0, 400, 256 + 120), (1, 1500, 256 + 300),
                                                        (2, 3000, 256 + 400), (3, 60, 256 + 80)])
def test_08_3_train_bpe_makes_exactly_the_naive_trainers_merges(seed: int, n_pieces: int,
                                                                vocab_size: int):
    counts = reference_counts(generated_text(seed, n_pieces))
    specials = [EOT, "<|pad|>"]
    vocab, merges = train_bpe(counts, vocab_size, special_tokens=specials, progress=False)
    want_vocab, want_merges = naive_train_bpe(counts, vocab_size, special_tokens=specials)
    assert merges == want_merges
    assert vocab == want_vocab


@pytest.mark.exercise("08.1", "08.2", "08.3")
@pytest.mark.parametrize("seed", [4, 5])
def test_08_3_train_bpe_from_text_and_from_a_file_match_the_naive_trainer(seed: int,
                                                                          tmp_path: Path):
    text = generated_text(seed, n_pieces=1500)
    want = naive_train_bpe(reference_counts(text), 256 + 150, special_tokens=[EOT])
    assert train_bpe(text, 256 + 150, special_tokens=[EOT], progress=False) == want
    path = tmp_path / "corpus.txt"
    path.write_bytes(text.encode("utf-8"))
    assert train_bpe(path, 256 + 150, special_tokens=[EOT], progress=False, processes=1) == want


@pytest.mark.exercise("08.3")
def test_08_3_vocabulary_layout_bytes_then_merges_then_specials():
    specials = ["<|pad|>", EOT]  # not sorted: their order is the order given
    counts = reference_counts(generated_text(7, 1000))
    vocab, merges = train_bpe(counts, 256 + 60 + 2, specials, progress=False)
    assert len(merges) == 60
    assert sorted(vocab) == list(range(256 + 60 + 2))
    assert all(vocab[b] == bytes([b]) for b in range(256))
    assert all(vocab[256 + i] == left + right for i, (left, right) in enumerate(merges))
    assert [vocab[316], vocab[317]] == [b"<|pad|>", EOT.encode()]
    assert len(set(vocab.values())) == len(vocab)  # no token twice


@pytest.mark.exercise("08.1", "08.2", "08.3")
def test_08_3_special_tokens_are_never_merged_nor_merged_with_neighbours():
    rng = np.random.default_rng(11)
    words = ["ab", "ba", "abab", "q", " zz", "a"]  # none of the special token's characters
    text = "".join(words[rng.integers(len(words))] + (EOT if rng.random() < 0.5 else "")
                   for _ in range(3000))
    special_bytes = set(EOT.encode())
    vocab, merges = train_bpe(text, 256 + 40 + 1, [EOT], progress=False)
    for left, right in merges:
        assert not special_bytes & set(left + right), (left, right)
    assert list(vocab.values()).count(EOT.encode()) == 1 and vocab[len(vocab) - 1] == EOT.encode()
    # the check can fail: left undeclared, the special token's pieces get merged
    _, merges = train_bpe(text, 256 + 40, progress=False)
    assert any(special_bytes & set(left + right) for left, right in merges)


@pytest.mark.exercise("08.1", "08.2", "08.3")
def test_08_3_a_small_corpus_stops_early_and_specials_follow_the_last_merge():
    vocab, merges = train_bpe("ab ab", 1000, [EOT], progress=False)
    # pre-tokens "ab" and " ab": (a,b) occurs twice, then (" ", "ab") once; then no pair is left
    assert merges == merges_of(("a", "b"), (" ", "ab"))
    assert len(vocab) == 256 + 2 + 1 and vocab[258] == EOT.encode()
    vocab, merges = train_bpe("ab ab", 257, [EOT], progress=False)  # room for no merge at all
    assert merges == [] and vocab[256] == EOT.encode()


def words_holding_each_merge(counts: Counter[bytes], merges: list[tuple[bytes, bytes]]) -> int:
    """How many (merge, distinct word holding the merged pair) there are, by brute force."""
    words = [tuple(bytes([b]) for b in word) for word in counts]
    total = 0
    for left, right in merges:
        total += sum((left, right) in pairwise(word) for word in words)
        merged = []
        for word in words:
            out, i = [], 0
            while i < len(word):
                if word[i:i + 2] == (left, right):
                    out.append(left + right)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged.append(tuple(out))
        words = merged
    return total


@pytest.mark.exercise("08.3")
def test_08_3_learn_merges_touches_only_the_words_holding_the_pair(monkeypatch):
    counts = reference_counts(generated_text(8, 2000))
    calls = []

    def spy(word, pair, new_id):
        assert pair in pairwise(word), f"merge_pair called on {word}, which lacks {pair}"
        calls.append(word)
        return merge_pair(word, pair, new_id)

    monkeypatch.setattr(train_module, "merge_pair", spy)
    vocab, merges = learn_merges(counts, 200, progress=False)
    assert merges == naive_train_bpe(counts, 256 + 200)[1]
    # once per merge and word holding its pair: no recount or re-merge of the whole corpus
    assert len(calls) == words_holding_each_merge(counts, merges)


# --- encoding and decoding ------------------------------------------------------------------------


ENC_GPT2_DIR = REPO_ROOT.parent / "shared/data/gpt2"
ENC_SAMPLES_DIR = REPO_ROOT.parent / "shared/data/text-samples"
ENC_SAMPLES = ["address.txt", "corpus.en", "german.txt", "tinystories_sample.txt"]
enc_needs_gpt2 = pytest.mark.skipif(
    not (ENC_GPT2_DIR / "vocab.json").is_file() or not (ENC_GPT2_DIR / "merges.txt").is_file(),
    reason=f"GPT-2's vocab.json and merges.txt are not in {ENC_GPT2_DIR}")
ENC_EOT = "<|endoftext|>"

# A small merge list written by hand, in the order a trainer could have made it. ("o", "w")
# comes before ("l", "o"), so "low" encodes as "l" + "ow" although "lo" is a token too.
ENC_MERGES = [
    (b"h", b"e"), (b" ", b"t"), (b"t", b"he"), (b" t", b"he"), (b"a", b"t"), (b"c", b"at"),
    (b" ", b"cat"), (b"o", b"w"), (b"l", b"o"), (b"i", b"n"), (b"in", b"g"), (b" ", b"s"),
    (b"\xc3", b"\xa9"), (b"\xf0", b"\x9f"), (b"\n", b"\n"), (b" ", b" "), (b"e", b"r"),
    (b" ", b"a"), (b"a", b"n"), (b"an", b"d"),
]

# Strings that stress pre-tokenisation and byte handling: contractions, whitespace runs of
# several kinds, digits, punctuation, emoji (with modifiers and joiners), several scripts,
# control characters and special tokens in every position.
ENC_TRICKY = [
    "",
    "Hello, world!",
    "I'm sure they'll say it's 'fine'; we've done it, haven't we? I'D SAY SO'S",
    "   leading spaces, trailing spaces   ",
    "tabs\tand\nnewlines\n\n\n    indented\n  \n",
    "\r\nwindows lines\r\n\r\n",
    "digits 1234567890 3.14159 1,000,000 2024-01-01 x2 2x",
    "emoji 🤖🎉 👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "Ελληνικά κείμενα, 日本語のテキスト, العربية, русский, हिन्दी, 한국어",
    "whitespace runs:  \u00a0\u3000\u2003 x \u3000\u3000y\u2028z",
    "control \x00\x01\x1f\x7f and soft\u00adhyphen",
    ENC_EOT,
    f"story one{ENC_EOT}story two",
    f" {ENC_EOT} ",
    f"{ENC_EOT}{ENC_EOT}\n{ENC_EOT}",
    f"<|endoftext| >< |endoftext|> <|endof{ENC_EOT}",
    "CamelCaseWords snake_case_words ALLCAPS https://example.org/a?b=c&d=e",
    "a" * 300 + " " + "ab" * 100,
]


def enc_layout(merges: list[tuple[bytes, bytes]], special_tokens=()) -> dict[int, bytes]:
    """The course's vocabulary layout: bytes 0-255, one id per merge, then special tokens."""
    vocab = {b: bytes([b]) for b in range(256)}
    for left, right in merges:
        vocab[len(vocab)] = left + right
    for token in special_tokens:
        vocab[len(vocab)] = token.encode("utf-8")
    return vocab


def enc_ids(merges=ENC_MERGES, special_tokens=(ENC_EOT,)) -> dict[bytes, int]:
    """{token: id} in the layout of enc_layout."""
    return {token: i for i, token in enc_layout(merges, special_tokens).items()}


def enc_tokenizer(merges=ENC_MERGES, special_tokens=(ENC_EOT,), **kwargs) -> Tokenizer:
    return Tokenizer(enc_layout(merges, special_tokens), merges, list(special_tokens), **kwargs)


def enc_reference_bpe(piece: bytes, merges: list[tuple[bytes, bytes]]) -> list[bytes]:
    """BPE by its definition: each merge, in rank order, joins every occurrence of its pair,
    left to right, in the whole piece."""
    parts = [bytes([b]) for b in piece]
    for left, right in merges:
        joined, i = [], 0
        while i < len(parts):
            if i + 1 < len(parts) and parts[i] == left and parts[i + 1] == right:
                joined.append(left + right)
                i += 2
            else:
                joined.append(parts[i])
                i += 1
        parts = joined
    return parts


def enc_reference_encode(text: str, merges, special_tokens=(ENC_EOT,)) -> list[int]:
    """Special tokens cut out (longest first), GPT-2's pattern, then enc_reference_bpe."""
    ids_of = enc_ids(merges, special_tokens)
    specials = sorted(special_tokens, key=len, reverse=True)
    pieces = regex.split("(" + "|".join(map(regex.escape, specials)) + ")", text) \
        if specials else [text]
    ids = []
    for piece in pieces:
        if piece in special_tokens:
            ids.append(ids_of[piece.encode("utf-8")])
            continue
        for pretoken in regex.findall(GPT2_PATTERN, piece):
            ids += [ids_of[t] for t in enc_reference_bpe(pretoken.encode("utf-8"), merges)]
    return ids


def enc_random_merges(n_merges: int, alphabet: bytes, seed: int) -> list[tuple[bytes, bytes]]:
    """Merges as training leaves them: each joins two tokens that exist already (bytes of
    `alphabet` or earlier merges) into a token that does not."""
    rng = random.Random(seed)
    made, merges = [bytes([b]) for b in alphabet], []
    while len(merges) < n_merges:
        left, right = rng.choice(made), rng.choice(made)
        if left + right not in made and len(left + right) <= 6:
            merges.append((left, right))
            made.append(left + right)
    return merges


def enc_random_text(rng: random.Random, n_chars: int) -> str:
    """Characters from ASCII, Latin-1, Greek, CJK, Arabic, emoji and whitespace of all kinds."""
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x370, 0x3FF), (0x4E00, 0x4E80), (0x600, 0x6FF),
              (0x1F300, 0x1F64F), (0x2000, 0x200D)]
    chars = []
    for _ in range(n_chars):
        low, high = rng.choice(ranges)
        chars.append(rng.choice([chr(rng.randint(low, high)), " ", "\n", "  "]))
    return "".join(chars)


def enc_gpt2_style_files(folder: Path, header: bool) -> tuple[Path, Path]:
    """A tiny vocab.json and merges.txt in GPT-2's format: the 256 bytes in GPT-2's order
    (tiktoken's definition), three merges, then <|endoftext|>."""
    order = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    order += [b for b in range(256) if b not in order]
    char = {b: chr(b) if i < 188 else chr(256 + i - 188) for i, b in enumerate(order)}
    vocab = {char[b]: i for i, b in enumerate(order)}
    vocab.update({"Ġt": 256, "he": 257, "Ġthe": 258, ENC_EOT: 259})
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    merges = ("#version: 0.2\n" if header else "") + "Ġ t\nh e\nĠt he\n"
    (folder / "merges.txt").write_text(merges, encoding="utf-8")
    return folder / "vocab.json", folder / "merges.txt"


def enc_tiktoken_ranks(vocab_json: Path, merges_txt: Path, tmp: Path) -> dict[bytes, int]:
    """The ranks tiktoken's own loader reads from GPT-2-style files, offline."""
    pytest.importorskip("tiktoken")
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks

    text = merges_txt.read_text(encoding="utf-8")
    if not text.startswith("#version"):
        text = "#version: 0.2\n" + text  # tiktoken's loader drops the first line unread
    with_header = tmp / "vocab.bpe"
    with_header.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", "")  # read the local files; cache nothing
        return data_gym_to_mergeable_bpe_ranks(str(with_header), str(vocab_json))


def enc_tiktoken(ranks: dict[bytes, int]):
    """tiktoken's GPT-2 encoding made from `ranks`, with <|endoftext|> after them."""
    tiktoken = pytest.importorskip("tiktoken")
    return tiktoken.Encoding(name="gpt2-local", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                             special_tokens={ENC_EOT: len(ranks)})


@pytest.fixture(scope="module")
def enc_gpt2(tmp_path_factory):
    """(our Tokenizer, tiktoken's ranks, tiktoken's Encoding), from GPT-2's real files."""
    if not (ENC_GPT2_DIR / "vocab.json").is_file() or not (ENC_GPT2_DIR / "merges.txt").is_file():
        pytest.skip(f"GPT-2's vocab.json and merges.txt are not in {ENC_GPT2_DIR}")
    ranks = enc_tiktoken_ranks(ENC_GPT2_DIR / "vocab.json", ENC_GPT2_DIR / "merges.txt",
                               tmp_path_factory.mktemp("gpt2"))
    tok = Tokenizer.from_gpt2_files(ENC_GPT2_DIR / "vocab.json", ENC_GPT2_DIR / "merges.txt")
    return tok, ranks, enc_tiktoken(ranks)


# ---- provided code: the printable mapping, checks, files ----------------------------------------

def test_bytes_unicode_is_gpt2s_printable_mapping():
    printable = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    others = [b for b in range(256) if b not in printable]
    expected = {b: chr(b) for b in printable} | {b: chr(256 + n) for n, b in enumerate(others)}
    assert bytes_to_unicode() == BYTE_TO_CHAR == expected
    assert len(set(BYTE_TO_CHAR.values())) == 256
    assert (BYTE_TO_CHAR[ord(" ")], BYTE_TO_CHAR[ord("\n")], BYTE_TO_CHAR[0xAD]) == ("Ġ", "Ċ", "Ń")
    assert token_to_printable(b" the\n") == "ĠtheĊ"
    assert token_to_printable("é".encode()) == "Ã©"
    everything = bytes(range(256))
    assert printable_to_token(token_to_printable(everything)) == everything
    with pytest.raises(ValueError, match="U\\+0394"):
        printable_to_token("Δ")


def test_a_special_token_missing_from_the_vocabulary_gets_the_next_id():
    tok = Tokenizer(enc_layout(ENC_MERGES), ENC_MERGES, ["<|a|>", "<|b|>"])
    assert tok.special_ids == {"<|a|>": 256 + len(ENC_MERGES), "<|b|>": 257 + len(ENC_MERGES)}
    assert tok.vocab[256 + len(ENC_MERGES)] == b"<|a|>"
    assert tok.vocab_size == 258 + len(ENC_MERGES)


@pytest.mark.parametrize("change, message", [
    (lambda v, m: (v, m + [(b"zz", b"q")]), "neither a single byte nor made by an earlier merge"),
    (lambda v, m: ({i: t for i, t in v.items() if t != b"at"}, m), "not in the vocabulary"),
    (lambda v, m: (v | {1000: b"xyz"}, m), "neither single bytes, nor made by a merge"),
    (lambda v, m: ({i: t for i, t in v.items() if i != 65}, m), "all 256 single bytes"),
    (lambda v, m: (v | {1000: b"he"}, m), "holds b'he' twice"),
    (lambda v, m: (v, m + [(b"h", b"e")]), "repeats merge 0"),
])
def test_a_vocabulary_and_merges_that_do_not_belong_together_are_refused(change, message):
    vocab, merges = change(enc_layout(ENC_MERGES), list(ENC_MERGES))
    with pytest.raises(ValueError, match=message):
        Tokenizer(vocab, merges)


def test_bad_arguments_get_clear_errors():
    with pytest.raises(TypeError, match="pair \\(bytes, bytes\\)"):
        Tokenizer(enc_layout([]), [("a", "b")])
    with pytest.raises(TypeError, match=re.escape(f"write [{ENC_EOT!r}]")):
        Tokenizer(enc_layout([]), [], ENC_EOT)
    with pytest.raises(ValueError, match="token id 999 is not in the vocabulary"):
        enc_tokenizer().decode([65, 999])


def test_save_and_load_round_trip_through_readable_json(tmp_path):
    tok = enc_tokenizer(special_tokens=(ENC_EOT, "<|pad|>"))
    tok.save(tmp_path / "tok.json")
    data = json.loads((tmp_path / "tok.json").read_text(encoding="utf-8"))
    assert data["vocab"]["Ġthe"] == tok.token_ids[b" the"]
    assert all(t.isprintable() and not any(c.isspace() for c in t) for t in data["vocab"])
    assert data["merges"][:3] == ["h e", "Ġ t", "t he"]
    assert data["special_tokens"] == {ENC_EOT: 276, "<|pad|>": 277}
    loaded = Tokenizer.load(tmp_path / "tok.json")
    assert loaded.vocab == tok.vocab
    assert loaded.merges == tok.merges
    assert loaded.special_ids == tok.special_ids
    (tmp_path / "other.json").write_text('{"vocab": {}}')
    with pytest.raises(ValueError, match="not a tokenizer written by Tokenizer.save"):
        Tokenizer.load(tmp_path / "other.json")


@pytest.mark.parametrize("header", [True, False])
def test_from_gpt2_files_reads_both_merge_files_and_matches_tiktoken_ranks(tmp_path, header):
    vocab_json, merges_txt = enc_gpt2_style_files(tmp_path, header)
    tok = Tokenizer.from_gpt2_files(vocab_json, merges_txt)
    assert tok.merges == [(b" ", b"t"), (b"h", b"e"), (b" t", b"he")]
    assert (tok.vocab[0], tok.vocab[188], tok.vocab[258]) == (b"!", b"\x00", b" the")
    assert tok.special_ids == {ENC_EOT: 259}
    assert tok.to_tiktoken_ranks() == enc_tiktoken_ranks(vocab_json, merges_txt, tmp_path)
    assert tok.to_tiktoken_ranks() == {t: i for i, t in tok.vocab.items() if i != 259}


def test_malformed_gpt2_files_are_refused_naming_the_line(tmp_path):
    vocab_json, merges_txt = enc_gpt2_style_files(tmp_path, header=True)
    merges_txt.write_text("#version: 0.2\nĠ t\nh e x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="merges.txt, line 3: expected a merge as two tokens"):
        read_merges_txt(merges_txt)
    merges_txt.write_text("Ġ t\nh e\nĠt he\nt h\n", encoding="utf-8")
    with pytest.raises(ValueError, match="merge 3 .* makes b'th', which is not in the vocab"):
        Tokenizer.from_gpt2_files(vocab_json, merges_txt)
    vocab_json.write_text(json.dumps({"Δ": 0}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="vocab.json: token 0: 'Δ' is not a token"):
        Tokenizer.from_gpt2_files(vocab_json, merges_txt)


def test_to_tiktoken_ranks_needs_ids_that_grow_with_the_merges():
    tok = enc_tokenizer()
    assert tok.to_tiktoken_ranks() == {t: i for i, t in enc_layout(ENC_MERGES).items()}
    vocab = enc_layout(ENC_MERGES)
    vocab[256], vocab[257] = vocab[257], vocab[256]  # "he" after " t"
    with pytest.raises(ValueError, match="do not grow with the merge order"):
        Tokenizer(vocab, ENC_MERGES).to_tiktoken_ranks()


@enc_needs_gpt2
def test_gpt2s_real_files_load_with_tiktokens_ranks(enc_gpt2):
    tok, ranks, _ = enc_gpt2
    assert tok.vocab_size == 50257 and len(tok.merges) == 50000
    assert tok.special_ids == {ENC_EOT: 50256}
    assert tok.to_tiktoken_ranks() == ranks


# ---- 08.4: encode -------------------------------------------------------------------------------

@pytest.mark.exercise("08.4")
def test_08_4_bpe_merges_the_lowest_rank_pair_first():
    tok = enc_tokenizer()
    ids = enc_ids()
    assert tok.bpe(b"the") == [ids[b"the"]]  # h+e (rank 0), then t+he (rank 2)
    assert tok.bpe(b" the") == [ids[b" the"]]  # h+e, then " "+t, then " t"+he
    assert tok.bpe(b"low") == [ids[b"l"], ids[b"ow"]]  # o+w (rank 7) before l+o (rank 8)
    assert tok.bpe(b"lo") == [ids[b"lo"]]
    assert tok.bpe(b"xyz") == [ids[b"x"], ids[b"y"], ids[b"z"]]
    assert tok.bpe(b"    ") == [ids[b"  "], ids[b"  "]]  # left to right, no overlap
    assert tok.bpe(b"") == []


@pytest.mark.exercise("08.4")
@pytest.mark.parametrize("seed", range(4))
def test_08_4_bpe_applies_the_merges_in_rank_order(seed):
    merges = enc_random_merges(60, b"abcd ", seed)
    tok = enc_tokenizer(merges, ())
    ids = enc_ids(merges, ())
    rng = random.Random(seed)
    for _ in range(200):
        piece = bytes(rng.choice(b"abcd ") for _ in range(rng.randint(1, 24)))
        want = [ids[t] for t in enc_reference_bpe(piece, merges)]
        assert tok.bpe(piece) == want, f"bpe({piece!r})"


@pytest.mark.exercise("08.4")
def test_08_4_encode_cuts_pretokens_and_special_tokens():
    tok = enc_tokenizer()
    ids = enc_ids()
    assert tok.encode("the cat") == [ids[b"the"], ids[b" cat"]]
    assert tok.encode(f"the{ENC_EOT} the") == [ids[b"the"], ids[ENC_EOT.encode()], ids[b" the"]]
    assert tok.encode("") == []
    assert tok.encode("low, lo") == [ids[b"l"], ids[b"ow"], ids[b","], ids[b" "], ids[b"lo"]]
    for text in ENC_TRICKY:
        assert tok.encode(text) == enc_reference_encode(text, ENC_MERGES), text
    rng = random.Random(0)
    for _ in range(20):
        text = enc_random_text(rng, 60)
        assert tok.encode(text) == enc_reference_encode(text, ENC_MERGES), text


@pytest.mark.exercise("08.4")
def test_08_4_the_longest_special_token_wins():
    specials = ("<|a|>", "<|a|><|a|>")
    tok = enc_tokenizer(special_tokens=specials)
    a, aa = enc_ids(ENC_MERGES, specials)[b"<|a|>"], enc_ids(ENC_MERGES, specials)[b"<|a|><|a|>"]
    assert tok.encode("<|a|><|a|><|a|>") == [aa, a]
    assert tok.encode("x<|a|> <|a|>") == enc_reference_encode("x<|a|> <|a|>", ENC_MERGES,
                                                              specials)


@pytest.mark.exercise("08.4")
def test_08_4_encode_runs_bpe_once_per_distinct_pretoken():
    tok = enc_tokenizer()
    calls = Counter()
    bpe = tok.bpe

    def counting_bpe(piece: bytes) -> list[int]:
        calls[piece] += 1
        return bpe(piece)

    tok.bpe = counting_bpe
    text = "the cat the cat the low low"
    assert tok.encode(text) == enc_reference_encode(text, ENC_MERGES)
    assert calls == Counter({b"the": 1, b" cat": 1, b" the": 1, b" low": 1})
    assert tok.encode(text + " the") == enc_reference_encode(text + " the", ENC_MERGES)
    assert sum(calls.values()) == 4, "pre-tokens seen before must come from the cache"


@pytest.mark.exercise("08.4")
def test_08_4_the_cache_never_holds_more_than_cache_size_pretokens():
    tok = enc_tokenizer(cache_size=5)
    text = " ".join(f"w{i}" for i in range(40)) + " w1 w2"
    sizes = []
    for word in text.split():
        assert tok.encode(word) == enc_reference_encode(word, ENC_MERGES)
        sizes.append(len(tok.cache))
    assert max(sizes) == 5
    assert tok.encode(text) == enc_reference_encode(text, ENC_MERGES)
    assert len(tok.cache) <= 5


@pytest.mark.exercise("08.4")
@pytest.mark.parametrize("header", [True, False])
def test_08_4_encode_matches_tiktoken_on_gpt2_style_files(tmp_path, header):
    vocab_json, merges_txt = enc_gpt2_style_files(tmp_path, header)
    tok = Tokenizer.from_gpt2_files(vocab_json, merges_txt)
    encoding = enc_tiktoken(enc_tiktoken_ranks(vocab_json, merges_txt, tmp_path))
    for text in ENC_TRICKY + ["the the  the\tthe theme"]:
        assert tok.encode(text) == encoding.encode(text, allowed_special={ENC_EOT}), text


@pytest.mark.exercise("08.4")
@enc_needs_gpt2
@pytest.mark.parametrize("name", ENC_SAMPLES)
def test_08_4_encode_with_gpt2s_files_matches_tiktoken_on_the_text_samples(enc_gpt2, name):
    path = ENC_SAMPLES_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    tok, _, encoding = enc_gpt2
    text = path.read_text(encoding="utf-8")
    assert tok.encode(text) == encoding.encode(text, allowed_special={ENC_EOT})


@pytest.mark.exercise("08.4")
@enc_needs_gpt2
def test_08_4_encode_with_gpt2s_files_matches_tiktoken_on_tricky_text(enc_gpt2):
    tok, _, encoding = enc_gpt2
    assert tok.encode("Hello world") == [15496, 995]  # GPT-2's ids, as widely quoted
    rng = random.Random(1)
    for text in ENC_TRICKY + [enc_random_text(rng, 200) for _ in range(20)]:
        assert tok.encode(text) == encoding.encode(text, allowed_special={ENC_EOT}), text


# ---- 08.4: encode_iterable (provided, but it runs encode) ---------------------------------------

ENC_STREAM_TEXT = (f"The cat's  hat\u3000\u3000 is\t\tgreat!{ENC_EOT} 🤖 naïve\n\n  low-lo 12345"
                   f"<| sep |>end of <|endof{ENC_EOT}  \u00a0 x")
ENC_STREAM_SPECIALS = (ENC_EOT, "<| sep |>")


@pytest.mark.exercise("08.4")
def test_08_4_encode_iterable_equals_encode_at_every_cut():
    tok = enc_tokenizer(special_tokens=ENC_STREAM_SPECIALS)
    text = ENC_STREAM_TEXT
    want = tok.encode(text)
    assert want == enc_reference_encode(text, ENC_MERGES, ENC_STREAM_SPECIALS)
    for cut in range(len(text) + 1):  # two chunks, cut everywhere
        got = list(tok.encode_iterable([text[:cut], text[cut:]], buffer_chars=1))
        assert got == want, f"cut at {cut}: {text[:cut]!r} + {text[cut:]!r}"
    assert list(tok.encode_iterable(list(text), buffer_chars=1)) == want  # one char at a time
    rng = random.Random(0)
    for _ in range(50):
        cuts = sorted(rng.sample(range(len(text) + 1), 4))
        chunks = [text[a:b] for a, b in itertools.pairwise([0, *cuts, len(text)])]
        assert list(tok.encode_iterable(chunks, buffer_chars=rng.choice([1, 8, 30]))) == want


@pytest.mark.exercise("08.4")
def test_08_4_encode_iterable_reads_a_file_lazily(tmp_path):
    tok = enc_tokenizer()
    path = tmp_path / "lines.txt"
    lines = [f"line {i}: the cat  sat\u3000on the mat{ENC_EOT if i % 7 == 0 else ''}\n"
             for i in range(3000)]
    path.write_text("".join(lines), encoding="utf-8")
    with open(path, encoding="utf-8") as file:
        assert list(tok.encode_iterable(file)) == tok.encode(path.read_text(encoding="utf-8"))
    endless = itertools.cycle(["the cat", " sat on the mat\n"])
    assert len(list(itertools.islice(tok.encode_iterable(endless), 10_000))) == 10_000
    with pytest.raises(TypeError, match="open files in text mode"):
        list(tok.encode_iterable([b"bytes"]))


ENC_MEMORY_BOUND = 3_000_000  # bytes; see the test below


def enc_peak_memory(path: Path) -> tuple[int, int]:
    """(ids counted, tracemalloc's peak in bytes) for encode_iterable over the file at `path`,
    with a fresh tokenizer, its ids consumed by a Counter."""
    tok = enc_tokenizer()
    tracemalloc.start()
    try:
        with open(path, encoding="utf-8") as file:
            counts = Counter(tok.encode_iterable(file))
        return sum(counts.values()), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.exercise("08.4")
def test_08_4_encode_iterable_memory_does_not_grow_with_the_file(tmp_path):
    """The peak of Python's allocations stays under ENC_MEMORY_BOUND = 3 MB for files of 0.3
    and 2 MB, and the larger file costs at most 0.25 MB more than the smaller one.

    Why 3 MB: the text is lines of 2,000 generated words, so the cache holds about 4,000
    pre-tokens (each word with and without its leading space), about 0.6 MB; the buffer holds
    about 64k characters (BUFFER_CHARS) and the ids of one block of them, under 1 MB together.
    Encoding the 2 MB file in one piece would need 2 MB for its text and, for its 1.9 million
    ids, over 15 MB for the list alone. (tracemalloc slows Python several times, which is why
    the files are small; the bound is the point, not the time.)
    """
    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choices(letters, k=rng.randint(1, 9))) for _ in range(2000)]
    peaks = []
    for size in (300_000, 2_000_000):
        path = tmp_path / f"words-{size}.txt"
        with open(path, "w", encoding="utf-8") as file:
            written = 0
            while written < size:
                line = " ".join(rng.choices(words, k=12)) + (f" {ENC_EOT}\n" if rng.random() < 0.05
                                                             else "\n")
                written += file.write(line)
        n_ids, peak = enc_peak_memory(path)
        assert n_ids > size / 8  # every line was encoded
        assert peak < ENC_MEMORY_BOUND, f"{size / 1e6} MB file: peak {peak / 1e6:.2f} MB"
        peaks.append(peak)
    assert peaks[1] < peaks[0] + 250_000, f"the peaks {peaks} grow with the file"


# ---- 08.5: decode -------------------------------------------------------------------------------

@pytest.mark.exercise("08.5")
def test_08_5_decode_replaces_bytes_that_are_not_utf8():
    tok = enc_tokenizer()  # ids 0-255 are the single bytes
    rng = random.Random(0)
    for length in [0, 1, 2, 3, 5, 17, 100] * 5:
        data = bytes(rng.randrange(256) for _ in range(length))
        assert tok.decode(list(data)) == data.decode("utf-8", errors="replace"), data
    assert tok.decode(list("é🤖".encode())) == "é🤖"  # characters spread over byte tokens
    assert tok.decode(list("🤖".encode())[:3]) == "\ufffd"
    ids = enc_ids()
    assert tok.decode([ids[b"\xf0\x9f"], 0xA4, 0x96]) == "🤖"
    assert tok.decode([ids[ENC_EOT.encode()], ids[b" the"]]) == f"{ENC_EOT} the"


@pytest.mark.exercise("08.5")
@enc_needs_gpt2
def test_08_5_decode_of_random_gpt2_ids_matches_tiktokens_bytes(enc_gpt2):
    tok, _, encoding = enc_gpt2
    rng = random.Random(0)
    for _ in range(200):
        ids = [rng.randrange(50257) for _ in range(rng.randint(1, 6))]
        data = b"".join(encoding.decode_single_token_bytes(i) for i in ids)
        assert tok.decode(ids) == data.decode("utf-8", errors="replace"), ids


@pytest.mark.exercise("08.4", "08.5")
def test_08_5_decode_undoes_encode():
    tok = enc_tokenizer()
    rng = random.Random(2)
    for text in ENC_TRICKY + [enc_random_text(rng, 100) for _ in range(30)]:
        assert tok.decode(tok.encode(text)) == text, text


@pytest.mark.exercise("08.4", "08.5")
@enc_needs_gpt2
def test_08_5_gpt2_decode_undoes_encode(enc_gpt2):
    tok, _, _ = enc_gpt2
    rng = random.Random(3)
    for text in ENC_TRICKY + [enc_random_text(rng, 100) for _ in range(30)]:
        assert tok.decode(tok.encode(text)) == text, text


@pytest.mark.exercise("08.4", "08.5")
def test_08_5_a_loaded_tokenizer_encodes_and_decodes_the_same(tmp_path):
    tok = enc_tokenizer(special_tokens=ENC_STREAM_SPECIALS)
    tok.save(tmp_path / "tok.json")
    loaded = Tokenizer.load(tmp_path / "tok.json")
    for text in ENC_TRICKY + [ENC_STREAM_TEXT]:
        assert loaded.encode(text) == tok.encode(text)
        assert loaded.decode(loaded.encode(text)) == text


# --- GPT-2's files and the notebook ---------------------------------------------------------------


def test_find_gpt2_files_looks_in_data_then_in_the_named_folder_and_never_raises(tmp_path,
                                                                                  monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setattr(gpt2_files, "GPT2_DIR", data)
    monkeypatch.delenv(gpt2_files.GPT2_DIR_VARIABLE, raising=False)
    files, note = gpt2_files.find_gpt2_files()
    assert files is None and gpt2_files.FETCH_GPT2 in note

    named = tmp_path / "named"
    named.mkdir()
    (named / "vocab.json").write_text("{}")
    monkeypatch.setenv(gpt2_files.GPT2_DIR_VARIABLE, str(named))
    files, note = gpt2_files.find_gpt2_files()  # one file only: not enough
    assert files is None and "merges.txt" in note and gpt2_files.GPT2_DIR_VARIABLE in note
    (named / "merges.txt").write_text("")
    files, note = gpt2_files.find_gpt2_files()
    assert files == (named / "vocab.json", named / "merges.txt")
    assert gpt2_files.GPT2_DIR_VARIABLE in note

    data.mkdir()
    for name in ("vocab.json", "merges.txt"):
        (data / name).write_text("")
    assert gpt2_files.find_gpt2_files()[0] == (data / "vocab.json", data / "merges.txt")


@pytest.mark.notebook
def test_08_notebook_runs_top_to_bottom(monkeypatch):
    if (ENC_GPT2_DIR / "vocab.json").is_file() and (ENC_GPT2_DIR / "merges.txt").is_file():
        monkeypatch.setenv(gpt2_files.GPT2_DIR_VARIABLE, str(ENC_GPT2_DIR))  # else GPT-2 skips
    execute_notebook(notebook_to_run(find_module("08")))
