"""Words of a text, for counting co-occurrences and for retrieval (provided).

A word is a run of letters, lower-cased. Shakespeare's elisions stay whole:

- an apostrophe between letters belongs to the word: "o'er", "ne'er", "banish'd", "king's",
  "is't" are one word each;
- a leading apostrophe belongs to the word only in the common "'t" elisions 'tis, 'twas,
  'twere, 'twill, 'twould and 'twixt (elsewhere a leading apostrophe is usually an opening
  quotation mark, as in "'Good morrow'", and is dropped);
- a trailing apostrophe is dropped ("o' the" gives "o", "the"; "highness'" gives "highness").

Digits, hyphens and other punctuation separate words ("soft-conscienced" is two words). Only the
letters a-z count: TinyShakespeare is plain ASCII.
"""

from __future__ import annotations

import re

WORD = re.compile(r"'t(?:is|was|were|will|would|wixt)\b|[a-z]+(?:'[a-z]+)*")


def words(text: str) -> list[str]:
    """The words of `text` in order, lower-cased, by the rules above.

    >>> words("'Tis ne'er O'er-proud, my lord's: 'Good'")
    ["'tis", "ne'er", "o'er", 'proud', 'my', "lord's", 'good']
    """
    if not isinstance(text, str):
        raise TypeError(f"words needs a str, got {type(text).__name__}")
    return WORD.findall(text.lower())
