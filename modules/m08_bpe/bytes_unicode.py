"""GPT-2's printable stand-ins for bytes, so that byte-level tokens can be written as text.

A byte-level BPE token is a byte string, and many bytes (the space, the newline, the control
codes, half of a UTF-8 character) do not print. GPT-2 (Radford et al., 2019; the published
encoder.py) writes every token as a string of printable characters, one per byte, through a
fixed one-to-one mapping:

- the 188 bytes whose Latin-1 character is visible (`!` to `~`, `¡` to `¬`, `®` to `ÿ`) stand
  for themselves: byte 0x41 is "A", byte 0xE9 is "é";
- the other 68 bytes (0x00-0x20, 0x7F-0xA0 and 0xAD, the soft hyphen), in increasing order,
  take the characters U+0100, U+0101, ..., U+0143: the space 0x20 becomes "Ġ" (U+0120) and the
  newline 0x0A becomes "Ċ" (U+010A).

So GPT-2's vocab.json shows " the" as "Ġthe". The mapping is how the course reads GPT-2's files
and writes its own vocabularies in a form people can read; it plays no part in encoding.
"""

from __future__ import annotations

# The bytes that print as themselves: their Latin-1 characters are visible and not spaces.
PRINTABLE_BYTES = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                   *range(ord("®"), ord("ÿ") + 1)]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's mapping from each of the 256 byte values to one printable character."""
    mapping = {b: chr(b) for b in PRINTABLE_BYTES}
    others = [b for b in range(256) if b not in mapping]
    for n, b in enumerate(others):  # the 68 others, in byte order, take U+0100 onwards
        mapping[b] = chr(256 + n)
    return dict(sorted(mapping.items()))


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {char: b for b, char in BYTE_TO_CHAR.items()}


def token_to_printable(token: bytes) -> str:
    """A token's bytes written one printable character per byte: b" the" -> "Ġthe"."""
    return "".join(BYTE_TO_CHAR[b] for b in token)


def printable_to_token(text: str) -> bytes:
    """The bytes a printable token string stands for: "Ġthe" -> b" the". Raises ValueError
    naming the first character that is not one of the 256 stand-ins."""
    try:
        return bytes(CHAR_TO_BYTE[char] for char in text)
    except KeyError as err:
        char = err.args[0]
        raise ValueError(f"{text!r} is not a token in GPT-2's printable form: {char!r} "
                         f"(U+{ord(char):04X}) stands for no byte") from None
