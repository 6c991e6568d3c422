"""Module 09, training: contracts of the token files, batches, AdamW and its parameter groups,
the learning-rate schedule, gradient clipping, gradient accumulation, evaluation and
checkpoints.

References are independent of the learner's code:
- token files: NumPy's own np.fromfile / np.memmap of the bytes written, the file size
  (n * itemsize), and the dtype rule (uint16 up to 2^16 ids) written out in the test;
- batches: windows of a data array whose values are their own positions (np.arange), so each
  row names its start; the empirical distribution of 3,200 starts against the uniform one
  (a chi-square statistic, fixed seed);
- AdamW: torch.optim.AdamW(foreach=False) over 1,000 steps with two parameter groups and a
  learning rate changed every step, equal to TOL = 1e-10 in float64 and F32_TOL = 1e-5 in
  float32 (both follow the same arithmetic, so they agree to the bit in practice);
- param_groups: the names of the decayed weights of a GPT listed by hand, and torch's AdamW
  accepting the groups (it refuses a parameter listed twice);
- lr_at: torch's SequentialLR(LinearLR, CosineAnnealingLR) to a relative 1e-9, and values
  worked out by hand (the warmup's first step, the peak, the cosine's midpoint, the floor);
- clip_grad_norm: torch.nn.utils.clip_grad_norm_, to 1e-12 in float64 and 1e-6 in float32;
- accumulate_gradients: one forward and backward of the concatenated batch, to TOL in float64,
  and a stand-in DDP wrapper whose no_sync() context is recorded;
- evaluate: the mean loss over batches drawn here with the same seed, to 1e-12 in float64;
- checkpoints: the next values of every random number generator right after saving, the
  model's and optimiser's state compared tensor by tensor, torch.load(weights_only=True) of
  the file, and files damaged here (truncated, one byte changed inside a tensor's data).
Tests of provided code carry no exercise marker and pass on the scaffold.

The training loop (train.py, provided) is checked through its contracts, which depend on every
exercise and so belong to 09.9: resuming continues bit for bit, a seed fixes the run, the loss
goes down, two torchrun processes train as one process with twice the batch, a damaged
checkpoint is refused with a clear message, an earlier run is moved aside rather than
overwritten, and metrics.jsonl and loss.png are written. Those runs train the "tiny" config on
a small text written to tmp_path, on the CPU.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR
from torch_checks import close, gen, global_rng_kept

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.course.paths import REPO_ROOT
from modules.m07_transformer.model import GPT, GPTConfig
from modules.m09_training.adamw import AdamW, param_groups
from modules.m09_training.checkpoint import (
    CheckpointError,
    content_digest,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoint,
)
from modules.m09_training.clipping import clip_grad_norm
from modules.m09_training.configs import (
    CONFIGS,
    PATHOLOGIES,
    PATHOLOGY_DESCRIPTIONS,
    RUNS_DIR,
    TrainConfig,
    config_dict,
    load_config,
)
from modules.m09_training.data import (
    get_batch,
    load_char_data,
    prepare_char_data,
    read_tokens,
    sidecar_path,
    token_dtype,
    write_tokens,
)
from modules.m09_training.distributed import (
    DistInfo,
    check_in_sync,
    parameter_checksum,
    rank_slice,
    setup,
)
from modules.m09_training.evaluate import evaluate
from modules.m09_training.metrics import MetricsWriter, read_metrics, truncate_after
from modules.m09_training.plots import (
    plot_grad_norms,
    plot_loss_curve,
    plot_lr,
    plot_runs,
    save_loss_plot,
)
from modules.m09_training.schedule import lr_at, set_lr
from modules.m09_training.step import accumulate_gradients, no_sync_unless_last
from modules.m09_training.train import main, train

TOL = 1e-10  # float64, the same arithmetic (or the same sums in another order)
F32_TOL = 1e-5  # float32, 1,000 optimiser steps


def tiny_gpt(seed: int = 0, **changes) -> GPT:
    config = {"vocab_size": 23, "block_size": 16, "n_layer": 2, "n_head": 2, "n_embd": 16,
              **changes}
    return GPT(GPTConfig(**config), generator=gen(seed)).double()


def random_ids(shape: tuple[int, ...], seed: int, vocab_size: int = 23) -> torch.Tensor:
    return torch.randint(vocab_size, shape, generator=gen(seed))


@pytest.fixture
def keep_global_rng():
    """Tests that seed and draw from the global generators put them back afterwards."""
    with global_rng_kept():
        yield


# --- provided code ------------------------------------------------------------------------------


def test_token_dtype_is_the_smallest_unsigned_type_that_holds_every_id():
    assert token_dtype(1) == np.uint16
    assert token_dtype(65) == np.uint16
    assert token_dtype(2**16) == np.uint16  # ids 0 .. 65535
    assert token_dtype(2**16 + 1) == np.uint32
    assert token_dtype(50257) == np.uint16  # GPT-2's vocabulary
    with pytest.raises(ValueError, match="between 1 and 2\\*\\*32"):
        token_dtype(0)
    with pytest.raises(ValueError, match="between 1 and 2\\*\\*32"):
        token_dtype(2**32 + 1)
    with pytest.raises(TypeError, match="int"):
        token_dtype(65.0)


def test_write_tokens_rejects_bad_ids_before_writing(tmp_path):
    path = tmp_path / "bad.bin"
    with pytest.raises(ValueError, match=r"id 65 at position 2 .*vocab_size=65"):
        write_tokens([1, 2, 65, 3], path, 65)
    with pytest.raises(ValueError, match=r"id -1 at position 0"):
        write_tokens(np.array([-1, 2]), path, 65)
    with pytest.raises(TypeError, match="integer"):
        write_tokens(np.array([1.0, 2.0]), path, 65)
    with pytest.raises(TypeError, match="integer"):
        write_tokens(torch.tensor([1.0, 2.0]), path, 65)
    with pytest.raises(ValueError, match="1-D"):
        write_tokens(np.zeros((2, 3), dtype=np.int64), path, 65)
    with pytest.raises(ValueError, match="empty"):
        write_tokens([], path, 65)
    assert list(tmp_path.iterdir()) == []


def test_read_tokens_names_the_missing_file_and_how_to_write_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.bin.*write_tokens"):
        read_tokens(tmp_path / "nothing.bin")


def test_get_batch_checks_its_arguments():
    data = np.arange(10, dtype=np.uint16)
    g = gen(0)
    with pytest.raises(ValueError, match=r"block_size=10 .*holds 10"):
        get_batch(data, 2, 10, g)
    with pytest.raises(ValueError, match="block_size=11"):
        get_batch(data, 2, 11, g)
    with pytest.raises(ValueError, match="batch_size"):
        get_batch(data, 0, 4, g)
    with pytest.raises(TypeError, match="NumPy"):
        get_batch(torch.arange(10), 2, 4, g)
    with pytest.raises(ValueError, match="1-D integer"):
        get_batch(data.astype(np.float32), 2, 4, g)


def test_adamw_rejects_bad_hyperparameters():
    params = [nn.Parameter(torch.zeros(3))]
    with pytest.raises(ValueError, match="lr"):
        AdamW(params, lr=-1e-3)
    with pytest.raises(ValueError, match="betas"):
        AdamW(params, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="betas"):
        AdamW(params, betas=(0.9, -0.1))
    with pytest.raises(ValueError, match="betas"):
        AdamW(params, betas=(0.9,))
    with pytest.raises(ValueError, match="eps"):
        AdamW(params, eps=-1e-8)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(params, weight_decay=-0.1)
    with pytest.raises(ValueError, match="lr"):
        AdamW([{"params": params, "lr": -1.0}])
    with pytest.raises(ValueError, match="weight_decay"):
        param_groups(nn.Linear(2, 2), -1.0)


def test_lr_at_rejects_bad_arguments():
    with pytest.raises(ValueError, match="step"):
        lr_at(-1, 1e-3, 1e-4, 10, 100)
    with pytest.raises(ValueError, match="step"):
        lr_at(1.5, 1e-3, 1e-4, 10, 100)
    with pytest.raises(ValueError, match="min_lr"):
        lr_at(0, 1e-4, 1e-3, 10, 100)
    with pytest.raises(ValueError, match="min_lr"):
        lr_at(0, 1e-3, -1e-4, 10, 100)
    with pytest.raises(ValueError, match="warmup_steps=20 must not exceed decay_steps=10"):
        lr_at(0, 1e-3, 1e-4, 20, 10)


def test_set_lr_sets_every_group():
    optimizer = torch.optim.SGD([{"params": [nn.Parameter(torch.zeros(1))], "lr": 1.0},
                                 {"params": [nn.Parameter(torch.zeros(1))], "lr": 2.0}])
    set_lr(optimizer, 0.25)
    assert [group["lr"] for group in optimizer.param_groups] == [0.25, 0.25]


def test_clip_grad_norm_checks_max_norm_and_skips_a_model_without_gradients():
    params = [nn.Parameter(torch.ones(3))]
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(params, 0.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(params, -1.0)
    assert clip_grad_norm(params, 1.0).item() == 0.0  # no gradient at all


def test_no_sync_unless_last_uses_the_wrappers_context_only_before_the_last():
    wrapper = FakeDDP(nn.Linear(2, 2))
    with no_sync_unless_last(wrapper, is_last=False):
        assert not wrapper.syncing
    with no_sync_unless_last(wrapper, is_last=True):
        assert wrapper.syncing
    with no_sync_unless_last(nn.Linear(2, 2), is_last=False):  # no no_sync: nothing to skip
        pass
    with pytest.raises(ValueError, match="empty"):
        accumulate_gradients(wrapper, [])


def test_evaluate_checks_its_arguments():
    model = tiny_gpt()
    with pytest.raises(ValueError, match="batches"):
        evaluate(model, {"val": np.arange(40, dtype=np.uint16) % 23}, 0, 2, 4)
    with pytest.raises(ValueError, match="splits"):
        evaluate(model, {}, 1, 2, 4)


def test_content_digest_sees_every_byte_and_ignores_key_order():
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "step": 3,
             "config": {"lr": 1e-3, "name": "run", "dims": [1, 2], "off": None}}
    reordered = {"config": {"off": None, "dims": [1, 2], "name": "run", "lr": 1e-3},
                 "step": 3, "w": state["w"].clone()}
    assert content_digest(state) == content_digest(reordered)
    changed = copy.deepcopy(state)
    changed["w"].view(-1).view(torch.uint8)[5] ^= 1  # one bit of one float
    assert content_digest(changed) != content_digest(state)
    assert content_digest({**state, "step": 3.0}) != content_digest(state)  # type counts
    with pytest.raises(TypeError, match="plain values"):
        content_digest({"x": object()})


def test_checkpoint_arguments_and_missing_file_are_reported(tmp_path):
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    common = {"model": model, "optimizer": optimizer, "step": 1, "batch_generator": gen(0)}
    with pytest.raises(TypeError, match=r"config\['out_dir'\] is a PosixPath|is a .*Path"):
        save_checkpoint(tmp_path / "c.pt", config={"out_dir": tmp_path}, **common)
    with pytest.raises(ValueError, match="extra cannot use the keys \\['step'\\]"):
        save_checkpoint(tmp_path / "c.pt", config={}, extra={"step": 2}, **common)
    with pytest.raises(ValueError, match="step"):
        save_checkpoint(tmp_path / "c.pt", config={}, **{**common, "step": -1})
    missing = tmp_path / "nowhere" / "ckpt.pt"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        load_checkpoint(missing)


# --- 09.1 write_tokens --------------------------------------------------------------------------


@pytest.mark.exercise("09.1")
@pytest.mark.parametrize(("vocab_size", "dtype"), [(65, np.uint16), (2**16, np.uint16),
                                                   (2**16 + 1, np.uint32)])
def test_09_1_write_tokens_stores_raw_ids_in_the_smallest_dtype(tmp_path, vocab_size, dtype):
    ids = np.array([0, 1, 64, vocab_size - 1, 7, vocab_size - 1], dtype=np.int64)
    path = write_tokens(ids, tmp_path / "tokens.bin", vocab_size)
    assert path == tmp_path / "tokens.bin"
    assert path.stat().st_size == len(ids) * np.dtype(dtype).itemsize
    assert np.array_equal(np.fromfile(path, dtype=dtype), ids)
    sidecar = json.loads(sidecar_path(path).read_text())
    assert sidecar == {"dtype": np.dtype(dtype).name, "length": len(ids),
                       "vocab_size": vocab_size}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.bin", "tokens.bin.json"], \
        "a temporary file was left behind: write to <path>.tmp, then os.replace it onto path"
    back = read_tokens(path)
    assert isinstance(back, np.memmap) and back.dtype == dtype and back.shape == (len(ids),)
    assert np.array_equal(back, ids)


@pytest.mark.exercise("09.1")
def test_09_1_write_tokens_takes_lists_arrays_and_tensors_and_overwrites(tmp_path):
    path = tmp_path / "sub" / "ids.bin"  # the folder is created
    for ids in ([3, 1, 4, 1, 5], np.array([3, 1, 4, 1, 5], dtype=np.int32),
                torch.tensor([3, 1, 4, 1, 5])):
        write_tokens(ids, path, 10)
        assert np.array_equal(read_tokens(path), [3, 1, 4, 1, 5])
    write_tokens([9, 9], path, 10)  # a shorter file replaces the longer one
    assert np.array_equal(read_tokens(path), [9, 9])
    assert path.stat().st_size == 4


@pytest.mark.exercise("09.1")
def test_09_1_read_tokens_detects_a_truncated_file(tmp_path):
    path = write_tokens(np.arange(100), tmp_path / "ids.bin", 100)
    with open(path, "r+b") as f:
        f.truncate(150)  # 75 ids of 2 bytes instead of 100
    with pytest.raises(ValueError, match=r"150 bytes.*100 uint16 ids \(200 bytes\).*truncated"):
        read_tokens(path)


@pytest.mark.exercise("09.1")
def test_09_1_prepare_char_data_writes_the_split_and_reuses_it(tmp_path):
    text = "the cat sat on the mat; the dog sat on the log.\n" * 5  # 240 characters
    data = prepare_char_data(text, tmp_path / "chars")
    chars = sorted(set(text))
    assert data.vocab.chars == chars and data.vocab_size == len(chars)
    assert (len(data.train), len(data.val)) == (216, 24)  # the last 10% for validation
    assert data.train.dtype == np.uint16
    assert data.vocab.decode(data.train.tolist()) == text[:216]
    assert data.vocab.decode(data.val.tolist()) == text[216:]
    files = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "chars").iterdir()}
    assert set(files) == {"train.bin", "train.bin.json", "val.bin", "val.bin.json",
                          "vocab.json", "prepared.json"}
    again = prepare_char_data(text, tmp_path / "chars")  # the same text: nothing is rewritten
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "chars").iterdir()} == files
    assert np.array_equal(again.val, data.val)
    other = prepare_char_data(text.upper(), tmp_path / "chars")  # another text: written again
    assert other.vocab.decode(other.val.tolist()) == text.upper()[216:]
    assert load_char_data(tmp_path / "chars").vocab.chars == sorted(set(text.upper()))


# --- 09.2 get_batch -----------------------------------------------------------------------------


@pytest.mark.exercise("09.2")
def test_09_2_get_batch_cuts_windows_and_their_shifted_targets():
    data = np.arange(50, dtype=np.uint16)  # every id is its own position
    x, y = get_batch(data, 6, 8, gen(0))
    assert x.shape == y.shape == (6, 8)
    assert x.dtype == y.dtype == torch.int64
    assert x.is_contiguous() and y.is_contiguous(), "the model calls .view on the targets"
    starts = x[:, 0]
    assert torch.equal(x, starts[:, None] + torch.arange(8)), "row b must be data[s : s + T]"
    assert torch.equal(y, x + 1), "y must be x shifted by one position: data[s + 1 : s + T + 1]"
    assert starts.min() >= 0 and starts.max() <= 50 - 8 - 1


@pytest.mark.exercise("09.2")
def test_09_2_get_batch_depends_only_on_the_generator():
    data = np.arange(1000, dtype=np.uint16) % 17
    first = get_batch(data, 4, 16, gen(3))
    second = get_batch(data, 4, 16, gen(3))
    other = get_batch(data, 4, 16, gen(4))
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert not torch.equal(first[0], other[0])
    g = gen(3)
    get_batch(data, 4, 16, g)
    assert not torch.equal(get_batch(data, 4, 16, g)[0], first[0]), "the generator must advance"


@pytest.mark.exercise("09.2")
def test_09_2_every_start_is_drawn_uniformly():
    data = np.arange(20, dtype=np.uint16)
    T, draws = 4, 3200
    x, _ = get_batch(data, draws, T, gen(11))
    counts = np.bincount(x[:, 0].numpy(), minlength=20)
    valid = 20 - T  # starts 0 .. 15
    assert counts[valid:].sum() == 0, "a start past len(data) - T - 1 leaves no room for y"
    assert counts[0] > 0 and counts[valid - 1] > 0, "the first and last starts must be reachable"
    expected = draws / valid
    chi2 = ((counts[:valid] - expected) ** 2 / expected).sum()
    # 15 degrees of freedom: mean 15, and P(chi2 > 50) is about 1e-5 for uniform starts.
    assert chi2 < 50, f"starts are not uniform: chi-square {chi2:.1f}, counts {counts[:valid]}"


@pytest.mark.exercise("09.1", "09.2")
def test_09_2_get_batch_reads_a_memmap_from_write_tokens(tmp_path):
    path = write_tokens(np.arange(300) % 1000, tmp_path / "ids.bin", 1000)
    data = read_tokens(path)
    x, y = get_batch(data, 5, 12, gen(1))
    assert x.dtype == torch.int64 and x.shape == (5, 12)
    assert torch.equal(x, x[:, :1] + torch.arange(12)) and torch.equal(y, x + 1)


# --- 09.3 AdamW ---------------------------------------------------------------------------------


def small_net(dtype: torch.dtype) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A two-layer net, its inputs and its targets (a regression), seeded."""
    net = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3)).to(dtype)
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(torch.randn(p.shape, generator=gen(100 + i), dtype=dtype))
    return net, torch.randn(16, 5, generator=gen(1), dtype=dtype), \
        torch.randn(16, 3, generator=gen(2), dtype=dtype)


