"""Module 06, attention: contracts of scaled dot-product attention, the causal mask, one head,
multi-head attention with a KV cache, and the three kinds of positions.

References are independent of the learner's code: torch.nn.functional.scaled_dot_product_attention
(for T_q == T_k, and with an explicit mask where our bottom-right causal alignment differs from
torch's top-left one), torch.nn.MultiheadAttention with the same weights copied in, masks and
attention written out with Python loops, the sinusoid and RoPE formulas evaluated with math.sin
and math.cos one entry at a time, and a trivial KV cache that concatenates. Tolerances: 1e-5 in
float32 and 1e-12 in float64 (both sides compute the same formulas in a different order),
1e-6 against the RoPE formula (its cos/sin tables are stored in float32); statements that must
hold exactly (a causal output does not see later tokens) are checked exactly. Dropout is checked
statistically (the zeroed fraction within 5 binomial standard deviations of p) and exactly (the
kept weights are scaled by 1 / (1 - p); a seed fixes the draws). Tests of provided code carry
no exercise marker and run on the scaffold.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn
from torch_checks import close, gen, randn

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.m06_attention import plots
from modules.m06_attention.attention import (
    attention_weights,
    causal_mask,
    scaled_dot_product_attention,
)
from modules.m06_attention.demos import (
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
    MultiHeadAttention,
    merge_heads,
    split_heads,
)
from modules.m06_attention.positions import (
    LearnedPositions,
    RotaryEmbedding,
    sinusoidal_positions,
)

TOL = {torch.float32: 1e-5, torch.float64: 1e-12}
ROPE_TOL = 1e-6  # RoPE's cos/sin tables are float32 (rounded by < 6e-8) whatever x's dtype
DTYPES = [torch.float32, torch.float64]


def loop_causal_mask(t_q: int, t_k: int) -> torch.Tensor:
    """Bottom-right aligned: query i (the (t_k - t_q + i)-th position) sees keys j <= that."""
    return torch.tensor([[j <= i + t_k - t_q for j in range(t_k)] for i in range(t_q)])


def qkv(batch: tuple[int, ...], t_q: int, t_k: int, d_k: int, d_v: int, dtype, seed: int):
    return (randn(*batch, t_q, d_k, seed=seed, dtype=dtype),
            randn(*batch, t_k, d_k, seed=seed + 1, dtype=dtype),
            randn(*batch, t_k, d_v, seed=seed + 2, dtype=dtype))


class ConcatCache:
    """The simplest cache of the KVCache protocol: concatenate along T and count positions."""

    def __init__(self):
        self.length, self.k, self.v = 0, None, None

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.k = k if self.k is None else torch.cat([self.k, k], dim=2)  # (B, nh, L + T, hd)
        self.v = v if self.v is None else torch.cat([self.v, v], dim=2)
        self.length += k.shape[2]
        return self.k, self.v


def seeded_mha(n_embd: int = 16, n_head: int = 4, seed: int = 0, **kwargs) -> MultiHeadAttention:
    torch.manual_seed(seed)
    return MultiHeadAttention(n_embd, n_head, **kwargs)


def copied_torch_mha(mha: MultiHeadAttention, bias: bool) -> nn.MultiheadAttention:
    ref = nn.MultiheadAttention(mha.n_embd, mha.n_head, bias=bias, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(mha.qkv.weight)
        ref.out_proj.weight.copy_(mha.proj.weight)
        if bias:
            ref.in_proj_bias.copy_(mha.qkv.bias)
            ref.out_proj.bias.copy_(mha.proj.bias)
    return ref.eval()


def upper_minus_inf(t: int) -> torch.Tensor:
    """The causal mask in nn.MultiheadAttention's float form: -inf above the diagonal."""
    return torch.triu(torch.full((t, t), float("-inf")), diagonal=1)


# --- provided code ------------------------------------------------------------------------------


