"""Word vectors as one float32 matrix and a vocabulary: the type every part of Module 05 shares,
and how GloVe's text files become one.

GloVe (Pennington, Socher and Manning, 2014) publishes its vectors as text, one word a line:
`word v1 v2 ... vd`. We read that into `WordVectors`: `words[i]` is the word of row i of
`vectors (V, d)`, and `index[word]` gives the row back.

Parsing 400,000 lines of text takes seconds; `load_glove_cached` keeps a binary copy (the matrix
as .npy, the words as text) that loads many times faster (scripts/bench_05_glove_cache.py).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from modules.m05_embeddings.glove_files import GLOVE_DIR, write_atomically


@dataclass
class WordVectors:
    """`vectors (V, d)` float32, one row per word of `words`; `index` maps a word to its row."""

    words: list[str]
    vectors: np.ndarray
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self):
        if self.vectors.ndim != 2 or len(self.words) != self.vectors.shape[0]:
            raise ValueError(f"{len(self.words)} words need a ({len(self.words)}, d) matrix, "
                             f"got shape {self.vectors.shape}")
        self.index = {word: row for row, word in enumerate(self.words)}
        if len(self.index) != len(self.words):
            repeated = sorted(w for w, n in Counter(self.words).items() if n > 1)[:5]
            raise ValueError(f"words appear more than once: {repeated}")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __getitem__(self, word: str) -> np.ndarray:
        """The vector of `word` (d,); KeyError naming the word when it is not in the vocabulary."""
        if word not in self.index:
            raise KeyError(f"'{word}' is not among the {len(self):,} words of these vectors")
        return self.vectors[self.index[word]]


# --- reading the text format ---------------------------------------------------------------------


def parse_glove_line(line: str) -> tuple[str, np.ndarray]:
    """One line of a GloVe text file -> (word, vector (d,) float32).

    A line is the word, then its d numbers, each after a single space, then a newline:
        "king 0.50451 0.68607 ... -0.51042\\n"  ->  ("king", array([0.50451, ..., -0.51042]))
    The word is everything before the first space (some GloVe words are punctuation, like ","
    or "--"). Strip the newline at the end first. A value that is not a number must raise
    ValueError; `np.array(strings, dtype=np.float32)` converts a list of strings and does
    that for you. `load_glove` turns the error into a message naming the line.
    """
    # BEGIN SOLUTION 05.1
    word, *values = line.rstrip().split(" ")
    return word, np.array(values, dtype=np.float32)  # (d,)
    # END SOLUTION


def row_problem(line: str, dim: int | None) -> str:
    """What is wrong with one line of a GloVe file, in words; "" when nothing is.

    `dim` is the number of values of the rows above (None for the first row).
    """
    if not line.strip():
        return "the line is empty"
    word, *values = line.rstrip().split(" ")
    if not word:
        return "the line starts with a space, so the word is missing"
    if not values:
        return f"{word!r} has no numbers after it"
    for position, value in enumerate(values, start=1):
        if not value:
            return f"value {position} of {word!r} is empty (two spaces in a row?)"
        try:
            float(value)
        except ValueError:
            return f"value {position} of {word!r}, {value!r}, is not a number"
    if dim is not None and len(values) != dim:
        return f"{word!r} has {len(values)} values, but the rows above have {dim}"
    return ""


def load_glove(path: str | Path, limit: int | None = None, progress: bool = True) -> WordVectors:
    """Read a GloVe text file into WordVectors (float32), in the file's order.

    `limit` keeps only the first `limit` lines: GloVe lists its words from the most to the least
    frequent, so `limit=50_000` gives the 50,000 most common words. The first row fixes the
    dimension d. A malformed row raises ValueError naming the file, the line number and what is
    wrong (a value that is not a number, a different number of values). `progress` shows a
    tqdm bar over the lines.

    Bytes that are not UTF-8 are kept as escapes: the 6B files hold a few Windows-1252
    punctuation marks, so the word of byte 0x96 (an en dash) is the 4-character text "\\x96".
    """
    path = Path(path)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file; glove_files.find_glove() says where the "
                                f"course keeps GloVe and how to fetch it")
    words, rows = [], []
    dim = None
    # newline="\n": a line ends at "\n" only, whatever other characters a word holds
    with open(path, encoding="utf-8", errors="backslashreplace", newline="\n") as f:
        lines = tqdm(itertools.islice(f, limit), total=limit, desc=path.name, unit=" words",
                     disable=not progress)
        for number, line in enumerate(lines, start=1):
            try:
                word, vector = parse_glove_line(line)
            except ValueError as err:
                raise ValueError(f"{path}, line {number}: "
                                 f"{row_problem(line, dim) or err}") from None
            if dim is None:
                dim = len(vector)  # the first row sets the dimension
            if not word or dim == 0 or vector.shape != (dim,):
                problem = row_problem(line, dim) or f"parsed into a vector of shape {vector.shape}"
                raise ValueError(f"{path}, line {number}: {problem}")
            words.append(word)
            rows.append(vector)
    if not words:
        raise ValueError(f"{path} is empty: it holds no word vectors")
    return WordVectors(words, np.stack(rows))  # (V, d)


# --- the binary cache ----------------------------------------------------------------------------


def save_vectors(wv: WordVectors, stem: str | Path) -> None:
    """Write `wv` as `<stem>.npy` (the float32 matrix) and `<stem>.words.txt` (one word a line),
    each atomically."""
    stem = Path(stem)
    if any(not word or "\n" in word for word in wv.words):
        raise ValueError("save_vectors keeps one word a line: a word is empty or holds a newline")
    stem.parent.mkdir(parents=True, exist_ok=True)
    matrix = np.ascontiguousarray(wv.vectors, dtype=np.float32)  # (V, d)
    write_atomically(stem.with_name(stem.name + ".npy"), lambda f: np.save(f, matrix))
    text = "".join(word + "\n" for word in wv.words).encode("utf-8")
    write_atomically(stem.with_name(stem.name + ".words.txt"), lambda f: f.write(text))


def load_vectors(stem: str | Path) -> WordVectors:
    """Read what `save_vectors(wv, stem)` wrote."""
    stem = Path(stem)
    matrix = np.load(stem.with_name(stem.name + ".npy"))  # (V, d)
    with open(stem.with_name(stem.name + ".words.txt"), encoding="utf-8", newline="") as f:
        words = f.read().split("\n")[:-1]  # every word ends with "\n"
    return WordVectors(words, matrix)


def _source_facts(path: Path, limit: int | None) -> dict:
    """What a cache must match to stand for `load_glove(path, limit)`."""
    stat = path.stat()
    return {"source": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "limit": limit}


def _stored_facts(facts_file: Path) -> dict:
    """The facts a cache was written with; {} when there are none (or they are unreadable)."""
    try:
        facts = json.loads(facts_file.read_text())
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}


def cache_stem(path: str | Path, limit: int | None = None,
               cache_dir: str | Path | None = None) -> Path:
    """Where the cache of `load_glove(path, limit)` lives: `<cache_dir>/<file stem>[.first<limit>]`,
    with cache_dir GLOVE_DIR (data/glove) unless given."""
    path = Path(path)
    name = path.stem if limit is None else f"{path.stem}.first{limit}"
    return Path(cache_dir if cache_dir is not None else GLOVE_DIR) / name


def load_glove_cached(path: str | Path, limit: int | None = None,
                      cache_dir: str | Path | None = None, progress: bool = True) -> WordVectors:
    """`load_glove(path, limit)`, through a binary cache that reloads many times faster.

    The first call parses the text and writes `<stem>.npy`, `<stem>.words.txt` and
    `<stem>.source.json` (the source's path, size, modification time and the limit; see
    `cache_stem`). Later calls load the binary files, unless the source file or the limit has
    changed since, in which case they parse the text again and rewrite the cache.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file; glove_files.find_glove() says where the "
                                f"course keeps GloVe and how to fetch it")
    stem = cache_stem(path, limit, cache_dir)
    facts_file = stem.with_name(stem.name + ".source.json")
    facts = _source_facts(path, limit)
    stored = _stored_facts(facts_file)
    if all(stored.get(key) == value for key, value in facts.items()):
        try:
            wv = load_vectors(stem)
            if (len(wv), wv.dim) == (stored.get("words"), stored.get("dim")):
                return wv
        except (OSError, ValueError):
            pass  # a damaged cache: parse the text again
    wv = load_glove(path, limit, progress=progress)
    facts_file.unlink(missing_ok=True)  # the old facts must not vouch for half-written files
    save_vectors(wv, stem)
    facts.update(words=len(wv), dim=wv.dim)
    write_atomically(facts_file, lambda f: f.write(json.dumps(facts, indent=1).encode()))
    return wv

