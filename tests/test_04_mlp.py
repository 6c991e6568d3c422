"""Module 04, the MLP language model: contracts of the windows, the layers, the model, the manual
backward pass and the training loop.

References are independent of the learner's code: PyTorch's own layers and functional ops
(nn.LayerNorm, nn.BatchNorm1d, F.linear, F.embedding, F.batch_norm, F.cross_entropy) and its
autograd, in float64, on seeded random data; windows worked out by hand; Module 03's count bigram
for the comparison of models. Layers must match PyTorch to TOL = 1e-10 (both sides compute the
same formulas in a different order, which costs a few units in the 16th digit); the hand-written
backward must match autograd to 1e-6 relative, as the module asks, with 1e-9 absolute for
entries near zero. Tests of provided code carry no exercise marker.
"""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch_checks import close as assert_close
from torch_checks import gen, leaf_copy, randn

from modules.course.catalogue import find_module
from modules.course.corpus import TINYSHAKESPEARE, tinyshakespeare
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.m03_bigram import CharVocab, CountBigram, train_val_split
from modules.m04_mlp.backward import manual_backward, normalization_backward
from modules.m04_mlp.data import context_windows, two_back_text
from modules.m04_mlp.diagnostics import saturation, update_to_data
from modules.m04_mlp.layers import TANH_GAIN, BatchNorm1d, Embedding, LayerNorm, Linear, Tanh
from modules.m04_mlp.model import MLPConfig, MLPLanguageModel, parameter_count
from modules.m04_mlp.train import (
    History,
    TrainConfig,
    cosine_lr,
    evaluate,
    get_batch,
    sgd_step,
    spread_sample,
    train,
)

TOL = 1e-10
BACKWARD_RTOL, BACKWARD_ATOL = 1e-6, 1e-9


def close(got: torch.Tensor, want: torch.Tensor, tol: float = TOL, name: str = "") -> None:
    assert_close(got, want, tol, name)


def small_config(norm: str = "batch", vocab_size: int = 11) -> MLPConfig:
    return MLPConfig(vocab_size=vocab_size, block_size=3, n_embd=4, n_hidden=16, norm=norm)


def small_model(norm: str = "batch", seed: int = 0, vocab_size: int = 11) -> MLPLanguageModel:
    return MLPLanguageModel(small_config(norm, vocab_size), generator=gen(seed)).double()


