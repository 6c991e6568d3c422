"""Module 07, the transformer: contracts of LayerNorm, the feed-forward layer, the block, the GPT
model (shapes, causality, weight tying, the KV-cache contract), its initialisation, and its
parameter and FLOP counts.

References are independent of the learner's code: PyTorch's own nn.LayerNorm,
nn.MultiheadAttention (given the same weights and a causal mask), F.linear, F.gelu and
F.layer_norm, compared in float64 to TOL = 1e-10, and a whole GPT assembled from them; a cache
written here that only concatenates keys and values (the KV-cache contract Module 11 relies on,
to 1e-5 in float32); parameter and FLOP counts written out by hand, GPT-2 small's published
124,439,808 parameters, and torch.utils.flop_counter.FlopCounterMode; initial weights checked
against their intended standard deviations in units of the sample's standard error.
Tests of provided code carry no exercise marker.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torch_checks import close as assert_close
from torch_checks import gen, leaf_copy, randn

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.m03_bigram import CharVocab
from modules.m06_attention.positions import RotaryEmbedding
from modules.m07_transformer.block import Block
from modules.m07_transformer.layers import FeedForward, LayerNorm
from modules.m07_transformer.model import GPT, GPTConfig, flops_per_token, parameter_count
from modules.m07_transformer.train_demo import (
    CharData,
    compare_norm_positions,
    flops_breakdown,
    layer_grad_norms,
    parameter_breakdown,
    token_influence,
)

TOL = 1e-10  # float64, the same formulas in another order
CACHE_TOL = 1e-5  # float32, chunks against the whole sequence
GPT2_SMALL = GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)


def close(got: torch.Tensor, want: torch.Tensor, tol: float = TOL, name: str = "") -> None:
    assert_close(got, want, tol, name)


def tiny_config(**changes) -> GPTConfig:
    return GPTConfig(**{"vocab_size": 23, "block_size": 24, "n_layer": 2, "n_head": 4,
                        "n_embd": 32, **changes})


def tiny_gpt(seed: int = 0, **changes) -> GPT:
    return GPT(tiny_config(**changes), generator=gen(seed)).eval()


def random_ids(shape: tuple[int, int], vocab_size: int, seed: int) -> torch.Tensor:
    return torch.randint(vocab_size, shape, generator=gen(seed))


def scramble_(module: nn.Module, seed: int) -> nn.Module:
    """Every parameter random (LayerNorm weights around 1, biases non-zero), so that a
    comparison checks each of them, whatever the initialisation."""
    g = gen(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            std = 0.3 if p.ndim == 1 else 0.15
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * std)
            if p.ndim == 1 and name.endswith("weight"):  # a LayerNorm's scale
                p.add_(1.0)
    return module


def reference_block(block: Block, x: torch.Tensor, norm_position: str) -> torch.Tensor:
    """Block's computation with torch.nn's own layers, holding copies of the block's weights:
    nn.LayerNorm, nn.MultiheadAttention with a causal mask, and F.linear / F.gelu."""
    C, T = x.shape[-1], x.shape[1]
    bias = block.attn.qkv.bias is not None
    ln_1 = nn.LayerNorm(C, bias=bias, dtype=x.dtype)
    ln_2 = nn.LayerNorm(C, bias=bias, dtype=x.dtype)
    attn = nn.MultiheadAttention(C, block.attn.n_head, bias=bias, batch_first=True,
                                 dtype=x.dtype)
    with torch.no_grad():
        pairs = [(ln_1.weight, block.ln_1.weight), (ln_2.weight, block.ln_2.weight),
                 (attn.in_proj_weight, block.attn.qkv.weight),
                 (attn.out_proj.weight, block.attn.proj.weight)]
        if bias:
            pairs += [(ln_1.bias, block.ln_1.bias), (ln_2.bias, block.ln_2.bias),
                      (attn.in_proj_bias, block.attn.qkv.bias),
                      (attn.out_proj.bias, block.attn.proj.bias)]
        for theirs, ours in pairs:
            theirs.copy_(ours)
    future = torch.ones(T, T, dtype=torch.bool).triu(1)  # True = may NOT attend (nn's convention)
    fc, proj = block.mlp.fc, block.mlp.proj

    def self_attention(h):
        return attn(h, h, h, attn_mask=future, need_weights=False)[0]

    def feed_forward(h):
        h = F.gelu(F.linear(h, fc.weight.detach(), None if fc.bias is None else fc.bias.detach()))
        return F.linear(h, proj.weight.detach(), None if proj.bias is None else proj.bias.detach())

    if norm_position == "pre":
        x = x + self_attention(ln_1(x))
        return x + feed_forward(ln_2(x))
    x = ln_1(x + self_attention(x))
    return ln_2(x + feed_forward(x))


def reference_gpt(model: GPT, idx: torch.Tensor, embedding: torch.Tensor | None = None,
                  head: torch.Tensor | None = None) -> torch.Tensor:
    """GPT's logits (B, T, V), learned positions, from torch primitives and the model's weights;
    `embedding` and `head` replace the (tied) token matrix in its two uses."""
    embedding = model.wte.weight.detach() if embedding is None else embedding
    head = model.wte.weight.detach() if head is None else head
    x = F.embedding(idx, embedding) + model.wpe.weight.detach()[:idx.shape[1]]  # (B, T, C)
    for block in model.blocks:
        x = reference_block(block, x, model.config.norm_position)
    ln_f = model.ln_f
    x = F.layer_norm(x, (x.shape[-1],), ln_f.weight.detach(),
                     None if ln_f.bias is None else ln_f.bias.detach())
    return F.linear(x, head)  # (B, T, V)


class ConcatCache:
    """The least a KV cache can do: keep every key and value, concatenated along time."""

    def __init__(self):
        self.k = self.v = None
        self.length = 0

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.k = k if self.k is None else torch.cat([self.k, k], dim=2)  # (B, nh, length, hd)
        self.v = v if self.v is None else torch.cat([self.v, v], dim=2)
        self.length = self.k.shape[2]
        return self.k, self.v


# --- provided code ------------------------------------------------------------------------------


def test_gpt_config_validates_its_fields():
    assert tiny_config().head_dim == 8
    with pytest.raises(ValueError, match="divisible by n_head"):
        GPTConfig(vocab_size=5, n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="even"):
        GPTConfig(vocab_size=5, n_embd=12, n_head=4, positions="rope")  # head_dim 3
    GPTConfig(vocab_size=5, n_embd=12, n_head=4)  # learned positions take an odd head_dim
    with pytest.raises(ValueError, match="positions"):
        GPTConfig(vocab_size=5, positions="sinusoidal")
    with pytest.raises(ValueError, match="norm_position"):
        GPTConfig(vocab_size=5, norm_position="middle")
    with pytest.raises(ValueError, match="dropout"):
        GPTConfig(vocab_size=5, dropout=1.0)
    with pytest.raises(ValueError, match="n_layer"):
        GPTConfig(vocab_size=5, n_layer=0)


def test_gpt_forward_and_generate_reject_bad_input_with_clear_errors():
    model = tiny_gpt()  # vocab_size 23, block_size 24
    idx = random_ids((2, 5), 23, seed=1)
    with pytest.raises(TypeError, match="integer"):
        model(idx.float())
    with pytest.raises(ValueError, match=r"id 23\b.*vocab_size=23"):
        model(torch.tensor([[1, 23, 2]]))
    with pytest.raises(ValueError, match=r"id -1\b"):
        model(torch.tensor([[1, -1, 2]]))
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        model(idx[0])
    with pytest.raises(ValueError, match="block_size=24.*crop"):
        model(random_ids((1, 25), 23, seed=2))
    with pytest.raises(ValueError, match="after 20 cached.*crop"):
        model(idx, caches=[SimpleNamespace(length=20)] * 2)
    with pytest.raises(ValueError, match="one cache per block"):
        model(idx, caches=[ConcatCache()])
    with pytest.raises(ValueError, match="shape of idx"):
        model(idx, targets=idx[:, :4])
    with pytest.raises(TypeError, match="integer"):
        model(idx, targets=idx.float())
    with pytest.raises(ValueError, match="temperature"):
        model.generate(idx, 3, temperature=0.0)


def test_layer_grad_norms_group_the_gradients_by_layer():
    model = tiny_gpt()
    for p in model.parameters():
        p.grad = torch.full_like(p, 2.0)  # the norm of a group is then 2 sqrt(its size)
    norms = layer_grad_norms(model)
    assert list(norms) == ["wte", "wpe", "block 0", "block 1", "ln_f"]
    block_size = sum(p.numel() for p in model.blocks[0].parameters())
    assert norms["block 1"] == pytest.approx(2 * math.sqrt(block_size))
    assert norms["wte"] == pytest.approx(2 * math.sqrt(23 * 32))  # the tied matrix, once


@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_parameter_and_flops_breakdowns_add_up(positions):
    config = tiny_config(positions=positions)
    params = parameter_breakdown(config)
    model = GPT(config)
    assert sum(params.values()) == sum(p.numel() for p in model.parameters())
    C, L = config.n_embd, config.n_layer
    assert params["attention"] == L * (4 * C * C + 4 * C)
    assert params["position table"] == (24 * C if positions == "learned" else 0)
    flops = flops_breakdown(config)
    multiplied = sum(params.values()) - params["position table"]
    assert sum(flops.values()) == 6 * multiplied + 12 * L * C * config.block_size


# --- 07.1 LayerNorm -----------------------------------------------------------------------------


@pytest.mark.exercise("07.1")
@pytest.mark.parametrize("bias", [True, False])
def test_07_1_layernorm_matches_torch_values_and_gradients(bias):
    ours = LayerNorm(6, bias=bias).double()
    theirs = nn.LayerNorm(6, bias=bias).double()
    with torch.no_grad():
        for p_ours, p_theirs, seed in zip(ours.parameters(), theirs.parameters(), (10, 11),
                                          strict=False):
            p_ours.copy_(randn(6, seed=seed))
            p_theirs.copy_(p_ours)
    assert (ours.bias is None) == (not bias)
    x = (randn(3, 5, 6, seed=12) * 4 + 2).requires_grad_()
    x_ref = leaf_copy(x)
    out, ref = ours(x), theirs(x_ref)
    close(out, ref, name="output")
    upstream = randn(3, 5, 6, seed=13)
    out.backward(upstream)
    ref.backward(upstream)
    close(x.grad, x_ref.grad, name="dx")
    close(ours.weight.grad, theirs.weight.grad, name="dweight")
    if bias:
        close(ours.bias.grad, theirs.bias.grad, name="dbias")


# --- 07.2 FeedForward ---------------------------------------------------------------------------


@pytest.mark.exercise("07.2")
@pytest.mark.parametrize("bias", [True, False])
def test_07_2_feedforward_is_linear_gelu_linear(bias):
    ffn = scramble_(FeedForward(8, bias=bias).double(), seed=20).eval()
    assert ffn.fc.weight.shape == (32, 8) and ffn.proj.weight.shape == (8, 32)
    x = randn(2, 5, 8, seed=21).requires_grad_()
    x_ref = leaf_copy(x)
    W1, W2 = leaf_copy(ffn.fc.weight), leaf_copy(ffn.proj.weight)
    b1 = leaf_copy(ffn.fc.bias) if bias else None
    b2 = leaf_copy(ffn.proj.bias) if bias else None
    out = ffn(x)
    ref = F.linear(F.gelu(F.linear(x_ref, W1, b1)), W2, b2)  # exact (erf) GELU
    close(out, ref, name="output")
    upstream = randn(2, 5, 8, seed=22)
    out.backward(upstream)
    ref.backward(upstream)
    close(x.grad, x_ref.grad, name="dx")
    close(ffn.fc.weight.grad, W1.grad, name="dfc.weight")
    close(ffn.proj.weight.grad, W2.grad, name="dproj.weight")


@pytest.mark.exercise("07.2")
def test_07_2_feedforward_applies_dropout_in_training_mode_only():
    ffn = FeedForward(8, dropout=0.5).double()
    x = randn(4, 6, 8, seed=23)
    ffn.train()
    torch.manual_seed(0)
    dropped = ffn(x)
    assert (dropped == 0).float().mean() > 0.3, "about half the outputs should be dropped"
    ffn.eval()
    close(ffn(x), ffn.proj(F.gelu(ffn.fc(x))), name="eval mode: no dropout")


# --- 07.3 the block -----------------------------------------------------------------------------


@pytest.mark.exercise("07.3")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("norm_position", ["pre", "post"])
def test_07_3_block_matches_a_reference_from_torch_nn(norm_position, bias):
    config = tiny_config(bias=bias, norm_position=norm_position)
    block = scramble_(Block(config).double(), seed=30).eval()
    x = randn(3, 10, 32, seed=31)
    close(block(x), reference_block(block, x, norm_position), name=f"{norm_position}-LN block")


@pytest.mark.exercise("07.3")
def test_07_3_pre_ln_keeps_the_residual_path_open():
    # With the sub-layers' output projections at zero, a pre-LN block is the identity: the
    # residual stream passes through untouched. A post-LN block still normalises it.
    for norm_position in ("pre", "post"):
        block = scramble_(Block(tiny_config(norm_position=norm_position)).double(), seed=32)
        with torch.no_grad():
            for layer in (block.attn.proj, block.mlp.proj):
                layer.weight.zero_()
                layer.bias.zero_()
        x = randn(2, 7, 32, seed=33) * 3
        if norm_position == "pre":
            close(block(x), x, name="pre-LN block with silent sub-layers")
        else:
            ln_1, ln_2 = block.ln_1, block.ln_2
            want = F.layer_norm(F.layer_norm(x, (32,), ln_1.weight, ln_1.bias), (32,),
                                ln_2.weight, ln_2.bias)
            close(block(x), want.detach(), name="post-LN block with silent sub-layers")


@pytest.mark.exercise("07.3")
def test_07_3_block_hands_its_cache_to_the_attention():
    config = tiny_config(positions="rope")
    block = scramble_(Block(config, rope=RotaryEmbedding(8, 24)), seed=34).eval()
    x = torch.randn(2, 12, 32, generator=gen(35))
    cache = ConcatCache()
    chunks = [block(x[:, :5], cache=cache), block(x[:, 5:6], cache=cache),
              block(x[:, 6:], cache=cache)]
    assert cache.length == 12
    close(torch.cat(chunks, dim=1), block(x), tol=CACHE_TOL, name="block fed in chunks")


# --- 07.4 the GPT model -------------------------------------------------------------------------


@pytest.mark.exercise("07.4")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_07_4_forward_shapes_and_loss(positions):
    model = tiny_gpt(positions=positions)
    idx, targets = random_ids((3, 11), 23, seed=40), random_ids((3, 11), 23, seed=41)
    logits, loss = model(idx, targets)
    assert logits.shape == (3, 11, 23) and logits.dtype == torch.float32
    assert loss.shape == () and loss.requires_grad
    log_probs = torch.log_softmax(logits.detach().double(), dim=-1)  # (B, T, V)
    want = -log_probs.gather(-1, targets[..., None]).mean()  # mean over all B*T positions
    assert loss.item() == pytest.approx(want.item(), abs=1e-5)
    again, none = model(idx)
    assert none is None
    close(again, logits, tol=0, name="logits without targets")
    assert model(idx[:, :1])[0].shape == (3, 1, 23)
    assert model(random_ids((1, 24), 23, seed=42))[0].shape == (1, 24, 23)  # a full context


@pytest.mark.exercise("07.4")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("norm_position", ["pre", "post"])
def test_07_4_forward_matches_a_reference_from_torch_nn(norm_position, bias):
    model = scramble_(tiny_gpt(bias=bias, norm_position=norm_position).double(), seed=43)
    idx = random_ids((2, 13), 23, seed=44)
    logits, _ = model(idx)
    close(logits, reference_gpt(model, idx), name="logits: embeddings + positions, blocks, "
                                                   "ln_f, tied head")


@pytest.mark.exercise("07.4")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_07_4_is_causal(positions):
    model = tiny_gpt(seed=45, positions=positions)
    idx = random_ids((2, 24), 23, seed=46)
    logits, _ = model(idx)
    for t in (0, 9, 22):  # change token t + 1: positions <= t must not notice
        changed = idx.clone()
        changed[:, t + 1] = (changed[:, t + 1] + 1) % 23
        new, _ = model(changed)
        close(new[:, :t + 1], logits[:, :t + 1], tol=1e-6, name=f"logits up to {t}")
        assert (new[:, t + 1:] - logits[:, t + 1:]).abs().amax() > 1e-3, \
            f"changing token {t + 1} should change the logits from position {t + 1} on"


@pytest.mark.exercise("07.4")
def test_07_4_head_is_tied_to_the_token_embedding():
    model = scramble_(tiny_gpt().double(), seed=47)
    assert model.lm_head.weight is model.wte.weight
    assert model.lm_head.weight.data_ptr() == model.wte.weight.data_ptr()
    names = [name for name, _ in model.named_parameters()]
    assert "wte.weight" in names and "lm_head.weight" not in names  # counted once
    idx, targets = random_ids((2, 9), 23, seed=48), random_ids((2, 9), 23, seed=49)
    _, loss = model(idx, targets)
    loss.backward()
    # untied reference: one copy of the matrix for the lookup, one for the head
    embedding, head = leaf_copy(model.wte.weight), leaf_copy(model.wte.weight)
    logits = reference_gpt(model, idx, embedding=embedding, head=head)
    F.cross_entropy(logits.view(-1, 23), targets.view(-1)).backward()
    assert embedding.grad.abs().sum() > 0 and head.grad.abs().sum() > 0
    close(model.wte.weight.grad, embedding.grad + head.grad, tol=1e-9,
          name="the tied gradient is the sum of both uses")


@pytest.mark.exercise("07.4")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_07_4_kv_cache_chunks_give_the_logits_of_the_whole_sequence(positions):
    # Module 11 feeds a prompt, then one token at a time, with one cache per block: each chunk
    # must sit at positions cache.length, cache.length + 1, ...
    model = tiny_gpt(seed=50, positions=positions)
    idx = random_ids((2, 24), 23, seed=51)
    whole, _ = model(idx)
    caches = [ConcatCache() for _ in model.blocks]
    pieces, start = [], 0
    for size in (5, 1, 4, 2, 8, 4):
        logits, _ = model(idx[:, start:start + size], caches=caches)
        pieces.append(logits)
        start += size
    assert [c.length for c in caches] == [24, 24]
    close(torch.cat(pieces, dim=1), whole, tol=CACHE_TOL, name="logits fed in chunks")
    with pytest.raises(ValueError, match="crop"):  # the cache is full: block_size reached
        model(idx[:, :1], caches=caches)



@pytest.mark.exercise("07.4")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_07_4_fused_kernels_give_the_logits_and_gradients_of_the_course_kernels(positions):
    # fused_kernels=True runs F.layer_norm and F.scaled_dot_product_attention (Module 09's
    # training default); from the same initial weights it must compute the same function.
    ours = tiny_gpt(seed=52, positions=positions).double()
    fused = tiny_gpt(seed=52, positions=positions, fused_kernels=True).double()
    assert "fused=True" in repr(fused.blocks[0].attn) and "fused=True" in repr(fused.ln_f)
    idx = random_ids((2, 24), 23, seed=53)
    (logits, loss), (fused_logits, fused_loss) = ours(idx, idx), fused(idx, idx)
    close(fused_logits, logits, name="logits")
    loss.backward()
    fused_loss.backward()
    for (name, p), q in zip(ours.named_parameters(), fused.parameters(), strict=True):
        close(q.grad, p.grad, name=f"gradient of {name}")

@pytest.mark.exercise("07.4")
def test_07_4_overfits_one_small_batch():
    config = GPTConfig(vocab_size=20, block_size=16, n_layer=2, n_head=4, n_embd=32)
    model = GPT(config, generator=gen(52))
    idx, targets = random_ids((4, 16), 20, seed=53), random_ids((4, 16), 20, seed=54)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    for _ in range(100):
        _, loss = model(idx, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # random targets: nothing to generalise, everything to memorise (ln 20 = 3.0 at the start)
    assert loss.item() < 0.05, f"loss {loss.item():.3f} after 100 AdamW steps on one batch"


@pytest.mark.exercise("07.4")
def test_07_4_generate_appends_seeded_samples_and_crops_the_context():
    model = tiny_gpt(seed=55).train()
    start = random_ids((2, 30), 23, seed=56)  # longer than block_size 24: generate crops it
    out = model.generate(start, 6, generator=gen(57))
    assert out.shape == (2, 36) and torch.equal(out[:, :30], start)
    assert model.training, "generate must restore training mode"
    assert torch.equal(out, model.generate(start, 6, generator=gen(57)))
    # the same draws by hand: softmax of the last logits of the last 24 ids
    model.eval()
    ids, g = start, gen(57)
    with torch.no_grad():
        for _ in range(6):
            probs = F.softmax(model(ids[:, -24:])[0][:, -1], dim=-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1, generator=g)], dim=1)
    assert torch.equal(out, ids)


@pytest.mark.exercise("07.4")
def test_07_4_token_influence_and_training_demo_helpers():
    model = tiny_gpt(seed=58)
    influence = token_influence(model, random_ids((1, 8), 23, seed=59))  # (T, T)
    assert influence.shape == (8, 8)
    assert torch.all(influence.tril(-1) < 1e-6), "no position may see a later token"
    assert torch.all(influence.diagonal() > 0)
    text = "abcabd" * 50
    vocab = CharVocab.from_text(text)
    ids = torch.tensor(vocab.encode(text))
    data = CharData(vocab, ids[:250], ids[250:])
    logs = compare_norm_positions(tiny_config(vocab_size=len(vocab), block_size=8), data,
                                  steps=3, batch_size=4, lr=1e-3)
    assert set(logs) == {"pre", "post"}
    for log in logs.values():
        assert len(log.losses) == 3 and log.norm_steps == [0, 2]
        assert set(log.grad_norms) == {"wte", "wpe", "block 0", "block 1", "ln_f"}
        assert math.isfinite(log.val_loss)
    assert logs["pre"].losses[0] != logs["post"].losses[0]  # two architectures, same batches


# --- 07.5 the GPT-2 initialisation --------------------------------------------------------------


@pytest.mark.exercise("07.5")
def test_07_5_gpt2_initialisation_statistics():
    config = GPTConfig(vocab_size=256, block_size=64, n_layer=4, n_head=4, n_embd=64)
    model = GPT(config)
    model.init_weights(gen(60))
    residual = 0.02 / math.sqrt(2 * config.n_layer)
    for name, p in model.named_parameters():
        if name.endswith("bias"):
            assert torch.count_nonzero(p) == 0, f"{name}: biases start at 0"
        elif p.ndim == 1:
            assert torch.all(p == 1), f"{name}: LayerNorm weights start at 1"
        else:
            want = residual if name.endswith(("attn.proj.weight", "mlp.proj.weight")) else 0.02
            n = p.numel()
            # n normal draws: the sample std has a standard error of want / sqrt(2n), the
            # sample mean one of want / sqrt(n); allow five standard errors for each
            assert abs(p.std().item() - want) < 5 * want / math.sqrt(2 * n), \
                f"{name}: std {p.std().item():.5f}, expected {want:.5f}"
            assert abs(p.mean().item()) < 5 * want / math.sqrt(n), f"{name}: mean not 0"
    assert model.lm_head.weight is model.wte.weight, "initialising must keep the tie"


@pytest.mark.exercise("07.5")
def test_07_5_initialisation_is_seeded_by_the_generator():
    config = tiny_config()
    by_hand = GPT(config)
    by_hand.init_weights(gen(61))
    same, other = GPT(config, generator=gen(61)), GPT(config, generator=gen(62))
    for (name, p), q, r in zip(by_hand.named_parameters(), same.parameters(),
                               other.parameters(), strict=True):
        assert torch.equal(p, q), f"{name}: GPT(config, generator) must run init_weights"
        if p.ndim == 2:
            assert not torch.equal(p, r), f"{name}: another seed should give other weights"


@pytest.mark.exercise("07.5")
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_07_5_initial_loss_is_close_to_ln_vocab_size(positions):
    config = GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=64,
                       positions=positions)
    model = GPT(config)
    model.init_weights(gen(63))
    idx, targets = random_ids((16, 64), 65, seed=64), random_ids((16, 64), 65, seed=65)
    with torch.no_grad():
        _, loss = model(idx, targets)
    # the logits start with a std of about 0.02 * sqrt(n_embd) = 0.16, which raises the loss
    # above ln(65) = 4.174 by about half their variance, 0.013; allow 0.05
    assert loss.item() == pytest.approx(math.log(65), abs=0.05), \
        "at initialisation the model should be close to a uniform guess"


# --- 07.6 counting parameters and FLOPs ---------------------------------------------------------


@pytest.mark.exercise("07.6")
def test_07_6_parameter_count_by_hand():
    config = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=2, n_embd=8)
    # wte 10*8 + wpe 8*8; per block: ln_1 2*8, qkv 24*8+24, proj 8*8+8, ln_2 2*8,
    # fc 32*8+32, proj 8*32+8 = 872; ln_f 2*8; the head is tied and adds nothing
    assert parameter_count(config) == 80 + 64 + 2 * 872 + 16 == 1904
    no_bias = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=2, n_embd=8,
                        bias=False, positions="rope")
    assert parameter_count(no_bias) == 80 + 2 * (8 + 192 + 64 + 8 + 256 + 256) + 8 == 1656


@pytest.mark.exercise("07.6")
@pytest.mark.parametrize("changes", [
    {},
    {"positions": "rope"},
    {"bias": False},
    {"positions": "rope", "bias": False, "norm_position": "post"},
    {"vocab_size": 65, "block_size": 16, "n_layer": 3, "n_head": 6, "n_embd": 48},
    {"vocab_size": 7, "block_size": 5, "n_layer": 1, "n_head": 1, "n_embd": 6},
])
def test_07_6_parameter_count_equals_the_model(changes):
    config = tiny_config(**changes)
    counted = parameter_count(config)
    assert counted == sum(p.numel() for p in GPT(config).parameters()), f"{config}"


@pytest.mark.exercise("07.6")
def test_07_6_gpt2_small_has_124_439_808_parameters():
    # the published size of GPT-2 small with its head tied to the token embedding
    assert parameter_count(GPT2_SMALL) == 124_439_808
    with torch.device("meta"):  # shapes only: no memory, no time
        model = GPT(GPT2_SMALL)
    assert sum(p.numel() for p in model.parameters()) == 124_439_808


@pytest.mark.exercise("07.6")
def test_07_6_flops_per_token_by_hand():
    config = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=2, n_embd=8)
    # N = 1904 - 64 (the position table only adds); attention: 12 * L * C * T = 12 * 2 * 8 * 8
    assert flops_per_token(config) == 6 * (1904 - 64) + 1536 == 12576
    rope = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=2, n_embd=8,
                     positions="rope")
    assert flops_per_token(rope) == 12576  # RoPE has no table to leave out
    assert flops_per_token(GPT2_SMALL) == 6 * (124_439_808 - 1024 * 768) + 12 * 12 * 768 * 1024


@pytest.mark.exercise("07.6")
def test_07_6_flops_per_token_agrees_with_torch_flop_counter():
    config = GPTConfig(vocab_size=50, block_size=32, n_layer=2, n_head=4, n_embd=64,
                       bias=False)
    want = flops_per_token(config)
    model = GPT(config, generator=gen(66))
    idx = random_ids((2, 32), 50, seed=67)
    with FlopCounterMode(display=False) as counter:
        _, loss = model(idx, idx)
        loss.backward()
    measured = counter.get_total_flops() / idx.numel()
    # the counter sees matrix products only: it misses the 6 * (2 L + 1) C FLOPs that the
    # formula gives the LayerNorm weights (0.3% here)
    assert measured == pytest.approx(want, rel=0.01), \
        f"torch counts {measured:,.0f} FLOPs per token, the formula gives {want:,}"


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_07_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("07")))
