"""Module 11, sampling: contracts of the logit processors, the KV cache, generation with and
without the cache, perplexity, and the sampling command.

References are independent of the learner's code:
- processors: distributions worked out by hand (logits [2, 1, 1, 0] with top-k 2 keep three
  tokens, a tie; probabilities [0.5, 0.2, 0.2, 0.1] with top-p 0.5, 0.6, 0.75 and 1 keep one,
  three, three and four; temperature 2 halves the logits; the CTRL penalty on positive and
  negative logits), exact in float64 or to TOL = 1e-12; the order of process_logits checked
  by settings whose result differs in any other order (temperature before top-p, the penalty
  before top-k);
- KVCache: the concatenation of the chunks written, exactly, and views of the cache's storage;
- generate: Module 07's GPT.generate (full recomputation, softmax(logits / T), CPU
  multinomial) with the same seed, token for token; a greedy argmax loop written here; the
  cached run equal to the uncached one token for token (greedy and seeded sampling, learned
  and RoPE positions, a batch of prompts, a context that overflows block_size); the logits of
  every cached step equal to a full recomputation to CACHE_TOL = 1e-5 in float32, and the
  widths the model was run on (the prompt, then one token, then block_size once the cache is
  full); stop tokens against a run without them;
- perplexity: exp(F.cross_entropy) of the whole sequence, and hand loops over windows and over
  single tokens (stride 1), to TOL in float64;
- the command: Module 07's GPT.generate on the checkpoint's model with the same seed, on a
  checkpoint trained here with Module 09's train() (characters) and one written here in Module
  10's format with a small Module 08 Tokenizer (bytes and "<|endoftext|>").
Tests of provided code carry no exercise marker and pass on the scaffold.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch_checks import close, gen, global_rng_kept

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.course.paths import REPO_ROOT
from modules.m07_transformer.model import GPT, GPTConfig
from modules.m08_bpe import Tokenizer
from modules.m09_training.checkpoint import CheckpointError, save_checkpoint
from modules.m09_training.configs import CONFIGS
from modules.m09_training.train import train
from modules.m10_tinystories.tokenizer_training import tokenizer_record
from modules.m11_sampling import (
    KVCache,
    SamplingSettings,
    apply_repetition_penalty,
    apply_temperature,
    generate,
    greedy,
    new_caches,
    next_token_distribution,
    perplexity,
    process_logits,
    top_k_filter,
    top_p_filter,
)
from modules.m11_sampling.sample import TextStream, load_for_sampling, main

TOL = 1e-12  # float64, the same formula
CACHE_TOL = 1e-5  # float32, one token at a time against the whole context
INF = float("-inf")
NUCLEUS_PROBS = [0.5, 0.2, 0.2, 0.1]


def tensor(values, dtype=torch.float64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)


def tiny_gpt(seed: int = 0, **changes) -> GPT:
    """A small GPT whose weights are all random and large enough for peaked distributions."""
    config = {"vocab_size": 23, "block_size": 16, "n_layer": 2, "n_head": 2, "n_embd": 16,
              **changes}
    model = GPT(GPTConfig(**config), generator=gen(seed))
    g = gen(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.3 if p.ndim == 1 else 0.5))
            if p.ndim == 1 and name.endswith("weight"):  # a LayerNorm's scale
                p.add_(1.0)
    return model.eval()


def random_ids(shape: tuple[int, ...], seed: int, vocab_size: int = 23) -> torch.Tensor:
    return torch.randint(vocab_size, shape, generator=gen(seed))


class Recorder(nn.Module):
    """A GPT that records the width of every input it is run on and its last logits."""

    def __init__(self, model: GPT):
        super().__init__()
        self.model, self.config = model, model.config
        self.widths: list[int] = []
        self.last_logits: list[torch.Tensor] = []

    def forward(self, idx, targets=None, caches=None):
        logits, loss = self.model(idx, targets, caches)
        self.widths.append(idx.shape[1])
        self.last_logits.append(logits[:, -1].clone())  # (B, V)
        return logits, loss


# --- provided code ------------------------------------------------------------------------------


def test_sampling_settings_validate_every_field():
    assert SamplingSettings() == SamplingSettings(1.0, None, None, 1.0)
    assert SamplingSettings(temperature=0).is_greedy
    for bad, match in [({"temperature": -0.5}, "temperature"),
                       ({"temperature": float("nan")}, "temperature"),
                       ({"top_k": 0}, "top_k"), ({"top_k": 2.5}, "top_k"),
                       ({"top_p": 0.0}, "top_p"), ({"top_p": 1.5}, "top_p"),
                       ({"repetition_penalty": 0.0}, "repetition_penalty"),
                       ({"repetition_penalty": -1.0}, "repetition_penalty")]:
        with pytest.raises(ValueError, match=match):
            SamplingSettings(**bad)


def test_processors_refuse_bad_arguments_with_clear_errors():
    logits = tensor([1.0, 2.0, 3.0])
    for temperature in (0, 0.0, -1.0):
        with pytest.raises(ValueError, match="temperature 0 means greedy"):
            apply_temperature(logits, temperature)
    for k in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="top_k must be an int >= 1"):
            top_k_filter(logits, k)
    for p in (0, -0.1, 1.01):
        with pytest.raises(ValueError, match=r"top_p must be in \(0, 1\]"):
            top_p_filter(logits, p)
    for penalty in (0, -2.0):
        with pytest.raises(ValueError, match="repetition_penalty must be a finite number > 0"):
            apply_repetition_penalty(logits, torch.tensor([0]), penalty)
    with pytest.raises(ValueError, match="leading shape"):
        apply_repetition_penalty(torch.zeros(2, 3), torch.tensor([0, 1]), 2.0)
    with pytest.raises(TypeError, match="floating-point"):
        greedy(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="needs previous_ids"):
        process_logits(logits, SamplingSettings(repetition_penalty=1.5))


def test_kv_cache_and_generate_refuse_bad_arguments():
    with pytest.raises(ValueError, match="max_length must be a positive int"):
        KVCache(1, 2, 0, 4)
    model = tiny_gpt()
    prompt = random_ids((1, 3), seed=1)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(model, prompt, -1)
    with pytest.raises(ValueError, match="stop_tokens"):
        generate(model, prompt, 5, stop_tokens=[23])
    with pytest.raises(TypeError, match="integer token ids"):
        generate(model, prompt.float(), 5)
    with pytest.raises(TypeError, match="SamplingSettings"):
        generate(model, prompt, 5, settings={"temperature": 0})
    with pytest.raises(ValueError, match="stride"):
        perplexity(model, random_ids((20,), seed=2), stride=17)
    with pytest.raises(ValueError, match="at least 2 token ids"):
        perplexity(model, random_ids((1,), seed=2))


def test_text_stream_prints_only_whole_characters():
    tokenizer = Tokenizer({i: bytes([i]) for i in range(256)}, [], ["<|endoftext|>"])
    stop = tokenizer.special_ids["<|endoftext|>"]
    out = io.StringIO()
    stream = TextStream(tokenizer, stop, out)
    written = []
    for step, token in enumerate([*b"caf", *"é".encode(), *b"!", stop, 33]):
        stream(step, torch.tensor([token]))
        written.append(out.getvalue())
    assert written[:6] == ["c", "ca", "caf", "caf", "café", "café!"]  # é waits for its 2nd byte
    stream.close()
    assert out.getvalue() == "café!\n"  # nothing from the stop token on


# --- 11.1 temperature and greedy ----------------------------------------------------------------


@pytest.mark.exercise("11.1")
def test_11_1_temperature_divides_the_logits():
    logits = tensor([[2.0, -1.0, 0.5, 0.0], [4.0, 3.0, -2.0, 1.0]])
    close(apply_temperature(logits, 2.0), logits / 2, TOL, "temperature 2")
    close(apply_temperature(logits, 0.5), logits * 2, TOL, "temperature 0.5")
    close(apply_temperature(logits, 1.0), logits, TOL, "temperature 1")
    # softmax(z / T) is softmax(z)^(1/T), renormalised
    probs = F.softmax(logits, dim=-1) ** 2
    close(F.softmax(apply_temperature(logits, 0.5), dim=-1), probs / probs.sum(-1, keepdim=True),
          TOL, "probabilities at temperature 0.5")


@pytest.mark.exercise("11.1")
def test_11_1_greedy_takes_the_argmax_and_the_lowest_id_on_a_tie():
    logits = tensor([[0.0, 3.0, 3.0, 1.0], [5.0, 0.0, 0.0, 5.0], [-1.0, -2.0, -0.5, -3.0]])
    assert greedy(logits).tolist() == [1, 0, 2]
    assert greedy(tensor([0.1, 0.3, 0.2])).item() == 1
    assert greedy(logits).dtype == torch.int64


# --- 11.2 top-k ---------------------------------------------------------------------------------


@pytest.mark.exercise("11.2")
def test_11_2_top_k_keeps_the_k_largest_and_every_tie():
    logits = tensor([2.0, 1.0, 1.0, 0.0])
    assert top_k_filter(logits, 2).tolist() == [2.0, 1.0, 1.0, INF]  # the tie at the 2nd value
    assert top_k_filter(logits, 1).tolist() == [2.0, INF, INF, INF]
    assert top_k_filter(logits, 3).tolist() == [2.0, 1.0, 1.0, INF]
    assert top_k_filter(logits, 4).tolist() == logits.tolist()
    assert top_k_filter(logits, 100).tolist() == logits.tolist()
    e = math.e
    want = tensor([e * e, e, e, 0.0]) / (e * e + 2 * e)
    close(F.softmax(top_k_filter(logits, 2), dim=-1), want, TOL, "probabilities after top-2")
    rows = tensor([[0.0, 3.0, 1.0, 2.0], [5.0, 4.0, -1.0, 4.5]])
    assert top_k_filter(rows, 2).tolist() == [[INF, 3.0, INF, 2.0], [5.0, INF, INF, 4.5]]
    assert logits.tolist() == [2.0, 1.0, 1.0, 0.0], "top_k_filter must not change its input"


# --- 11.3 top-p ---------------------------------------------------------------------------------


@pytest.mark.exercise("11.3")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_11_3_top_p_keeps_the_nucleus_and_every_tie(dtype):
    logits = tensor(NUCLEUS_PROBS, dtype).log()
    kept = {p: (top_p_filter(logits, p) > INF).sum().item() for p in (0.3, 0.5, 0.6, 0.75, 0.95, 1)}
    # 0.5 reaches 0.5 alone; 0.6 needs a 0.2, and the other 0.2 ties; 0.75: 0.5 + 0.2 < 0.75
    # so the next 0.2 (which crosses it) is kept too; 0.95 needs all four
    assert kept == {0.3: 1, 0.5: 1, 0.6: 3, 0.75: 3, 0.95: 4, 1: 4}
    want = tensor([0.5, 0.2, 0.2, 0.0], dtype) / 0.9
    close(F.softmax(top_p_filter(logits, 0.6), dim=-1), want, 1e-6, "probabilities after p=0.6")
    order = torch.tensor([3, 1, 0, 2])  # the same tokens shuffled: the same ones kept
    assert torch.equal(top_p_filter(logits[order], 0.6), top_p_filter(logits, 0.6)[order])
    rows = torch.stack([logits, logits.flip(0)])
    assert (top_p_filter(rows, 0.5) > INF).tolist() == [[True, False, False, False],
                                                       [False, False, False, True]]


@pytest.mark.exercise("11.1", "11.2", "11.3")
def test_11_3_top_p_measures_the_mass_left_by_top_k():
    logits = tensor([0.5, 0.3, 0.15, 0.05]).log()
    # top-2 leaves [0.625, 0.375], where 0.625 alone reaches p = 0.6; top-p 0.6 on all four
    # tokens would keep two (0.5 + 0.3)
    got = next_token_distribution(logits, SamplingSettings(top_k=2, top_p=0.6))
    assert got.tolist() == [1.0, 0.0, 0.0, 0.0]
    got = next_token_distribution(logits, SamplingSettings(top_k=2, top_p=0.7))
    close(got, tensor([0.625, 0.375, 0.0, 0.0], torch.float32), 1e-6, "top-2, then top-p 0.7")


@pytest.mark.exercise("11.1", "11.3")
def test_11_3_temperature_comes_before_top_p():
    logits = tensor(NUCLEUS_PROBS).log()
    # tempered at 2: probabilities proportional to sqrt(p), about [0.37, 0.23, 0.23, 0.16]
    hot = next_token_distribution(logits, SamplingSettings(temperature=2.0, top_p=0.5))
    root = tensor(NUCLEUS_PROBS[:3]).sqrt()
    close(hot, torch.cat([root / root.sum(), tensor([0.0])]).float(), 1e-6,
          "top-p 0.5 of the distribution tempered at 2 keeps three tokens")
    # tempered at 0.5: proportional to p^2, about [0.74, 0.12, 0.12, 0.03]: one token holds 0.6
    cold = next_token_distribution(logits, SamplingSettings(temperature=0.5, top_p=0.6))
    assert cold.tolist() == [1.0, 0.0, 0.0, 0.0]
    # top-p first would keep one token at 0.5 and three at 0.6, whatever the temperature
    assert (process_logits(logits, SamplingSettings(temperature=2.0, top_p=0.5)) > INF).sum() == 3


# --- 11.4 the repetition penalty ----------------------------------------------------------------


@pytest.mark.exercise("11.4")
def test_11_4_penalty_divides_positive_and_multiplies_negative_logits():
    logits = tensor([2.0, -1.0, 0.5, -3.0, 0.0])
    seen = torch.tensor([0, 1, 1, 4])  # token 1 twice: penalised once
    assert apply_repetition_penalty(logits, seen, 2.0).tolist() == [1.0, -2.0, 0.5, -3.0, 0.0]
    assert apply_repetition_penalty(logits, seen, 0.5).tolist() == [4.0, -0.5, 0.5, -3.0, 0.0]
    assert apply_repetition_penalty(logits, seen, 1.0).tolist() == logits.tolist()
    rows = torch.stack([logits, logits])
    contexts = torch.tensor([[0, 0, 0], [3, 2, 3]])  # each row its own context
    assert apply_repetition_penalty(rows, contexts, 2.0).tolist() == [
        [1.0, -1.0, 0.5, -3.0, 0.0], [2.0, -1.0, 0.25, -6.0, 0.0]]
    assert logits.tolist() == [2.0, -1.0, 0.5, -3.0, 0.0], "the input must not change"


@pytest.mark.exercise("11.1", "11.2", "11.4")
def test_11_4_penalty_comes_before_top_k():
    logits = tensor([3.0, 2.5, 0.0])
    settings = SamplingSettings(temperature=0, top_k=1, repetition_penalty=2.0)
    # penalised first, token 0 drops to 1.5 and token 1 wins; top-k first would keep token 0
    got = process_logits(logits, settings, torch.tensor([0]))
    assert got.tolist() == [INF, 2.5, INF]
    assert next_token_distribution(logits, settings, torch.tensor([0])).tolist() == [0, 1, 0]


@pytest.mark.exercise("11.1", "11.2", "11.3", "11.4")
def test_11_4_process_logits_applies_every_setting_in_order():
    logits = tensor([[4.0, 3.0, 2.0, 1.0, -1.0], [0.0, 2.0, -2.0, 1.0, 1.5]])
    previous = torch.tensor([[0, 4], [1, 2]])
    settings = SamplingSettings(temperature=0.5, top_k=3, top_p=0.9, repetition_penalty=2.0)
    # penalty: row 0 [2, 3, 2, 1, -2], row 1 [0, 1, -4, 1, 1.5]; temperature 0.5 doubles;
    # top-3: row 0 keeps [4, 6, 4] (tokens 0-2), row 1 keeps [2, 2, 3] (tokens 1, 3, 4)
    row0 = tensor([4.0, 6.0, 4.0]).softmax(0)  # [0.106, 0.787, 0.106]: 0.9 needs all three
    row1 = tensor([2.0, 2.0, 3.0]).softmax(0)  # [0.212, 0.212, 0.576]: 0.9 needs all three
    want = torch.zeros(2, 5, dtype=torch.float64)
    want[0, :3], want[1, [1, 3, 4]] = row0, row1
    got = next_token_distribution(logits, settings, previous)
    close(got, want.float(), 1e-6, "penalty, temperature, top-k, top-p")
    # top-p 0.7: row 0's 0.787 is enough alone; row 1's 0.576 needs a 0.212, and its tie
    tight = dataclasses.replace(settings, top_p=0.7)
    assert (next_token_distribution(logits, tight, previous) > 0).tolist() == [
        [False, True, False, False, False], [False, True, False, True, True]]


# --- 11.5 the KV cache --------------------------------------------------------------------------


@pytest.mark.exercise("11.5")
def test_11_5_kv_cache_returns_every_chunk_written_as_views():
    cache = KVCache(2, 3, 8, 4, dtype=torch.float64)
    assert cache.length == 0 and cache.k.shape == cache.v.shape == (2, 3, 8, 4)
    chunks = [(torch.randn(2, 3, t, 4, generator=gen(t), dtype=torch.float64),
               torch.randn(2, 3, t, 4, generator=gen(10 + t), dtype=torch.float64))
              for t in (3, 1, 4)]
    for i, (k, v) in enumerate(chunks):
        k_all, v_all = cache.update(k, v)
        want_k = torch.cat([c[0] for c in chunks[:i + 1]], dim=2)
        want_v = torch.cat([c[1] for c in chunks[:i + 1]], dim=2)
        assert torch.equal(k_all, want_k) and torch.equal(v_all, want_v)
        assert cache.length == want_k.shape[2]
        assert k_all.data_ptr() == cache.k.data_ptr(), "update must return views of the cache"
        assert v_all.data_ptr() == cache.v.data_ptr(), "update must return views of the cache"
    with pytest.raises(ValueError, match=r"max_length=8.*start a new cache"):
        cache.update(*chunks[1])
    cache.reset()
    assert cache.length == 0
    k_all, _ = cache.update(*chunks[0])
    assert torch.equal(k_all, chunks[0][0])


@pytest.mark.exercise("11.5")
def test_11_5_kv_cache_checks_shapes_dtypes_and_room():
    cache = KVCache(1, 2, 4, 8)
    assert cache.k.dtype == torch.get_default_dtype() and cache.k.device.type == "cpu"
    with pytest.raises(ValueError, match="n_head=2"):
        cache.update(torch.zeros(1, 3, 1, 8), torch.zeros(1, 3, 1, 8))
    with pytest.raises(ValueError, match="float64"):
        cache.update(torch.zeros(1, 2, 1, 8, dtype=torch.float64),
                     torch.zeros(1, 2, 1, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match="exceed max_length=4"):
        cache.update(torch.zeros(1, 2, 5, 8), torch.zeros(1, 2, 5, 8))
    assert cache.length == 0, "a refused update must leave the cache as it was"


@pytest.mark.exercise("11.5")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_11_5_new_caches_give_the_logits_of_the_whole_sequence(positions):
    model = tiny_gpt(positions=positions)
    ids = random_ids((2, 16), seed=3)
    full, _ = model(ids)  # (2, 16, V)
    caches = new_caches(model, 2)
    assert len(caches) == 2 and caches[0].max_length == 16
    pieces = [model(ids[:, a:b], caches=caches)[0] for a, b in [(0, 5), (5, 6), (6, 13), (13, 16)]]
    close(torch.cat(pieces, dim=1), full, CACHE_TOL, "chunks through the caches")


# --- 11.6 generation ----------------------------------------------------------------------------


@pytest.mark.exercise("11.1", "11.6")
def test_11_6_uncached_sampling_equals_gpt_generate():
    model = tiny_gpt()
    prompt = random_ids((3, 5), seed=4)
    want = model.generate(prompt, 20, temperature=0.7, generator=gen(5))  # crops at 16
    got = generate(model, prompt, 20, SamplingSettings(temperature=0.7), generator=gen(5),
                   use_cache=False)
    assert torch.equal(got, want)
    assert not torch.equal(got, model.generate(prompt, 20, temperature=0.7, generator=gen(6)))


@pytest.mark.exercise("11.1", "11.5", "11.6")
@pytest.mark.parametrize("use_cache", [True, False])
def test_11_6_greedy_equals_an_argmax_loop(use_cache):
    model = tiny_gpt()
    ids = random_ids((2, 4), seed=7)
    got = generate(model, ids, 18, SamplingSettings(temperature=0), use_cache=use_cache)
    for _ in range(18):
        logits, _ = model(ids[:, -16:])
        ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(got, ids)


@pytest.mark.exercise("11.1", "11.5", "11.6")
@pytest.mark.parametrize("positions", ["learned", "rope"])
@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_11_6_the_cache_gives_the_tokens_of_full_recomputation(positions, temperature):
    model = tiny_gpt(positions=positions)
    prompt = random_ids((3, 5), seed=8)  # 5 + 25 tokens: the context overflows block_size 16
    settings = SamplingSettings(temperature=temperature)
    cached = generate(model, prompt, 25, settings, generator=gen(9), use_cache=True)
    uncached = generate(model, prompt, 25, settings, generator=gen(9), use_cache=False)
    assert cached.shape == (3, 30)
    assert torch.equal(cached, uncached)
    assert torch.equal(cached[:, :5], prompt)


@pytest.mark.exercise("11.1", "11.2", "11.3", "11.4", "11.5", "11.6")
def test_11_6_the_cache_gives_the_same_tokens_under_every_setting():
    model = tiny_gpt(positions="rope")
    prompt = random_ids((2, 20), seed=10)  # longer than block_size: cropped for the prefill
    settings = SamplingSettings(temperature=1.3, top_k=10, top_p=0.9, repetition_penalty=1.5)
    cached = generate(model, prompt, 12, settings, generator=gen(11))
    uncached = generate(model, prompt, 12, settings, generator=gen(11), use_cache=False)
    assert torch.equal(cached, uncached) and cached.shape == (2, 32)


@pytest.mark.exercise("11.1", "11.5", "11.6")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_11_6_cached_logits_equal_full_recomputation_step_by_step(positions):
    recorder = Recorder(tiny_gpt(positions=positions))
    prompt = random_ids((2, 5), seed=12)
    ids = generate(recorder, prompt, 20, SamplingSettings(temperature=0.9), generator=gen(13))
    # the prefill, one token at a time until the cache holds 16, then the last 16 each step
    assert recorder.widths == [5] + [1] * 11 + [16] * 8
    for step, logits in enumerate(recorder.last_logits):
        context = ids[:, :5 + step][:, -16:]
        want = recorder.model(context)[0][:, -1]
        close(logits, want, CACHE_TOL, f"last logits at step {step}")


@pytest.mark.exercise("11.1", "11.5", "11.6")
def test_11_6_stop_tokens_finish_rows_pad_them_and_end_generation():
    model = tiny_gpt(seed=3)
    prompt = random_ids((3, 4), seed=14)
    greedy_settings = SamplingSettings(temperature=0)
    free = generate(model, prompt, 12, greedy_settings)[:, 4:].tolist()  # 3 rows of 12 ids
    stops = [free[0][2], free[1][0]]  # row 0 stops by step 2, row 1 at step 0
    ends = [next((i + 1 for i, t in enumerate(row) if t in stops), None) for row in free]
    assert None not in ends and max(ends) < 12, "the seeds should make every row stop early"
    length = max(ends)
    seen = []
    model.train()
    got = generate(model, prompt, 12, greedy_settings, stop_tokens=stops,
                   on_token=lambda step, new: seen.append((step, new.clone())))
    assert model.training, "generate must put the model back in training mode"
    assert got.shape == (3, 4 + length)
    for row, end in enumerate(ends):  # the stop token kept, then repeated as padding
        want = free[row][:end] + [free[row][end - 1]] * (length - end)
        assert got[row, 4:].tolist() == want, f"row {row}"
    assert [step for step, _ in seen] == list(range(length))
    assert torch.equal(torch.stack([new for _, new in seen], dim=1), got[:, 4:])
    one = generate(model, prompt[:1], 12, greedy_settings, stop_tokens=stops[:1])
    assert one.shape == (1, 4 + ends[0]) and one[0, -1].item() == stops[0]
    never = generate(model, prompt[1:], 12, greedy_settings, stop_tokens=[22])
    assert never.tolist() == [p + row for p, row in zip(prompt[1:].tolist(), free[1:], strict=True)]


# --- 11.7 perplexity ----------------------------------------------------------------------------


def double_gpt(**changes) -> GPT:
    return tiny_gpt(**changes).double()


def window_nll(model: GPT, context: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The summed NLL of the last len(targets) positions of model(context)."""
    logits = model(context[None])[0][0, -len(targets):]
    return F.cross_entropy(logits, targets, reduction="sum")


