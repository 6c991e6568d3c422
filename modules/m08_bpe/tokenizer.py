"""A byte-level BPE tokenizer: text to token ids and back, with GPT-2's pre-tokenisation.

Encoding (byte-pair encoding, Sennrich et al., 2016, on bytes as in GPT-2, Radford et al.,
2019): cut the text around its special tokens, cut each stretch between them into pre-tokens
with GPT-2's pattern (pretokenize.py), and turn each pre-token's UTF-8 bytes into tokens by
replaying the training merges: start from single bytes and, again and again, merge the adjacent
pair that training merged EARLIEST (the lowest rank), until no adjacent pair is a merge. Text
repeats its words, so the ids of each pre-token are cached.

Decoding joins the tokens' bytes and reads them as UTF-8. A token may hold part of a character,
so a run of ids need not be valid UTF-8 on its own; bad bytes become U+FFFD "�", never an error.

The vocabulary is a dict {id: bytes}: every single byte, one token per merge and the special
tokens. The course's trainer numbers them 0-255 (byte b has id b), then the merges in order,
then the special tokens; GPT-2 numbers its bytes differently, which the tokenizer does not mind.

Files: `save`/`load` keep a tokenizer in one JSON file that people can read (tokens written in
GPT-2's printable form, bytes_unicode.py); `from_gpt2_files` reads GPT-2's published vocab.json
and merges.txt; `to_tiktoken_ranks` gives the table from which tiktoken builds an encoding.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path

import regex

from modules.m08_bpe.bytes_unicode import printable_to_token, token_to_printable
from modules.m08_bpe.pretokenize import pretokens, split_on_special
from modules.m08_bpe.train import merge_pair

GPT2_SPECIAL_TOKENS = ("<|endoftext|>",)
CACHE_SIZE = 2**16  # pre-tokens kept by default: about 10 MB at most
BUFFER_CHARS = 2**16  # encode_iterable encodes text in pieces of about this many characters
NO_RANK = math.inf  # the rank of a pair that is not a merge
FILE_FORMAT = "m08-byte-bpe"  # the "format" field of a saved tokenizer

# The end of a word: a non-space character followed by whitespace. `(?r)` makes the `regex`
# module search from the end of the text backwards, so the first match is the last word end.
WORD_END = regex.compile(r"(?r)\S(?=\s)")


class Tokenizer:
    """Byte-level BPE: `encode(text) -> ids`, `decode(ids) -> text`.

    vocab           {id: token bytes}: the 256 single bytes, the token each merge makes, and
                    the special tokens (a special token missing from it gets the next free id)
    merges          [(left, right)] in the order training made them: merge r has rank r
    special_tokens  strings kept whole and never merged with their neighbours ("<|endoftext|>")
    cache_size      how many pre-tokens `encode_pretoken` remembers

    Raises ValueError when the vocabulary and the merges do not belong together: a byte
    missing, a merge whose parts or result are not tokens, a token no merge makes.
    """

    def __init__(self, vocab: dict[int, bytes], merges: Sequence[tuple[bytes, bytes]],
                 special_tokens: Iterable[str] | None = None, *, cache_size: int = CACHE_SIZE):
        _check_types(vocab, merges)
        if isinstance(special_tokens, str):
            raise TypeError("special_tokens must be a list of strings, not one string: "
                            f"write [{special_tokens!r}]")
        if cache_size < 1:
            raise ValueError(f"cache_size must be at least 1, got {cache_size}")
        self.vocab = dict(vocab)
        self.merges = [(left, right) for left, right in merges]
        self.special_tokens = list(dict.fromkeys(special_tokens or ()))
        self.special_ids = self._find_special_ids()  # {special token: id}
        regular = {i: t for i, t in self.vocab.items() if i not in self.special_ids.values()}
        self.token_ids = _invert(regular)  # {token bytes: id}, special tokens left out
        self.byte_ids = _byte_ids(self.token_ids)  # byte_ids[b]: the id of bytes([b])
        # merge_ranks[(left id, right id)] = rank; merge_ids[(left id, right id)] = merged id
        self.merge_ranks, self.merge_ids = _index_merges(self.merges, self.token_ids)
        self.cache: dict[str, tuple[int, ...]] = {}
        self.cache_size = cache_size

    def _find_special_ids(self) -> dict[str, int]:
        """The id of each special token: the vocabulary's (the highest, should its bytes appear
        twice), or a new id after the largest one, added to the vocabulary."""
        special_ids = {}
        for token in self.special_tokens:
            if not isinstance(token, str) or not token:
                raise TypeError(f"special tokens must be non-empty strings, got {token!r}")
            found = [i for i, t in self.vocab.items() if t == token.encode("utf-8")]
            special_ids[token] = max(found) if found else max(self.vocab, default=-1) + 1
            self.vocab[special_ids[token]] = token.encode("utf-8")
        return special_ids

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def __repr__(self) -> str:
        return (f"Tokenizer({self.vocab_size} tokens, {len(self.merges)} merges, "
                f"special tokens {self.special_tokens})")

    # ---- encoding ---------------------------------------------------------------------------

    def bpe(self, piece: bytes) -> list[int]:
        """The token ids of `piece`, the UTF-8 bytes of one pre-token, by replaying the merges.

        Start from one id per byte (`self.byte_ids[b]`). Then repeat: among the adjacent pairs
        of ids, find the one with the lowest rank in `self.merge_ranks` (the pair training
        merged earliest); if no adjacent pair has a rank, stop; otherwise replace each
        occurrence of that pair by its merged id `self.merge_ids[pair]` (train.merge_pair).
        Lowest rank first, not left to right, is what reproduces training: with the merges
        [(b"b", b"c"), (b"a", b"b")], b"abc" becomes the tokens b"a", b"bc", not b"ab", b"c".

        Hint: `min(pairwise(ids), key=lambda pair: self.merge_ranks.get(pair, NO_RANK))`.
        """
        # BEGIN SOLUTION 08.4
        ids = tuple(self.byte_ids[b] for b in piece)
        while len(ids) > 1:
            pair = min(pairwise(ids), key=lambda p: self.merge_ranks.get(p, NO_RANK))
            if pair not in self.merge_ranks:
                break  # no adjacent pair was ever merged: done
            ids = merge_pair(ids, pair, self.merge_ids[pair])
        return list(ids)
        # END SOLUTION

    def encode_pretoken(self, pretoken: str) -> tuple[int, ...]:
        """The ids of one pre-token, remembered in `self.cache` ({pre-token: ids}).

        On a miss, compute `self.bpe` of the pre-token's UTF-8 bytes, store it as a tuple and
        return it; on a hit, return what is stored. Keep at most `self.cache_size` pre-tokens:
        when the cache is full, empty it (`self.cache.clear()`) before storing. Frequent
        pre-tokens come straight back, and memory stays bounded however long the text is
        (`encode_iterable` relies on that).
        """
        # BEGIN SOLUTION 08.4
        ids = self.cache.get(pretoken)
        if ids is None:
            if len(self.cache) >= self.cache_size:
                self.cache.clear()
            ids = self.cache[pretoken] = tuple(self.bpe(pretoken.encode("utf-8")))
        return ids
        # END SOLUTION

    def encode(self, text: str) -> list[int]:
        """The token ids of `text`: each special token is its own id; every stretch between
        them is cut into pre-tokens, each encoded by `encode_pretoken`."""
        if not isinstance(text, str):
            raise TypeError(f"encode takes a str, got {type(text).__name__}; decode bytes "
                            f"first (data.decode('utf-8'))")
        ids = []
        for part in split_on_special(text, self.special_tokens):
            if part in self.special_ids:
                ids.append(self.special_ids[part])
            else:
                for pretoken in pretokens(part):
                    ids.extend(self.encode_pretoken(pretoken))
        return ids

    def encode_iterable(self, iterable: Iterable[str], *,
                        buffer_chars: int = BUFFER_CHARS) -> Iterator[int]:
        """Yield the ids of `"".join(iterable)`, exactly those of `encode`, chunk by chunk:
        `iterable` may be a text file opened for reading (its lines) or any strings.

        A chunk may end inside a word ("hel" + "lo"), inside a run of spaces, whose pre-tokens
        depend on what follows it (" " + " x"), or inside a special token ("<|endof" +
        "text|>"). So the chunks are gathered in a buffer, and once it holds `buffer_chars`
        characters, the part before its last safe cut (`_safe_cut`) is encoded; the rest waits
        for more text, or for the end.

        Memory: the buffer holds about `buffer_chars` characters, one chunk and the text since
        the last safe cut, and the cache at most `cache_size` pre-tokens; none of them grows
        with the length of the input (only a long stretch without whitespace is held whole).
        """
        buffer, wanted = "", buffer_chars  # look for a cut once the buffer holds `wanted` chars
        for chunk in iterable:
            if not isinstance(chunk, str):
                raise TypeError(f"encode_iterable takes strings, got {type(chunk).__name__}; "
                                f"open files in text mode: open(path, encoding='utf-8')")
            buffer += chunk
            if len(buffer) < wanted:
                continue
            cut = self._safe_cut(buffer)
            if cut:
                yield from self.encode(buffer[:cut])
                buffer, wanted = buffer[cut:], buffer_chars
            else:  # no safe cut yet: look again when the buffer is twice as long, not at every
                wanted = 2 * len(buffer)  # chunk, so that a long stretch costs linear time
        yield from self.encode(buffer)

    def _safe_cut(self, text: str) -> int:
        r"""The last position at which `text` can be cut so that encoding the two sides apart
        gives the ids of the whole, whatever text comes after it; 0 when there is none yet.

        A cut between a non-space and a whitespace character is safe for the pre-tokens: the
        pattern's pieces are whitespace runs, or hold whitespace only as a leading space, so
        none spans the cut, and no piece before it looks past it (the one lookahead, in
        `\s+(?!\S)`, looks at a character before the cut). A special token could still
        straddle the cut, so every special token that could (one starting less than its length
        before the cut) must lie wholly in `text`, and none may straddle it.
        """
        longest = max(map(len, self.special_tokens), default=1)
        for match in WORD_END.finditer(text):  # from the end backwards
            cut = match.end()
            if len(text) - cut < longest - 1:
                continue  # a special token straddling this cut might not be all here yet
            if not any(text.find(token, max(0, cut - len(token) + 1), cut + len(token) - 1) >= 0
                       for token in self.special_tokens):
                return cut
        return 0

    # ---- decoding ---------------------------------------------------------------------------

    def decode(self, ids: Iterable[int]) -> str:
        """The text of `ids`: join the tokens' bytes, then decode them as UTF-8 with
        errors="replace", so that bytes that are not valid UTF-8 (half a character, a stray
        continuation byte) become U+FFFD "�" instead of raising. Decode the joined bytes, not
        token by token: a character's bytes may be spread over several tokens.

        Raises ValueError for an id that is not in the vocabulary.
        """
        ids = [operator.index(i) for i in ids]  # ints, numpy or 0-d torch integers
        unknown = next((i for i in ids if i not in self.vocab), None)
        if unknown is not None:
            raise ValueError(f"token id {unknown} is not in the vocabulary ({self.vocab_size} "
                             f"tokens, ids {min(self.vocab)} to {max(self.vocab)})")
        # BEGIN SOLUTION 08.5
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")
        # END SOLUTION

    # ---- files ------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the tokenizer to `path` as JSON that people can read: `vocab` maps each token,
        in GPT-2's printable form (" the" is "Ġthe"), to its id, one per line; `merges` lists
        the merges in rank order as "left right" ("Ġ t"); `special_tokens` maps each special
        token, as it is written, to its id."""
        data = {
            "format": FILE_FORMAT,
            "vocab": {token_to_printable(token): i for token, i in self.token_ids.items()},
            "merges": [f"{token_to_printable(a)} {token_to_printable(b)}" for a, b in self.merges],
            "special_tokens": self.special_ids,
        }
        text = json.dumps(data, ensure_ascii=False, indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, *, cache_size: int = CACHE_SIZE) -> Tokenizer:
        """A tokenizer written by `save`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
            raise ValueError(f"{path} is not a tokenizer written by Tokenizer.save (it has no "
                             f'"format": "{FILE_FORMAT}"); for GPT-2\'s vocab.json and '
                             f"merges.txt use Tokenizer.from_gpt2_files")
        missing = [key for key in ("vocab", "merges", "special_tokens") if key not in data]
        if missing:
            raise ValueError(f"{path}: the saved tokenizer lacks {', '.join(missing)}")
        vocab = _read_vocab(data["vocab"], path, special_tokens=())
        for token, i in data["special_tokens"].items():
            if i in vocab:
                raise ValueError(f"{path}: special token {token!r} has id {i}, which "
                                 f"{vocab[i]!r} has already")
            vocab[i] = token.encode("utf-8")
        merges = [_parse_merge(line, f"{path}, merge {rank}")
                  for rank, line in enumerate(data["merges"])]
        return cls(vocab, merges, list(data["special_tokens"]), cache_size=cache_size)

    @classmethod
    def from_gpt2_files(cls, vocab_json: str | Path, merges_txt: str | Path,
                        special_tokens: Iterable[str] = GPT2_SPECIAL_TOKENS) -> Tokenizer:
        """GPT-2's tokenizer from its two published files.

        vocab.json (OpenAI's encoder.json) maps each token in printable form to its id;
        merges.txt (OpenAI's vocab.bpe) holds one merge per line, "Ġ t", in rank order, after
        an optional first line "#version: ..." (OpenAI's file has it; some copies do not).
        """
        special_tokens = list(special_tokens)
        raw = json.loads(Path(vocab_json).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(f"{vocab_json}: expected a JSON object {{token: id}}")
        vocab = _read_vocab(raw, vocab_json, special_tokens)
        return cls(vocab, read_merges_txt(merges_txt), special_tokens)

    def to_tiktoken_ranks(self) -> dict[bytes, int]:
        """{token bytes: id} for every token but the special ones: the `mergeable_ranks` of a
        `tiktoken.Encoding`. tiktoken merges the adjacent pair whose joined bytes have the
        lowest rank, so the ids must grow with the merge order (as in the course's layout and
        in GPT-2's); raises ValueError otherwise."""
        merged_ids = [self.token_ids[left + right] for left, right in self.merges]
        if any(a >= b for a, b in pairwise(merged_ids)):
            raise ValueError("the ids of the merged tokens do not grow with the merge order, "
                             "so they cannot serve as tiktoken's ranks")
        return dict(self.token_ids)


def read_merges_txt(path: str | Path) -> list[tuple[bytes, bytes]]:
    """The merges of a GPT-2 style merges.txt, in order: one "left right" per line, tokens in
    printable form; a first line starting with "#version" and blank lines are skipped."""
    merges = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            line = line.rstrip("\n")
            if (number == 1 and line.startswith("#version")) or not line:
                continue
            merges.append(_parse_merge(line, f"{path}, line {number}"))
    return merges


def _parse_merge(line: str, where: str) -> tuple[bytes, bytes]:
    parts = line.split(" ") if isinstance(line, str) else []
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"{where}: expected a merge as two tokens separated by one space "
                         f"(like 'Ġ t'), got {line!r}")
    try:
        return printable_to_token(parts[0]), printable_to_token(parts[1])
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _read_vocab(raw: dict, where: str | Path, special_tokens: Sequence[str]) -> dict[int, bytes]:
    """{id: bytes} from {printable token: id}; special tokens are read as they are written."""
    vocab = {}
    for text, i in raw.items():
        if not isinstance(i, int) or isinstance(i, bool) or i < 0:
            raise ValueError(f"{where}: token {text!r} has id {i!r}; ids are integers >= 0")
        if i in vocab:
            raise ValueError(f"{where}: id {i} is given to two tokens, {vocab[i]!r} and {text!r}")
        try:
            vocab[i] = text.encode("utf-8") if text in special_tokens else printable_to_token(text)
        except ValueError as err:
            raise ValueError(f"{where}: token {i}: {err}") from None
    return vocab


def _check_types(vocab: dict[int, bytes], merges: Sequence[tuple[bytes, bytes]]) -> None:
    if not isinstance(vocab, dict):
        raise TypeError(f"vocab must be a dict {{id: bytes}}, got {type(vocab).__name__}")
    for i, token in vocab.items():
        if not isinstance(i, int) or i < 0 or not isinstance(token, bytes) or not token:
            raise TypeError(f"vocab must map ids (int >= 0) to non-empty bytes; got "
                            f"{i!r}: {token!r}")
    for rank, merge in enumerate(merges):
        if not (isinstance(merge, tuple) and len(merge) == 2
                and all(isinstance(part, bytes) for part in merge)):
            raise TypeError(f"merge {rank} must be a pair (bytes, bytes), got {merge!r}")


def _invert(vocab: dict[int, bytes]) -> dict[bytes, int]:
    """{bytes: id}, in id order; raises ValueError when two ids hold the same bytes."""
    token_ids = {}
    for i, token in sorted(vocab.items()):
        if token in token_ids:
            raise ValueError(f"the vocabulary holds {token!r} twice, as ids {token_ids[token]} "
                             f"and {i}")
        token_ids[token] = i
    return token_ids


def _byte_ids(token_ids: dict[bytes, int]) -> list[int]:
    missing = [b for b in range(256) if bytes([b]) not in token_ids]
    if missing:
        raise ValueError(f"a byte-level vocabulary needs all 256 single bytes; "
                         f"{len(missing)} are missing, the first {bytes([missing[0]])!r}")
    return [token_ids[bytes([b])] for b in range(256)]


def _index_merges(merges: list[tuple[bytes, bytes]], token_ids: dict[bytes, int]
                  ) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """The rank and the merged id of each merge, keyed by its pair of ids. Each merge's parts
    must be single bytes or tokens made by earlier merges, and each merge must make a token of
    the vocabulary, as training leaves them; every token must be a byte or made by a merge."""
    ranks, merged_ids = {}, {}
    made = {bytes([b]) for b in range(256)}
    for rank, (left, right) in enumerate(merges):
        for part in (left, right):
            if part not in made:
                raise ValueError(f"merge {rank} ({left!r}, {right!r}) uses {part!r}, which is "
                                 f"neither a single byte nor made by an earlier merge")
        if left + right not in token_ids:
            raise ValueError(f"merge {rank} ({left!r}, {right!r}) makes {left + right!r}, which "
                             f"is not in the vocabulary: the vocabulary and the merges do not "
                             f"belong together")
        pair = (token_ids[left], token_ids[right])
        if pair in ranks:
            raise ValueError(f"merge {rank} ({left!r}, {right!r}) repeats merge {ranks[pair]}")
        ranks[pair], merged_ids[pair] = rank, token_ids[left + right]
        made.add(left + right)
    unmade = [token for token in token_ids if token not in made]
    if unmade:
        raise ValueError(f"{len(unmade)} tokens of the vocabulary are neither single bytes, nor "
                         f"made by a merge, nor special tokens, e.g. {unmade[0]!r}: the "
                         f"vocabulary and the merges do not belong together")
    return ranks, merged_ids