def test_attention_rejects_bad_input_with_clear_errors():
    q, k, v = qkv((2,), 3, 4, 5, 6, torch.float64, seed=0)
    with pytest.raises(ValueError, match="at least 2"):
        scaled_dot_product_attention(q[0, 0], k, v)
    with pytest.raises(ValueError, match="same last dimension"):
        scaled_dot_product_attention(q, k[..., :4], v)
    with pytest.raises(ValueError, match="do not broadcast"):
        scaled_dot_product_attention(q.expand(3, 2, 3, 5), k.expand(4, 2, 4, 5), v)
    with pytest.raises(ValueError, match="same T_k"):
        scaled_dot_product_attention(q, k, v[:, :3])
    with pytest.raises(ValueError, match="does not broadcast"):
        scaled_dot_product_attention(q, k, v, mask=torch.ones(3, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="does not broadcast"):  # the mask may not add batch dims
        scaled_dot_product_attention(q, k, v, mask=torch.ones(5, 2, 3, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="bool"):
        scaled_dot_product_attention(q, k, v, mask=torch.ones(3, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="floating"):
        attention_weights(q.long(), k)
    with pytest.raises(ValueError, match="dropout_p"):
        scaled_dot_product_attention(q, k, v, dropout_p=1.0)


def test_a_query_with_no_key_to_attend_raises_instead_of_returning_nan_or_zeros():
    q, k, v = qkv((2,), 3, 4, 5, 6, torch.float64, seed=1)
    mask = torch.ones(3, 4, dtype=torch.bool)
    mask[1] = False
    with pytest.raises(ValueError, match="no key"):
        scaled_dot_product_attention(q, k, v, mask=mask)
    float_mask = torch.zeros(2, 1, 3, 4, dtype=torch.float64)[0]  # (1, 3, 4), broadcast over batch
    float_mask[0, 2] = float("-inf")
    with pytest.raises(ValueError, match="no key"):
        attention_weights(q, k, mask=float_mask)
    with pytest.raises(ValueError, match="no key"):  # causal with more queries than keys
        attention_weights(k, q, is_causal=True)


def test_learned_positions_look_up_rows_and_refuse_positions_beyond_the_table():
    table = LearnedPositions(8, 5, generator=gen(0))
    assert isinstance(table, nn.Embedding) and table.weight.shape == (8, 5)
    assert table.weight.std().item() == pytest.approx(0.02, rel=0.5)
    torch.testing.assert_close(LearnedPositions(8, 5, generator=gen(0)).weight, table.weight)
    positions = torch.tensor([0, 3, 7])
    assert torch.equal(table(positions), table.weight[positions])
    with pytest.raises(ValueError, match="positions 0..7"):
        table(torch.arange(9))
    with pytest.raises(ValueError, match="positions 0..7"):
        table(torch.tensor([-1]))
    with pytest.raises(TypeError, match="integer"):
        table(torch.arange(3.0))


def test_rotary_tables_are_the_cos_and_sin_of_position_times_frequency():
    rope = RotaryEmbedding(head_dim=6, max_positions=5, base=100.0)
    for p in range(5):
        for i in range(3):
            angle = p * 100.0 ** (-2 * i / 6)
            assert rope.cos[p, i].item() == pytest.approx(math.cos(angle), abs=1e-7)  # float32
            assert rope.sin[p, i].item() == pytest.approx(math.sin(angle), abs=1e-7)
    assert rope.cos.dtype == torch.float32  # so that the module can move to any device
    assert rope.state_dict() == {}  # derived from the arguments, not saved
    with pytest.raises(ValueError, match="even"):
        RotaryEmbedding(5, 10)
    x = randn(2, 3, 6, seed=0)
    with pytest.raises(ValueError, match="positions 0..4"):
        rope(x, torch.tensor([3, 4, 5]))
    with pytest.raises(ValueError, match=r"\(T,\)"):
        rope(x, torch.arange(2))
    with pytest.raises(ValueError, match="head_dim|6"):
        rope(randn(2, 3, 4, seed=0), torch.arange(3))


def test_sinusoidal_positions_reject_an_odd_dimension():
    with pytest.raises(ValueError, match="even"):
        sinusoidal_positions(4, 5)


def test_multihead_attention_checks_its_configuration_and_input():
    with pytest.raises(ValueError, match="multiple of n_head"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="head_dim"):
        MultiHeadAttention(16, 4, rope=RotaryEmbedding(8, 10))
    mha = MultiHeadAttention(16, 4, dropout=0.1)
    assert (mha.qkv.in_features, mha.qkv.out_features, mha.proj.out_features) == (16, 48, 16)
    assert (mha.n_head, mha.head_dim, mha.attn_dropout_p) == (4, 4, 0.1)
    assert isinstance(mha.resid_dropout, nn.Dropout) and mha.resid_dropout.p == 0.1
    assert MultiHeadAttention(16, 4, bias=False).qkv.bias is None
    with pytest.raises(ValueError, match=r"\(B, T, 16\)"):
        mha(torch.zeros(2, 5, 12))
    with pytest.raises(ValueError, match="divisible"):
        split_heads(torch.zeros(2, 5, 12), 5)
    with pytest.raises(ValueError, match="merge_heads"):
        merge_heads(torch.zeros(2, 5, 12))
    with pytest.raises(ValueError, match=r"\(B, T, 8\)"):
        AttentionHead(8, 4)(torch.zeros(5, 8))


def test_soft_lookup_tends_to_the_hard_lookup_as_it_sharpens():
    keys = torch.eye(4, dtype=torch.float64)  # (4, 4): four orthogonal keys
    values = torch.tensor([[1.0], [2.0], [3.0], [4.0]], dtype=torch.float64)
    query = torch.tensor([0.1, 0.0, 1.0, 0.2], dtype=torch.float64)  # closest to key 2
    weights, result = soft_lookup(query, keys, values, sharpness=1.0)
    assert weights.sum().item() == pytest.approx(1.0, abs=1e-12)
    want = torch.softmax(keys @ query, dim=0)
    close(weights, want, 1e-12, "weights")
    close(result, want @ values, 1e-12, "result")
    weights, result = soft_lookup(query, keys, values, sharpness=100.0)
    assert weights.argmax().item() == 2 and result.item() == pytest.approx(3.0, abs=1e-6)
    with pytest.raises(ValueError, match="soft_lookup"):
        soft_lookup(query, keys[:, :3], values)


def test_score_variance_grows_like_d_k_unless_scaled():
    rows = score_variance([4, 64, 256], n_samples=4000, generator=gen(0))
    for row in rows:
        # the sample variance of 4000 draws is within 15% of the truth (about 7 sigma for
        # products of Gaussians, whose kurtosis is 9)
        assert row.raw == pytest.approx(row.d_k, rel=0.15)
        assert row.scaled == pytest.approx(1.0, rel=0.15)


def test_softmax_saturates_as_the_scores_spread_out():
    rows = softmax_saturation([0.1, 1.0, 8.0, 64.0], n_keys=16, n_samples=500, generator=gen(0))
    maxima = [row.max_weight for row in rows]
    entropies = [row.entropy for row in rows]
    assert maxima == sorted(maxima) and entropies == sorted(entropies, reverse=True)
    assert rows[0].entropy == pytest.approx(math.log(16), rel=0.01)
    assert rows[-1].max_weight > 0.95 and rows[-1].jacobian_norm < 0.2 * rows[0].jacobian_norm


def test_softmax_jacobian_norm_equals_the_norm_of_the_autograd_jacobian():
    for seed in range(3):
        scores = randn(6, seed=seed) * (seed + 1)
        jacobian = torch.autograd.functional.jacobian(lambda s: torch.softmax(s, dim=0), scores)
        got = softmax_jacobian_norm(torch.softmax(scores, dim=0))
        assert got.item() == pytest.approx(torch.linalg.matrix_norm(jacobian).item(), rel=1e-10)


def test_permutation_gap_is_zero_for_unmasked_attention_and_not_for_causal():
    x = randn(2, 7, 8, seed=3)
    perm = torch.randperm(7, generator=gen(1))
    w = randn(3, 8, 8, seed=4)

    def self_attention(x, is_causal=False):
        return F.scaled_dot_product_attention(x @ w[0], x @ w[1], x @ w[2], is_causal=is_causal)

    assert permutation_gap(self_attention, x, perm) < 1e-12
    assert permutation_gap(lambda x: self_attention(x, is_causal=True), x, perm) > 1e-2
    with pytest.raises(ValueError, match="perm"):
        permutation_gap(self_attention, x, torch.arange(6))


def test_attention_cost_times_each_length_and_counts_the_weights_on_cpu():
    rows = attention_cost([16, 32], lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
                          batch=2, n_head=3, head_dim=8, repeats=2, generator=gen(0))
    assert [row.T for row in rows] == [16, 32]
    assert all(row.seconds > 0 and row.memory_kind == "weights" for row in rows)
    assert [row.memory_bytes for row in rows] == [2 * 3 * 16 * 16 * 4, 2 * 3 * 32 * 32 * 4]
    assert weights_bytes(1, 1, 10, torch.float64) == 800


def test_plots_draw_without_error():
    weights = torch.softmax(randn(5, 5, seed=0), dim=-1)
    # a bare Figure, not pyplot: choosing a backend (matplotlib.use) in this file would switch it
    # in a notebook whose check cell runs these tests in-process, and hide its later plots
    axes = Figure(figsize=(12, 7)).subplots(2, 3)
    plots.plot_attention(axes[0, 0], weights, list("hello"), title="map")
    plots.plot_lookup(axes[0, 1], {1.0: weights[0], 5.0: weights[1]}, list("abcde"))
    plots.plot_score_scaling(axes[0, 2], axes[1, 0], score_variance([2, 8], 100, gen(0)),
                             softmax_saturation([0.5, 5.0], 8, 100, gen(0)), n_keys=8)
    plots.plot_positions(axes[1, 1], torch.rand(10, 6, generator=gen(0)) * 2 - 1)
    rows = attention_cost([8, 16], lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
                          head_dim=4, repeats=1)
    plots.plot_cost(axes[1, 2], axes[1, 2].twinx(), {"torch": rows})
    with pytest.raises(ValueError, match="labels"):
        plots.plot_attention(axes[0, 0], weights, list("hi"))


# --- 06.1 scaled dot-product attention ----------------------------------------------------------

BATCHES = [(), (3,), (2, 3)]


@pytest.mark.exercise("06.1")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", BATCHES)
def test_06_1_attention_equals_torch_without_a_mask(batch, dtype):
    q, k, v = qkv(batch, 5, 5, 8, 8, dtype, seed=0)
    close(scaled_dot_product_attention(q, k, v), F.scaled_dot_product_attention(q, k, v),
          TOL[dtype], f"batch {batch}")


@pytest.mark.exercise("06.1")
@pytest.mark.parametrize("dtype", DTYPES)
def test_06_1_attention_takes_other_lengths_value_sizes_and_broadcast_batches(dtype):
    q, k, v = qkv((2, 3), 4, 7, 8, 5, dtype, seed=1)  # T_q != T_k, d_v != d_k
    close(scaled_dot_product_attention(q, k, v), F.scaled_dot_product_attention(q, k, v),
          TOL[dtype], "cross attention")
    k1, v1 = k[:1], v[:1]  # (1, 3, T_k, .): shared by the batch
    close(scaled_dot_product_attention(q, k1, v1),
          F.scaled_dot_product_attention(q, k1.expand(2, 3, 7, 8), v1.expand(2, 3, 7, 5)),
          TOL[dtype], "broadcast keys")


@pytest.mark.exercise("06.1")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask_shape", [(5, 5), (2, 1, 5, 5), (1, 3, 1, 5), (2, 3, 5, 5)])
def test_06_1_attention_equals_torch_with_a_bool_mask(mask_shape, dtype):
    q, k, v = qkv((2, 3), 5, 5, 8, 8, dtype, seed=2)
    mask = torch.rand(mask_shape, generator=gen(3)) < 0.6
    mask[..., 0] = True  # every query may attend at least one key
    close(scaled_dot_product_attention(q, k, v, mask=mask),
          F.scaled_dot_product_attention(q, k, v, attn_mask=mask), TOL[dtype],
          f"mask {mask_shape}")


@pytest.mark.exercise("06.1")
@pytest.mark.parametrize("dtype", DTYPES)
def test_06_1_attention_equals_torch_with_a_float_mask(dtype):
    q, k, v = qkv((2, 3), 5, 5, 8, 8, dtype, seed=4)
    mask = randn(3, 1, 5, seed=5, dtype=dtype)  # (h, 1, T_k): a bias per head and key
    mask[0, 0, 1] = float("-inf")
    close(scaled_dot_product_attention(q, k, v, mask=mask),
          F.scaled_dot_product_attention(q, k, v, attn_mask=mask), TOL[dtype], "float mask")


@pytest.mark.exercise("06.1")
def test_06_1_attention_weights_are_the_softmax_of_scaled_scores_written_out():
    q, k, _ = qkv((), 3, 4, 5, 1, torch.float64, seed=6)
    mask = torch.tensor([[True, False, True, True]] * 3)
    got = attention_weights(q, k, mask=mask)
    for i in range(3):
        scores = [sum(q[i, c].item() * k[j, c].item() for c in range(5)) / math.sqrt(5)
                  if mask[i, j] else -math.inf for j in range(4)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        for j in range(4):
            assert got[i, j].item() == pytest.approx(exps[j] / sum(exps), abs=1e-12)


@pytest.mark.exercise("06.1")
def test_06_1_attention_gradients_equal_torchs():
    q, k, v = qkv((2,), 5, 6, 4, 3, torch.float64, seed=7)
    mine = [t.clone().requires_grad_(True) for t in (q, k, v)]
    ref = [t.clone().requires_grad_(True) for t in (q, k, v)]
    up = randn(2, 5, 3, seed=8)
    (scaled_dot_product_attention(*mine) * up).sum().backward()
    (F.scaled_dot_product_attention(*ref) * up).sum().backward()
    for name, a, b in zip("qkv", mine, ref, strict=True):
        close(a.grad, b.grad, 1e-12, f"grad of {name}")


@pytest.mark.exercise("06.1")
def test_06_1_dropout_zeroes_a_fraction_p_of_the_weights_and_rescales_the_rest():
    p, T = 0.3, 64
    q, k, _ = qkv((4,), T, T, 8, 1, torch.float64, seed=9)
    identity = torch.eye(T, dtype=torch.float64)  # weights @ I = the dropped-out weights
    weights = attention_weights(q, k)  # (4, T, T), no entry is 0
    dropped = scaled_dot_product_attention(q, k, identity, dropout_p=p, generator=gen(10))
    zeroed = dropped == 0
    n = zeroed.numel()
    # the zeroed fraction is Binomial(n, p) / n: within 5 standard deviations of p
    assert abs(zeroed.double().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / n)
    close(dropped[~zeroed], weights[~zeroed] / (1 - p), 1e-12, "kept weights")
    again = scaled_dot_product_attention(q, k, identity, dropout_p=p, generator=gen(10))
    assert torch.equal(dropped, again), "the same seed must drop the same weights"
    other = scaled_dot_product_attention(q, k, identity, dropout_p=p, generator=gen(11))
    assert not torch.equal(dropped, other)


@pytest.mark.exercise("06.1")
def test_06_1_no_dropout_draws_no_random_numbers():
    q, k, v = qkv((2,), 4, 4, 8, 8, torch.float64, seed=12)
    g = gen(13)
    state = g.get_state()
    out = scaled_dot_product_attention(q, k, v, dropout_p=0.0, generator=g)
    assert torch.equal(g.get_state(), state)
    close(out, F.scaled_dot_product_attention(q, k, v), 1e-12, "dropout_p=0")


# --- 06.2 the causal mask -----------------------------------------------------------------------


@pytest.mark.exercise("06.2")
@pytest.mark.parametrize("t_q, t_k", [(1, 1), (5, 5), (3, 7), (1, 6)])
def test_06_2_causal_mask_lets_query_i_see_keys_up_to_its_own_position(t_q, t_k):
    mask = causal_mask(t_q, t_k)
    assert mask.dtype == torch.bool
    assert torch.equal(mask, loop_causal_mask(t_q, t_k))


@pytest.mark.exercise("06.1", "06.2")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", BATCHES)
def test_06_2_causal_attention_equals_torch(batch, dtype):
    q, k, v = qkv(batch, 6, 6, 8, 4, dtype, seed=14)
    close(scaled_dot_product_attention(q, k, v, is_causal=True),
          F.scaled_dot_product_attention(q, k, v, is_causal=True), TOL[dtype], f"batch {batch}")


@pytest.mark.exercise("06.1", "06.2")
def test_06_2_causal_attention_with_fewer_queries_is_aligned_at_the_bottom_right():
    q, k, v = qkv((2, 3), 2, 6, 8, 4, torch.float64, seed=15)  # 2 new queries after 4 cached
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=loop_causal_mask(2, 6))
    close(scaled_dot_product_attention(q, k, v, is_causal=True), want, 1e-12, "T_q < T_k")
    # the last query sees everything: the same as no mask for that row
    close(scaled_dot_product_attention(q, k, v, is_causal=True)[..., -1, :],
          F.scaled_dot_product_attention(q, k, v)[..., -1, :], 1e-12, "last query")


@pytest.mark.exercise("06.1", "06.2")
def test_06_2_causal_outputs_do_not_change_when_later_tokens_do():
    T = 8
    q, k, v = qkv((2,), T, T, 4, 4, torch.float32, seed=16)
    out = scaled_dot_product_attention(q, k, v, is_causal=True)
    for t in range(T - 1):
        q2, k2, v2 = q.clone(), k.clone(), v.clone()
        for tensor, seed in ((q2, 17), (k2, 18), (v2, 19)):
            tensor[:, t + 1:] = 100 * randn(2, T - t - 1, 4, seed=seed + t, dtype=torch.float32)
        out2 = scaled_dot_product_attention(q2, k2, v2, is_causal=True)
        assert torch.equal(out2[:, :t + 1], out[:, :t + 1]), f"outputs 0..{t} saw a later token"
        assert not torch.equal(out2[:, t + 1:], out[:, t + 1:])


@pytest.mark.exercise("06.1", "06.2")
def test_06_2_a_mask_and_is_causal_apply_together():
    q, k, v = qkv((2,), 5, 5, 8, 4, torch.float64, seed=20)
    padding = torch.tensor([False, True, True, True, True])  # (T_k,): key 0 is padding
    padding_and_causal = padding & loop_causal_mask(5, 5)
    padding_and_causal[0, 0] = True  # query 0 has only key 0 left; keep it attendable
    mask = padding.expand(5, 5).clone()
    mask[0, 0] = True
    close(scaled_dot_product_attention(q, k, v, mask=mask, is_causal=True),
          F.scaled_dot_product_attention(q, k, v, attn_mask=padding_and_causal), 1e-12, "both")
    with pytest.raises(ValueError, match="no key"):  # query 0's only causal key is padding
        attention_weights(q, k, mask=padding, is_causal=True)


# --- 06.3 one head, many heads, and the KV cache ------------------------------------------------


@pytest.mark.exercise("06.3")
def test_06_3_split_heads_gives_each_head_its_slice_and_merge_heads_undoes_it():
    x = randn(2, 5, 12, seed=21)
    heads = split_heads(x, 3)
    assert heads.shape == (2, 3, 5, 4)
    for h in range(3):
        assert torch.equal(heads[:, h], x[..., 4 * h:4 * (h + 1)])
    assert torch.equal(merge_heads(heads), x)
    assert torch.equal(merge_heads(randn(2, 3, 5, 4, seed=22)),
                       torch.cat(list(randn(2, 3, 5, 4, seed=22).unbind(1)), dim=-1))


@pytest.mark.exercise("06.3")
def test_06_3_one_head_equals_causal_attention_written_out():
    torch.manual_seed(0)
    head = AttentionHead(n_embd=8, head_size=4).double()
    assert all(layer.bias is None for layer in (head.query, head.key, head.value))
    x = randn(2, 6, 8, seed=23)
    q, k, v = x @ head.query.weight.T, x @ head.key.weight.T, x @ head.value.weight.T
    scores = q @ k.transpose(1, 2) / 2.0  # sqrt(head_size) = 2
    scores = scores.masked_fill(torch.ones(6, 6).triu(1).bool(), float("-inf"))
    close(head(x), torch.softmax(scores, dim=-1) @ v, 1e-12, "one head")


@pytest.mark.exercise("06.3")
@pytest.mark.parametrize("bias", [True, False])
def test_06_3_multihead_attention_equals_torchs_with_the_same_weights(bias):
    mha = seeded_mha(16, 4, bias=bias).eval()
    ref = copied_torch_mha(mha, bias)
    x = torch.randn(3, 7, 16, generator=gen(24))
    want, want_weights = ref(x, x, x, attn_mask=upper_minus_inf(7), need_weights=True,
                             average_attn_weights=False)
    y, weights = mha(x, return_weights=True)
    close(mha(x), want, 1e-5, "output")
    close(y, want, 1e-5, "output with return_weights")
    close(weights, want_weights, 1e-5, "weights per head")


@pytest.mark.exercise("06.3")
def test_06_3_heads_computed_one_at_a_time_equal_the_batched_heads():
    mha = seeded_mha(12, 3).double().eval()
    x = randn(2, 5, 12, seed=25)
    outputs = []
    for h in range(3):
        rows = [slice(part * 12 + 4 * h, part * 12 + 4 * (h + 1)) for part in range(3)]
        q, k, v = (F.linear(x, mha.qkv.weight[r], mha.qkv.bias[r]) for r in rows)  # (B, T, 4)
        outputs.append(F.scaled_dot_product_attention(q, k, v, is_causal=True))
    close(mha(x), mha.proj(torch.cat(outputs, dim=-1)), 1e-12, "heads one by one")


@pytest.mark.exercise("06.3")
def test_06_3_returned_weights_are_causal_distributions_over_the_keys():
    mha = seeded_mha(16, 4).double().eval()
    y, weights = mha(randn(2, 6, 16, seed=26), return_weights=True)
    assert y.shape == (2, 6, 16) and weights.shape == (2, 4, 6, 6)
    close(weights.sum(dim=-1), torch.ones(2, 4, 6, dtype=torch.float64), 1e-12, "row sums")
    assert torch.all(weights.masked_select(~loop_causal_mask(6, 6)) == 0)


@pytest.mark.exercise("06.3")
def test_06_3_dropout_acts_in_training_and_is_off_in_eval_mode():
    x = torch.randn(2, 6, 16, generator=gen(27))
    plain = seeded_mha(16, 4, seed=1).eval()
    dropping = seeded_mha(16, 4, seed=1, dropout=0.5)
    dropping.load_state_dict(plain.state_dict())
    torch.manual_seed(0)
    assert not torch.allclose(dropping.train()(x), plain(x))
    assert torch.equal(dropping.eval()(x), plain(x))


def chunked(mha: MultiHeadAttention, x: torch.Tensor, sizes: list[int]):
    """Feed x to mha in chunks of the given sizes through one ConcatCache."""
    cache, outputs, start = ConcatCache(), [], 0
    for size in sizes:
        y, weights = mha(x[:, start:start + size], cache=cache, return_weights=True)
        assert weights.shape == (x.shape[0], mha.n_head, size, start + size)
        outputs.append(y)
        start += size
    assert cache.length == x.shape[1]
    return torch.cat(outputs, dim=1), cache


@pytest.mark.exercise("06.3")
@pytest.mark.parametrize("sizes", [[1] * 7, [3, 1, 3], [7]])
def test_06_3_a_kv_cache_fed_in_chunks_gives_the_full_sequence_output(sizes):
    mha = seeded_mha(16, 4).double().eval()
    x = randn(2, 7, 16, seed=28)
    got, cache = chunked(mha, x, sizes)
    close(got, mha(x), 1e-12, f"chunks {sizes}")
    _, k, v = mha.qkv(x).split(16, dim=-1)
    close(cache.k, split_heads(k, 4), 1e-12, "cached keys")
    close(cache.v, split_heads(v, 4), 1e-12, "cached values")



@pytest.mark.exercise("06.3")
@pytest.mark.parametrize("rope", [False, True])
def test_06_3_fused_attention_gives_the_same_outputs_with_and_without_a_cache(rope):
    # fused=True swaps our attention for PyTorch's kernel (Module 09 trains with it); the same
    # weights must give the same outputs, also for chunks after a cache (T_q < T_k).
    rope_table = RotaryEmbedding(head_dim=4, max_positions=16) if rope else None
    ours = seeded_mha(16, 4, rope=rope_table).double().eval()
    fused = seeded_mha(16, 4, rope=rope_table, fused=True).double().eval()
    x = randn(2, 7, 16, seed=29)
    close(fused(x), ours(x), 1e-12, "whole sequence")
    close(chunked(fused, x, [3, 1, 3])[0], ours(x), 1e-12, "chunks after a cache")

# --- 06.4 sinusoidal positions ------------------------------------------------------------------


@pytest.mark.exercise("06.4")
@pytest.mark.parametrize("n_positions, dim", [(1, 2), (10, 8), (50, 6)])
def test_06_4_sinusoidal_positions_match_the_formula(n_positions, dim):
    table = sinusoidal_positions(n_positions, dim)
    assert table.shape == (n_positions, dim) and table.dtype == torch.float32
    for p in range(n_positions):
        for i in range(dim // 2):
            angle = p / 10000 ** (2 * i / dim)
            assert table[p, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
            assert table[p, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)


# --- 06.5 rotary positions ----------------------------------------------------------------------


@pytest.mark.exercise("06.5")
def test_06_5_rope_rotates_each_pair_by_position_times_frequency():
    rope = RotaryEmbedding(head_dim=4, max_positions=10, base=10000.0)
    x = randn(3, 4, seed=29)
    positions = torch.tensor([0, 5, 9])
    got = rope(x, positions)
    for row, p in enumerate(positions.tolist()):
        for i in range(2):
            angle = p * 10000.0 ** (-2 * i / 4)
            a, b = x[row, 2 * i].item(), x[row, 2 * i + 1].item()
            assert got[row, 2 * i].item() == pytest.approx(
                a * math.cos(angle) - b * math.sin(angle), abs=ROPE_TOL)
            assert got[row, 2 * i + 1].item() == pytest.approx(
                a * math.sin(angle) + b * math.cos(angle), abs=ROPE_TOL)


@pytest.mark.exercise("06.5")
@pytest.mark.parametrize("dtype", DTYPES)
def test_06_5_rope_keeps_norms_and_leaves_position_zero_unchanged(dtype):
    rope = RotaryEmbedding(head_dim=8, max_positions=64)
    x = randn(2, 3, 5, 8, seed=30, dtype=dtype)  # (B, nh, T, hd)
    rotated = rope(x, torch.tensor([0, 1, 7, 30, 63]))
    assert rotated.shape == x.shape and rotated.dtype == dtype
    close(rotated.norm(dim=-1), x.norm(dim=-1), ROPE_TOL, "norms")
    pairs, rotated_pairs = x.unflatten(-1, (4, 2)), rotated.unflatten(-1, (4, 2))
    close(rotated_pairs.norm(dim=-1), pairs.norm(dim=-1), ROPE_TOL, "norm of each pair")
    close(rope(x, torch.zeros(5, dtype=torch.long)), x, 0.0, "position 0")


@pytest.mark.exercise("06.5")
@pytest.mark.parametrize("dtype", DTYPES)
def test_06_5_rope_scores_depend_only_on_the_offset_between_positions(dtype):
    rope = RotaryEmbedding(head_dim=16, max_positions=512)
    q, k = randn(16, seed=31, dtype=dtype), randn(16, seed=32, dtype=dtype)

    def score(m: int, n: int) -> torch.Tensor:
        q_m = rope(q[None], torch.tensor([m]))[0]
        k_n = rope(k[None], torch.tensor([n]))[0]
        return q_m @ k_n

    tol = 1e-4 if dtype == torch.float32 else 1e-5  # |q||k| ~ 16, float32 tables
    for m, n in [(0, 0), (3, 1), (1, 3), (10, 0)]:
        for shift in (1, 7, 100, 400):
            assert score(m + shift, n + shift).item() == pytest.approx(score(m, n).item(),
                                                                       abs=tol)
    assert abs(score(3, 1).item() - score(1, 3).item()) > 1e-3  # the sign of the offset counts


@pytest.mark.exercise("06.3", "06.5")
@pytest.mark.parametrize("sizes", [[1] * 6, [4, 2]])
def test_06_5_a_kv_cache_with_rope_offsets_positions_by_the_cache_length(sizes):
    rope = RotaryEmbedding(head_dim=4, max_positions=16)
    mha = seeded_mha(16, 4, rope=rope).double().eval()
    x = randn(2, 6, 16, seed=33)
    got, cache = chunked(mha, x, sizes)
    close(got, mha(x), 1e-12, f"chunks {sizes}")
    _, k, _ = mha.qkv(x).split(16, dim=-1)
    close(cache.k, rope(split_heads(k, 4), torch.arange(6)), 1e-12, "cached keys after RoPE")


@pytest.mark.exercise("06.3", "06.5")
def test_06_5_multihead_attention_with_rope_rotates_queries_and_keys():
    rope = RotaryEmbedding(head_dim=4, max_positions=16)
    mha = seeded_mha(16, 4, rope=rope).double().eval()
    x = randn(2, 6, 16, seed=34)
    q, k, v = (split_heads(t, 4) for t in mha.qkv(x).split(16, dim=-1))
    positions = torch.arange(6)
    y = F.scaled_dot_product_attention(rope(q, positions), rope(k, positions), v, is_causal=True)
    close(mha(x), mha.proj(merge_heads(y)), 1e-12, "with RoPE")


# --- demos that use the exercises ---------------------------------------------------------------


@pytest.mark.exercise("06.1", "06.2")
def test_06_2_the_same_character_head_attends_to_earlier_copies():
    weights = same_character_weights("abcab", sharpness=30.0)
    close(weights.sum(dim=-1), torch.ones(5, dtype=torch.float64), 1e-12, "row sums")
    assert weights[3, 0].item() == pytest.approx(0.5, abs=1e-6)  # 'a' at 3: itself and 0
    assert weights[4, 1].item() == pytest.approx(0.5, abs=1e-6)
    assert weights[2, 2].item() == pytest.approx(1.0, abs=1e-6)  # 'c' occurs once


@pytest.mark.exercise("06.1", "06.2", "06.4")
def test_06_4_sinusoids_alone_make_a_previous_token_head():
    weights = previous_token_weights(20)
    assert weights.shape == (20, 20)
    assert torch.equal(weights[1:].argmax(dim=-1), torch.arange(19))
    assert weights.diagonal(-1).min().item() > 0.7


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_06_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("06")))
