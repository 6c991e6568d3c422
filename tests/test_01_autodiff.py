"""Module 01, scalar autodiff: contracts of the Value engine, the MLP, training and gradcheck.

The reference is PyTorch's autograd in float64: the same expression is built from Values and from
torch tensors (the operators and the method names `exp`, `log`, `tanh`, `relu`, `sigmoid` are the
same), and values and gradients must agree to 1e-9. Tests of 01.1 and 01.2 check each local
backward rule without the learner's `backward()`: `propagate` below runs the `_backward` closures
in a topological order of its own.
"""

from __future__ import annotations

import math
import random
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.m01_autodiff import (
    MLP,
    Layer,
    Neuron,
    Value,
    accuracy,
    draw_graph,
    gradcheck,
    logistic_loss,
    make_moons,
    make_spirals,
    numerical_grad,
    scores_of,
    train,
)

TOL = 1e-9


def close(got: float, want: float, tol: float = TOL) -> bool:
    return math.isclose(got, want, rel_tol=tol, abs_tol=tol)


def leaf(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def reachable(root: Value) -> list[Value]:
    """Every node of root's graph, each after its parents (the test's own traversal)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order


def propagate(root: Value, upstream: float) -> None:
    """A reference backward pass built only on the local rules: seed `upstream` and call every
    node's `_backward` in reverse topological order."""
    root.grad = upstream
    for node in reversed(reachable(root)):
        node._backward()


def torch_grads(out: torch.Tensor, inputs: list[torch.Tensor], upstream: float) -> list[float]:
    grads = torch.autograd.grad(out, inputs, grad_outputs=torch.tensor(upstream,
                                dtype=torch.float64), allow_unused=True)
    return [0.0 if g is None else g.item() for g in grads]


def assert_matches_torch(expression, inputs: list[float], upstream: float = 0.7) -> None:
    """Build `expression` from Values and from torch leaves; compare output and gradients."""
    values = [Value(x) for x in inputs]
    out = expression(*values)
    tensors = [leaf(x) for x in inputs]
    out_t = expression(*tensors)
    assert isinstance(out, Value), f"expected a Value, got {type(out).__name__}"
    assert close(out.data, out_t.item()), f"forward: got {out.data!r}, torch {out_t.item()!r}"
    propagate(out, upstream)
    for i, (v, want) in enumerate(zip(values, torch_grads(out_t, tensors, upstream),
                                      strict=True)):
        assert close(v.grad, want), f"gradient of input {i}: got {v.grad!r}, torch {want!r}"


# --- 01.1 arithmetic and its local backward rules ------------------------------------------------

ARITHMETIC = {
    "a + b": lambda a, b: a + b,
    "a * b": lambda a, b: a * b,
    "a ** 3": lambda a, b: a ** 3,
    "a ** -2": lambda a, b: a ** -2,
    "a ** 0.5": lambda a, b: a ** 0.5,
    "a ** -1.5": lambda a, b: a ** -1.5,
    "-a": lambda a, b: -a,
    "a - b": lambda a, b: a - b,
    "a / b": lambda a, b: a / b,
    "a + 2": lambda a, b: a + 2,
    "2 + a": lambda a, b: 2 + a,
    "a - 2": lambda a, b: a - 2,
    "2 - a": lambda a, b: 2 - a,
    "a * 2.5": lambda a, b: a * 2.5,
    "2.5 * a": lambda a, b: 2.5 * a,
    "a / 4": lambda a, b: a / 4,
    "2 / a": lambda a, b: 2 / a,
    "a * a": lambda a, b: a * a,
    "a + a": lambda a, b: a + a,
    "a / a": lambda a, b: a / a,
    "(a - b) * (a + b) / b": lambda a, b: (a - b) * (a + b) / b,
    "sum([a, b, a])": lambda a, b: sum([a, b, a]),
}


@pytest.mark.exercise("01.1")
@pytest.mark.parametrize("expression", list(ARITHMETIC))
def test_01_1_arithmetic_forward_and_local_gradients_match_torch(expression):
    assert_matches_torch(ARITHMETIC[expression], [1.7, -0.6])


@pytest.mark.exercise("01.1")
def test_01_1_operations_record_their_operands_and_op_label():
    a, b = Value(2.0), Value(-3.0)
    total, product, power = a + b, a * b, a ** 2
    assert (total.op, total.parents) == ("+", (a, b))
    assert (product.op, product.parents) == ("*", (a, b))
    assert (power.op, power.parents) == ("**2", (a,))
    assert (a.data, b.data, a.grad, b.grad) == (2.0, -3.0, 0.0, 0.0), "inputs must not change"
    assert a.parents == () and a.op == ""
    assert all(isinstance(p, Value) for p in (a + 1).parents), "a number becomes a Value leaf"


@pytest.mark.parametrize("bad", ["2", [1.0], np.array([1.0, 2.0]), True, None],
                         ids=["str", "list", "ndarray", "bool", "None"])
@pytest.mark.parametrize("operation", [
    lambda v, x: v + x, lambda v, x: x + v, lambda v, x: v - x, lambda v, x: x - v,
    lambda v, x: v * x, lambda v, x: x * v, lambda v, x: v / x, lambda v, x: x / v,
], ids=["v+x", "x+v", "v-x", "x-v", "v*x", "x*v", "v/x", "x/v"])
def test_unsupported_operands_raise_a_type_error_naming_the_type(operation, bad):
    with pytest.raises(TypeError, match=rf"got {type(bad).__name__}\b.*") as error:
        operation(Value(1.5), bad)
    assert "an int, a float or a Value" in str(error.value)


def test_bad_exponents_and_data_raise_clear_errors():
    v = Value(2.0)
    with pytest.raises(TypeError, match="constant int or float, not a Value"):
        v ** Value(2.0)
    with pytest.raises(TypeError, match="exponent of '\\*\\*' must be an int or a float, got str"):
        v ** "2"
    with pytest.raises(TypeError, match="got bool"):
        v ** True
    with pytest.raises(TypeError, match="Value is not supported"):
        2 ** v
    with pytest.raises(TypeError, match="data of a Value must be an int or a float, got str"):
        Value("3")
    with pytest.raises(ValueError, match="negative base needs an integer exponent"):
        Value(-8.0) ** 0.5


@pytest.mark.parametrize("x", [0.0, -2.5])
def test_log_of_a_non_positive_number_raises_a_value_error_with_the_value(x):
    with pytest.raises(ValueError, match=rf"log\({x!r}\)"):
        Value(x).log()


def test_numpy_scalars_are_numbers_and_repr_shows_data_and_grad():
    assert Value(np.float32(1.5)).data == 1.5 and Value(np.int64(3)).data == 3.0
    assert type(Value(np.float32(1.5)).data) is float
    assert "data=1.5" in repr(Value(1.5)) and "grad=0" in repr(Value(1.5))
    assert "label='x'" in repr(Value(1.5, label="x"))


# --- 01.2 elementary functions -------------------------------------------------------------------

FUNCTIONS = {
    "exp": (lambda a: a.exp(), [-2.0, 0.0, 1.5]),
    "log": (lambda a: a.log(), [0.3, 1.0, 4.0]),
    "tanh": (lambda a: a.tanh(), [-3.0, 0.0, 0.5]),
    "relu": (lambda a: a.relu(), [-1.0, 0.0, 2.0]),  # the gradient at 0 is 0, as in PyTorch
    "sigmoid": (lambda a: a.sigmoid(), [-5.0, 0.0, 3.0]),
}


@pytest.mark.exercise("01.2")
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_01_2_elementary_functions_match_torch(name):
    function, points = FUNCTIONS[name]
    for x in points:
        assert_matches_torch(function, [x], upstream=-1.3)
    assert function(Value(points[-1])).op == name


@pytest.mark.exercise("01.2")
def test_01_2_sigmoid_does_not_overflow_for_large_inputs():
    for x in (-1000.0, 1000.0):
        assert_matches_torch(lambda a: a.sigmoid(), [x])


@pytest.mark.exercise("01.2")
def test_01_2_functions_compose_with_arithmetic():
    assert_matches_torch(lambda a, b: (a * b).tanh() + (a ** 2 + 1).log() * b.sigmoid()
                         - (b - a).relu() / a.exp(), [0.8, -1.1])


# --- 01.3 backward --------------------------------------------------------------------------------


@pytest.mark.exercise("01.3")
def test_01_3_backward_fills_every_gradient_of_a_small_graph():
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    e = a * b
    d = e + c
    out = (d * Value(-0.2)).tanh()
    out.backward()
    dout = 1 - out.data ** 2
    assert out.grad == 1.0
    assert close(d.grad, dout * -0.2) and close(e.grad, dout * -0.2)
    assert close(a.grad, dout * -0.2 * b.data) and close(b.grad, dout * -0.2 * a.data)
    assert close(c.grad, dout * -0.2)


@pytest.mark.exercise("01.3")
def test_01_3_gradients_accumulate_over_every_path():
    def shared(x, y):
        u = x * y            # used three times below
        return u * u + u.tanh() + x / u

    x, y = Value(0.9), Value(-1.4)
    shared(x, y).backward()
    xt, yt = leaf(0.9), leaf(-1.4)
    shared(xt, yt).backward()
    assert close(x.grad, xt.grad.item()) and close(y.grad, yt.grad.item())
    for build, want in ((lambda v: v * v, 2 * 3.0), (lambda v: v + v, 2.0),
                        (lambda v: v + v * v + v, 1 + 2 * 3.0 + 1)):
        v = Value(3.0)
        build(v).backward()
        assert close(v.grad, want), f"got {v.grad}, want {want}"


UNARY = {"neg": lambda x, y, c: -x, "exp": lambda x, y, c: x.exp(),
         "log": lambda x, y, c: x.log(), "tanh": lambda x, y, c: x.tanh(),
         "relu": lambda x, y, c: x.relu(), "sigmoid": lambda x, y, c: x.sigmoid(),
         "pow": lambda x, y, c: x ** c}
BINARY = {"add": lambda x, y, c: x + y, "sub": lambda x, y, c: x - y,
          "mul": lambda x, y, c: x * y, "div": lambda x, y, c: x / y,
          "radd": lambda x, y, c: c + x, "rsub": lambda x, y, c: c - x,
          "rmul": lambda x, y, c: c * x, "rdiv": lambda x, y, c: c / x,
          "subc": lambda x, y, c: x - c, "divc": lambda x, y, c: x / c}
OPERATIONS = {**UNARY, **BINARY}


def random_program(seed: int, n_leaves: int = 6, n_ops: int = 300):
    """Leaf values and a list of (op, i, j, constant): node k = op(node i, node j, constant).

    Operands are drawn from all earlier nodes, so subexpressions are shared. The domain of each
    operation is kept safe (log of x > 0.5, division by |y| > 0.5, a fractional power of x > 0.5,
    exp of |x| < 3) and every node stays within [-4, 4], judged on a float64 mirror in torch.
    """
    rng = random.Random(seed)
    leaves = [rng.uniform(-2.0, 2.0) for _ in range(n_leaves)]
    mirror = [torch.tensor(x, dtype=torch.float64) for x in leaves]
    program = []
    while len(program) < n_ops:
        i, j = rng.randrange(len(mirror)), rng.randrange(len(mirror))
        x, y = mirror[i].item(), mirror[j].item()
        op = rng.choice(list(OPERATIONS))
        c = rng.choice([-2.5, -1.5, 0.5, 2.0, 3.0])
        if op == "pow":
            c = rng.choice([2, 3, -1, 0.5, 1.5]) if x > 0.5 else rng.choice([2, 3])
        if (op == "log" and x <= 0.5) or (op == "div" and abs(y) <= 0.5) or \
                (op == "rdiv" and abs(x) <= 0.5) or (op == "exp" and abs(x) >= 3):
            continue
        result = OPERATIONS[op](mirror[i], mirror[j], c)
        if abs(result.item()) <= 4.0:
            program.append((op, i, j, c))
            mirror.append(result)
    return leaves, program


def run_program(leaves, program, make_leaf):
    nodes = [make_leaf(x) for x in leaves]
    for op, i, j, c in program:
        nodes.append(OPERATIONS[op](nodes[i], nodes[j], c))
    root = nodes[-1] + sum(nodes[len(leaves)::7])  # many nodes feed the output
    return nodes, root


@pytest.mark.exercise("01.3")
@pytest.mark.parametrize("seed", range(5))
def test_01_3_random_graphs_with_shared_subexpressions_match_torch(seed):
    leaves, program = random_program(seed)
    nodes, root = run_program(leaves, program, Value)
    tensors, root_t = run_program(leaves, program, leaf)
    for t in tensors[len(leaves):]:
        t.retain_grad()
    root.backward()
    root_t.backward()
    assert close(root.data, root_t.item())
    for k, (node, t) in enumerate(zip(nodes, tensors, strict=True)):
        assert close(node.data, t.item()), f"node {k} ({program[k - len(leaves)][0]}): forward"
        want = 0.0 if t.grad is None else t.grad.item()
        assert close(node.grad, want), f"node {k}: gradient {node.grad!r}, torch {want!r}"


@pytest.mark.exercise("01.3")
def test_01_3_a_chain_of_10000_operations_needs_no_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default: a recursive topological sort fails here
    try:
        x = Value(0.5)
        y = x
        for _ in range(10_000):
            y = y * 1.0001
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    xt = leaf(0.5)
    yt = xt
    for _ in range(10_000):
        yt = yt * 1.0001
    yt.backward()
    assert close(x.grad, xt.grad.item()) and close(y.data, yt.item())


@pytest.mark.exercise("01.3")
def test_01_3_backward_twice_accumulates_leaf_grads_like_torch_retain_graph():
    def build(x, y):
        u = x * y + x
        return u * u.tanh() + (u - y) ** 2, u

    x, y = Value(0.7), Value(-0.4)
    out, u = build(x, y)
    xt, yt = leaf(0.7), leaf(-0.4)
    out_t, u_t = build(xt, yt)
    (du_once,) = torch.autograd.grad(out_t, [u_t], retain_graph=True)
    out.backward()
    out.backward()
    out_t.backward(retain_graph=True)
    out_t.backward(retain_graph=True)
    assert close(x.grad, xt.grad.item()) and close(y.grad, yt.grad.item()), \
        "leaf gradients must add up over two backward() calls (2x), as in torch"
    assert close(u.grad, du_once.item()), "a non-leaf holds the gradient of the latest pass only"
    assert out.grad == 1.0
    z = Value(3.0)
    z.backward()
    z.backward()
    assert z.grad == 2.0, "backward() of a leaf adds 1 to its gradient, as in torch"


# --- 01.4 Neuron, Layer, MLP --------------------------------------------------------------------


def test_neuron_rejects_the_wrong_number_of_inputs():
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])