@pytest.mark.exercise("11.7")
def test_11_7_perplexity_within_block_size_is_exp_of_the_cross_entropy():
    model = double_gpt()
    for n in (2, 9, 17):  # 17 ids: 16 targets, exactly one block
        ids = random_ids((n,), seed=n)
        logits, _ = model(ids[None, :-1])
        want = math.exp(F.cross_entropy(logits[0], ids[1:]).item())
        assert perplexity(model, ids) == pytest.approx(want, rel=TOL)


@pytest.mark.exercise("11.7")
def test_11_7_long_sequences_are_scored_in_consecutive_windows():
    model = double_gpt(positions="rope")
    ids = random_ids((40,), seed=15)  # 39 targets: 16, 16, then the last 7 of a full window
    nll = sum(window_nll(model, ids[a:b], ids[first:b + 1])
              for a, first, b in [(0, 1, 16), (16, 17, 32), (23, 33, 39)])
    want = math.exp(nll.item() / 39)
    model.train()
    assert perplexity(model, ids) == pytest.approx(want, rel=TOL)
    assert perplexity(model, ids, stride=16) == pytest.approx(want, rel=TOL)
    assert model.training, "perplexity must put the model back in training mode"


@pytest.mark.exercise("11.7")
@pytest.mark.parametrize("stride", [1, 5])
def test_11_7_sliding_windows_match_a_hand_loop(stride):
    model = double_gpt()
    ids = random_ids((35,), seed=16)  # 34 targets
    ends = list(range(16, 34, stride)) + [34]  # where the windows end
    total = 0.0
    for j in range(1, 35):  # target ids[j], scored by the first window that reaches it
        end = next(e for e in ends if e >= j)
        context = ids[max(0, end - 16):j]
        total += window_nll(model, context, ids[j:j + 1]).item()
    assert perplexity(model, ids, stride=stride) == pytest.approx(math.exp(total / 34), rel=TOL)


