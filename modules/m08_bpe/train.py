"""Training a byte-level BPE vocabulary: count the pre-tokens, then merge pairs of tokens.

Byte-pair encoding (Sennrich, Haddow and Birch, 2016) builds a vocabulary bottom-up: start from
the smallest symbols and, again and again, give the most frequent adjacent pair of symbols a new
token of its own. GPT-2 (Radford et al., 2019) runs it on bytes, so every text can be encoded and
nothing is ever unknown, and only inside pre-tokens (see pretokenize.py), so no merge crosses a
word boundary.

The vocabulary has a fixed layout: ids 0..255 are the single bytes (id b is bytes([b])), then one
id per merge in the order learned (256, 257, ...), then the special tokens in the order given.

Ties: among the pairs with the highest count, the one merged is the greatest
(left bytes, right bytes), compared as Python bytes tuples; for example (b" t", b"he") before
(b" t", b"h") before (b" ", b"the"). Any rule would do, but one rule makes training reproducible.

A corpus holds few distinct pre-tokens compared with its length ("the" appears thousands of times,
but is one word), so training works on the distinct pre-tokens with their counts. After a merge
only the words that held the merged pair change; an index from each pair to the words that hold
it finds them, so each merge costs time in proportion to what it changes, not to the corpus.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import pairwise

from tqdm.auto import tqdm

from modules.m08_bpe.pretokenize import pretokens, split_on_special

Pair = tuple[int, int]


def count_pretokens(text: str, special_tokens: Iterable[str] = ()) -> Counter[bytes]:
    """How often each pre-token of `text` occurs, keyed by its UTF-8 bytes.

    Cut `text` around its special tokens first (split_on_special) and drop them: they are never
    counted and never merged. Count the pre-tokens of every other stretch (pretokens).

        count_pretokens("the cat<|endoftext|>the", ["<|endoftext|>"])
            == Counter({b"the": 2, b" cat": 1})

    Hint: counting the strings and encoding each distinct one once is faster than encoding every
    occurrence.
    """
    special_tokens = list(special_tokens)
    # BEGIN SOLUTION 08.2
    specials = set(special_tokens)
    counts: Counter[str] = Counter()
    for part in split_on_special(text, special_tokens):
        if part not in specials:
            counts.update(pretokens(part))
    return Counter({piece.encode("utf-8"): count for piece, count in counts.items()})
    # END SOLUTION


def merge_pair(word: tuple[int, ...], pair: Pair, new_id: int) -> tuple[int, ...]:
    """`word` (token ids) with each occurrence of `pair` replaced by `new_id`, scanning from the
    left: merging (1, 1) in (1, 1, 1) gives (new_id, 1), not (1, new_id).

        merge_pair((5, 6, 7, 5, 6), (5, 6), 300) == (300, 7, 300)
    """
    # BEGIN SOLUTION 08.3
    merged: list[int] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return tuple(merged)
    # END SOLUTION


def _descending(token: bytes) -> tuple[int, ...]:
    """A key that sorts bytes strings in reverse: a < b exactly when _descending(a) >
    _descending(b). The final 256 puts a string after every longer string it begins."""
    return (*(255 - byte for byte in token), 256)


class PairHeap:
    """The pairs in the order they are to be merged: highest count first, then greatest
    (left bytes, right bytes), on Python's heapq (a min-heap, hence the negated count and the
    reversed bytes).

    Updating an entry inside a heap is slow, so `push` a pair again whenever its count changes
    and let `pop` throw away the entries whose count is out of date ("lazy deletion").
    """

    def __init__(self, vocab: dict[int, bytes]):
        self._vocab = vocab  # read when a pair is pushed, so it may grow
        self._keys: dict[int, tuple[int, ...]] = {}
        self._heap: list[tuple[int, tuple[int, ...], tuple[int, ...], Pair]] = []

    def _key(self, token: int) -> tuple[int, ...]:
        if token not in self._keys:
            self._keys[token] = _descending(self._vocab[token])
        return self._keys[token]

    def push(self, pair: Pair, count: int) -> None:
        heapq.heappush(self._heap, (-count, self._key(pair[0]), self._key(pair[1]), pair))

    def pop(self, counts: dict[Pair, int]) -> Pair | None:
        """The pair to merge next by the current `counts`; None when no pair is left."""
        while self._heap:
            negated, _, _, pair = heapq.heappop(self._heap)
            if counts.get(pair) == -negated:
                return pair
        return None


def learn_merges(counts: Counter[bytes], n_merges: int, progress: bool | None = None
                 ) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Up to `n_merges` merges learned from pre-token counts; fewer if the words run out of pairs.

    Returns (vocab, merges): vocab maps ids 0..255 to single bytes and id 256 + i to the bytes of
    merge i; merges[i] = (left bytes, right bytes). The pair merged is the most frequent, ties
    going to the greatest (left bytes, right bytes) (PairHeap keeps that order).

    The state, kept up to date after each merge:
        words[w]     the tokens of distinct pre-token w, a tuple of ids; freqs[w] its count
        pair_counts  (a, b) -> how often a is followed by b, summed over words (times freqs)
        where        (a, b) -> the set of word indices w whose words[w] hold the pair
        heap         a PairHeap; push (pair, count) whenever a pair's count changes
    Merging `pair` into `new_id` touches only the words in where[pair]: for each, subtract the
    counts of its old pairs, merge (merge_pair), add the counts of its new pairs, and move w in
    `where` from pairs it lost to pairs it gained. A pair whose count falls to 0 leaves
    pair_counts. Never recount all the words. Call bar.update() after each merge.
    """
    vocab = {i: bytes([i]) for i in range(256)}
    merges: list[tuple[bytes, bytes]] = []
    words = [tuple(word) for word in counts]  # iterating over bytes gives ints: the byte ids
    freqs = list(counts.values())
    heap = PairHeap(vocab)
    bar = tqdm(total=n_merges, desc="merges", unit="merge", disable=tqdm_disable(progress))
    # BEGIN SOLUTION 08.3
    pair_counts: defaultdict[Pair, int] = defaultdict(int)
    where: defaultdict[Pair, set[int]] = defaultdict(set)
    for w, word in enumerate(words):
        for pair in pairwise(word):
            pair_counts[pair] += freqs[w]
            where[pair].add(w)
    for pair, count in pair_counts.items():
        heap.push(pair, count)

    while len(merges) < n_merges:
        pair = heap.pop(pair_counts)
        if pair is None:
            break
        new_id = len(vocab)
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        merges.append((vocab[pair[0]], vocab[pair[1]]))
        changed: defaultdict[Pair, int] = defaultdict(int)  # pair -> change of its count
        for w in where.pop(pair):
            old, new = words[w], merge_pair(words[w], pair, new_id)
            old_pairs, new_pairs = set(pairwise(old)), set(pairwise(new))
            for p in pairwise(old):
                changed[p] -= freqs[w]
            for p in pairwise(new):
                changed[p] += freqs[w]
            for p in old_pairs - new_pairs - {pair}:
                where[p].discard(w)
            for p in new_pairs - old_pairs:
                where[p].add(w)
            words[w] = new
        for p, change in changed.items():
            if change == 0:
                continue
            pair_counts[p] += change
            if pair_counts[p] > 0:
                heap.push(p, pair_counts[p])
            else:
                del pair_counts[p]
                where.pop(p, None)
        bar.update()
    # END SOLUTION
    bar.close()
    return vocab, merges


