"""One transformer block: causal self-attention, then a feed-forward network, each wrapped in a
residual connection and a LayerNorm.

Where the LayerNorm sits matters. The original transformer (Vaswani et al. 2017) normalises
*after* adding the residual ("post-LN"); GPT-2 (Radford et al. 2019) normalises the input of
each sub-layer and leaves the residual path x -> x + f(x) untouched ("pre-LN"), which trains
without a learning-rate warmup (Xiong et al. 2020, "On Layer Normalization in the
Transformer Architecture"). Both are here, for the notebook's comparison.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from modules.m06_attention.multihead import MultiHeadAttention
from modules.m06_attention.positions import RotaryEmbedding
from modules.m07_transformer.layers import FeedForward, LayerNorm

if TYPE_CHECKING:  # model.py imports this file, so import the config for type hints only
    from modules.m07_transformer.model import GPTConfig


class Block(nn.Module):
    """x (B, T, C) -> (B, T, C), with C = config.n_embd.

    Layers: ln_1, attn (causal MultiHeadAttention, with RoPE when `rope` is given), ln_2, mlp
    (FeedForward). config.norm_position chooses the arrangement:
        "pre"  (GPT-2):        x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
        "post" (Vaswani):      x = ln_1(x + attn(x));  x = ln_2(x + mlp(x))
    `cache` (optional, one per block) is handed to the attention untouched: it keeps this
    block's keys and values for decoding one token at a time (Module 11).
    """

    def __init__(self, config: GPTConfig, rope: RotaryEmbedding | None = None):
        super().__init__()
        self.norm_position = config.norm_position
        fused = config.fused_kernels
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias, fused=fused)
        self.attn = MultiHeadAttention(config.n_embd, config.n_head, dropout=config.dropout,
                                       bias=config.bias, rope=rope, fused=fused)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias, fused=fused)
        self.mlp = FeedForward(config.n_embd, dropout=config.dropout, bias=config.bias)

    def forward(self, x: torch.Tensor, cache=None) -> torch.Tensor:
        # BEGIN SOLUTION 07.3
        if self.norm_position == "pre":
            x = x + self.attn(self.ln_1(x), cache=cache)  # (B, T, C)
            x = x + self.mlp(self.ln_2(x))  # (B, T, C)
        else:
            x = self.ln_1(x + self.attn(x, cache=cache))  # (B, T, C)
            x = self.ln_2(x + self.mlp(x))  # (B, T, C)
        return x
        # END SOLUTION