# --- the sampling command -----------------------------------------------------------------------

CORPUS = ("the cat sat on the mat.\nthe dog lay on the rug.\n"
          "a bird sang in the tree; we ran to see it!\n") * 30


@pytest.fixture(scope="module")
def char_checkpoint(tmp_path_factory):
    """A character model trained for 40 steps by Module 09's train() on CORPUS."""
    folder = tmp_path_factory.mktemp("char_run")
    corpus = folder / "corpus.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    config = dataclasses.replace(
        CONFIGS["tiny"], data=str(corpus), out_dir=str(folder / "run"), device="cpu",
        dtype="float32", max_iters=40, lr_decay_iters=40, warmup_iters=4, learning_rate=1e-2,
        min_lr=1e-3, eval_interval=40, eval_iters=2, log_interval=10, sample_interval=0)
    with global_rng_kept():
        train(config, progress=False)
    return folder / "run" / "ckpt.pt"


@pytest.fixture(scope="module")
def bpe_checkpoint(tmp_path_factory):
    """A random GPT over a byte-level Module 08 Tokenizer (256 bytes and <|endoftext|>), saved
    in Module 10's checkpoint format."""
    folder = tmp_path_factory.mktemp("bpe_run")
    tokenizer = Tokenizer({i: bytes([i]) for i in range(256)}, [], ["<|endoftext|>"])
    tokenizer.save(folder / "bpe.json")
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=32, n_layer=2, n_head=2,
                       n_embd=32)
    model = GPT(config, generator=gen(0))
    path = save_checkpoint(folder / "ckpt.pt", model=model,
                           optimizer=torch.optim.SGD(model.parameters(), lr=0.1), step=1,
                           config={}, batch_generator=gen(0),
                           extra={"tokenizer": tokenizer_record(folder / "bpe.json"),
                                  "model_config": dataclasses.asdict(config)})
    return path, tokenizer


