"""Module 07, the transformer: the GPT model, from its layers up, with its initialisation and
its parameter and FLOP counts.

    layers.py      LayerNorm (07.1), FeedForward (07.2)
    block.py       Block: attention and feed-forward with residuals, pre-LN or post-LN (07.3)
    model.py       GPTConfig, parameter_count and flops_per_token (07.6), GPT: forward (07.4),
                   init_weights (07.5), generate (provided)
    train_demo.py  character data, a small training loop, gradient norms per layer, where the
                   parameters and the FLOPs go (provided)
    plots.py       loss curves, gradient norms, breakdowns (provided)
"""

from modules.m07_transformer.block import Block
from modules.m07_transformer.layers import FeedForward, LayerNorm
from modules.m07_transformer.model import (
    GPT,
    GPTConfig,
    check_token_ids,
    flops_per_token,
    parameter_count,
)

__all__ = [
    "GPT",
    "Block",
    "FeedForward",
    "GPTConfig",
    "LayerNorm",
    "check_token_ids",
    "flops_per_token",
    "parameter_count",
]
