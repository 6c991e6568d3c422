"""The text corpora the modules train on, read from `data/`.

`tinyshakespeare()` returns the real corpus once `./datasets.sh --tiny tinyshakespeare` has fetched
it. Notebooks must also run where it is missing (an offline machine, a CI run without data), so
with `allow_standin=True` they get a short stand-in text instead, and a printed note says how to
get the real one. Tests that need the real corpus skip when `TINYSHAKESPEARE` is not a file.
"""

from __future__ import annotations

from pathlib import Path

from modules.course.paths import DATA_DIR

TINYSHAKESPEARE = DATA_DIR / "tinyshakespeare" / "input.txt"
FETCH_TINYSHAKESPEARE = "./datasets.sh --tiny tinyshakespeare"

# Written for this course: a few exchanges in the corpus's format (a speaker's name in capitals,
# a colon, the speech, a blank line), long enough to train and sample from in a demo.
STANDIN = """\
First Keeper:
Good morrow, friend. What news from the harbour?

Second Keeper:
The ships are in, the sails are torn, and the men are weary.
They ask for bread, for wine, and for a fire to sit by.

First Keeper:
Then let them have it. A tired crew makes a poor watch,
and a poor watch makes a lost ship.

MARGERY:
Sirs, the mayor would speak with you before the bell.
He says the tide will not wait, and neither will he.

Second Keeper:
Tell him we come. Is the lamp lit upon the tower?

MARGERY:
It is, and burning bright. I trimmed the wick myself.

First Keeper:
Well done, good Margery. Go in, and keep the door.
The wind is rising, and the night will be long.

Second Keeper:
Come, then. If the sea be kind, we sleep by morning;
if not, we shall have stories enough to tell.
"""


def read_text(path: Path) -> str:
    """A UTF-8 text file, or FileNotFoundError saying which command fetches it."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: fetch it with {FETCH_TINYSHAKESPEARE} "
                                f"(or ./datasets.sh --from DIR on an offline machine)")
    return path.read_text(encoding="utf-8")


def tinyshakespeare(allow_standin: bool = False) -> str:
    """The TinyShakespeare text (1,115,394 characters), or the stand-in when it is missing and
    `allow_standin` is True."""
    if TINYSHAKESPEARE.is_file() or not allow_standin:
        return read_text(TINYSHAKESPEARE)
    print(f"TinyShakespeare is not in {TINYSHAKESPEARE.parent}: using a {len(STANDIN)}-character "
          f"stand-in text, so the numbers below will differ from the ones in the text.\n"
          f"Fetch the real corpus with {FETCH_TINYSHAKESPEARE}, then re-run the notebook.")
    return STANDIN