def run_main(capsys, *args: str) -> str:
    assert main([*args, "--device", "cpu"]) == 0
    return capsys.readouterr().out


def reference_text(path, prompt: str, n: int, temperature: float, seed: int,
                   num_samples: int = 1, stop: str | None = None) -> list[str]:
    """Module 07's GPT.generate (full recomputation) on the checkpoint's model, decoded."""
    model, tokenizer = load_for_sampling(path, "cpu")
    ids = torch.tensor([tokenizer.encode(prompt)] * num_samples)
    out = model.generate(ids, n, temperature=temperature, generator=gen(seed))
    texts = [tokenizer.decode(row) for row in out[:, ids.shape[1]:].tolist()]
    return [prompt + (text.split(stop)[0] if stop else text) for text in texts]


@pytest.mark.exercise("11.1", "11.5", "11.6")
def test_11_6_sample_command_streams_what_gpt_generate_draws(char_checkpoint, capsys):
    want = reference_text(char_checkpoint, "the ", 60, 0.8, seed=3)[0]
    args = ["--checkpoint", str(char_checkpoint), "--prompt", "the ", "--max-new-tokens", "60",
            "--seed", "3"]
    assert run_main(capsys, *args) == want + "\n"
    assert run_main(capsys, *args, "--no-cache") == want + "\n"
    two = reference_text(char_checkpoint, "the ", 30, 0.8, seed=4, num_samples=2)
    out = run_main(capsys, *args[:4], "--max-new-tokens", "30", "--seed", "4",
                   "--num-samples", "2")
    assert out == f"--- sample 1 ---\n{two[0]}\n--- sample 2 ---\n{two[1]}\n"


