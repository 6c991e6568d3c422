"""The naive BPE trainer: recount every pair of every word before each merge.

Byte-pair encoding as a tokenizer (Sennrich, Haddow and Birch, 2016): start from single symbols
and repeatedly merge the most frequent adjacent pair into a new symbol. Here the symbols are bytes
and the words are pre-tokens with their counts, as in GPT-2's byte-level BPE (Radford et al., 2019).

This is the reference the tests hold `train_bpe` to: it is slow (a full recount per merge) but
short enough to check by eye. Provided, not an exercise; the course code never calls it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise


def _merge(word: tuple[int, ...], pair: tuple[int, int], new_id: int) -> tuple[int, ...]:
    """`word` with every occurrence of `pair`, scanned left to right, replaced by `new_id`."""
    out: list[int] = []
    i = 0
    while i < len(word):
        if word[i:i + 2] == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def naive_train_bpe(counts: Counter[bytes], vocab_size: int, special_tokens: Iterable[str] = ()
                    ) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """(vocab, merges) learned from pre-token counts, with the layout and tie-break of train_bpe:
    ids 0..255 are the bytes, then one id per merge, then the special tokens; the pair merged is
    the most frequent one, and among equally frequent pairs the greatest (left bytes, right bytes).
    """
    special_tokens = list(special_tokens)
    vocab = {i: bytes([i]) for i in range(256)}
    words = Counter({tuple(word): count for word, count in counts.items()})  # bytes -> ints
    merges: list[tuple[bytes, bytes]] = []
    while len(vocab) < vocab_size - len(special_tokens):
        pairs: Counter[tuple[int, int]] = Counter()
        for word, count in words.items():
            for pair in pairwise(word):
                pairs[pair] += count
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], vocab[p[0]], vocab[p[1]]))
        new_id = len(vocab)
        vocab[new_id] = vocab[best[0]] + vocab[best[1]]
        merges.append((vocab[best[0]], vocab[best[1]]))
        merged: Counter[tuple[int, ...]] = Counter()
        for word, count in words.items():
            merged[_merge(word, best, new_id)] += count
        words = merged
    for token in special_tokens:
        vocab[len(vocab)] = token.encode("utf-8")
    return vocab, merges
