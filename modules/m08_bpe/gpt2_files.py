"""Where the course finds GPT-2's tokenizer files, vocab.json and merges.txt (provided).

`./datasets.sh --tiny gpt2-bpe` puts them in data/gpt2/ (1.5 MB, see the manifest). The notebook
and the figures compare the course's tokenizer with GPT-2's when the files are there, and skip
those comparisons when they are not, so `find_gpt2_files` never raises: it returns the two paths,
or None, with a sentence saying which files it found or how to get them.
"""

from __future__ import annotations

import os
from pathlib import Path

from modules.course.paths import DATA_DIR

GPT2_DIR = DATA_DIR / "gpt2"
GPT2_DIR_VARIABLE = "COURSE_GPT2_DIR"
FETCH_GPT2 = "./datasets.sh --tiny gpt2-bpe"
FILE_NAMES = ("vocab.json", "merges.txt")


def find_gpt2_files() -> tuple[tuple[Path, Path] | None, str]:
    """((vocab.json, merges.txt), a sentence saying where they are), or (None, a sentence saying
    what is missing and how to get it).

    In order: the files in data/gpt2/; the files in the folder named by the environment variable
    COURSE_GPT2_DIR. A folder counts only when it holds both files.
    """
    if all((GPT2_DIR / name).is_file() for name in FILE_NAMES):
        return (GPT2_DIR / FILE_NAMES[0], GPT2_DIR / FILE_NAMES[1]), f"GPT-2's files in {GPT2_DIR}"
    named = os.environ.get(GPT2_DIR_VARIABLE)
    if named:
        folder = Path(named)
        missing = [name for name in FILE_NAMES if not (folder / name).is_file()]
        if not missing:
            return ((folder / FILE_NAMES[0], folder / FILE_NAMES[1]),
                    f"GPT-2's files in {folder} (named by {GPT2_DIR_VARIABLE})")
        return None, (f"{GPT2_DIR_VARIABLE}={named} does not hold {' and '.join(missing)}; "
                      f"point it at a folder holding both, or fetch them with {FETCH_GPT2}")
    return None, (f"GPT-2's vocab.json and merges.txt are not in {GPT2_DIR}: fetch them with "
                  f"{FETCH_GPT2}, or set {GPT2_DIR_VARIABLE} to a folder holding both")