def two_groups(net: nn.Module, unused: nn.Parameter) -> list[dict]:
    """Weights with decay 0.1; biases and a parameter that never gets a gradient without."""
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
    return [{"params": weights, "weight_decay": 0.1},
            {"params": biases + [unused], "weight_decay": 0.0}]


def lr_of(step: int) -> float:
    """A rate that changes every step (warmup, then a cosine), written here independently."""
    return 1e-2 * min(1.0, (step + 1) / 50) * (0.55 + 0.45 * math.cos(math.pi * step / 1000))


def train_steps(net, x, y, optimizer, steps: range) -> None:
    for step in range(steps.start, steps.stop):
        optimizer.param_groups[0]["lr"] = lr_of(step)
        optimizer.param_groups[1]["lr"] = lr_of(step) / 2  # each group its own rate
        optimizer.zero_grad(set_to_none=True)
        ((net(x) - y) ** 2).mean().backward()
        optimizer.step()


def make_pair(dtype):
    """(our net, our AdamW), (torch's net, torch's AdamW), from the same weights."""
    net, x, y = small_net(dtype)
    ref = copy.deepcopy(net)
    unused, unused_ref = nn.Parameter(torch.ones(4, dtype=dtype)), \
        nn.Parameter(torch.ones(4, dtype=dtype))
    ours = AdamW(two_groups(net, unused), lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    theirs = torch.optim.AdamW(two_groups(ref, unused_ref), lr=1e-3, betas=(0.9, 0.95),
                               eps=1e-8, foreach=False)
    return (net, ours, unused), (ref, theirs, unused_ref), x, y


@pytest.mark.exercise("09.3")
@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, TOL), (torch.float32, F32_TOL)])
def test_09_3_adamw_equals_torch_adamw_over_1000_steps(dtype, tol):
    (net, ours, unused), (ref, theirs, unused_ref), x, y = make_pair(dtype)
    for start in range(0, 1000, 250):
        train_steps(net, x, y, ours, range(start, start + 250))
        train_steps(ref, x, y, theirs, range(start, start + 250))
        for (name, p), p_ref in zip(net.named_parameters(), ref.parameters(), strict=True):
            close(p.detach(), p_ref.detach(), tol, f"{name} after {start + 250} steps")
    for p, p_ref in zip(net.parameters(), ref.parameters(), strict=True):
        state, state_ref = ours.state[p], theirs.state[p_ref]
        assert float(state["step"]) == float(state_ref["step"]) == 1000
        close(state["exp_avg"], state_ref["exp_avg"], tol, "exp_avg")
        close(state["exp_avg_sq"], state_ref["exp_avg_sq"], tol, "exp_avg_sq")
    assert torch.equal(unused.detach(), torch.ones(4, dtype=dtype)), \
        "a parameter without a gradient must not move (not even by weight decay)"
    assert len(ours.state[unused]) == 0, "a parameter without a gradient gets no state"