@pytest.mark.exercise("11.1", "11.5", "11.6")
def test_11_6_sample_command_stops_at_the_stop_token(char_checkpoint, capsys):
    args = ["--checkpoint", str(char_checkpoint), "--prompt", "the c", "--temperature", "0",
            "--max-new-tokens", "40"]
    free = run_main(capsys, *args)
    assert free.startswith("the c") and len(free) == len("the c") + 41
    stop = free[len("the c") + 3]  # the 4th character written
    stopped = run_main(capsys, *args, "--stop", stop)
    continuation = free[len("the c"):]
    assert stopped == "the c" + continuation[:continuation.index(stop)] + "\n"


@pytest.mark.exercise("11.1", "11.5", "11.6")
def test_11_6_sample_command_on_a_bpe_checkpoint(bpe_checkpoint, capsys):
    path, _ = bpe_checkpoint
    want = reference_text(path, "Once upon a time", 40, 1.0, seed=5, stop="<|endoftext|>")[0]
    out = run_main(capsys, "--checkpoint", str(path), "--prompt", "Once upon a time",
                   "--max-new-tokens", "40", "--temperature", "1", "--seed", "5",
                   "--stop", "<|endoftext|>")
    assert out == want + "\n"


@pytest.mark.exercise("11.1", "11.2", "11.3", "11.4", "11.5", "11.6")
def test_11_6_python_m_sample_runs_end_to_end(char_checkpoint):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "modules.m11_sampling.sample", "--checkpoint",
               str(char_checkpoint), "--prompt", "the ", "--max-new-tokens", "50", "--top-k",
               "5", "--top-p", "0.9", "--repetition-penalty", "1.1", "--device", "cpu"]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    if result.returncode and "NotImplementedError" in result.stderr:  # an exercise's stub
        raise NotImplementedError(result.stderr[-4000:])
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.startswith("the ") and len(result.stdout) == len("the ") + 51
    assert "tokens/s" in result.stderr and "KV cache on" in result.stderr