@pytest.mark.exercise("01.4")
def test_01_4_parameter_counts_follow_the_formula():
    assert len(Neuron(5).parameters()) == 6
    assert len(Layer(3, 4).parameters()) == (3 + 1) * 4
    for nin, sizes in ((2, [8, 8, 1]), (3, [4, 4, 1]), (4, [5, 3])):
        widths = [nin, *sizes]
        want = sum((widths[k] + 1) * widths[k + 1] for k in range(len(sizes)))
        assert len(MLP(nin, sizes).parameters()) == want


@pytest.mark.exercise("01.4")
def test_01_4_parameters_are_the_weights_then_bias_of_each_neuron_in_order():
    model = MLP(3, [4, 2], seed=1)
    assert [len(layer.neurons) for layer in model.layers] == [4, 2]
    want = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    got = model.parameters()
    assert len(got) == len(want) and all(g is w for g, w in zip(got, want, strict=True))
    assert len({id(p) for p in got}) == len(got) and all(not p.parents for p in got)


@pytest.mark.exercise("01.4")
def test_01_4_mlp_draws_its_weights_in_order_from_one_seeded_rng():
    rng = random.Random(7)
    want = []
    for nin, nout in ((2, 3), (3, 3), (3, 1)):
        bound = 2.0 / math.sqrt(nin)
        for _ in range(nout):
            want += [rng.uniform(-bound, bound) for _ in range(nin + 1)]
    assert [p.data for p in MLP(2, [3, 3, 1], seed=7).parameters()] == want
    assert [p.data for p in MLP(2, [3, 3, 1], seed=random.Random(7)).parameters()] == want
    assert [p.data for p in MLP(2, [3, 3, 1], seed=8).parameters()] != want


