"""Where the course finds GloVe's vectors, and the small generated stand-in it writes when they are
missing (provided).

`./datasets.sh --tiny glove` puts the real vectors, GloVe 6B (Pennington, Socher and Manning,
2014: 400,000 words trained on Wikipedia and Gigaword), at data/glove/glove.6B.50d.txt.
`find_glove` returns that file when it is there; otherwise the file named by the environment
variable COURSE_GLOVE_FILE; otherwise a generated file of a couple of hundred words whose vectors
are built with the structure real ones learn: words of one topic close together, and each
relation of the analogy set (capital -> country, male -> female, singular -> plural, ...) one
shared offset, plus noise. The notebooks run on it anywhere, but its numbers are not GloVe's.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from modules.course.paths import DATA_DIR
from modules.m05_embeddings.analogy_set import CATEGORY_PAIRS

GLOVE_DIR = DATA_DIR / "glove"
GLOVE_DIMS = (50, 100, 200, 300)
FETCH_GLOVE = "./datasets.sh --tiny glove"
GLOVE_FILE_VARIABLE = "COURSE_GLOVE_FILE"

# Topics of the generated file, written for this course: the words of a topic share a centre.
TOPICS: dict[str, str] = {
    "function words": "the of and to in a is that for it as with was on by at from",
    "numbers": "one two three four five six seven eight nine ten",
    "colours": "red blue green yellow black white orange purple brown grey",
    "days": "monday tuesday wednesday thursday friday saturday sunday",
    "months": ("january february march april june july august september october november "
               "december"),
    "animals": "dog cat horse cow sheep pig bird fish lion tiger wolf bear",
    "food": "bread cheese meat rice apple milk butter soup sugar salt",
    "body": "hand foot head eye ear arm leg heart mouth nose",
    "weather": "rain snow wind storm cloud sun fog ice",
    "music": "song music piano guitar singer band album concert",
    "sport": "football tennis golf baseball basketball hockey cricket rugby",
    "money": "money bank dollar price market trade economy tax",
    "transport": "train plane ship boat bus bicycle truck road",
    "clothes": "shirt hat coat shoe dress jacket sock scarf",
    "nature": "river mountain forest lake sea island hill valley desert",
    "jobs": "doctor teacher lawyer farmer soldier nurse pilot engineer",
    "buildings": "church castle tower bridge hospital library museum temple",
    "feelings": "happy sad angry afraid proud calm glad lonely",
}


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call write(file) on a temporary file beside `path`, then rename it to `path`: a reader
    sees the old file or the complete new one, never half of one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _random_vectors(rng: np.random.Generator, n: int, dim: int, norm: float) -> np.ndarray:
    """n Gaussian vectors (n, dim) of expected length about `norm`."""
    return rng.standard_normal((n, dim)) * norm / np.sqrt(dim)


def planted_vectors(dim: int = 50, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """The words and vectors (V, dim) of the generated stand-in.

    A topic word is its topic's centre plus its own part. For each category of the analogy set,
    the first word of a pair is the category's centre plus its own part, and the second word is
    the first plus the category's offset plus noise, so b - a + c lands near d: the
    analogy set gets all but a few questions right.
    """
    rng = np.random.default_rng(seed)
    words, rows = [], []
    for topic in TOPICS.values():
        members = topic.split()
        centre = _random_vectors(rng, 1, dim, 4.0)  # (1, dim)
        words += members
        rows.append(centre + _random_vectors(rng, len(members), dim, 2.5))
    for pairs in CATEGORY_PAIRS.values():
        centre = _random_vectors(rng, 1, dim, 3.0)  # (1, dim)
        offset = _random_vectors(rng, 1, dim, 3.0)  # (1, dim)
        first = centre + _random_vectors(rng, len(pairs), dim, 3.0)  # (n, dim)
        second = first + offset + _random_vectors(rng, len(pairs), dim, 3.5)  # (n, dim)
        words += [word for pair in pairs for word in pair]
        rows.append(np.stack([first, second], axis=1).reshape(-1, dim))  # pair by pair
    return words, np.concatenate(rows).astype(np.float32)


def write_generated_glove(path: Path, dim: int = 50, seed: int = 0) -> None:
    """Write `planted_vectors(dim, seed)` to `path` in GloVe's text format, atomically."""
    words, vectors = planted_vectors(dim, seed)
    lines = [word + "".join(f" {value:.5f}" for value in row) + "\n"
             for word, row in zip(words, vectors.tolist(), strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda f: f.write("".join(lines).encode("utf-8")))


def find_glove(dim: int = 50) -> tuple[Path, str]:
    """The GloVe file to use, and a sentence saying which one it is.

    In order: the real data/glove/glove.6B.{dim}d.txt; the file named by COURSE_GLOVE_FILE;
    the generated stand-in data/glove/generated-{dim}d.txt, written on first use.
    """
    if dim not in GLOVE_DIMS:
        raise ValueError(f"GloVe 6B comes in {GLOVE_DIMS} dimensions, not {dim}")
    real = GLOVE_DIR / f"glove.6B.{dim}d.txt"
    if real.is_file():
        return real, f"the real GloVe 6B vectors, {dim} dimensions ({real})"
    named = os.environ.get(GLOVE_FILE_VARIABLE)
    if named:
        path = Path(named)
        if not path.is_file():
            raise FileNotFoundError(f"{GLOVE_FILE_VARIABLE}={named} is not a file; unset the "
                                    f"variable or point it at a GloVe text file")
        return path, f"the GloVe file named by {GLOVE_FILE_VARIABLE} ({path})"
    generated = GLOVE_DIR / f"generated-{dim}d.txt"
    if not generated.is_file():
        write_generated_glove(generated, dim)
    n_words = (sum(len(topic.split()) for topic in TOPICS.values())
               + sum(2 * len(pairs) for pairs in CATEGORY_PAIRS.values()))
    return generated, (f"a GENERATED stand-in, not GloVe: {n_words} words whose vectors were "
                       f"built with planted structure ({generated}). Fetch the real vectors "
                       f"with {FETCH_GLOVE}, then run again.")
