"""The GPT model: a decoder-only transformer language model (Radford et al. 2018, 2019).

    idx (B, T) -> token embedding wte (B, T, C) [+ learned positions wpe (T, C)] -> dropout
        -> n_layer Blocks (B, T, C) -> final LayerNorm ln_f -> lm_head -> logits (B, T, V)

with C = n_embd and V = vocab_size. With positions="rope" there is no position table: each
attention layer rotates its queries and keys by their positions instead (Su et al. 2021). The
output head shares its (V, C) matrix with the token embedding ("weight tying", Press and Wolf
2017): the same vector that represents token v on the way in scores token v on the way out.

Positions start at the length of an optional KV cache, so that Module 11 can feed one new token
at a time and get the logits a full recomputation would give.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from modules.m06_attention.positions import LearnedPositions, RotaryEmbedding
from modules.m07_transformer.block import Block
from modules.m07_transformer.layers import LayerNorm

POSITIONS = ("learned", "rope")
NORM_POSITIONS = ("pre", "post")


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a GPT. block_size is the longest context the model accepts (the size of
    the position table, or of RoPE's angle table); head_dim = n_embd // n_head. bias=False
    drops the biases of every Linear and LayerNorm (the output head never has one).
    fused_kernels=True runs LayerNorm and attention through PyTorch's fused kernels (the same
    numbers up to rounding, faster: Module 09 trains with it) instead of the course's own."""

    vocab_size: int
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True
    positions: str = "learned"
    norm_position: str = "pre"
    fused_kernels: bool = False

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a positive int, got {value!r}")
        if self.n_embd % self.n_head != 0:
            raise ValueError(f"GPTConfig.n_embd={self.n_embd} must be divisible by "
                             f"n_head={self.n_head}: each head gets n_embd // n_head dimensions")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig.dropout must be in [0, 1), got {self.dropout!r}")
        if self.positions not in POSITIONS:
            raise ValueError(f"GPTConfig.positions must be one of {POSITIONS}, got "
                             f"{self.positions!r}")
        if self.norm_position not in NORM_POSITIONS:
            raise ValueError(f"GPTConfig.norm_position must be one of {NORM_POSITIONS}, got "
                             f"{self.norm_position!r}")
        if self.positions == "rope" and self.head_dim % 2 != 0:
            raise ValueError(f"RoPE rotates pairs of dimensions, so head_dim = n_embd // n_head "
                             f"must be even; got {self.n_embd} // {self.n_head} = {self.head_dim}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


def parameter_count(config: GPTConfig) -> int:
    """The number of parameters of GPT(config), from the config alone (tied head counted once).

    Count, with V = vocab_size, C = n_embd, L = n_layer:
    - the token embedding (V, C); the output head shares it and adds nothing;
    - the position table (block_size, C), only with positions="learned" (RoPE has none);
    - per block: two LayerNorms (weight C, bias C); attention's qkv Linear (3C x C, bias 3C)
      and proj Linear (C x C, bias C); the feed-forward's fc (4C x C, bias 4C) and proj
      (C x 4C, bias C). Biases only when config.bias;
    - the final LayerNorm ln_f (weight C, bias C).
    """
    # BEGIN SOLUTION 07.6
    V, C, L = config.vocab_size, config.n_embd, config.n_layer
    embeddings = V * C + (config.block_size * C if config.positions == "learned" else 0)
    weights_per_block = 3 * C * C + C * C + 4 * C * C + 4 * C * C  # qkv, proj, fc, mlp proj
    biases_per_block = 3 * C + C + 4 * C + C if config.bias else 0
    norm_size = 2 * C if config.bias else C  # one LayerNorm: weight (and bias)
    per_block = weights_per_block + biases_per_block + 2 * norm_size
    return embeddings + L * per_block + norm_size
    # END SOLUTION


def flops_per_token(config: GPTConfig) -> int:
    """Floating-point operations to train on one token (forward and backward) with a full
    context of T = block_size tokens: 6 N + 12 L C T.

    6 N (Kaplan et al. 2020, "Scaling Laws for Neural Language Models", section 2.1): a weight
    multiplies its input once per token, 2 FLOPs forward (multiply and add) and 4 backward
    (the gradients of the input and of the weight). Here N = parameter_count(config) minus the
    position table (block_size * C with learned positions, 0 with RoPE): positions are added,
    not multiplied. The token embedding stays in N because, tied, it is also the output head,
    the largest matrix product of a small model. N also holds the LayerNorm and bias parameters,
    which are not matrix products: a negligible over-count.

    12 L C T (Chowdhery et al. 2022, PaLM, appendix B, where it is written 12 L H Q T with
    H * Q = C): attention's two products without parameters, the scores q k^T and the weighted
    sum of values, each 2 T C FLOPs per token per layer forward, times 3 for forward and
    backward. All T keys are counted, as the convention is, although the causal mask makes
    half of the scores unnecessary.
    """
    # BEGIN SOLUTION 07.6
    position_table = config.block_size * config.n_embd if config.positions == "learned" else 0
    n = parameter_count(config) - position_table
    return 6 * n + 12 * config.n_layer * config.n_embd * config.block_size
    # END SOLUTION


class GPT(nn.Module):
    """idx (B, T) int64 -> (logits (B, T, vocab_size), loss or None); see the module docstring.

    Layers: wte (nn.Embedding(V, C)); wpe (LearnedPositions(block_size, C)) with learned
    positions, else None, and `rope` (one RotaryEmbedding shared by every block) with RoPE;
    drop (nn.Dropout); blocks (nn.ModuleList of n_layer Blocks); ln_f (LayerNorm); lm_head
    (nn.Linear(C, V, bias=False)) whose weight IS wte.weight. Weights start from the GPT-2
    initialisation (init_weights), drawn from `generator` when one is given. Until exercise
    07.5 is written, the model warns and keeps PyTorch's default initialisation, so that the
    forward pass (07.4) can be tested first.
    """

    def __init__(self, config: GPTConfig, generator: torch.Generator | None = None):
        super().__init__()
        self.config = config
        C = config.n_embd
        self.wte = nn.Embedding(config.vocab_size, C)
        learned = config.positions == "learned"
        self.wpe = LearnedPositions(config.block_size, C) if learned else None
        self.rope = None if learned else RotaryEmbedding(config.head_dim, config.block_size)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config, rope=self.rope) for _ in range(config.n_layer))
        self.ln_f = LayerNorm(C, bias=config.bias, fused=config.fused_kernels)
        self.lm_head = nn.Linear(C, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied: one (V, C) parameter, two uses
        try:
            self.init_weights(generator)
        except NotImplementedError as missing:  # the scaffold, before exercise 07.5 is done
            warnings.warn(f"{missing}; until then GPT keeps PyTorch's default initialisation",
                          stacklevel=2)

    def init_weights(self, generator: torch.Generator | None = None) -> None:
        """The GPT-2 initialisation (Radford et al. 2019), in place, drawn from `generator`.

        - every matrix (the embeddings, the position table, each Linear's weight) ~ N(0, 0.02^2),
        - except the residual projections, the last Linear of each sub-layer whose output is
          added to the residual stream (`attn.proj.weight` and `mlp.proj.weight` in each
          block): N(0, (0.02 / sqrt(2 * n_layer))^2). The stream adds 2 * n_layer such outputs,
          so their variances add up to about what one layer would give;
        - every bias 0, every LayerNorm weight 1.
        Visit the parameters with `self.named_parameters()` (the tied matrix appears once) and
        fill them under torch.no_grad(), with `p.normal_(0.0, std, generator=generator)`,
        `p.zero_()` and `p.fill_(1.0)`.
        """
        # BEGIN SOLUTION 07.5
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    p.zero_()
                elif p.ndim == 1:  # a LayerNorm weight
                    p.fill_(1.0)
                elif name.endswith(("attn.proj.weight", "mlp.proj.weight")):
                    p.normal_(0.0, residual_std, generator=generator)
                else:
                    p.normal_(0.0, 0.02, generator=generator)
        # END SOLUTION

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                caches: list | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for idx (B, T), and the mean cross-entropy against targets (B, T)
        (the id that follows each position), or None without targets.

        caches: None, or one cache per block (see MultiHeadAttention); the ids continue a
        sequence whose first `past = caches[0].length` positions are cached, so they sit at
        positions past, ..., past + T - 1.

        Steps: token embeddings (B, T, C); with learned positions, add wpe(positions) for
        positions = torch.arange(past, past + T) (on idx's device), which broadcasts over B;
        dropout; each block in turn with its own cache (or None); ln_f; lm_head. The loss is
        F.cross_entropy of the logits viewed as (B*T, V) against targets viewed as (B*T,).
        """
        past = self._check_input(idx, targets, caches)
        # BEGIN SOLUTION 07.4
        B, T = idx.shape
        x = self.wte(idx)  # (B, T, C)
        if self.wpe is not None:
            positions = torch.arange(past, past + T, device=idx.device)  # (T,)
            x = x + self.wpe(positions)  # (B, T, C) + (T, C)
        x = self.drop(x)
        for i, block in enumerate(self.blocks):
            x = block(x, cache=None if caches is None else caches[i])  # (B, T, C)
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss
        # END SOLUTION

    def _check_input(self, idx: torch.Tensor, targets: torch.Tensor | None,
                     caches: list | None) -> int:
        """The cache length `past`, after checking idx, targets and caches; a TypeError or
        ValueError that says what to change otherwise."""
        config = self.config
        check_token_ids(idx, config.vocab_size, "idx")
        if caches is not None and len(caches) != config.n_layer:
            raise ValueError(f"caches must hold one cache per block ({config.n_layer}), got "
                             f"{len(caches)}")
        past = caches[0].length if caches is not None else 0
        length, block_size = idx.shape[1], config.block_size
        if caches is None and length > block_size:
            raise ValueError(f"a sequence of {length} tokens is longer than the model's "
                             f"block_size={block_size}; crop the context to its last "
                             f"{block_size} tokens: idx[:, -{block_size}:]")
        if past + length > block_size:
            raise ValueError(f"{length} new tokens after {past} cached positions go past the "
                             f"model's block_size={block_size}; crop the context: start a new "
                             f"cache from at most {block_size} of the latest tokens")
        if targets is not None:
            check_token_ids(targets, config.vocab_size, "targets")
            if targets.shape != idx.shape:
                raise ValueError(f"targets must have the shape of idx {tuple(idx.shape)}, got "
                                 f"{tuple(targets.shape)}")
        return past

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """idx (B, T) followed by max_new_tokens sampled ids: (B, T + max_new_tokens).

        Each new id is drawn from softmax(logits / temperature) at the last position, with the
        context cropped to its last block_size ids and the whole context recomputed at every
        step (Module 11 keeps the keys and values instead). Runs in eval mode and restores the
        mode it found; sampling happens on the CPU, so a seeded CPU `generator` gives the same
        ids on any device.
        """
        check_token_ids(idx, self.config.vocab_size, "idx")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}; for the most "
                             f"likely token use a small one (e.g. 1e-3)")
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            context = idx[:, -self.config.block_size:]  # (B, <= block_size)
            logits, _ = self(context)  # (B, T, V)
            probs = F.softmax(logits[:, -1, :].float() / temperature, dim=-1)  # (B, V)
            next_id = torch.multinomial(probs.cpu(), 1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, next_id.to(idx.device)], dim=1)
        self.train(was_training)
        return idx


def check_token_ids(ids: torch.Tensor, vocab_size: int, name: str) -> None:
    """A TypeError or ValueError unless `ids` is a (B, T) integer tensor of ids in
    [0, vocab_size) with B, T >= 1."""
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of token ids, got {type(ids).__name__}")
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token ids, got dtype {ids.dtype}; convert "
                        f"with .long()")
    if ids.ndim != 2 or 0 in ids.shape:
        raise ValueError(f"{name} must have shape (B, T) and B, T >= 1, got {tuple(ids.shape)}; "
                         f"for a single sequence use ids[None]")
    low, high = torch.stack(torch.aminmax(ids)).tolist()  # one trip to the device
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise ValueError(f"{name} holds the id {bad}, outside [0, vocab_size={vocab_size}): "
                         f"was it encoded with another vocabulary?")