def test_sample_command_names_unknown_characters_and_bad_checkpoints(char_checkpoint,
                                                                     bpe_checkpoint, tmp_path):
    with pytest.raises(SystemExit, match=r"never saw: \['Q', 'Z'\]"):
        main(["--checkpoint", str(char_checkpoint), "--prompt", "ZQ the Z", "--device", "cpu"])
    with pytest.raises(SystemExit, match="single token"):
        main(["--checkpoint", str(char_checkpoint), "--prompt", "the", "--stop", "the",
              "--device", "cpu"])
    with pytest.raises(SystemExit, match="no checkpoint at"):
        main(["--checkpoint", str(tmp_path / "missing.pt"), "--prompt", "a"])
    model = GPT(GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=1, n_embd=4))
    common = dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), step=1,
                  config={}, batch_generator=gen(0))
    no_tokenizer = save_checkpoint(tmp_path / "a.pt", **common, extra={
        "model_config": dataclasses.asdict(model.config)})
    with pytest.raises(CheckpointError, match="records no tokenizer"):
        load_for_sampling(no_tokenizer)
    no_shape = save_checkpoint(tmp_path / "b.pt", **common, extra={
        "tokenizer": {"kind": "char", "chars": list("abcde")}})
    with pytest.raises(SystemExit, match="no model_config"):
        main(["--checkpoint", str(no_shape), "--prompt", "a", "--device", "cpu"])
    model, tokenizer = load_for_sampling(bpe_checkpoint[0])
    assert not model.training and tokenizer.decode(tokenizer.encode("héllo")) == "héllo"


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_11_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("11")))
