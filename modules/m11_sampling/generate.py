"""Generating text: one token at a time, each drawn from the model's distribution for the next
position, processed by the sampling settings (processors.py), with or without a KV cache.

    sample_next   the next id of each row, from the last position's logits (11.6)
    generate      prompt (B, T) -> (B, T + n): prefill, then one token per step (11.6)

With the cache, the prompt runs through the model once (the "prefill", which fills every
layer's cache) and each later step feeds only the newest token. Without it, every step runs
the model on the whole context again, as Module 07's GPT.generate does. Both must give the same
tokens: the cache only saves work. Sampling happens on the CPU, from a CPU torch.Generator, so
a seed fixes the ids whatever the device and whether or not the cache is used.

Batched prompts must all have the same length. Prompts of different lengths would need padding
and an attention mask that hides the padding (and positions that skip it), which this course
leaves out: generate them one at a time, or in groups of equal length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from modules.m07_transformer.model import GPT, check_token_ids
from modules.m11_sampling.kv_cache import new_caches
from modules.m11_sampling.processors import SamplingSettings, greedy, process_logits

PLAIN_SAMPLING = SamplingSettings()  # temperature 1, nothing filtered (frozen: safe to share)


def sample_next(logits: torch.Tensor, settings: SamplingSettings, previous_ids: torch.Tensor,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """The next id of each row (B,) int64, on the device of `logits` (B, V).

    process_logits on the logits in float32 (previous_ids (B, T), the context so far, feeds the
    repetition penalty); then greedy (the argmax) when settings.temperature == 0, else one
    draw per row from the softmax probabilities, moved to the CPU, with
    torch.multinomial(probs, 1, generator=generator): the same seed gives the same ids on any
    device.
    """
    # BEGIN SOLUTION 11.6
    logits = process_logits(logits.float(), settings, previous_ids)  # (B, V)
    if settings.is_greedy:
        return greedy(logits)  # (B,)
    probs = F.softmax(logits, dim=-1).cpu()  # (B, V)
    next_ids = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
    return next_ids.squeeze(1).to(logits.device)  # (B,)
    # END SOLUTION


def generate(model: GPT, prompt: torch.Tensor, max_new_tokens: int,
             settings: SamplingSettings = PLAIN_SAMPLING,
             generator: torch.Generator | None = None, stop_tokens: Sequence[int] = (),
             use_cache: bool = True,
             on_token: Callable[[int, torch.Tensor], None] | None = None) -> torch.Tensor:
    """The prompt (B, T) int64 followed by up to max_new_tokens generated ids, (B, T + n) with
    n <= max_new_tokens, on the model's device. Runs in eval mode without gradients and puts
    the model back in the mode it was in.

    The context the model sees is at most its block_size: the last block_size ids.
    - use_cache=True: new_caches(model, B), then the prefill: the model on the cropped prompt
      with the caches, whose last position gives the first logits. Each step chooses the next
      ids (sample_next, with the whole sequence so far as previous_ids), appends them, and
      feeds them alone, (B, 1), with the caches. Once the caches hold block_size positions
      they cannot take another: from then on each step recomputes the last block_size ids
      without a cache (the context now slides: the oldest id leaves it, which changes what
      every later position computes in every layer, so the cached keys and values no longer
      apply). The ids equal those of full recomputation, only faster while the context grows.
    - use_cache=False: each step runs the model on the last block_size ids.
    stop_tokens: a row that produces one of these ids is finished; the stop id is kept in its
    output, and every later step gives it that same id again, as padding. Generation ends when
    every row is finished, so the result may be shorter than T + max_new_tokens.
    on_token(step, ids): called after each step (step = 0, 1, ...) with the ids (B,) just
    appended, e.g. to print text as it is produced.

    Hint: keep `finished` (B,) bool and `padding` (B,) ids; torch.where(finished, padding,
    next_ids) pads the finished rows, torch.isin(next_ids, stops) finds the new stops. Do not
    run the model after the last step: its logits would not be used.
    """
    config = model.config
    check_token_ids(prompt, config.vocab_size, "prompt")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) \
            or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be an int >= 0, got {max_new_tokens!r}")
    if not isinstance(settings, SamplingSettings):
        raise TypeError(f"settings must be a SamplingSettings, got {type(settings).__name__}")
    if generator is not None and generator.device.type != "cpu":
        raise ValueError(f"generator must be a CPU torch.Generator (sampling draws on the CPU), "
                         f"got one on {generator.device}")
    stop_tokens = list(stop_tokens)
    bad = [t for t in stop_tokens if isinstance(t, bool) or not isinstance(t, int)
           or not 0 <= t < config.vocab_size]
    if bad:
        raise ValueError(f"stop_tokens must be token ids in [0, vocab_size={config.vocab_size}), "
                         f"got {bad}")
    device = next(model.parameters()).device
    idx = prompt.to(device=device, dtype=torch.int64)  # (B, T)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            # BEGIN SOLUTION 11.6
            block_size = config.block_size
            stops = torch.tensor(stop_tokens, dtype=torch.int64, device=device)
            finished = torch.zeros(idx.shape[0], dtype=torch.bool, device=device)  # (B,)
            padding = torch.zeros_like(finished, dtype=torch.int64)  # (B,): each row's stop id
            caches = new_caches(model, idx.shape[0]) if use_cache else None
            logits = model(idx[:, -block_size:], caches=caches)[0][:, -1]  # (B, V)
            for step in range(max_new_tokens):
                next_ids = sample_next(logits, settings, idx, generator)  # (B,)
                next_ids = torch.where(finished, padding, next_ids)
                stopped = torch.isin(next_ids, stops) & ~finished
                padding = torch.where(stopped, next_ids, padding)
                finished = finished | stopped
                idx = torch.cat([idx, next_ids[:, None]], dim=1)  # (B, T + step + 1)
                if on_token is not None:
                    on_token(step, next_ids)
                if step == max_new_tokens - 1 or finished.all():
                    break
                if caches is not None and caches[0].length < block_size:
                    logits = model(next_ids[:, None], caches=caches)[0][:, -1]  # (B, V)
                else:  # no cache, or a full one: recompute the last block_size ids
                    caches = None
                    logits = model(idx[:, -block_size:])[0][:, -1]  # (B, V)
            # END SOLUTION
    finally:
        model.train(was_training)
    return idx