def torch_mlp(model: MLP, x: list[float]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The same MLP in torch float64, from the Values' weights: tanh hidden layers, linear last."""
    h = torch.tensor(x, dtype=torch.float64)
    params = []
    for k, layer in enumerate(model.layers):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)  # (nout, nin)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)  # (nout,)
        params.append((W, b))
        h = W @ h + b  # (nout,)
        if k < len(model.layers) - 1:
            h = torch.tanh(h)
    return h, params


@pytest.mark.exercise("01.4")
def test_01_4_mlp_outputs_and_gradients_match_a_torch_mlp_with_the_same_weights():
    model = MLP(3, [5, 4, 1], seed=3)
    x = [0.5, -1.2, 2.0]
    out = model(x)
    out_t, params_t = torch_mlp(model, x)
    assert isinstance(out, Value) and close(out.data, out_t.item())
    out.backward()
    out_t.sum().backward()
    for layer, (W, b) in zip(model.layers, params_t, strict=True):
        for n, w_row, b_grad in zip(layer.neurons, W.grad, b.grad, strict=True):
            assert all(close(w.grad, g.item()) for w, g in zip(n.w, w_row, strict=True))
            assert close(n.b.grad, b_grad.item())
    several = MLP(3, [4, 2], seed=3)
    outs = several(x)
    outs_t, _ = torch_mlp(several, x)
    assert isinstance(outs, list) and len(outs) == 2
    assert all(close(o.data, t.item()) for o, t in zip(outs, outs_t, strict=True))


