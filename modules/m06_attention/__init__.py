"""Module 06, attention: scaled dot-product attention, the causal mask, one head and then many,
and three ways to tell attention where each token is (sinusoidal, learned, rotary positions).

    attention.py   attention_weights, scaled_dot_product_attention (06.1); causal_mask (06.2)
    multihead.py   split_heads, merge_heads, AttentionHead, MultiHeadAttention (06.3); KVCache
    positions.py   sinusoidal_positions (06.4); LearnedPositions; RotaryEmbedding (06.5)
    demos.py       soft lookup, score scaling, permutation equivariance, hand-built heads, cost
    plots.py       attention maps, the scaling plots, position tables, cost against T (provided)
"""

from modules.m06_attention.attention import (
    attention_weights,
    causal_mask,
    scaled_dot_product_attention,
)
from modules.m06_attention.demos import (
    Cost,
    Saturation,
    ScoreVariance,
    attention_cost,
    permutation_gap,
    previous_token_weights,
    same_character_weights,
    score_variance,
    soft_lookup,
    softmax_jacobian_norm,
    softmax_saturation,
    weights_bytes,
)
from modules.m06_attention.multihead import (
    AttentionHead,
    KVCache,
    MultiHeadAttention,
    merge_heads,
    split_heads,
)
from modules.m06_attention.positions import (
    LearnedPositions,
    RotaryEmbedding,
    sinusoidal_positions,
)

__all__ = [
    "AttentionHead",
    "Cost",
    "KVCache",
    "LearnedPositions",
    "MultiHeadAttention",
    "RotaryEmbedding",
    "Saturation",
    "ScoreVariance",
    "attention_cost",
    "attention_weights",
    "causal_mask",
    "merge_heads",
    "permutation_gap",
    "previous_token_weights",
    "same_character_weights",
    "scaled_dot_product_attention",
    "score_variance",
    "sinusoidal_positions",
    "soft_lookup",
    "softmax_jacobian_norm",
    "softmax_saturation",
    "split_heads",
    "weights_bytes",
]
