"""Pre-tokenisation: cut a text into the pieces BPE merges within, never across.

GPT-2 (Radford et al., 2019) first splits text with a regular expression, so that a merge never
joins the end of one word to the start of the next ("dog." and "dog!" share the token "dog"), and
runs BPE inside each piece. The pattern keeps a leading space with the word after it (" the"),
splits letters from digits and punctuation, and peels off English contractions ('s, 't, 're, ...).

Special tokens such as `<|endoftext|>` are cut out before that: they are never split by the
pattern and never merged with their neighbours. When one special token contains another
("<|a|>" and "<|a|><|a|>"), the longer one wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import regex

# The pre-tokenisation pattern of GPT-2's encoder (its published encoder.py). \p{L} is any letter,
# \p{N} any digit, in any script; `regex` (not `re`) understands these classes.
GPT2_PATTERN = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
GPT2_REGEX = regex.compile(GPT2_PATTERN)


def special_token_regex(special_tokens: Iterable[str]) -> regex.Pattern | None:
    """A pattern matching any of `special_tokens`, the longest first; None when there are none."""
    tokens = sorted(set(special_tokens), key=len, reverse=True)
    if any(not token for token in tokens):
        raise ValueError("a special token cannot be the empty string")
    return regex.compile("(" + "|".join(regex.escape(t) for t in tokens) + ")") if tokens else None


def split_on_special(text: str, special_tokens: Iterable[str] = ()) -> list[str]:
    """`text` cut around its special tokens: ordinary stretches and special tokens alternate,
    in order, and joining the list gives `text` back. Empty stretches are left out.

    Hint: `pattern.split(text)` with a pattern in one capturing group returns the pieces between
    matches AND the matches themselves, in order.

        split_on_special("a<|endoftext|>b", ["<|endoftext|>"]) == ["a", "<|endoftext|>", "b"]
    """
    pattern = special_token_regex(special_tokens)
    # BEGIN SOLUTION 08.1
    if pattern is None:
        return [text] if text else []
    return [part for part in pattern.split(text) if part]  # the group keeps the separators
    # END SOLUTION


def pretokens(text: str) -> Iterator[str]:
    """The pieces of `text` (which holds no special tokens) by the GPT-2 pattern, in order;
    joining them gives `text` back. A generator: `finditer` never builds the whole list."""
    # BEGIN SOLUTION 08.1
    for match in GPT2_REGEX.finditer(text):
        yield match.group()
    # END SOLUTION
