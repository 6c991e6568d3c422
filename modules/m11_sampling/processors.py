"""From the model's logits for the next token to the distribution it is drawn from.

A language model gives a score (a logit) to every token of the vocabulary; sampling turns
them into a choice. Each function here reshapes the logits of one step, row by row:

    greedy                    the most likely token, no randomness (11.1)
    apply_temperature         logits / T: T < 1 sharpens the distribution, T > 1 flattens it (11.1)
    top_k_filter              only the k highest logits stay possible (Fan et al. 2018) (11.2)
    top_p_filter              nucleus sampling: only the most likely tokens that together hold
                              probability p stay possible (Holtzman et al. 2020) (11.3)
    apply_repetition_penalty  tokens already in the context lose score (Keskar et al. 2019) (11.4)

Provided: SamplingSettings (every knob of a sampler, checked), process_logits (the knobs
applied in a fixed order) and next_token_distribution (the probabilities that result).

Logits are (..., V): a single row (V,) or a batch (B, V); every function works on the last
dimension and returns a new tensor. A token is ruled out by setting its logit to -inf, so that
softmax gives it probability exactly 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class SamplingSettings:
    """How the next token is chosen.

    temperature         > 0 divides the logits before sampling; 0 means greedy (the argmax)
    top_k               None, or keep only the k most likely tokens (k >= 1)
    top_p               None, or keep the smallest set of most likely tokens whose
                        probabilities sum to at least p, 0 < p <= 1
    repetition_penalty  > 0; 1 changes nothing, above 1 discourages tokens already in the
                        context (prompt and generated so far)
    """

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0

    def __post_init__(self):
        if not _is_number(self.temperature) or not math.isfinite(self.temperature) \
                or self.temperature < 0:
            raise ValueError(f"temperature must be a finite number >= 0 (0 means greedy), got "
                             f"{self.temperature!r}")
        if self.top_k is not None:
            check_top_k(self.top_k)
        if self.top_p is not None:
            check_top_p(self.top_p)
        check_penalty(self.repetition_penalty)

    @property
    def is_greedy(self) -> bool:
        return self.temperature == 0


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_top_k(k) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"top_k must be an int >= 1 (the number of tokens kept), got {k!r}; "
                         f"use None for no top-k")


def check_top_p(p) -> None:
    if not _is_number(p) or not 0 < p <= 1:
        raise ValueError(f"top_p must be in (0, 1] (the probability mass kept), got {p!r}; "
                         f"use None or 1 for no top-p")


def check_penalty(penalty) -> None:
    if not _is_number(penalty) or not math.isfinite(penalty) or penalty <= 0:
        raise ValueError(f"repetition_penalty must be a finite number > 0 (1 changes nothing), "
                         f"got {penalty!r}")


def _check_logits(logits: torch.Tensor) -> None:
    if not isinstance(logits, torch.Tensor) or not logits.dtype.is_floating_point:
        raise TypeError(f"logits must be a floating-point torch.Tensor (..., vocab_size), got "
                        f"{getattr(logits, 'dtype', type(logits).__name__)}")
    if logits.ndim < 1 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have shape (..., vocab_size) with vocab_size >= 1, got "
                         f"{tuple(logits.shape)}")


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The id of the largest logit of each row: (..., V) -> (...) int64. Ties go to the lowest
    id, as torch.argmax does."""
    _check_logits(logits)
    # BEGIN SOLUTION 11.1
    return logits.argmax(dim=-1)
    # END SOLUTION


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature, (..., V) -> (..., V).

    softmax(z / T) is softmax(z) with every probability raised to the power 1/T and
    renormalised: T < 1 makes the likely tokens likelier (T -> 0 tends to the argmax), T > 1
    moves probability to the unlikely ones (T -> inf tends to the uniform distribution).
    Temperature 0 would divide by zero: greedy decoding is its limit, so ask for it by name.
    """
    _check_logits(logits)
    if not _is_number(temperature) or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}; "
                         f"temperature 0 means greedy decoding: call greedy(logits), or use "
                         f"SamplingSettings(temperature=0)")
    # BEGIN SOLUTION 11.1
    return logits / temperature
    # END SOLUTION


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """The logits with every value below the k-th largest of its row set to -inf, (..., V).

    Ties: every token whose logit equals the k-th largest is kept, so a row may keep more than
    k tokens ([2, 1, 1, 0] with k=2 keeps three); which of two equal tokens to drop would
    otherwise depend on the sort. k >= V keeps every token.

    Hint: `torch.topk(logits, k, dim=-1).values[..., -1:]` is the k-th largest value of each
    row, shaped to broadcast against the row; then `masked_fill`.
    """
    _check_logits(logits)
    check_top_k(k)
    if k >= logits.shape[-1]:
        return logits.clone()
    # BEGIN SOLUTION 11.2
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))
    # END SOLUTION


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filtering (Holtzman et al. 2020, "The Curious Case of Neural Text
    Degeneration"): keep the smallest set of most likely tokens whose probabilities sum to at
    least p, set the other logits to -inf, (..., V).

    Walk the tokens from the most likely down: a token is kept when the probability of the
    tokens before it is still below p, so the token that crosses p is kept (probabilities
    [0.5, 0.2, 0.2, 0.1]: p=0.5 keeps one token, p=0.6 two, plus the tie below). Tokens tied
    in probability with the last one kept are kept too, so that the result does not depend on
    the order the sort puts equal values in (p=0.6 above keeps three). p = 1 keeps every token.

    Hint: probabilities = softmax; sort them descending; the mass before each sorted token is
    the cumulative sum shifted right by one (F.pad(cumsum[..., :-1], (1, 0))), not cumsum minus
    the probability, which rounds; count the tokens with mass before < p; the probability of
    the last of those is the threshold; mask every token whose probability is below it.
    """
    _check_logits(logits)
    check_top_p(p)
    if p == 1:
        return logits.clone()
    # BEGIN SOLUTION 11.3
    probs = F.softmax(logits, dim=-1)  # (..., V)
    sorted_probs = probs.sort(dim=-1, descending=True).values  # (..., V)
    mass_before = F.pad(sorted_probs.cumsum(dim=-1)[..., :-1], (1, 0))  # (..., V), starts at 0
    n_kept = (mass_before < p).sum(dim=-1, keepdim=True)  # (..., 1), at least 1
    threshold = sorted_probs.gather(-1, n_kept - 1)  # (..., 1): the last kept probability
    return logits.masked_fill(probs < threshold, float("-inf"))
    # END SOLUTION