def train_bpe(input: str | os.PathLike | Counter[bytes], vocab_size: int,
              special_tokens: Iterable[str] = (), progress: bool | None = None,
              processes: int | None = None
              ) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """A byte-level BPE vocabulary of `vocab_size` tokens: (vocab, merges).

    `input` is the training text (a str), a file of UTF-8 text (a pathlib.Path; its pre-tokens
    are counted in `processes` worker processes, all CPUs by default, see parallel.py), or
    pre-token counts already made (a Counter of bytes, special tokens left out).

    vocab maps id -> bytes: 0..255 the single bytes, then one id per merge, then the special
    tokens in the order given. vocab_size counts all three, so there are
    vocab_size - 256 - len(special_tokens) merges, or fewer when a small corpus runs out of pairs
    (then the special tokens follow the last merge). merges lists (left bytes, right bytes) in
    the order learned. `progress`: True shows progress bars, False hides them, None shows them
    when stderr is a terminal.
    """
    special_tokens = list(special_tokens)
    for token in special_tokens:
        if not isinstance(token, str):
            raise TypeError(f"special tokens must be strings, got {token!r}")
        if not token:
            raise ValueError("a special token cannot be the empty string")
    if len(set(special_tokens)) != len(special_tokens):
        raise ValueError(f"special tokens must be distinct, got {special_tokens}")
    if not isinstance(vocab_size, int) or vocab_size < 256 + len(special_tokens):
        raise ValueError(f"vocab_size must be an int of at least 256 (the bytes) + "
                         f"{len(special_tokens)} (the special tokens), got {vocab_size!r}")

    if isinstance(input, Counter):
        counts = input
        if not all(isinstance(word, bytes) for word in counts):
            raise TypeError("a Counter given as input must have bytes keys (UTF-8 pre-tokens), "
                            "as count_pretokens makes")
    elif isinstance(input, str):
        counts = count_pretokens(input, special_tokens)
    elif isinstance(input, os.PathLike):
        from modules.m08_bpe.parallel import count_pretokens_parallel  # it imports this module

        counts = count_pretokens_parallel(input, special_tokens, processes, progress=progress)
    else:
        raise TypeError(f"input must be a str (the text), a pathlib.Path (a file) or a Counter "
                        f"of pre-token bytes, got {type(input).__name__}")

    vocab, merges = learn_merges(counts, vocab_size - 256 - len(special_tokens), progress)
    for token in special_tokens:
        vocab[len(vocab)] = token.encode("utf-8")
    return vocab, merges


def tqdm_disable(progress: bool | None) -> bool | None:
    """tqdm's `disable` for our `progress` (None: show the bar only on a terminal)."""
    return None if progress is None else not progress