@pytest.mark.exercise("01.4")
def test_01_4_neuron_is_tanh_or_linear_and_zero_grad_zeroes_every_parameter():
    for nonlin in (True, False):
        neuron = Neuron(2, nonlin=nonlin, rng=4)
        pre = neuron.w[0].data * 0.3 + neuron.w[1].data * -0.8 + neuron.b.data
        assert close(neuron([0.3, -0.8]).data, math.tanh(pre) if nonlin else pre)
    model = MLP(2, [4, 1], seed=0)
    model([0.2, -0.4]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# --- 01.5 loss, accuracy, training ---------------------------------------------------------------


def test_labels_must_be_plus_or_minus_one():
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1, got \[0\]"):
        logistic_loss([Value(1.0), Value(-1.0)], [1, 0])


@pytest.mark.exercise("01.5")
def test_01_5_logistic_loss_matches_torch_also_for_large_scores():
    scores = [1.2, -0.3, 0.0, 4.0, -2.5, 800.0, -750.0]
    labels = [1, 1, -1, -1, -1, -1, 1]
    values = [Value(s) for s in scores]
    loss = logistic_loss(values, labels)
    scores_t = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    loss_t = F.softplus(-torch.tensor(labels, dtype=torch.float64) * scores_t).mean()
    loss_t.backward()
    assert close(loss.data, loss_t.item())
    loss.backward()
    assert all(close(v.grad, g.item()) for v, g in zip(values, scores_t.grad, strict=True))


@pytest.mark.exercise("01.5")
def test_01_5_accuracy_counts_predictions_by_the_sign_of_the_score():
    scores = [Value(s) for s in (2.0, -1.0, 0.5, -0.2, 0.0)]
    assert accuracy(scores, [1, -1, -1, 1, -1]) == pytest.approx(3 / 5)  # score 0 predicts -1
    assert accuracy(scores[:2], np.array([1, -1])) == 1.0


@pytest.mark.exercise("01.5")
def test_01_5_training_reaches_100_percent_accuracy_on_moons():
    X, y = make_moons(40, noise=0.1, seed=2)
    model = MLP(2, [8, 1], seed=0)
    history = train(model, X, y, steps=40, lr=3.0)
    assert len(history.losses) == len(history.accuracies) == 40
    assert history.losses[-1] < 0.5 * history.losses[0]
    assert accuracy(scores_of(model, X), y) == 1.0


# --- 01.6 gradient check -------------------------------------------------------------------------


@pytest.mark.exercise("01.6")
def test_01_6_numerical_grad_matches_known_derivatives():
    x0, x1 = 1.3, -0.7
    got = numerical_grad(lambda v: v[0] * v[1] + v[0] ** 3, [x0, x1])
    assert got == pytest.approx([x1 + 3 * x0 ** 2, x0], abs=1e-7)
    assert numerical_grad(lambda v: v[0] * v[0], [2.0], h=1e-3) == pytest.approx([4.0], abs=1e-9)


GRADCHECK_FUNCTIONS = {
    "tanh neuron": (lambda v: (v[0] * v[1] + v[2]).tanh(), [0.4, -1.2, 0.3]),
    "log, exp, sigmoid": (lambda v: (v[0] ** 2 + 1).log() * v[1].exp() - v[2].sigmoid(),
                          [0.8, -0.5, 2.0]),
    "quotient and powers": (lambda v: (v[0] - v[1]) / (v[1] ** 2 + 0.5) + v[0] ** 0.5,
                            [1.7, 0.9]),
}


@pytest.mark.exercise("01.6")
@pytest.mark.parametrize("name", list(GRADCHECK_FUNCTIONS))
def test_01_6_gradcheck_passes_on_correct_gradients(name):
    f, inputs = GRADCHECK_FUNCTIONS[name]
    result = gradcheck(f, inputs)
    assert result.passed, str(result)
    assert len(result.analytic) == len(result.numerical) == len(inputs)


def broken_square(v: Value) -> Value:
    """v ** 2 with a wrong backward rule: it forgets the factor 2."""
    out = Value(v.data ** 2, (v,), "bad**2")

    def _backward():
        v.grad += v.data * out.grad

    out._backward = _backward
    return out


@pytest.mark.exercise("01.6")
def test_01_6_gradcheck_catches_a_wrong_backward_rule_and_reports_it():
    result = gradcheck(lambda v: v[0] * 2.0 + broken_square(v[1]) + v[2].tanh(), [0.3, 1.5, -0.2])
    assert not result.passed
    assert result.worst == 1
    assert close(result.analytic[1], 1.5) and abs(result.numerical[1] - 3.0) < 1e-6
    assert "FAILED" in str(result) and "input 1" in str(result)


# --- provided code: data generators and the graph drawing ----------------------------------------


@pytest.mark.parametrize("make", [make_moons, make_spirals])
def test_data_sets_are_seeded_with_the_documented_shapes_and_labels(make):
    X, y = make(41, noise=0.1, seed=3)
    assert X.shape == (41, 2) and X.dtype == np.float64
    assert y.shape == (41,) and y.dtype == np.int64
    assert (y == 1).sum() == 21 and (y == -1).sum() == 20
    again, y_again = make(41, noise=0.1, seed=3)
    assert np.array_equal(X, again) and np.array_equal(y, y_again)
    assert not np.array_equal(X, make(41, noise=0.1, seed=4)[0])
    with pytest.raises(ValueError, match="at least 2"):
        make(1)


def test_moons_without_noise_lie_on_their_two_circles():
    X, y = make_moons(50, noise=0.0, seed=0)
    centre = np.where(y[:, None] == 1, [-0.5, -0.25], [0.5, 0.25])
    assert np.allclose(np.linalg.norm(X - centre, axis=1), 1.0)
    assert np.all((X[:, 1] - centre[:, 1]) * y >= -1e-12)  # +1 above its centre, -1 below
    assert abs(X.mean(axis=0)).max() < 0.3


def test_draw_graph_draws_one_box_per_value_and_one_node_per_operation():
    rng = random.Random(0)
    nodes = [Value(float(i), label=f"x{i}") for i in range(6)]
    for _ in range(30):  # built with the constructor only: drawing needs no exercise
        a, b = rng.choice(nodes), rng.choice(nodes)  # sometimes a == b, as in a * a
        nodes.append(Value(a.data + b.data, (a, b), "+"))
    root = Value(0.0, tuple(nodes[-4:]), "sum")
    everything = reachable(root)
    fig = draw_graph(root, title="thirty operations")
    try:
        texts = fig.axes[0].texts
        assert sum(t.get_gid() == "value" for t in texts) == len(everything)
        assert sum(t.get_gid() == "op" for t in texts) == sum(1 for n in everything if n.parents)
    finally:
        plt.close(fig)
    fig, ax = plt.subplots()
    try:
        assert draw_graph(Value(1.0), show_grad=False, ax=ax) is fig
    finally:
        plt.close(fig)


# --- the notebook ---------------------------------------------------------------------------------


@pytest.mark.notebook
def test_01_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("01")))
