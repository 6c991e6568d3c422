"""A character vocabulary: the simplest tokenizer, one token per character.

The vocabulary is the sorted list of the distinct characters of a text; a character's id is its
position in that list. `encode` turns text into ids and `decode` turns ids back into text, so
`decode(encode(text)) == text` for any text made of the vocabulary's characters. Module 08
replaces it with byte-level BPE, which never meets an unknown character.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

FORMAT = "char-vocab"  # the "format" field of a saved vocabulary


class CharVocab:
    """A fixed list of characters; `chars[i]` is the character with id i.

    Build one from a text with `CharVocab.from_text(text)`; `CharVocab(chars)` takes the list
    itself (each entry one character, no repeats), as `load` does.
    """

    def __init__(self, chars: Sequence[str]):
        chars = list(chars)
        if not chars:
            raise ValueError("a vocabulary needs at least one character")
        for position, ch in enumerate(chars):
            if not isinstance(ch, str) or len(ch) != 1:
                raise ValueError(f"entry {position} of the vocabulary is {ch!r}; every entry must "
                                 f"be a single character")
        if len(set(chars)) != len(chars):
            repeated = sorted({ch for ch in chars if chars.count(ch) > 1})
            raise ValueError(f"characters appear more than once in the vocabulary: {repeated}")
        self.chars: list[str] = chars
        self._ids: dict[str, int] = {ch: i for i, ch in enumerate(chars)}  # character -> id

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        """The vocabulary of `text`: its distinct characters, sorted by code point."""
        if not isinstance(text, str):
            raise TypeError(f"from_text needs a str, got {type(text).__name__}")
        if not text:
            raise ValueError("cannot build a vocabulary from an empty text")
        # BEGIN SOLUTION 03.1
        return cls(sorted(set(text)))
        # END SOLUTION

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters: {''.join(self.chars)!r})"

    def encode(self, text: str) -> list[int]:
        """The id of every character of `text`, in order.

        A character that is not in the vocabulary raises the ValueError built by
        `self._unknown_character(text)`, which names it and its position. Hint: look each
        character up in `self._ids` and turn the KeyError of a missing one into that error
        (`raise ... from None` hides the KeyError).
        """
        if not isinstance(text, str):
            raise TypeError(f"encode needs a str, got {type(text).__name__}")
        # BEGIN SOLUTION 03.1
        try:
            return [self._ids[ch] for ch in text]
        except KeyError:
            raise self._unknown_character(text) from None
        # END SOLUTION

    def _unknown_character(self, text: str) -> ValueError:
        """The error for the first character of `text` that has no id."""
        position, ch = next((i, ch) for i, ch in enumerate(text) if ch not in self._ids)
        return ValueError(f"character {ch!r} at position {position} is not in the vocabulary: it "
                          f"was built from another text, which has no {ch!r}. Build the "
                          f"vocabulary from a text that contains every character you encode "
                          f"(e.g. the whole corpus), or remove the character first")

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        """The text of a sequence of ids: a list or tuple of ints, or a 1-D integer tensor."""
        ids = self._checked_ids(ids)
        # BEGIN SOLUTION 03.1
        return "".join(self.chars[i] for i in ids)
        # END SOLUTION

    def _checked_ids(self, ids: Sequence[int] | torch.Tensor) -> list[int]:
        """`ids` as a list of ints in [0, len(self)), or an error that names the bad one."""
        if isinstance(ids, torch.Tensor):
            if ids.ndim != 1 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
                raise TypeError(f"decode takes a 1-D integer tensor, got shape "
                                f"{tuple(ids.shape)} and dtype {ids.dtype}")
            ids = ids.tolist()
        if not isinstance(ids, (list, tuple)):
            raise TypeError(f"decode takes a list or tuple of ints or a 1-D tensor, got "
                            f"{type(ids).__name__}")
        for position, i in enumerate(ids):
            if isinstance(i, bool) or not isinstance(i, int):
                raise TypeError(f"id at position {position} is {i!r}; ids must be ints")
            if not 0 <= i < len(self):
                raise ValueError(f"id {i} at position {position} is out of range: this "
                                 f"vocabulary has ids 0 to {len(self) - 1}")
        return list(ids)

    def save(self, path: str | Path) -> None:
        """Write the vocabulary as human-readable JSON: {"format": ..., "chars": [...]}."""
        record = {"format": FORMAT, "chars": self.chars}
        Path(path).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> CharVocab:
        """A vocabulary written by `save`."""
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise ValueError(f"{path} is not a saved CharVocab (no \"format\": \"{FORMAT}\")")
        return cls(record["chars"])
