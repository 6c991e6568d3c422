"""Module 08, byte-level BPE: a tokenizer that turns any text into ids from a fixed vocabulary and
back, learned from a corpus by merging the most frequent pairs, and compatible with GPT-2's.

    pretokenize.py     GPT-2's pattern; split_on_special, pretokens (08.1)
    train.py           count_pretokens (08.2); merge_pair, learn_merges (08.3); train_bpe
    parallel.py        pre-token counting in worker processes, over chunks cut at a special token
    naive.py           the naive trainer, a full recount per merge: the tests' reference (provided)
    tokenizer.py       Tokenizer: bpe and encode_pretoken (08.4), decode (08.5), encode,
                       encode_iterable, save/load, from_gpt2_files, to_tiktoken_ranks
    bytes_unicode.py   GPT-2's printable stand-in character for each byte (provided)
    gpt2_files.py      where GPT-2's vocab.json and merges.txt are: data/gpt2/ or $COURSE_GPT2_DIR
"""

from modules.m08_bpe.bytes_unicode import bytes_to_unicode, printable_to_token, token_to_printable
from modules.m08_bpe.pretokenize import GPT2_PATTERN, pretokens, split_on_special
from modules.m08_bpe.tokenizer import Tokenizer, read_merges_txt
from modules.m08_bpe.train import count_pretokens, learn_merges, merge_pair, train_bpe

__all__ = [
    "GPT2_PATTERN",
    "Tokenizer",
    "bytes_to_unicode",
    "count_pretokens",
    "learn_merges",
    "merge_pair",
    "pretokens",
    "printable_to_token",
    "read_merges_txt",
    "split_on_special",
    "token_to_printable",
    "train_bpe",
]