@pytest.mark.exercise("09.3")
def test_09_3_adamw_state_dict_round_trip_continues_identically():
    (net, ours, unused), _, x, y = make_pair(torch.float64)
    train_steps(net, x, y, ours, range(300))
    buffer = io.BytesIO()
    torch.save(ours.state_dict(), buffer)  # as a checkpoint stores it
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    net_copy, unused_copy = copy.deepcopy(net), nn.Parameter(unused.detach().clone())
    resumed = AdamW(two_groups(net_copy, unused_copy), lr=0.5)  # its settings come from the file
    resumed.load_state_dict(saved)
    train_steps(net, x, y, ours, range(300, 350))
    train_steps(net_copy, x, y, resumed, range(300, 350))
    for (name, p), p_copy in zip(net.named_parameters(), net_copy.parameters(), strict=True):
        assert torch.equal(p, p_copy), f"{name} differs after resuming from the state_dict"


# --- 09.4 param_groups --------------------------------------------------------------------------


@pytest.mark.exercise("09.4")
@pytest.mark.parametrize("positions", ["learned", "rope"])
@pytest.mark.parametrize("bias", [True, False])
def test_09_4_param_groups_decay_exactly_the_linear_weights(positions, bias):
    model = tiny_gpt(positions=positions, bias=bias)
    groups = param_groups(model, 0.1)
    assert len(groups) == 2
    assert groups[0]["weight_decay"] == 0.1 and groups[1]["weight_decay"] == 0.0
    names = {id(p): name for name, p in model.named_parameters()}
    decay = [names[id(p)] for p in groups[0]["params"]]
    no_decay = [names[id(p)] for p in groups[1]["params"]]
    expected_decay = [f"blocks.{i}.{layer}.weight" for i in range(2)
                      for layer in ("attn.qkv", "attn.proj", "mlp.fc", "mlp.proj")]
    assert decay == expected_decay
    assert no_decay == [name for name in names.values() if name not in expected_decay], \
        "no_decay must hold every other parameter, in the order of named_parameters()"
    assert "wte.weight" in no_decay, "the token table (tied to lm_head) must not decay"
    assert ("wpe.weight" in no_decay) == (positions == "learned")
    for name in no_decay:
        assert re.fullmatch(r"wte\.weight|wpe\.weight|.*\.bias|(.*\.)?ln_(1|2|f)\.weight", name), \
            f"{name} should not be in no_decay"
    all_ids = [id(p) for group in groups for p in group["params"]]
    assert sorted(all_ids) == sorted(id(p) for p in model.parameters()), \
        "every parameter must appear exactly once"
    torch.optim.AdamW(groups)  # torch refuses a parameter that appears in two groups


