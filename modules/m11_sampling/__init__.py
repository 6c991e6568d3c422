"""Module 11, sampling: from a trained model's logits to text, with the knobs every sampler has,
and a KV cache that makes each new token cost one position instead of the whole context.

    processors.py  greedy and apply_temperature (11.1), top_k_filter (11.2), top_p_filter
                   (11.3), apply_repetition_penalty (11.4); SamplingSettings, process_logits and
                   next_token_distribution (provided)
    kv_cache.py    KVCache, preallocated keys and values (11.5); new_caches (provided)
    generate.py    sample_next and generate, with stop tokens and streaming, with or without
                   the cache (11.6)
    perplexity.py  perplexity of a text, in consecutive or sliding windows (11.7)

Provided, imported from its own file: sample.py (`python -m modules.m11_sampling.sample`: text
from a Module 09 or Module 10 checkpoint, streamed as it is produced, and load_for_sampling).
"""

from modules.m11_sampling.generate import generate, sample_next
from modules.m11_sampling.kv_cache import KVCache, new_caches
from modules.m11_sampling.perplexity import perplexity
from modules.m11_sampling.processors import (
    SamplingSettings,
    apply_repetition_penalty,
    apply_temperature,
    greedy,
    next_token_distribution,
    process_logits,
    top_k_filter,
    top_p_filter,
)

__all__ = [
    "KVCache",
    "SamplingSettings",
    "apply_repetition_penalty",
    "apply_temperature",
    "generate",
    "greedy",
    "new_caches",
    "next_token_distribution",
    "perplexity",
    "process_logits",
    "sample_next",
    "top_k_filter",
    "top_p_filter",
]
