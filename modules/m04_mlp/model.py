"""The MLP language model: predict the next character from the `block_size` characters before it.

    idx (B, T) -> embedding (B, T, d) -> concatenate (B, T*d) -> hidden Linear (B, H)
        -> norm (B, H) -> tanh (B, H) -> output Linear -> logits (B, V)

with T = block_size, d = n_embd, H = n_hidden and V = vocab_size. The norm is BatchNorm1d,
LayerNorm or none (`MLPConfig.norm`). This is the model of Bengio et al. (2003), with a
normalisation layer in the hidden layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from modules.m04_mlp.layers import TANH_GAIN, BatchNorm1d, Embedding, LayerNorm, Linear, Tanh

NORMS = ("batch", "layer", "none")


@dataclass(frozen=True)
class MLPConfig:
    """The shape of an MLPLanguageModel.

    output_gain is the gain of the output layer's initialisation. It is small (0.1), so that
    the initial logits are all close to 0: the model starts out predicting nearly the uniform
    distribution, with a loss of about ln(vocab_size), instead of confidently wrong guesses.
    """

    vocab_size: int
    block_size: int = 8
    n_embd: int = 10
    n_hidden: int = 200
    norm: str = "batch"
    output_gain: float = 0.1

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_embd", "n_hidden"):
            if getattr(self, name) < 1:
                raise ValueError(f"MLPConfig.{name} must be at least 1, got "
                                 f"{getattr(self, name)}")
        if self.norm not in NORMS:
            raise ValueError(f"MLPConfig.norm must be one of {NORMS}, got {self.norm!r}")


def parameter_count(config: MLPConfig) -> int:
    """The number of learnable numbers in MLPLanguageModel(config), from the config alone.

    Count each layer of the model: the embedding table (V, d); the hidden weight (H, T*d) and
    its bias (H,), which exists only without batch norm; the norm's weight and bias (H,) each,
    unless norm is "none"; the output weight (V, H) and bias (V,). Buffers (batch norm's running
    statistics) are not parameters.
    """
    # BEGIN SOLUTION 04.4
    V, T, d, H = config.vocab_size, config.block_size, config.n_embd, config.n_hidden
    embedding = V * d
    hidden = T * d * H + (0 if config.norm == "batch" else H)
    norm = 0 if config.norm == "none" else 2 * H
    output = H * V + V
    return embedding + hidden + norm + output
    # END SOLUTION


@dataclass
class Activations:
    """Every intermediate tensor of one forward pass, in order; the manual backward reads them.

    idx (B, T) int64 is the input; emb (B, T, d); x (B, T*d), the embeddings of a window side by
    side; h_pre (B, H), the hidden Linear's output; h_norm (B, H), the norm's output (the same
    tensor as h_pre when norm is "none"); h (B, H), after tanh; logits (B, V).
    """

    idx: torch.Tensor
    emb: torch.Tensor
    x: torch.Tensor
    h_pre: torch.Tensor
    h_norm: torch.Tensor
    h: torch.Tensor
    logits: torch.Tensor

    def named(self) -> dict[str, torch.Tensor]:
        """The float intermediates by name (everything but idx), in forward order."""
        return {"emb": self.emb, "x": self.x, "h_pre": self.h_pre, "h_norm": self.h_norm,
                "h": self.h, "logits": self.logits}


class MLPLanguageModel(nn.Module):
    """ids (B, block_size) -> logits (B, vocab_size) for the id that follows each window.

    Layers (their names are the parameter names' prefixes, e.g. "hidden.weight"):
    embedding (V, d); hidden, Linear(T*d, H) with the tanh gain 5/3 and no bias before batch norm
    (batch norm subtracts the batch mean, which cancels any bias); norm, BatchNorm1d(H),
    LayerNorm(H) or nn.Identity(); tanh; output, Linear(H, V) with gain config.output_gain.
    """

    def __init__(self, config: MLPConfig, generator: torch.Generator | None = None):
        super().__init__()
        self.config = config
        V, T, d, H = config.vocab_size, config.block_size, config.n_embd, config.n_hidden
        self.embedding = Embedding(V, d, generator=generator)
        self.hidden = Linear(T * d, H, bias=config.norm != "batch", gain=TANH_GAIN,
                             generator=generator)
        if config.norm == "batch":
            self.norm = BatchNorm1d(H)
        elif config.norm == "layer":
            self.norm = LayerNorm(H)
        else:
            self.norm = nn.Identity()
        self.tanh = Tanh()
        self.output = Linear(H, V, gain=config.output_gain, generator=generator)

    def forward_steps(self, idx: torch.Tensor) -> Activations:
        """Run the model on idx (B, block_size) and return every intermediate (see Activations).

        Apply the layers in the order of the module docstring. The one step without a layer is
        the concatenation: `view` the (B, T, d) embeddings as (B, T*d), so that row b holds the
        T embeddings of window b one after the other, oldest character first.
        """
        if idx.ndim != 2 or idx.shape[1] != self.config.block_size:
            raise ValueError(f"the model takes ids of shape (B, {self.config.block_size}), "
                             f"got {tuple(idx.shape)}")
        # BEGIN SOLUTION 04.4
        emb = self.embedding(idx)  # (B, T, d)
        x = emb.view(emb.shape[0], -1)  # (B, T*d)
        h_pre = self.hidden(x)  # (B, H)
        h_norm = self.norm(h_pre)  # (B, H)
        h = self.tanh(h_norm)  # (B, H)
        logits = self.output(h)  # (B, V)
        return Activations(idx, emb, x, h_pre, h_norm, h, logits)
        # END SOLUTION

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """The logits (B, vocab_size) for idx (B, block_size)."""
        return self.forward_steps(idx).logits

    @torch.no_grad()
    def generate(self, context: list[int], n_new: int, generator: torch.Generator | None = None,
                 temperature: float = 1.0) -> list[int]:
        """Sample `n_new` ids one at a time, each from the softmax of the logits of the last
        block_size ids so far (starting from `context`, at least block_size ids long).

        Runs in eval mode (batch norm uses its running statistics, as it must for a batch of
        one) and restores the mode it found. Returns only the new ids.
        """
        if len(context) < self.config.block_size:
            raise ValueError(f"generate needs a context of at least {self.config.block_size} "
                             f"ids, got {len(context)}")
        was_training = self.training
        self.eval()
        device = self.embedding.weight.device
        ids = list(context)
        for _ in range(n_new):
            window = torch.tensor([ids[-self.config.block_size:]], device=device)  # (1, T)
            probs = F.softmax(self(window)[0] / temperature, dim=-1)  # (V,)
            ids.append(int(torch.multinomial(probs.cpu(), 1, generator=generator)))
        self.train(was_training)
        return ids[len(context):]