@pytest.mark.exercise("09.4")
def test_09_4_param_groups_on_other_modules():
    model = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 4), nn.LayerNorm(4),
                          nn.Conv1d(4, 2, 3))
    decay, no_decay = (group["params"] for group in param_groups(model, 0.5))
    assert [p.shape for p in decay] == [(4, 3), (2, 4, 3)]  # Linear and Conv1d weights
    assert [p.shape for p in no_decay] == [(5, 3), (4,), (4,), (4,), (2,)]


# --- 09.5 lr_at ---------------------------------------------------------------------------------


def torch_schedule(max_lr: float, min_lr: float, warmup: int, decay: int) -> list[float]:
    """The rates of steps 0 .. decay from torch's schedulers, for warmup >= 1 and decay >
    warmup: LinearLR over the warmup, CosineAnnealingLR from the milestone."""
    p = nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([p], lr=max_lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's own step(0) at the milestone
        scheduler = SequentialLR(optimizer, [
            LinearLR(optimizer, start_factor=1 / warmup, end_factor=1.0,
                     total_iters=warmup - 1),
            CosineAnnealingLR(optimizer, T_max=decay - warmup, eta_min=min_lr)],
            milestones=[warmup])
        rates = []
        for _ in range(decay + 1):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return rates


@pytest.mark.exercise("09.5")
@pytest.mark.parametrize(("max_lr", "min_lr", "warmup", "decay"),
                         [(1e-3, 1e-4, 10, 100), (6e-4, 6e-5, 1, 20), (3e-3, 0.0, 5, 6),
                          (1.0, 0.5, 25, 60), (1e-3, 1e-3, 3, 30)])
def test_09_5_lr_at_equals_torch_sequential_lr(max_lr, min_lr, warmup, decay):
    want = torch_schedule(max_lr, min_lr, warmup, decay)
    got = [lr_at(step, max_lr, min_lr, warmup, decay) for step in range(decay + 1)]
    assert all(isinstance(lr, float) for lr in got)
    for step, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == pytest.approx(w, rel=1e-9, abs=1e-12 * max_lr), f"step {step}"


@pytest.mark.exercise("09.5")
def test_09_5_lr_at_hand_computed_values():
    def at(step, warmup=10, decay=100):
        return lr_at(step, 1e-3, 1e-4, warmup, decay)

    assert at(0) == pytest.approx(1e-4, rel=1e-12)  # max_lr / warmup: step 0 already moves
    assert at(4) == pytest.approx(5e-4, rel=1e-12)
    assert at(9) == pytest.approx(1e-3, rel=1e-12)  # the end of the warmup reaches the peak
    assert at(10) == pytest.approx(1e-3, rel=1e-12)  # the cosine starts at the peak
    assert at(55) == pytest.approx(5.5e-4, rel=1e-12)  # its midpoint: (max + min) / 2
    assert at(100) == pytest.approx(1e-4, rel=1e-12)  # its end: min_lr
    assert at(101) == at(5000) == 1e-4  # and min_lr ever after
    assert all(at(s) >= at(s + 1) for s in range(10, 120)), "the decay must never go up"
    assert at(0, warmup=0) == pytest.approx(1e-3, rel=1e-12)  # no warmup: the peak at once
    assert at(50, warmup=0) == pytest.approx(5.5e-4, rel=1e-12)
    assert at(10, warmup=10, decay=10) == pytest.approx(1e-3, rel=1e-12)  # no decay phase
    assert at(11, warmup=10, decay=10) == 1e-4


# --- 09.6 clip_grad_norm ------------------------------------------------------------------------


def params_with_grads(dtype: torch.dtype, scale: float) -> list[nn.Parameter]:
    """Three parameters with seeded gradients, and one without a gradient."""
    params = []
    for i, shape in enumerate([(3, 4), (5,), (2, 2, 2)]):
        p = nn.Parameter(torch.zeros(shape, dtype=dtype))
        p.grad = torch.randn(shape, generator=gen(20 + i), dtype=dtype) * scale
        params.append(p)
    return params + [nn.Parameter(torch.zeros(2, dtype=dtype))]


@pytest.mark.exercise("09.6")
@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-12), (torch.float32, 1e-6)])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])  # the norm is about 4.7: clipped, then not
def test_09_6_clip_grad_norm_equals_torch(dtype, tol, max_norm):
    ours, theirs = params_with_grads(dtype, 1.0), params_with_grads(dtype, 1.0)
    total = clip_grad_norm(ours, max_norm)
    total_ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm)
    assert isinstance(total, torch.Tensor) and total.ndim == 0
    close(total, total_ref, tol, "returned norm (before clipping)")
    for i, (p, p_ref) in enumerate(zip(ours, theirs, strict=True)):
        if p_ref.grad is None:
            assert p.grad is None, "a parameter without a gradient must keep none"
        else:
            close(p.grad, p_ref.grad, tol, f"gradient {i}")
    after = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in ours[:3]]))
    assert after.item() == pytest.approx(min(max_norm, total.item()), rel=1e-5)


@pytest.mark.exercise("09.6")
def test_09_6_clip_grad_norm_takes_a_generator_of_parameters():
    model = nn.Linear(4, 3).double()
    model(torch.randn(8, 4, generator=gen(0), dtype=torch.float64)).pow(2).sum().backward()
    reference = copy.deepcopy(model)  # deepcopy leaves the gradients behind
    for p, p_ref in zip(model.parameters(), reference.parameters(), strict=True):
        p_ref.grad = p.grad.clone()
    total = clip_grad_norm(model.parameters(), 0.1)
    total_ref = torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.1)
    close(total, total_ref, 1e-12, "norm")
    for p, p_ref in zip(model.parameters(), reference.parameters(), strict=True):
        close(p.grad, p_ref.grad, 1e-12, "gradient")


# --- 09.7 accumulate_gradients ------------------------------------------------------------------