def random_windows(n: int, config: MLPConfig, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = gen(seed)
    X = torch.randint(config.vocab_size, (n, config.block_size), generator=g)
    Y = torch.randint(config.vocab_size, (n,), generator=g)
    return X, Y


def reference_forward(model: MLPLanguageModel, idx: torch.Tensor):
    """The model's computation written with PyTorch's functional ops, on leaf copies of the
    model's parameters, keeping every intermediate's gradient. Returns (intermediates, params)."""
    config = model.config
    params = {name: leaf_copy(p) for name, p in model.named_parameters()}
    emb = F.embedding(idx, params["embedding.weight"])  # (B, T, d)
    x = emb.reshape(idx.shape[0], config.block_size * config.n_embd)  # (B, T*d)
    h_pre = F.linear(x, params["hidden.weight"], params.get("hidden.bias"))  # (B, H)
    if config.norm == "batch":
        h_norm = F.batch_norm(h_pre, None, None, params["norm.weight"], params["norm.bias"],
                              training=True, eps=1e-5)
    elif config.norm == "layer":
        h_norm = F.layer_norm(h_pre, (config.n_hidden,), params["norm.weight"],
                              params["norm.bias"], eps=1e-5)
    else:
        h_norm = h_pre
    h = torch.tanh(h_norm)
    logits = F.linear(h, params["output.weight"], params["output.bias"])  # (B, V)
    acts = {"emb": emb, "x": x, "h_pre": h_pre, "h_norm": h_norm, "h": h, "logits": logits}
    for tensor in acts.values():
        tensor.retain_grad()
    return acts, params


def bigram_and_windows(text: str, block_size: int):
    """Module 03's vocabulary and split, the count bigram fitted on the training part, its NLL
    on exactly the targets the windows predict, and the windows of both parts."""
    vocab = CharVocab.from_text(text)
    train_ids, val_ids = train_val_split(torch.tensor(vocab.encode(text)))
    bigram = CountBigram(len(vocab), alpha=1.0).fit(train_ids)
    bigram_val = bigram.nll(val_ids[block_size - 1:])  # predicts val_ids[block_size:]
    return vocab, bigram_val, context_windows(train_ids, block_size), \
        context_windows(val_ids, block_size)


# --- provided code ------------------------------------------------------------------------------


def test_two_back_text_is_seeded_and_predictable_from_two_characters_back():
    text = two_back_text(4000, alphabet="abcd", noise=0.1, seed=3)
    assert len(text) == 4000 and set(text) == set("abcd")
    assert text == two_back_text(4000, alphabet="abcd", noise=0.1, seed=3)
    assert text != two_back_text(4000, alphabet="abcd", noise=0.1, seed=4)
    # the character two back fixes the next one except for noise: one successor dominates
    follows = {}
    for before, after in zip(text, text[2:], strict=False):
        follows.setdefault(before, []).append(after)
    for successors in follows.values():
        top = max(successors.count(c) for c in "abcd")
        assert top / len(successors) > 0.85
    with pytest.raises(ValueError):
        two_back_text(10, alphabet="a")


def test_context_windows_rejects_bad_input_with_clear_errors():
    with pytest.raises(ValueError, match="1-D"):
        context_windows(torch.zeros(2, 5, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="at least 1"):
        context_windows(torch.arange(5), 0)
    with pytest.raises(ValueError, match="no window"):
        context_windows(torch.arange(3), 3)


def test_mlp_config_rejects_an_unknown_norm_and_empty_sizes():
    with pytest.raises(ValueError, match="norm"):
        MLPConfig(vocab_size=5, norm="group")
    with pytest.raises(ValueError, match="n_hidden"):
        MLPConfig(vocab_size=5, n_hidden=0)


def test_batchnorm_refuses_a_batch_of_one_in_training_mode():
    layer = BatchNorm1d(3)
    with pytest.raises(ValueError, match="at least 2"):
        layer(torch.randn(1, 3))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        layer(torch.randn(4, 5))


def test_saturation_counts_entries_beyond_the_threshold():
    t = torch.tensor([0.0, 0.5, -0.98, 0.99, 0.97, -1.0])
    assert saturation(t) == pytest.approx(3 / 6)
    assert saturation(t, threshold=0.4) == pytest.approx(5 / 6)


def test_update_to_data_is_log10_of_the_step_over_the_weights_for_matrices_only():
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    model(randn(8, 4, seed=1)).sum().backward()
    ratios = update_to_data(model, lr=0.1)
    assert set(ratios) == {"0.weight", "2.weight"}  # biases have one axis
    weight = model[0].weight
    want = math.log10((0.1 * weight.grad).std().item() / weight.detach().std().item())
    assert ratios["0.weight"] == pytest.approx(want)


def test_spread_sample_and_history_bookkeeping():
    X, Y = torch.arange(100).view(50, 2), torch.arange(50)
    xs, ys = spread_sample(X, Y, 10)
    assert ys.tolist() == list(range(0, 50, 5)) and torch.equal(xs, X[ys])
    history = History()
    history.record_ratios({"a": -3.0})
    history.record_ratios({"a": -2.5})
    assert history.update_ratios == {"a": [-3.0, -2.5]}


# --- 04.1 context windows ------------------------------------------------------------------------


@pytest.mark.exercise("04.1")
def test_04_1_context_windows_by_hand():
    ids = torch.tensor([5, 1, 4, 2, 0])
    X, Y = context_windows(ids, 2)
    assert X.tolist() == [[5, 1], [1, 4], [4, 2]]
    assert Y.tolist() == [4, 2, 0]
    assert X.dtype == torch.int64 and Y.dtype == torch.int64
    X, Y = context_windows(ids, 1)  # block_size 1: the bigram pairs
    assert X.tolist() == [[5], [1], [4], [2]] and Y.tolist() == [1, 4, 2, 0]
    X, Y = context_windows(ids, 4)  # the longest window: one
    assert X.tolist() == [[5, 1, 4, 2]] and Y.tolist() == [0]


@pytest.mark.exercise("04.1")
def test_04_1_context_windows_match_a_python_loop_and_are_int64():
    ids = torch.randint(30, (200,), generator=gen(1), dtype=torch.int32)
    X, Y = context_windows(ids, 7)
    assert X.shape == (193, 7) and Y.shape == (193,)
    assert X.dtype == torch.int64 and Y.dtype == torch.int64
    as_list = ids.tolist()
    assert X.tolist() == [as_list[i:i + 7] for i in range(193)]
    assert Y.tolist() == as_list[7:]


# --- 04.2 Linear, Embedding, Tanh ----------------------------------------------------------------


@pytest.mark.exercise("04.2")
def test_04_2_linear_init_has_std_gain_over_sqrt_fan_in_and_zero_bias():
    fan_in, fan_out = 1000, 500
    layer = Linear(fan_in, fan_out, gain=TANH_GAIN, generator=gen(0))
    assert layer.weight.shape == (fan_out, fan_in) and layer.bias.shape == (fan_out,)
    assert isinstance(layer.weight, nn.Parameter) and isinstance(layer.bias, nn.Parameter)
    want = TANH_GAIN / math.sqrt(fan_in)
    # 500,000 draws: the sample std has a relative standard error of 0.1%, so 1% is ten of them
    assert layer.weight.std().item() == pytest.approx(want, rel=0.01)
    assert abs(layer.weight.mean().item()) < 0.01 * want
    assert torch.count_nonzero(layer.bias) == 0
    assert Linear(400, 300, gain=1.0, generator=gen(1)).weight.std().item() == \
        pytest.approx(1 / 20, rel=0.02)
    assert torch.equal(Linear(5, 3, generator=gen(7)).weight, Linear(5, 3, generator=gen(7)).weight)
    assert not torch.equal(Linear(5, 3, generator=gen(7)).weight,
                           Linear(5, 3, generator=gen(8)).weight)
    no_bias = Linear(5, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]


@pytest.mark.exercise("04.2")
@pytest.mark.parametrize("bias", [True, False])
def test_04_2_linear_matches_functional_linear_values_and_gradients(bias):
    layer = Linear(6, 4, bias=bias, generator=gen(2)).double()
    if bias:
        with torch.no_grad():
            layer.bias.copy_(randn(4, seed=3))  # a non-zero bias, so that using it is checked
    x = randn(2, 3, 6, seed=4).requires_grad_()  # (B, T, fan_in): leading axes pass through
    weight, b = leaf_copy(layer.weight), leaf_copy(layer.bias) if bias else None
    x_ref = leaf_copy(x)
    upstream = randn(2, 3, 4, seed=5)
    out, ref = layer(x), F.linear(x_ref, weight, b)
    close(out, ref, name="output")
    out.backward(upstream)
    ref.backward(upstream)
    close(x.grad, x_ref.grad, name="dx")
    close(layer.weight.grad, weight.grad, name="dweight")
    if bias:
        close(layer.bias.grad, b.grad, name="dbias")


@pytest.mark.exercise("04.2")
def test_04_2_embedding_matches_functional_embedding_with_repeated_ids():
    table = Embedding(7, 3, generator=gen(6)).double()
    idx = torch.tensor([[1, 4, 1], [6, 1, 0]])  # id 1 three times
    weight = leaf_copy(table.weight)
    out, ref = table(idx), F.embedding(idx, weight)
    close(out, ref, name="lookup")
    upstream = randn(2, 3, 3, seed=7)
    out.backward(upstream)
    ref.backward(upstream)
    close(table.weight.grad, weight.grad, name="dweight")
    assert torch.count_nonzero(table.weight.grad[[2, 3, 5]]) == 0  # rows never looked up


@pytest.mark.exercise("04.2")
def test_04_2_tanh_matches_torch_tanh():
    x = randn(5, 4, seed=8).mul(3).requires_grad_()
    x_ref = leaf_copy(x)
    out, ref = Tanh()(x), torch.tanh(x_ref)
    close(out, ref, name="tanh")
    out.sum().backward()
    ref.sum().backward()
    close(x.grad, x_ref.grad, name="dx")


# --- 04.3 LayerNorm and BatchNorm1d --------------------------------------------------------------


def affine_pair(ours: nn.Module, theirs: nn.Module, seed: int) -> None:
    """Give both normalisation layers the same random (non-trivial) weight and bias."""
    with torch.no_grad():
        for name in ("weight", "bias"):
            values = randn(*getattr(ours, name).shape, seed=seed)
            getattr(ours, name).copy_(values)
            getattr(theirs, name).copy_(values)
            seed += 1


@pytest.mark.exercise("04.3")
def test_04_3_layernorm_matches_torch_values_and_gradients():
    ours, theirs = LayerNorm(6).double(), nn.LayerNorm(6).double()
    affine_pair(ours, theirs, seed=10)
    x = (randn(3, 5, 6, seed=12) * 4 + 2).requires_grad_()
    x_ref = leaf_copy(x)
    out, ref = ours(x), theirs(x_ref)
    close(out, ref, name="output")
    upstream = randn(3, 5, 6, seed=13)
    out.backward(upstream)
    ref.backward(upstream)
    close(x.grad, x_ref.grad, name="dx")
    close(ours.weight.grad, theirs.weight.grad, name="dweight")
    close(ours.bias.grad, theirs.bias.grad, name="dbias")


@pytest.mark.exercise("04.3")
def test_04_3_batchnorm_training_mode_matches_torch_over_several_steps():
    ours = BatchNorm1d(5, momentum=0.2).double()
    theirs = nn.BatchNorm1d(5, momentum=0.2).double()
    affine_pair(ours, theirs, seed=20)
    for step, batch in enumerate((8, 2, 13, 4)):
        for p in (ours.weight, ours.bias, theirs.weight, theirs.bias):
            p.grad = None
        x = (randn(batch, 5, seed=30 + step) * 3 - 1).requires_grad_()
        x_ref = leaf_copy(x)
        out, ref = ours(x), theirs(x_ref)
        close(out, ref, name=f"step {step}: output")
        upstream = randn(batch, 5, seed=40 + step)
        out.backward(upstream)
        ref.backward(upstream)
        close(x.grad, x_ref.grad, name=f"step {step}: dx")
        close(ours.weight.grad, theirs.weight.grad, name=f"step {step}: dweight")
        close(ours.bias.grad, theirs.bias.grad, name=f"step {step}: dbias")
        close(ours.running_mean, theirs.running_mean, name=f"step {step}: running_mean")
        close(ours.running_var, theirs.running_var, name=f"step {step}: running_var "
                                                         f"(updated with the unbiased variance)")
    assert not ours.running_mean.requires_grad and ours.running_mean.grad_fn is None


@pytest.mark.exercise("04.3")
def test_04_3_batchnorm_eval_mode_uses_the_running_statistics_like_torch():
    ours, theirs = BatchNorm1d(5).double(), nn.BatchNorm1d(5).double()
    affine_pair(ours, theirs, seed=50)
    for step in range(3):  # some training steps, so that the running statistics move
        x = randn(10, 5, seed=60 + step) * 2 + 3
        ours(x), theirs(x)
    ours.eval(), theirs.eval()
    saved_mean, saved_var = ours.running_mean.clone(), ours.running_var.clone()
    x = randn(6, 5, seed=70).requires_grad_()
    x_ref = leaf_copy(x)
    out, ref = ours(x), theirs(x_ref)
    close(out, ref, name="eval output")
    upstream = randn(6, 5, seed=71)
    out.backward(upstream)
    ref.backward(upstream)
    close(x.grad, x_ref.grad, name="eval dx")
    close(ours.weight.grad, theirs.weight.grad, name="eval dweight")
    assert torch.equal(ours.running_mean, saved_mean) and torch.equal(ours.running_var, saved_var)
    # one example at a time gives the same rows: in eval mode an example sees no other
    single = torch.cat([ours(x[i:i + 1]) for i in range(6)])
    close(single, out.detach(), name="eval, one example at a time")


# --- 04.4 the model -------------------------------------------------------------------------------


@pytest.mark.exercise("04.4")
def test_04_4_parameter_count_formula():
    # by hand: 27*10 + 30*200 + 2*200 + 200*27 + 27 (no hidden bias before batch norm)
    assert parameter_count(MLPConfig(27, block_size=3, n_embd=10, n_hidden=200)) == 12097
    for norm in ("batch", "layer", "none"):
        for V, T, d, H in ((65, 8, 10, 200), (11, 3, 4, 16), (5, 1, 1, 1)):
            config = MLPConfig(V, T, d, H, norm=norm)
            model = MLPLanguageModel(config)
            assert parameter_count(config) == sum(p.numel() for p in model.parameters()), \
                f"{config}"


@pytest.mark.exercise("04.4")
@pytest.mark.parametrize("norm", ["batch", "layer", "none"])
def test_04_4_forward_shapes_concatenation_and_values(norm):
    model = small_model(norm, seed=1)
    config = model.config
    X, _ = random_windows(9, config, seed=2)
    acts = model.forward_steps(X)
    B, T, d, H, V = 9, config.block_size, config.n_embd, config.n_hidden, config.vocab_size
    shapes = {"emb": (B, T, d), "x": (B, T * d), "h_pre": (B, H), "h_norm": (B, H),
              "h": (B, H), "logits": (B, V)}
    assert {name: tuple(t.shape) for name, t in acts.named().items()} == shapes
    assert torch.equal(acts.idx, X)
    table = model.embedding.weight
    for j in range(T):  # window b's embeddings side by side, oldest character first
        close(acts.x[:, j * d:(j + 1) * d], table[X[:, j]], name=f"x, block {j}")
    reference, _ = reference_forward(model, X)
    for name, tensor in acts.named().items():
        close(tensor, reference[name], name=name)
    close(model(X), reference["logits"], name="forward")
    with pytest.raises(ValueError, match=r"\(B, 3\)"):
        model(X[:, :2])


@pytest.mark.exercise("04.4")
def test_04_4_loss_at_initialisation_is_close_to_ln_vocab_size():
    config = MLPConfig(vocab_size=65, block_size=8)
    model = MLPLanguageModel(config, generator=gen(3))
    X, Y = random_windows(512, config, seed=4)
    loss = F.cross_entropy(model(X), Y).item()
    assert loss == pytest.approx(math.log(65), abs=0.05), \
        "the initial loss should be about ln(V): the model starts out nearly uniform"


# --- 04.5 the hand-written backward pass ---------------------------------------------------------


@pytest.mark.exercise("04.5")
@pytest.mark.parametrize("axis", [0, 1])
def test_04_5_normalization_backward_matches_autograd(axis):
    x = (randn(7, 6, seed=80) * 2 + 1).requires_grad_()
    mean = x.mean(dim=axis, keepdim=True)
    inv_std = 1 / torch.sqrt(x.var(dim=axis, keepdim=True, correction=0) + 1e-5)
    x_hat = (x - mean) * inv_std
    upstream = randn(7, 6, seed=81)
    x_hat.backward(upstream)
    got = normalization_backward(upstream, x_hat.detach(), inv_std.detach(), axis)
    close(got, x.grad, tol=1e-12, name=f"dx over axis {axis}")


@pytest.mark.exercise("04.5")
@pytest.mark.parametrize("norm", ["batch", "layer", "none"])
def test_04_5_manual_backward_matches_autograd_for_every_parameter_and_intermediate(norm):
    model = small_model(norm, seed=5, vocab_size=7)
    X, Y = random_windows(32, model.config, seed=6)  # 96 ids from 7: many repeats
    model.train()
    grads = manual_backward(model, model.forward_steps(X), Y)
    reference, params = reference_forward(model, X)
    F.cross_entropy(reference["logits"], Y).backward()
    want = {name: tensor.grad for name, tensor in reference.items()}
    want.update({name: p.grad for name, p in params.items()})
    assert set(grads) == set(want), f"missing {set(want) - set(grads)}, " \
                                    f"unexpected {set(grads) - set(want)}"
    for name in ("logits", "output.weight", "output.bias", "h", "h_norm", "norm.weight",
                 "norm.bias", "h_pre", "hidden.weight", "hidden.bias", "x", "emb",
                 "embedding.weight"):  # from the loss backwards: the first failure is the bug
        if name in want:
            assert grads[name].shape == want[name].shape, f"{name}: wrong shape"
            torch.testing.assert_close(grads[name], want[name], rtol=BACKWARD_RTOL,
                                       atol=BACKWARD_ATOL, msg=lambda m, n=name: f"{n}: {m}")
    assert all(p.grad is None for p in model.parameters()), "manual_backward must not call " \
                                                            "autograd"
    if norm == "batch":  # batch norm's backward needs the batch statistics of training mode
        model.eval()
        with pytest.raises(ValueError, match="training mode"):
            manual_backward(model, model.forward_steps(X), Y)


# --- 04.6 batches, an SGD step, evaluation -------------------------------------------------------


@pytest.mark.exercise("04.6")
def test_04_6_get_batch_draws_rows_with_the_seeded_generator():
    X = torch.arange(300).view(100, 3)
    Y = torch.arange(100) + 1000
    xb, yb = get_batch(X, Y, 16, gen(9))
    rows = torch.randint(100, (16,), generator=gen(9))
    assert torch.equal(xb, X[rows]) and torch.equal(yb, Y[rows])
    again, _ = get_batch(X, Y, 16, gen(9))
    assert torch.equal(xb, again)


@pytest.mark.exercise("04.6")
def test_04_6_sgd_step_matches_torch_optim_sgd_step_for_step():
    model = small_model("batch", seed=10)
    reference = copy.deepcopy(model)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.3)
    X, Y = random_windows(64, model.config, seed=11)
    for step in range(4):
        xb, yb = X[16 * step:16 * (step + 1)], Y[16 * step:16 * (step + 1)]
        loss = sgd_step(model, xb, yb, lr=0.3)
        optimizer.zero_grad()
        ref_loss = F.cross_entropy(reference(xb), yb)
        ref_loss.backward()
        optimizer.step()
        assert isinstance(loss, float) and loss == pytest.approx(ref_loss.item(), abs=1e-12)
    for (name, p), ref in zip(model.named_parameters(), reference.parameters(), strict=True):
        close(p.detach(), ref.detach(), tol=1e-12, name=name)
        close(p.grad, ref.grad, tol=1e-12, name=f"{name}.grad (left for the diagnostics)")
    close(model.norm.running_mean, reference.norm.running_mean, name="running_mean")


@pytest.mark.exercise("04.6")
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_04_6_evaluate_is_the_mean_nll_in_eval_mode_and_restores_the_mode(mode):
    model = small_model("batch", seed=12)
    X, Y = random_windows(50, model.config, seed=13)
    model(X[:20])  # move the running statistics away from (0, 1)
    model.train(mode == "train")
    saved = copy.deepcopy(model.state_dict())
    nll = evaluate(model, X, Y, chunk=7)  # 7 does not divide 50: the last chunk is short
    assert model.training == (mode == "train")
    assert all(torch.equal(saved[k], v) for k, v in model.state_dict().items())
    reference = copy.deepcopy(model).eval()
    with torch.no_grad():
        want = F.cross_entropy(reference(X), Y).item()
    assert isinstance(nll, float) and nll == pytest.approx(want, abs=1e-12)


# --- 04.7 the learning-rate schedule and the training run ----------------------------------------


@pytest.mark.exercise("04.7")
def test_04_7_cosine_lr_decays_from_lr_max_to_lr_min():
    lrs = [cosine_lr(s, 101, 0.5, 0.05) for s in range(101)]
    assert lrs[0] == pytest.approx(0.5) and lrs[-1] == pytest.approx(0.05)
    assert lrs[50] == pytest.approx(0.275)  # half way: the mean of the two
    assert lrs[25] == pytest.approx(0.05 + 0.45 * (1 + math.cos(math.pi / 4)) / 2)
    assert all(a >= b for a, b in zip(lrs, lrs[1:], strict=False))
    assert cosine_lr(0, 1, 0.5, 0.05) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        cosine_lr(101, 101, 0.5, 0.05)


@pytest.mark.exercise("04.7")
def test_04_7_train_reduces_the_loss_and_records_its_history():
    text = two_back_text(3000, alphabet="abcde", seed=1)
    vocab, _, (X_train, Y_train), (X_val, Y_val) = bigram_and_windows(text, 3)
    model = MLPLanguageModel(MLPConfig(len(vocab), 3, 6, 32), generator=gen(14))
    config = TrainConfig(steps=120, batch_size=32, lr=0.5, lr_min=0.05, eval_every=50)
    start = evaluate(model, X_val, Y_val)
    history = train(model, X_train, Y_train, X_val, Y_val, config, gen(15))
    assert model.training
    assert len(history.losses) == len(history.lrs) == 120
    assert history.lrs[0] == pytest.approx(0.5) and history.lrs[-1] == pytest.approx(0.05)
    assert set(history.update_ratios) == {"embedding.weight", "hidden.weight", "output.weight"}
    assert all(len(r) == 120 for r in history.update_ratios.values())
    assert history.eval_steps == [50, 100, 120]
    assert len(history.train_nll) == len(history.val_nll) == 3
    assert history.val_nll[-1] == pytest.approx(evaluate(model, X_val, Y_val), abs=1e-12)
    assert history.val_nll[-1] < start - 0.3
    assert history.losses[0] == pytest.approx(math.log(5), abs=0.05)
    assert sum(history.losses[-20:]) / 20 < history.losses[0] - 0.5


@pytest.mark.exercise("04.7")
def test_04_7_mlp_beats_the_count_bigram_when_the_next_char_depends_on_two_back():
    # Each character follows from the one two places back: a bigram sees only the one before,
    # which belongs to an independent chain, so it cannot beat ln(8) = 2.08 nats by much.
    text = two_back_text(20_000, alphabet="abcdefgh", noise=0.1, seed=0)
    vocab, bigram_val, (X_train, Y_train), (X_val, Y_val) = bigram_and_windows(text, 3)
    model = MLPLanguageModel(MLPConfig(len(vocab), 3, 8, 64), generator=gen(16))
    config = TrainConfig(steps=600, batch_size=64, lr=0.5, lr_min=0.05, eval_every=600)
    history = train(model, X_train, Y_train, X_val, Y_val, config, gen(17))
    assert bigram_val > 2.0
    # the noise floor is 0.47 nats; the MLP gets within a few tenths of it
    assert history.val_nll[-1] < bigram_val - 1.0, \
        f"MLP {history.val_nll[-1]:.3f} nats vs count bigram {bigram_val:.3f}"


@pytest.mark.exercise("04.7")
@pytest.mark.skipif(not TINYSHAKESPEARE.is_file(),
                    reason="TinyShakespeare not downloaded: ./datasets.sh --tiny tinyshakespeare")
def test_04_7_mlp_beats_the_count_bigram_on_tinyshakespeare():
    # Measured: the count bigram scores 2.48 nats on the validation targets, this MLP about
    # 2.29 after 1500 steps (two seconds); the margin asked for is 0.1 nats.
    vocab, bigram_val, (X_train, Y_train), (X_val, Y_val) = \
        bigram_and_windows(tinyshakespeare(), 4)
    model = MLPLanguageModel(MLPConfig(len(vocab), 4, 10, 100), generator=gen(18))
    config = TrainConfig(steps=1500, batch_size=64, lr=0.5, lr_min=0.05, eval_every=1500)
    history = train(model, X_train, Y_train, X_val, Y_val, config, gen(19))
    assert history.val_nll[-1] < bigram_val - 0.1, \
        f"MLP {history.val_nll[-1]:.3f} nats vs count bigram {bigram_val:.3f}"


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_04_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("04")))