def apply_repetition_penalty(logits: torch.Tensor, previous_ids: torch.Tensor,
                             penalty: float) -> torch.Tensor:
    """The repetition penalty of CTRL (Keskar et al. 2019, section 4.1), (..., V).

    For every token id that occurs in the row's context previous_ids (..., T): a positive
    logit is divided by penalty, a negative one multiplied by it (both lower it when penalty >
    1; a token counts once however often it occurs). Each row of a batch uses its own context.
    penalty = 1 changes nothing.

    Hint: `logits.gather(-1, previous_ids)` picks the logits of the context's tokens (..., T),
    torch.where chooses divide or multiply, and `logits.scatter(-1, previous_ids, ...)` writes
    them back into a copy (a repeated id writes the same value twice: it is penalised once).
    """
    _check_logits(logits)
    check_penalty(penalty)
    if not isinstance(previous_ids, torch.Tensor) or previous_ids.dtype != torch.int64:
        raise TypeError(f"previous_ids must be an int64 tensor of token ids, got "
                        f"{getattr(previous_ids, 'dtype', type(previous_ids).__name__)}")
    if previous_ids.shape[:-1] != logits.shape[:-1] or previous_ids.ndim != logits.ndim:
        raise ValueError(f"previous_ids (..., T) must have the leading shape of logits (..., V): "
                         f"got {tuple(previous_ids.shape)} for logits {tuple(logits.shape)}")
    # BEGIN SOLUTION 11.4
    scores = logits.gather(-1, previous_ids)  # (..., T)
    scores = torch.where(scores > 0, scores / penalty, scores * penalty)
    return logits.scatter(-1, previous_ids, scores)  # (..., V)
    # END SOLUTION


def process_logits(logits: torch.Tensor, settings: SamplingSettings,
                   previous_ids: torch.Tensor | None = None) -> torch.Tensor:
    """The logits (..., V) after every setting, in this fixed order:

    1. repetition penalty (with previous_ids (..., T), the context; needed when it is not 1):
       it scales the model's own scores, before anything reshapes them;
    2. temperature (skipped at 0, greedy): it changes the shape of the distribution, and the
       truncations that follow should cut the distribution that is sampled from;
    3. top-k, then 4. top-p: they only remove tokens. Top-p after temperature sees the
       tempered probabilities (a high temperature spreads the mass, so the nucleus holds more
       tokens), and after top-k it measures p within the k tokens left.
    This is the order of Hugging Face transformers' generate (its logits processors run the
    penalty, then temperature, then top-k, then top-p). Greedy decoding takes the argmax of
    the result, which neither top-k nor top-p ever removes.
    """
    if not isinstance(settings, SamplingSettings):
        raise TypeError(f"settings must be a SamplingSettings, got {type(settings).__name__}")
    if settings.repetition_penalty != 1:
        if previous_ids is None:
            raise ValueError("a repetition penalty needs previous_ids, the context's token ids")
        logits = apply_repetition_penalty(logits, previous_ids, settings.repetition_penalty)
    if not settings.is_greedy:
        logits = apply_temperature(logits, settings.temperature)
    if settings.top_k is not None:
        logits = top_k_filter(logits, settings.top_k)
    if settings.top_p is not None:
        logits = top_p_filter(logits, settings.top_p)
    return logits


def next_token_distribution(logits: torch.Tensor, settings: SamplingSettings,
                            previous_ids: torch.Tensor | None = None) -> torch.Tensor:
    """The probabilities (..., V) the next token is drawn from under `settings`: softmax of
    process_logits in float32, or, greedy, probability 1 on the argmax."""
    processed = process_logits(logits.float(), settings, previous_ids)
    if settings.is_greedy:
        return F.one_hot(greedy(processed), processed.shape[-1]).float()
    return F.softmax(processed, dim=-1)