class FakeDDP(nn.Module):
    """A stand-in for DistributedDataParallel: a no_sync() context, and a log of whether each
    forward and backward ran while synchronising and under autocast."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module
        self.syncing, self.in_autocast, self.log = True, False, []

    @contextlib.contextmanager
    def no_sync(self):
        self.syncing = False
        try:
            yield
        finally:
            self.syncing = True

    @contextlib.contextmanager
    def autocast(self):
        self.in_autocast = True
        try:
            yield
        finally:
            self.in_autocast = False

    def forward(self, x, y):
        self.log.append(("forward", self.syncing, self.in_autocast))
        logits, loss = self.module(x, y)
        loss.register_hook(lambda grad: self.log.append(("backward", self.syncing)))
        return logits, loss


def micro_batches(k: int, b: int = 2, t: int = 12) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(random_ids((b, t), seed=30 + i), random_ids((b, t), seed=60 + i)) for i in range(k)]


@pytest.mark.exercise("09.7")
@pytest.mark.parametrize("k", [1, 3])
def test_09_7_accumulated_gradient_equals_the_full_batch_gradient(k):
    model = tiny_gpt()
    reference = copy.deepcopy(model)
    batches = micro_batches(k)
    loss = accumulate_gradients(model, batches)
    x = torch.cat([x for x, _ in batches])  # (k * 2, 12)
    y = torch.cat([y for _, y in batches])
    _, loss_ref = reference(x, y)
    loss_ref.backward()
    assert isinstance(loss, float)
    assert loss == pytest.approx(loss_ref.item(), rel=TOL), \
        "return the mean of the micro-batch losses (not their sum, not the last one)"
    for (name, p), p_ref in zip(model.named_parameters(), reference.parameters(), strict=True):
        close(p.grad, p_ref.grad, TOL, f"gradient of {name}")


@pytest.mark.exercise("09.7")
def test_09_7_only_the_last_micro_batch_synchronises():
    wrapper = FakeDDP(tiny_gpt())
    accumulate_gradients(wrapper, micro_batches(3), autocast=wrapper.autocast)
    assert wrapper.log == [("forward", False, True), ("backward", False),
                           ("forward", False, True), ("backward", False),
                           ("forward", True, True), ("backward", True)], \
        "micro-batches 1 and 2 must run forward AND backward inside model.no_sync(), the " \
        "last one outside it, and every forward under autocast()"


@pytest.mark.exercise("09.7")
def test_09_7_accumulate_gradients_uses_the_given_sync_context():
    seen = []

    def sync(is_last):
        seen.append(is_last)
        return contextlib.nullcontext()

    accumulate_gradients(tiny_gpt(), micro_batches(4), sync=sync)
    assert seen == [False, False, False, True]


# --- 09.8 evaluate ------------------------------------------------------------------------------


def splits() -> dict[str, np.ndarray]:
    return {"train": random_ids((300,), seed=5).numpy().astype(np.uint16),
            "val": random_ids((120,), seed=6).numpy().astype(np.uint16)}


@pytest.mark.exercise("09.2", "09.8")
def test_09_8_evaluate_is_the_mean_loss_over_fixed_batches():
    model = tiny_gpt(dropout=0.2)  # in train mode, two evaluations would differ
    model.train()
    modes = []
    model.register_forward_hook(
        lambda module, args, out: modes.append((module.training, torch.is_grad_enabled())))
    first = evaluate(model, splits(), batches=3, batch_size=4, block_size=8, seed=7)
    second = evaluate(model, splits(), batches=3, batch_size=4, block_size=8, seed=7)
    assert first == second, "every evaluation must draw the same batches (a generator seeded " \
                            "with `seed` for each split) with dropout off (eval mode)"
    assert list(first) == ["train", "val"] and all(isinstance(v, float) for v in first.values())
    assert modes == [(False, False)] * 12, "run in eval mode and under torch.no_grad()"
    assert model.training, "evaluate must put the model back in the mode it found"
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    for name, data in splits().items():
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            losses = [model(*get_batch(data, 4, 8, g))[1].item() for _ in range(3)]
        assert first[name] == pytest.approx(statistics.fmean(losses), rel=1e-12, abs=1e-12)
    evaluate(model, splits(), batches=1, batch_size=2, block_size=8)
    assert not model.training, "a model in eval mode stays in eval mode"


# --- 09.9 checkpoints ---------------------------------------------------------------------------


def trained_model_and_optimizer(seed: int = 0) -> tuple[GPT, AdamW]:
    """A tiny GPT after two AdamW steps, so that the optimiser has state to save."""
    model = tiny_gpt(seed)
    groups = [{"params": [p for p in model.parameters() if p.ndim >= 2], "weight_decay": 0.1},
              {"params": [p for p in model.parameters() if p.ndim < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=1e-3, foreach=False)  # independent of 09.3
    for i in range(2):
        optimizer.zero_grad()
        model(random_ids((2, 8), seed=i), random_ids((2, 8), seed=10 + i))[1].backward()
        optimizer.step()
    return model, optimizer


def next_draws(batch_generator: torch.Generator) -> dict:
    """The next values of every generator a run uses (gauss draws use the cached ones)."""
    return {"torch": torch.rand(4), "python": (random.random(), random.gauss(0.0, 1.0)),
            "numpy": (np.random.rand(3), np.random.randn()),
            "batch": torch.randint(1000, (6,), generator=batch_generator)}


def assert_same(got, want, where: str = "state") -> None:
    """Equal structure and values, tensors exactly."""
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor) and got.dtype == want.dtype, where
        assert torch.equal(got, want), f"{where} differs"
    elif isinstance(want, np.ndarray):
        assert np.array_equal(got, want), f"{where} differs"
    elif isinstance(want, dict):
        assert set(got) == set(want), f"{where}: keys {sorted(got)} != {sorted(want)}"
        for key in want:
            assert_same(got[key], want[key], f"{where}[{key!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: length differs"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


CONFIG = {"n_layer": 2, "learning_rate": 1e-3, "data": "shakespeare_char", "compile": False,
          "dims": [16, 2], "note": None}


def save_after_draws(path, model, optimizer, batch_generator):
    """Seed and draw from every generator (leaving cached gauss values), save, and return what
    each generator gives next."""
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    random.gauss(0.0, 1.0)  # Python keeps the second value of the pair for the next call
    np.random.randn()  # NumPy too
    torch.randint(10, (3,), generator=batch_generator)
    save_checkpoint(path, model=model, optimizer=optimizer, step=7, config=CONFIG,
                    batch_generator=batch_generator, extra={"best_val_loss": 2.5})
    return next_draws(batch_generator)


@pytest.mark.exercise("09.9")
def test_09_9_checkpoint_round_trips_weights_optimizer_step_config_and_rng(tmp_path,
                                                                         keep_global_rng):
    model, optimizer = trained_model_and_optimizer()
    path = tmp_path / "ckpt.pt"
    expected = save_after_draws(path, model, optimizer, gen(5))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"], \
        "write <path>.tmp, then os.replace it onto path: nothing else may be left"
    raw = torch.load(path, weights_only=True)  # only tensors and plain values inside
    assert {"model", "optimizer", "step", "config", "rng", "format", "digest"} <= set(raw)

    random.seed(99)  # every generator somewhere else
    np.random.seed(99)
    torch.manual_seed(99)
    fresh, fresh_optimizer = trained_model_and_optimizer(seed=1)
    fresh_optimizer.param_groups[0]["lr"] = 0.5
    batch_generator = gen(123)
    state = load_checkpoint(path)
    step = restore_checkpoint(state, model=fresh, optimizer=fresh_optimizer,
                              batch_generator=batch_generator)
    assert step == 7 and state["step"] == 7
    assert state["config"] == CONFIG and state["best_val_loss"] == 2.5
    assert_same(next_draws(batch_generator), expected, "the next random draws")
    assert_same(fresh.state_dict(), model.state_dict(), "model")
    assert_same(fresh_optimizer.state_dict(), optimizer.state_dict(), "optimizer")

    for m, o in ((model, optimizer), (fresh, fresh_optimizer)):  # and training goes on alike
        o.zero_grad()
        m(random_ids((2, 8), seed=40), random_ids((2, 8), seed=41))[1].backward()
        o.step()
    assert_same(fresh.state_dict(), model.state_dict(), "model one step after resuming")


@pytest.mark.exercise("09.9")
def test_09_9_saving_again_replaces_the_checkpoint_atomically(tmp_path, keep_global_rng,
                                                              monkeypatch):
    model, optimizer = trained_model_and_optimizer()
    path = tmp_path / "ckpt.pt"
    save_after_draws(path, model, optimizer, gen(5))
    save_checkpoint(path, model=model, optimizer=optimizer, step=8, config=CONFIG,
                    batch_generator=gen(5))
    assert load_checkpoint(path)["step"] == 8
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]

    def crash(state, f, *args, **kwargs):  # the machine dies halfway through writing
        f.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("no space left on device")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="no space"):
        save_checkpoint(path, model=model, optimizer=optimizer, step=9, config=CONFIG,
                        batch_generator=gen(5))
    monkeypatch.undo()
    assert load_checkpoint(path)["step"] == 8, "a failed save must leave the old checkpoint"


@pytest.mark.exercise("09.9")
def test_09_9_damaged_checkpoints_raise_checkpoint_error(tmp_path, keep_global_rng):
    model, optimizer = trained_model_and_optimizer()
    path = tmp_path / "ckpt.pt"
    save_after_draws(path, model, optimizer, gen(5))
    data = path.read_bytes()

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match=re.escape(str(truncated)) + ".*resume"):
        load_checkpoint(truncated)

    flipped = tmp_path / "flipped.pt"
    needle = model.wte.weight.detach().numpy().tobytes()[80:112]  # inside the token table
    at = data.find(needle)
    assert at > 0
    damaged = bytearray(data)
    damaged[at + 5] ^= 0x01  # one bit of one weight: torch.load itself does not notice
    flipped.write_bytes(bytes(damaged))
    with pytest.raises(CheckpointError, match=re.escape(str(flipped)) + ".*digest"):
        load_checkpoint(flipped)

    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"this is not a checkpoint at all")
    with pytest.raises(CheckpointError, match=re.escape(str(garbage))):
        load_checkpoint(garbage)

    not_a_checkpoint = tmp_path / "weights.pt"
    torch.save({"model": model.state_dict()}, not_a_checkpoint)
    with pytest.raises(CheckpointError, match=re.escape(str(not_a_checkpoint)) + ".*missing"):
        load_checkpoint(not_a_checkpoint)


# --- the training loop: shared helpers ----------------------------------------------------------

# A small text with a little structure: a model that learns anything beats ln(vocab) on it.
CORPUS = ("the cat sat on the mat, and the dog lay by the door.\n"
          "we sing; you hum? they dance! i read a book.\n"
          "quick brown foxes jump over lazy dogs.\n") * 40
TIMING_KEYS = ("seconds", "tokens_per_s")
CLI = [sys.executable, "-m", "modules.m09_training.train"]


def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    if not path.is_file():
        path.write_text(CORPUS, encoding="utf-8")
    return path


def loop_config(tmp_path: Path, out: str = "run", **changes) -> TrainConfig:
    """The tiny config on the test corpus, on the CPU in float32, writing to tmp_path/out."""
    base = dict(data=str(corpus_file(tmp_path)), out_dir=str(tmp_path / out), device="cpu",
                dtype="float32", max_iters=4, lr_decay_iters=4, warmup_iters=1,
                eval_interval=2, eval_iters=2, log_interval=1, sample_interval=0)
    return dataclasses.replace(CONFIGS["tiny"], **{**base, **changes})


def run(config: TrainConfig, resume: bool = False):
    with global_rng_kept():
        return train(config, resume=resume, progress=False)


def cli_args(config: TrainConfig) -> list[str]:
    """The command-line flags that rebuild `config` from the tiny config."""
    tiny = config_dict(CONFIGS["tiny"])
    sets = [f"--set={key}={value}" for key, value in config_dict(config).items()
            if value != tiny[key] and key != "out_dir"]
    return ["--config", "tiny", "--out-dir", config.out_dir, "--no-progress", *sets]


def run_child(command: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def check_child(result: subprocess.CompletedProcess) -> None:
    """Fail with the child's stderr; a NotImplementedError in it (an exercise still stubbed)
    is raised as one, so that the scaffold check sees it."""
    if result.returncode == 0:
        return
    tail = result.stderr[-4000:]
    if "NotImplementedError" in result.stderr:
        raise NotImplementedError(tail)
    pytest.fail(f"{' '.join(result.args[:6])} ... exited with {result.returncode}:\n{tail}")


def weights(out_dir: str | Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(Path(out_dir) / "ckpt.pt")["model"]


def comparable(records: list[dict]) -> list[dict]:
    """The train, eval and sample records without their timings."""
    return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in records
            if r["kind"] in ("train", "eval", "sample")]


# --- configurations (provided) ---------------------------------------------------------------

def test_configs_cpu_and_gpu_are_nanogpts():
    cpu = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12, max_iters=2000,
               lr_decay_iters=2000, dropout=0.0, learning_rate=1e-3, min_lr=1e-4,
               warmup_iters=100, beta2=0.99, weight_decay=0.1, grad_clip=1.0, eval_iters=20,
               eval_interval=250, grad_accum_steps=1, bias=False)
    gpu = dict(n_layer=6, n_head=6, n_embd=384, block_size=256, batch_size=64, max_iters=5000,
               lr_decay_iters=5000, dropout=0.2, learning_rate=1e-3, min_lr=1e-4,
               warmup_iters=100, beta2=0.99, weight_decay=0.1, grad_clip=1.0, eval_iters=200,
               eval_interval=250, grad_accum_steps=1, bias=False)
    for name, want in (("cpu", cpu), ("gpu", gpu)):
        config = load_config(name)
        got = {key: getattr(config, key) for key in want}
        assert got == want, f"config {name!r}"
        assert Path(config.out_dir) == RUNS_DIR / name
    tiny = CONFIGS["tiny"]
    assert (tiny.n_layer, tiny.n_head, tiny.n_embd, tiny.block_size) == (2, 2, 32, 32)


def test_config_unknown_names_and_keys_are_errors_that_list_the_valid_ones():
    with pytest.raises(ValueError, match="valid keys: n_layer"):
        load_config("cpu", {"learning_rat": 1e-3})
    with pytest.raises(ValueError, match="cpu"):
        load_config("laptop")
    with pytest.raises(ValueError, match="lr-too-high"):
        load_config("cpu", pathology="too-hot")
    with pytest.raises(ValueError, match="min_lr"):
        load_config("cpu", {"min_lr": 1.0})
    with pytest.raises(ValueError, match="batch_size needs a int"):
        load_config("cpu", {"batch_size": "twelve"})
    with pytest.raises(TypeError, match="n_layer must be a int"):
        load_config("cpu", {"n_layer": 2.5})


def test_config_overrides_from_the_command_line_are_converted():
    config = load_config("tiny", {"batch_size": "3", "learning_rate": "2e-3", "bias": "true",
                                  "positions": "rope", "compile": "no"})
    assert (config.batch_size, config.learning_rate, config.bias, config.positions,
            config.compile) == (3, 2e-3, True, "rope", False)


def test_pathologies_apply_their_overrides_on_top_of_a_config():
    base = load_config("cpu")
    assert set(PATHOLOGY_DESCRIPTIONS) == set(PATHOLOGIES)
    for name, overrides in PATHOLOGIES.items():
        assert PATHOLOGY_DESCRIPTIONS[name], name
        config = load_config("cpu", pathology=name)
        for key, value in config_dict(config).items():
            if key == "out_dir":
                assert Path(value) == RUNS_DIR / f"cpu-{name}"
            else:
                assert value == overrides.get(key, getattr(base, key)), (name, key)
    # an explicit override wins over the pathology's
    assert load_config("cpu", {"learning_rate": 5e-2}, pathology="lr-too-high").learning_rate \
        == 5e-2


def test_config_files_toml_and_json_start_from_a_base(tmp_path):
    toml = tmp_path / "mine.toml"
    toml.write_text('base = "tiny"\nmax_iters = 7\nlearning_rate = 1e-3\n')
    config = load_config(toml)
    assert (config.max_iters, config.learning_rate, config.n_embd) == (7, 1e-3, 32)
    assert Path(config.out_dir) == RUNS_DIR / "mine"
    data = tmp_path / "other.json"
    data.write_text(json.dumps({"n_layer": 2, "out_dir": str(tmp_path / "x")}))
    config = load_config(data, {"seed": "3"})
    assert (config.n_layer, config.n_embd, config.seed) == (2, 128, 3)  # cpu defaults
    assert config.out_dir == str(tmp_path / "x")
    data.write_text(json.dumps({"n_layers": 2}))
    with pytest.raises(ValueError, match="unknown config key 'n_layers'"):
        load_config(data)
    data.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_config(data)


def test_cli_refuses_a_bad_config_before_training(capsys):
    with pytest.raises(SystemExit, match="unknown config 'laptop'"):
        main(["--config", "laptop"])
    with pytest.raises(SystemExit, match="unknown config key 'lr'"):
        main(["--config", "tiny", "--set", "lr=1"])
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        main(["--config", "tiny", "--set", "lr"])


# --- metrics, plots, distributed helpers (provided) ------------------------------------------

def test_metrics_append_read_and_truncate_keeping_a_backup(tmp_path):
    path = tmp_path / "metrics.jsonl"
    with MetricsWriter(path) as log:
        for step in (1, 2, 3):
            log.write("train", step, loss=torch.tensor(2.0 / step), lr=1e-3, grad_norm=math.inf)
    with MetricsWriter(path) as log:  # appends
        log.write("eval", 3, train_loss=0.5, val_loss=np.float32(0.75))
    records = read_metrics(path)
    assert [r["kind"] for r in records] == ["train"] * 3 + ["eval"]
    assert records[1]["loss"] == 1.0 and records[0]["grad_norm"] is None  # inf -> null
    assert read_metrics(path, "eval") == [{"kind": "eval", "step": 3, "train_loss": 0.5,
                                           "val_loss": 0.75}]
    with path.open("a") as f:
        f.write('{"kind": "train", "st')  # a line cut by a crash
    assert len(read_metrics(path)) == 4
    backup = truncate_after(path, 2)
    assert backup == tmp_path / "metrics.jsonl.bak" and backup.read_text().count("\n") == 4
    assert [r["step"] for r in read_metrics(path)] == [1, 2]
    assert truncate_after(path, 5) is None  # nothing after step 5: left alone
    with pytest.raises(ValueError, match="kind"):
        MetricsWriter(tmp_path / "m2.jsonl").write("loss", 1)


def test_plots_draw_runs_from_metrics(tmp_path):
    runs = {}
    for name, scale in (("healthy", 1.0), ("lr-too-high", 3.0)):
        path = tmp_path / name / "metrics.jsonl"
        with MetricsWriter(path) as log:
            for step in range(1, 21):
                log.write("train", step, loss=scale * 4 / step ** 0.5, lr=1e-3 * min(1, step / 5),
                          grad_norm=scale / step)
                if step % 10 == 0:
                    log.write("eval", step, train_loss=2.0, val_loss=2.1)
        runs[name] = path.parent
    figure = Figure()
    axes = figure.subplots(2, 2).ravel()
    plot_loss_curve(axes[0], runs["healthy"], vocab_size=65)
    plot_runs(axes[1], runs)
    plot_lr(axes[2], read_metrics(runs["healthy"] / "metrics.jsonl"))
    plot_grad_norms(axes[3], runs["lr-too-high"], clip=1.0)
    assert axes[1].get_yscale() == "log" and len(axes[1].get_legend().get_texts()) == 2
    png = save_loss_plot(runs["healthy"], tmp_path / "loss.png", vocab_size=65)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_distributed_helpers_in_one_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    info = setup(torch.device("cpu"))
    assert (info.rank, info.world_size, info.is_main, info.distributed) == (0, 1, True, False)
    model = torch.nn.Linear(3, 2)
    assert check_in_sync(model, info) is True
    assert parameter_checksum(model).shape == (4,)  # sum and sum of squares per tensor
    batch = torch.arange(12).view(6, 2)
    assert torch.equal(rank_slice(batch, DistInfo(1, 1, 3, torch.device("cpu"))), batch[2:4])
    with pytest.raises(ValueError, match="split evenly"):
        rank_slice(batch, DistInfo(0, 0, 4, torch.device("cpu")))


# --- the training loop (09.9: every exercise) ------------------------------------------------

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One run of the tiny config (60 steps) on the test corpus, shared by two tests."""
    tmp_path = tmp_path_factory.mktemp("tiny_run")
    config = loop_config(tmp_path, max_iters=60, lr_decay_iters=60, warmup_iters=5,
                         learning_rate=1e-2, min_lr=1e-3, eval_interval=20, eval_iters=4,
                         log_interval=5, sample_interval=30, sample_tokens=40)
    return config, run(config)


