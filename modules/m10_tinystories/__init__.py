"""Module 10, pre-training on TinyStories: Module 08's tokenizer and Module 09's training loop,
scaled from one small text to a corpus kept as shards on disk.

    tokenizer_training.py  train_tokenizer, a 10K BPE on the track's shards (10.1);
                           ensure_tokenizer, tokenizer_record, checkpoint_tokenizer (provided)
    tokenize.py            tokenize_shard, one shard streamed into a uint16 token file (10.2);
                           tokenize_shards, all of them in worker processes, resumable (10.3)
    loader.py              ShardLoader, random windows across many token files (10.4);
                           validation_loss on a fixed slice (10.5)

Provided, imported from their own files: stories.py (TinyStories' shards, or the generated
stand-in corpus), configs.py (the tiny/cpu/gpu configs, CS336's TinyStories setting),
pretrain.py (`python -m modules.m10_tinystories.pretrain`: the whole pipeline, and load_trained)
and scaling.py (a few model sizes on the same tokens, loss vs tokens seen).
"""

from modules.m10_tinystories.loader import ShardLoader, validation_loss
from modules.m10_tinystories.tokenize import (
    is_complete,
    token_path,
    tokenize_shard,
    tokenize_shards,
)
from modules.m10_tinystories.tokenizer_training import (
    checkpoint_tokenizer,
    ensure_tokenizer,
    tokenizer_path,
    tokenizer_record,
    train_tokenizer,
)

__all__ = [
    "ShardLoader",
    "checkpoint_tokenizer",
    "ensure_tokenizer",
    "is_complete",
    "token_path",
    "tokenize_shard",
    "tokenize_shards",
    "tokenizer_path",
    "tokenizer_record",
    "train_tokenizer",
    "validation_loss",
]