@pytest.mark.exercise("09.9")
def test_09_9_loss_goes_down_on_a_small_corpus(tiny_run):
    config, result = tiny_run
    uniform = math.log(len(set(CORPUS)))
    evals = read_metrics(Path(config.out_dir) / "metrics.jsonl", "eval")
    assert evals[0]["step"] == 0 and abs(evals[0]["val_loss"] - uniform) < 0.1, \
        f"the first loss should be about ln(vocab) = {uniform:.2f}, got {evals[0]['val_loss']}"
    assert result.step == 60 and len(result.losses) == 60
    assert result.train_loss < 0.5 * uniform and result.val_loss < 0.5 * uniform, \
        f"after 60 steps the loss should be well below ln(vocab) = {uniform:.2f}: {result}"


@pytest.mark.exercise("09.9")
def test_09_9_metrics_jsonl_and_loss_png_are_written(tiny_run):
    config, result = tiny_run
    out_dir = Path(config.out_dir)
    lines = (out_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    kinds = [r["kind"] for r in records]
    assert kinds[0] == "run" and records[0]["config"] == config_dict(config)
    fields = {"train": {"step", "loss", "lr", "grad_norm", "tokens", "seconds", "tokens_per_s"},
              "eval": {"step", "train_loss", "val_loss", "ranks_in_sync", "world_size"},
              "sample": {"step", "text"}}
    for record in records[1:]:
        assert fields[record["kind"]] <= set(record), record
    train_records = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train_records] == list(range(5, 61, 5))
    assert train_records[-1]["tokens"] == 60 * config.tokens_per_step()
    assert all(r["grad_norm"] > 0 and r["tokens_per_s"] > 0 for r in train_records)
    assert [r["step"] for r in records if r["kind"] == "eval"] == [0, 20, 40, 60]
    assert all(r["ranks_in_sync"] is True and r["world_size"] == 1
               for r in records if r["kind"] == "eval")
    samples = [r for r in records if r["kind"] == "sample"]
    assert [r["step"] for r in samples] == [30, 60] and len(samples[0]["text"]) == 40
    assert (out_dir / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert load_checkpoint(out_dir / "ckpt.pt")["step"] == 60
    assert result.tokens_per_s > 0


@pytest.mark.exercise("09.9")
def test_09_9_resume_continues_bit_for_bit(tmp_path):
    """20 steps in one go == 10 steps, a crash, a resume, 10 more: weights, AdamW's moments,
    every generator and the logged losses, with dropout on (so the torch RNG matters) and two
    micro-batches per step."""
    config = loop_config(tmp_path, max_iters=20, lr_decay_iters=20, warmup_iters=5,
                         dropout=0.1, grad_accum_steps=2, eval_interval=5, sample_interval=5,
                         sample_tokens=20)
    straight = dataclasses.replace(config, out_dir=str(tmp_path / "straight"))
    run(straight)
    run(dataclasses.replace(config, max_iters=10))
    metrics = Path(config.out_dir) / "metrics.jsonl"
    with metrics.open("a") as f:  # what the run logged after its checkpoint before it died
        f.write(json.dumps({"kind": "train", "step": 11, "loss": 9.9}) + "\n")
    run(config, resume=True)

    a, b = load_checkpoint(Path(straight.out_dir) / "ckpt.pt"), load_checkpoint(metrics.parent
                                                                                / "ckpt.pt")
    assert a["step"] == b["step"] == 20
    for name, tensor in a["model"].items():
        assert torch.equal(tensor, b["model"][name]), f"weight {name} differs after resuming"
    assert a["optimizer"]["param_groups"] == b["optimizer"]["param_groups"]
    for index, state in a["optimizer"]["state"].items():
        for key, tensor in state.items():
            assert torch.equal(tensor, b["optimizer"]["state"][index][key]), \
                f"optimizer state {key} of parameter {index} differs after resuming"
    assert torch.equal(a["rng"]["torch"], b["rng"]["torch"])
    assert torch.equal(a["rng"]["batch"], b["rng"]["batch"])
    assert comparable(read_metrics(metrics)) == comparable(read_metrics(tmp_path / "straight"
                                                                        / "metrics.jsonl"))
    assert "9.9" in (metrics.parent / "metrics.jsonl.bak").read_text()


@pytest.mark.exercise("09.9")
def test_09_9_same_seed_same_weights_other_seed_other_weights(tmp_path):
    runs = {}
    for out, seed in (("a", 1), ("b", 1), ("c", 2)):
        config = loop_config(tmp_path, out, seed=seed, dropout=0.1)
        runs[out] = (run(config).losses, weights(config.out_dir))
    assert runs["a"][0] == runs["b"][0]
    for name, tensor in runs["a"][1].items():
        assert tensor.numpy().tobytes() == runs["b"][1][name].numpy().tobytes(), name
    assert runs["a"][0] != runs["c"][0]
    assert not torch.equal(runs["a"][1]["wte.weight"], runs["c"][1]["wte.weight"])


@pytest.mark.exercise("09.9")
def test_09_9_a_new_run_moves_the_old_one_aside(tmp_path, capsys):
    config = loop_config(tmp_path, max_iters=2, lr_decay_iters=2)
    run(config)
    first = weights(config.out_dir)
    run(dataclasses.replace(config, seed=5))
    out_dir = Path(config.out_dir)
    previous = sorted(out_dir.glob("previous-*"))
    assert len(previous) == 1 and f"moved its files to {previous[0]}" in capsys.readouterr().out
    assert {p.name for p in previous[0].iterdir()} >= {"metrics.jsonl", "ckpt.pt", "loss.png"}
    assert torch.equal(weights(previous[0])["wte.weight"], first["wte.weight"])
    assert [r["kind"] for r in read_metrics(out_dir / "metrics.jsonl")].count("run") == 1


@pytest.mark.exercise("09.9")
def test_09_9_resume_refuses_a_missing_or_different_checkpoint(tmp_path):
    config = loop_config(tmp_path, max_iters=2, lr_decay_iters=2)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        run(config, resume=True)
    run(config)
    with pytest.raises(CheckpointError, match="n_embd"):
        run(dataclasses.replace(config, n_embd=64, max_iters=4), resume=True)
    with pytest.raises(CheckpointError, match="larger --max-iters"):
        run(config, resume=True)


@pytest.mark.exercise("09.9")
def test_09_9_a_damaged_checkpoint_stops_the_cli_with_a_clear_message(tmp_path):
    config = loop_config(tmp_path, max_iters=2, lr_decay_iters=2)
    run(config)
    checkpoint = Path(config.out_dir) / "ckpt.pt"
    intact = checkpoint.read_bytes()
    checkpoint.write_bytes(intact[:len(intact) // 2])  # truncated
    resumed = cli_args(dataclasses.replace(config, max_iters=4))
    result = run_child([*CLI, *resumed, "--resume"])
    if "NotImplementedError" in result.stderr:
        check_child(result)
    assert result.returncode != 0
    assert "corrupted or truncated" in result.stderr and str(checkpoint) in result.stderr
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    checkpoint.write_bytes(b"not a checkpoint at all" * 10)
    with global_rng_kept(), pytest.raises(SystemExit, match="corrupted or truncated"):
        main([*resumed, "--resume"])


@pytest.mark.exercise("09.9")
def test_09_9_torchrun_two_processes_train_as_one_with_twice_the_batch(tmp_path):
    """torchrun, 2 CPU processes (gloo) with batch_size 4 each, against one process with
    batch_size 8, both accumulating 2 micro-batches per step (DDP synchronises on the last
    only): DDP averages the two halves' gradients, so the weights agree up to the order of
    float32 additions in the all-reduce."""
    if not torch.distributed.is_available():
        pytest.skip("this PyTorch build has no torch.distributed")
    common = dict(max_iters=4, lr_decay_iters=4, eval_interval=2, grad_accum_steps=2)
    one = loop_config(tmp_path, "one", batch_size=8, **common)
    run(one)
    two = loop_config(tmp_path, "two", batch_size=4, **common)
    result = run_child([sys.executable, "-m", "torch.distributed.run", "--standalone",
                        "--nproc_per_node=2", "-m", "modules.m09_training.train",
                        *cli_args(two)], timeout=180)
    check_child(result)
    for name, tensor in weights(one.out_dir).items():
        torch.testing.assert_close(weights(two.out_dir)[name], tensor, rtol=1e-5, atol=1e-5,
                                   msg=lambda m, name=name: f"{name}: {m}")
    last = read_metrics(Path(two.out_dir) / "metrics.jsonl", "eval")[-1]
    assert (last["step"], last["ranks_in_sync"], last["world_size"]) == (4, True, 2)
    assert read_metrics(Path(two.out_dir) / "metrics.jsonl", "train")[-1]["tokens"] == \
        4 * 2 * 8 * one.block_size  # steps x micro-batches x global batch x T


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_09_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("09")))
