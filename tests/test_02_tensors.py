"""Module 02, tensors: the contracts of the numpy Tensor, its autograd, and the PyTorch bridge.

The reference is PyTorch's autograd in float64, run on the same seeded random data: for every op
and every broadcasting case, the forward values and the gradient of every input for a random
upstream gradient must agree to TOL = 1e-10 (absolute and relative). Both sides compute the
same expressions in a different order of floating-point operations, so they differ by a few
units in the last place (about 1e-15 relative); 1e-10 leaves room for that and nothing else.
Tests of provided code carry no exercise marker.
"""

import math
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from modules.course.catalogue import find_module
from modules.course.notebook_run import execute_notebook, notebook_to_run
from modules.m02_tensors.benchmark import SMALL, make_batch, tensor_step, torch_step
from modules.m02_tensors.data import make_spirals
from modules.m02_tensors.functional import cross_entropy, log_softmax
from modules.m02_tensors.gradcheck import gradcheck
from modules.m02_tensors.mlp import MLP, accuracy, sgd_step, train
from modules.m02_tensors.tensor import Tensor
from modules.m02_tensors.torch_bridge import (
    attention_scores_einsum,
    batched_matmul_einsum,
    contiguous_strides,
    matmul_einsum,
    shares_storage,
    view_or_copy,
)
from modules.m02_tensors.unbroadcast import unbroadcast

TOL = 1e-10


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded by `name`, so every case draws its own fixed numbers."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def close(ours, reference, tol: float = TOL) -> None:
    ours = np.asarray(ours)
    reference = reference.detach().numpy() if isinstance(reference, torch.Tensor) else \
        np.asarray(reference)
    assert ours.shape == reference.shape, f"shape {ours.shape}, expected {reference.shape}"
    np.testing.assert_allclose(ours, reference, rtol=tol, atol=tol)


def against_torch(name: str, function, arrays: list[np.ndarray], tol: float = TOL) -> None:
    """Run `function` on Tensors and on torch tensors made from `arrays` (every one requiring
    grad); compare the outputs, then the gradients for a random upstream gradient."""
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, ref = function(*ours), function(*theirs)
    assert isinstance(out, Tensor), f"the result is a {type(out).__name__}, not a Tensor"
    assert out.dtype == np.float64
    close(out.data, ref, tol)
    upstream = rng_for(name + "/upstream").standard_normal(tuple(ref.shape))
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    for position, (tensor, reference) in enumerate(zip(ours, theirs, strict=True)):
        assert tensor.grad is not None, f"input {position} received no gradient"
        close(tensor.grad, reference.grad, tol)


def random_arrays(name: str, *shapes, low: float | None = None) -> list[np.ndarray]:
    rng = rng_for(name)
    if low is None:
        return [rng.standard_normal(shape) for shape in shapes]
    # magnitudes in [low, 2], random signs: safe denominators
    return [rng.uniform(low, 2.0, shape) * rng.choice([-1.0, 1.0], shape) for shape in shapes]


# --- provided code: construction, the graph record, the data ------------------------------------


def test_tensor_holds_float64_by_default_and_keeps_float32():
    assert Tensor([1, 2, 3]).dtype == np.float64
    assert Tensor(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert Tensor(2.5).shape == ()
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="float64 or float32"):
        Tensor([1, 2], dtype=np.int64)


def test_a_tensor_from_an_earlier_import_is_refused_with_a_clear_message():
    class StaleTensor:  # what a Tensor made before a check cell re-imported the module looks like
        _backward = None

    with pytest.raises(TypeError, match="earlier import"):
        Tensor([1.0]) + StaleTensor()


def test_from_op_records_the_graph_only_when_a_parent_requires_grad():
    leaf = Tensor([1.0, 2.0], requires_grad=True)
    const = Tensor([3.0, 4.0])
    tracked = Tensor.from_op(leaf.data * 2, (leaf,), lambda g: (2 * g,))
    untracked = Tensor.from_op(const.data * 2, (const,), lambda g: (2 * g,))
    assert tracked.requires_grad and not tracked.is_leaf and tracked._parents == (leaf,)
    assert not untracked.requires_grad and untracked.is_leaf and untracked._backward is None


def test_make_spirals_is_seeded_balanced_and_bounded():
    x, y = make_spirals(50, 3, seed=4)
    again, _ = make_spirals(50, 3, seed=4)
    other, _ = make_spirals(50, 3, seed=5)
    assert x.shape == (150, 2) and x.dtype == np.float64
    assert y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert np.array_equal(x, again) and not np.array_equal(x, other)
    assert np.abs(x).max() <= 1.0 + 1e-12


# --- 02.1 backward ------------------------------------------------------------------------------
# These tests build graphs from hand-written ops (Tensor.from_op), so they need no other exercise.

def scale(x: Tensor, c: float, calls: list | None = None) -> Tensor:
    """c * x as a hand-written op; appends to `calls` each time its backward runs."""
    def backward(grad):
        if calls is not None:
            calls.append(1)
        return (c * grad,)
    return Tensor.from_op(c * x.data, (x,), backward)


def times(a: Tensor, b: Tensor) -> Tensor:
    """a * b for equal shapes, as a hand-written op."""
    return Tensor.from_op(a.data * b.data, (a, b), lambda g: (g * b.data, g * a.data))


@pytest.mark.exercise("02.1")
def test_02_1_backward_seeds_a_one_element_output_with_one():
    x = Tensor(2.0, requires_grad=True)
    scale(x, 3.0).backward()
    assert x.grad.shape == () and x.grad == 3.0
    w = Tensor([[1.5]], requires_grad=True)  # one element, shape (1, 1): also implicit
    scale(w, -2.0).backward()
    assert w.grad.shape == (1, 1) and w.grad[0, 0] == -2.0


@pytest.mark.exercise("02.1")
def test_02_1_backward_sums_over_shared_paths_like_torch():
    (data,) = random_arrays("02.1 diamond", (4, 3))
    upstream = rng_for("02.1 diamond upstream").standard_normal((4, 3))
    x = Tensor(data, requires_grad=True)
    y = times(scale(x, 2.0), scale(x, 5.0))  # 10 x^2: x reaches y along two paths
    y.backward(upstream)
    xt = torch.tensor(data, requires_grad=True)
    ((2.0 * xt) * (5.0 * xt)).backward(torch.tensor(upstream))
    close(x.grad, xt.grad)


@pytest.mark.exercise("02.1")
def test_02_1_backward_calls_each_node_once_even_with_exponentially_many_paths():
    calls = []
    x = Tensor([1.0, -1.0], requires_grad=True)
    node = x
    for _ in range(40):  # node <- node * node: each level doubles the paths from x, 2^40 in all
        node = times(scale(node, 1.0, calls), scale(node, 1.0, calls))
    node.backward(np.ones(2))
    assert len(calls) == 80, "every node's backward must run exactly once"
    close(x.grad, [2.0**40, -(2.0**40)])  # d(x^(2^40))/dx = 2^40 x^(2^40 - 1)


@pytest.mark.exercise("02.1")
def test_02_1_backward_handles_a_graph_deeper_than_the_recursion_limit():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    node = x
    for _ in range(5000):
        node = scale(node, 1.0001)
    node.backward(np.array([1.0, -1.0]))
    close(x.grad, np.array([1.0, -1.0]) * 1.0001**5000, tol=1e-9)


@pytest.mark.exercise("02.1")
def test_02_1_backward_accumulates_into_leaves_and_nothing_else():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = Tensor([4.0, 5.0, 6.0])  # a constant: gets no gradient
    y = times(x, c)
    y.backward(np.ones(3))
    y.backward(np.ones(3))  # a second backward adds, as in PyTorch
    close(x.grad, 2 * c.data)
    assert c.grad is None, "a tensor that does not require grad must not get a gradient"
    assert y.grad is None, "only leaves keep .grad; intermediate results do not"


@pytest.mark.exercise("02.1")
def test_02_1_backward_of_a_non_scalar_needs_an_explicit_gradient_of_its_shape():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = scale(x, 3.0)
    y.backward(np.array([1.0, 10.0]))
    close(x.grad, [3.0, 30.0])
    with pytest.raises(ValueError, match="gradient"):
        y.backward()
    with pytest.raises(ValueError, match="shape"):
        y.backward(np.ones(3))


@pytest.mark.exercise("02.1")
def test_02_1_backward_refuses_a_tensor_that_does_not_require_grad():
    x = Tensor(1.0, requires_grad=True)
    x.backward()  # a leaf's own backward: its grad is the seed
    assert x.grad == 1.0
    with pytest.raises(RuntimeError, match="require"):
        Tensor(1.0).backward()


# --- 02.2 unbroadcast -------------------------------------------------------------------------

UNBROADCAST_CASES = [  # (gradient's shape, input's shape)
    ((3, 4), (3, 4)),
    ((3, 4), ()),
    ((3, 4), (4,)),
    ((3, 4), (1, 4)),
    ((3, 4), (3, 1)),
    ((3, 4), (1, 1)),
    ((2, 3, 4), (4,)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (2, 1, 4)),
    ((2, 3, 4), (1, 3, 1)),
    ((5, 1, 3), (1, 1)),
    ((), ()),
]


@pytest.mark.exercise("02.2")
@pytest.mark.parametrize("big, small", UNBROADCAST_CASES, ids=str)
def test_02_2_unbroadcast_equals_torch_sum_to_size(big, small):
    grad = rng_for(f"02.2 {big} {small}").standard_normal(big)
    result = unbroadcast(grad, small)
    assert isinstance(result, np.ndarray), "return an np.ndarray, also for shape ()"
    close(result, torch.tensor(grad).sum_to_size(small))


@pytest.mark.exercise("02.2")
def test_02_2_unbroadcast_keeps_float32():
    grad = np.ones((2, 3, 4), dtype=np.float32)
    assert unbroadcast(grad, (3, 1)).dtype == np.float32
    assert unbroadcast(grad, ()).dtype == np.float32


def test_unbroadcast_rejects_a_shape_that_does_not_broadcast_to_the_gradient():
    with pytest.raises(ValueError, match="cannot un-broadcast"):
        unbroadcast(np.ones((3, 4)), (5, 4))
    with pytest.raises(ValueError, match="cannot un-broadcast"):
        unbroadcast(np.ones((4,)), (3, 4))


# --- 02.3 elementwise ops -----------------------------------------------------------------------

BROADCAST_PAIRS = [  # every way two shapes can broadcast
    ((3, 4), (3, 4)),  # same shape
    ((3, 4), ()),  # 0-d on the right
    ((), (3, 4)),  # 0-d on the left
    ((), ()),
    ((2, 3, 4), (4,)),  # missing leading dims on the right
    ((4,), (2, 3, 4)),  # ... on the left
    ((3, 1), (3, 4)),  # a size-1 dim on the left
    ((3, 4), (1, 4)),  # ... on the right
    ((3, 1), (1, 4)),  # both sides broadcast
    ((2, 1, 4), (3, 1)),  # both sides, and a missing leading dim
    ((5, 1, 1), (1, 3, 2)),
]
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}


@pytest.mark.exercise("02.3")
@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("left, right", BROADCAST_PAIRS, ids=str)
def test_02_3_binary_op_with_broadcasting_matches_torch(op, left, right):
    name = f"02.3 {op} {left} {right}"
    against_torch(name, BINARY[op], random_arrays(name, left, right, low=0.5))


WITH_NUMBERS = {
    "t + 2.5": lambda t: t + 2.5, "2.5 + t": lambda t: 2.5 + t,
    "t - 2.5": lambda t: t - 2.5, "2.5 - t": lambda t: 2.5 - t,
    "t * -1.5": lambda t: t * -1.5, "-1.5 * t": lambda t: -1.5 * t,
    "t / 2.5": lambda t: t / 2.5, "2.5 / t": lambda t: 2.5 / t,
    "-t": lambda t: -t, "t ** 2": lambda t: t**2, "t ** 3": lambda t: t**3,
    "t.abs() ** 0.5": None, "t.abs() ** -1.5": None,
}


@pytest.mark.exercise("02.3")
@pytest.mark.parametrize("shape", [(3, 4), ()], ids=str)
@pytest.mark.parametrize("expression", [e for e, f in WITH_NUMBERS.items() if f], ids=str)
def test_02_3_ops_with_numbers_and_reflected_ops_match_torch(expression, shape):
    name = f"02.3 {expression} {shape}"
    against_torch(name, WITH_NUMBERS[expression], random_arrays(name, shape, low=0.5))


@pytest.mark.exercise("02.3")
@pytest.mark.parametrize("exponent", [0.5, -1.5, 2.0, 1.0, 0.0])
def test_02_3_power_with_a_constant_exponent_matches_torch(exponent):
    data = rng_for(f"02.3 pow {exponent}").uniform(0.5, 2.0, (3, 4))  # a positive base
    against_torch(f"02.3 pow {exponent}", lambda t: t**exponent, [data])


UNARY = {"exp": lambda t: t.exp(), "log": lambda t: t.log(), "tanh": lambda t: t.tanh(),
         "relu": lambda t: t.relu()}


@pytest.mark.exercise("02.3")
@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), ()], ids=str)
def test_02_3_elementwise_function_matches_torch(op, shape):
    name = f"02.3 {op} {shape}"
    (data,) = random_arrays(name, shape)
    if op == "log":
        data = np.abs(data) + 0.1
    against_torch(name, UNARY[op], [data])


@pytest.mark.exercise("02.3")
def test_02_3_relu_gradient_at_zero_is_zero_like_torch():
    against_torch("02.3 relu zeros", lambda t: t.relu(), [np.array([-1.0, 0.0, 0.0, 2.0])])


@pytest.mark.exercise("02.3")
def test_02_3_constants_and_numpy_arrays_combine_with_tensors_and_get_no_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = Tensor([2.0, 2.0, 2.0])
    array = np.array([10.0, 20.0, 30.0])
    y = array + x * c  # NumPy array on the left: Tensor.__radd__ handles it
    assert isinstance(y, Tensor)
    y.backward(np.ones(3))
    close(y.data, [12.0, 24.0, 36.0])
    close(x.grad, c.data)
    assert c.grad is None


@pytest.mark.exercise("02.3")
def test_02_3_ops_keep_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b = Tensor(np.full(3, 2.0, dtype=np.float32), requires_grad=True)
    y = ((x * 2.5 - b) / 3.0 + 1.0).exp() ** 2
    y.backward(np.ones((2, 3), dtype=np.float32))
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_power_needs_a_constant_exponent_and_dtypes_must_match():
    with pytest.raises(TypeError, match="constant"):
        Tensor(2.0) ** Tensor(3.0)
    with pytest.raises(TypeError, match="same dtype"):
        Tensor([1.0]) + Tensor(np.ones(1, dtype=np.float32))


# --- 02.4 matmul --------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),  # a matrix applied to every batch entry
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),  # batch dims broadcast: (2, 1) with (5,) -> (2, 5)
    ((1, 3, 4), (6, 4, 2)),
    ((4,), (4, 5)),  # 1-D operands, as in NumPy
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
]


@pytest.mark.exercise("02.4")
@pytest.mark.parametrize("left, right", MATMUL_SHAPES, ids=str)
def test_02_4_matmul_matches_torch(left, right):
    name = f"02.4 {left} @ {right}"
    against_torch(name, lambda a, b: a @ b, random_arrays(name, left, right))


@pytest.mark.exercise("02.4")
def test_02_4_numpy_array_at_tensor_uses_rmatmul():
    (w,) = random_arrays("02.4 rmatmul", (4, 2))
    x = np.arange(12.0).reshape(3, 4)
    weight = Tensor(w, requires_grad=True)
    y = x @ weight
    assert isinstance(y, Tensor)
    y.backward(np.ones((3, 2)))
    close(y.data, x @ w)
    close(weight.grad, x.T @ np.ones((3, 2)))


def test_matmul_rejects_0d_operands():
    with pytest.raises(ValueError, match="at least one dimension"):
        Tensor(2.0) @ Tensor([1.0, 2.0])


# --- 02.5 reductions ----------------------------------------------------------------------------

AXES = [None, 0, 1, 2, -1, (0, 2), (1, -1), (0, 1, 2)]
REDUCTIONS = {
    "sum": (lambda t, axis, keep: t.sum(axis=axis, keepdims=keep),
            lambda t, dims, keep: torch.sum(t, dim=dims, keepdim=keep)),
    "mean": (lambda t, axis, keep: t.mean(axis=axis, keepdims=keep),
             lambda t, dims, keep: torch.mean(t, dim=dims, keepdim=keep)),
    "max": (lambda t, axis, keep: t.max(axis=axis, keepdims=keep),
            lambda t, dims, keep: torch.amax(t, dim=dims, keepdim=keep)),  # ties share equally
}


def reduce_both(op: str, axis, keepdims: bool):
    ours, theirs = REDUCTIONS[op]

    def function(t):
        if isinstance(t, Tensor):
            return ours(t, axis, keepdims)
        dims = tuple(range(t.ndim)) if axis is None else axis
        return theirs(t, dims, keepdims)

    return function


@pytest.mark.exercise("02.5")
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("op", REDUCTIONS)
def test_02_5_reduction_matches_torch(op, axis, keepdims):
    name = f"02.5 {op} {axis} {keepdims}"
    (data,) = random_arrays(name, (2, 3, 4))
    against_torch(name, reduce_both(op, axis, keepdims), [data])


@pytest.mark.exercise("02.5")
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_02_5_max_splits_the_gradient_equally_between_ties_like_torch_amax(axis):
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [3.0, 1.0, 3.0]])  # ties in rows, columns
    against_torch(f"02.5 max ties {axis}", reduce_both("max", axis, False), [data])


@pytest.mark.exercise("02.5")
@pytest.mark.parametrize("op", REDUCTIONS)
def test_02_5_reducing_a_0d_tensor_gives_a_0d_tensor(op):
    against_torch(f"02.5 {op} 0-d", reduce_both(op, None, False), [np.array(1.5)])


def test_reductions_reject_bad_axes():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of range"):
        t.sum(axis=2)
    with pytest.raises(ValueError, match="twice"):
        t.mean(axis=(0, -2))
    with pytest.raises(ValueError, match="axis=None"):
        t.max(axis=())


# --- 02.6 reshape, transpose, indexing -----------------------------------------------------------

RESHAPES = [(6, 4), (4, -1), (24,), (1, 2, 1, 12), ((3, 8),)]


@pytest.mark.exercise("02.6")
@pytest.mark.parametrize("shape", RESHAPES, ids=str)
def test_02_6_reshape_matches_torch(shape):
    name = f"02.6 reshape {shape}"
    against_torch(name, lambda t: t.reshape(*shape), random_arrays(name, (2, 3, 4)))


PERMUTATIONS = [(), (1, 0, 2), (2, 0, 1), ((0, 2, 1),), (-1, 0, 1)]


@pytest.mark.exercise("02.6")
@pytest.mark.parametrize("axes", PERMUTATIONS, ids=str)
def test_02_6_transpose_matches_torch_permute(axes):
    name = f"02.6 transpose {axes}"
    order = axes[0] if axes and isinstance(axes[0], tuple) else axes
    permutation = order or (2, 1, 0)

    def function(t):
        return t.transpose(*axes) if isinstance(t, Tensor) else t.permute(*permutation)

    against_torch(name, function, random_arrays(name, (2, 3, 4)))


@pytest.mark.exercise("02.6")
def test_02_6_dot_T_transposes_a_matrix():
    against_torch("02.6 .T", lambda t: t.T if isinstance(t, Tensor) else t.t(),
                  random_arrays("02.6 .T", (3, 5)))


INDICES = {  # name -> index into a (4, 5) tensor
    "picked targets": (np.arange(4), np.array([1, 4, 0, 1])),
    "repeated pairs": (np.array([0, 0, 3, 0]), np.array([1, 1, 2, 1])),
    "repeated rows": (np.array([2, 2, 0]),),
    "int": (1,),
    "negative int": (-1,),
    "slice": (slice(1, 3),),
    "strided slice": (slice(None), slice(None, None, 2)),
    "ellipsis": (Ellipsis, 1),
    "new axis": (None, 2),
    "int and array": (3, np.array([0, 0, 4])),
}


def as_torch_index(index: tuple) -> tuple:
    return tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)


@pytest.mark.exercise("02.6")
@pytest.mark.parametrize("case", INDICES)
def test_02_6_indexing_matches_torch_and_scatters_repeated_picks(case):
    index = INDICES[case]

    def function(t):
        return t[index] if isinstance(t, Tensor) else t[as_torch_index(index)]

    against_torch(f"02.6 index {case}", function, random_arrays(f"02.6 index {case}", (4, 5)))


# --- 02.7 log_softmax and cross_entropy --------------------------------------------------------


@pytest.mark.exercise("02.7")
@pytest.mark.parametrize("shape, axis", [((5, 7), -1), ((2, 3, 4), 1), ((2, 3, 4), 0), ((6,), 0)],
                         ids=str)
def test_02_7_log_softmax_matches_torch(shape, axis):
    name = f"02.7 log_softmax {shape} {axis}"

    def function(t):
        return log_softmax(t, axis=axis) if isinstance(t, Tensor) else torch.log_softmax(t, axis)

    against_torch(name, function, random_arrays(name, shape))


def logits_cases() -> dict[str, np.ndarray]:
    rng = rng_for("02.7 logits")
    extreme = np.full((4, 5), -1000.0)
    extreme[np.arange(4), [0, 2, 4, 1]] = 1000.0
    return {"normal": rng.standard_normal((8, 5)),
            "times 1000": 1000.0 * rng.standard_normal((8, 5)),
            "+-1000": extreme,
            "one class": rng.standard_normal((3, 1))}


@pytest.mark.exercise("02.7")
@pytest.mark.parametrize("case", ["normal", "times 1000", "+-1000", "one class"])
def test_02_7_cross_entropy_matches_torch_even_at_logits_of_1000(case):
    logits = logits_cases()[case]
    n, c = logits.shape
    targets = rng_for(f"02.7 targets {case}").integers(0, c, n)
    if case == "+-1000":
        targets = np.array([0, 3, 4, 1])  # two right, two confidently wrong: loss 1000
    ours = Tensor(logits, requires_grad=True)
    theirs = torch.tensor(logits, requires_grad=True)
    loss = cross_entropy(ours, targets)
    reference = F.cross_entropy(theirs, torch.tensor(targets))
    assert loss.shape == () and np.isfinite(loss.item())
    close(loss.data, reference)
    loss.backward()
    reference.backward()
    assert np.all(np.isfinite(ours.grad))
    close(ours.grad, theirs.grad)


@pytest.mark.exercise("02.7")
def test_02_7_cross_entropy_in_float32_stays_finite_at_logits_of_1000():
    logits = (1000.0 * rng_for("02.7 float32").standard_normal((6, 4))).astype(np.float32)
    targets = np.array([0, 1, 2, 3, 0, 1])
    ours = Tensor(logits, requires_grad=True)
    theirs = torch.tensor(logits, requires_grad=True)
    loss = cross_entropy(ours, targets)
    reference = F.cross_entropy(theirs, torch.tensor(targets))
    loss.backward()
    reference.backward()
    assert loss.dtype == np.float32 and ours.grad.dtype == np.float32
    assert np.isfinite(loss.item()) and np.all(np.isfinite(ours.grad))
    close(loss.data, reference, tol=1e-4)  # float32: about 7 significant digits of ~1000
    close(ours.grad, theirs.grad, tol=1e-6)


def test_cross_entropy_rejects_bad_shapes_and_targets():
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        cross_entropy(Tensor(np.zeros((2, 3, 4))), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="integer class ids"):
        cross_entropy(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="integer class ids"):
        cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        cross_entropy(logits, np.array([0, 1, 4]))


# --- 02.8 gradcheck -----------------------------------------------------------------------------


def sine(x: Tensor, wrong_at: tuple | None = None, factor: float = 1.0) -> Tensor:
    """sin(x) as a hand-written op whose gradient is multiplied by `factor` at `wrong_at`."""
    def backward(grad):
        local = np.cos(x.data)
        if wrong_at is not None:
            local = local.copy()
            local[wrong_at] *= factor
        return (grad * local,)
    return Tensor.from_op(np.sin(x.data), (x,), backward)


@pytest.mark.exercise("02.8")
def test_02_8_gradcheck_passes_a_correct_op_and_reports_its_worst_element():
    x = Tensor(rng_for("02.8 sine").standard_normal((3, 4)), requires_grad=True)
    result = gradcheck(sine, [x])
    assert result.passed and bool(result)
    assert result.error < 1e-8
    assert 0 <= result.worst_input < 1 and len(result.worst_index) == 2


@pytest.mark.exercise("02.8")
def test_02_8_gradcheck_catches_one_wrong_element_and_names_it():
    x = Tensor(rng_for("02.8 broken").standard_normal((3, 4)), requires_grad=True)
    result = gradcheck(lambda t: sine(t, wrong_at=(1, 2), factor=1.001), [x])
    assert not result.passed and not bool(result)
    assert (result.worst_input, tuple(result.worst_index)) == (0, (1, 2))
    assert abs(result.analytic - result.numeric) == pytest.approx(result.error)
    assert abs(result.analytic - result.numeric) > 1e-5


@pytest.mark.exercise("02.8")
def test_02_8_gradcheck_names_the_input_whose_gradient_is_wrong_and_restores_the_data():
    rng = rng_for("02.8 two inputs")
    a = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    before = a.data.copy(), b.data.copy()
    result = gradcheck(lambda p, q: times(p, sine(q, wrong_at=(0, 0), factor=-1.0)), [a, b])
    assert not result.passed
    assert (result.worst_input, tuple(result.worst_index)) == (1, (0, 0))
    assert np.array_equal(a.data, before[0]) and np.array_equal(b.data, before[1])


@pytest.mark.exercise("02.8")
def test_02_8_gradcheck_passes_the_tensor_ops_and_cross_entropy():
    rng = rng_for("02.8 composite")
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    targets = np.array([0, 3, 1, 1, 2])
    assert gradcheck(lambda x, w, b: ((x @ w + b).tanh() * 2 - b).max(axis=0), [x, w, b])
    assert gradcheck(lambda x, w, b: cross_entropy((x @ w).relu() + b, targets), [x, w, b])


def test_gradcheck_needs_float64_inputs_that_require_grad():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(sine, [Tensor(np.ones(3, dtype=np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(sine, [Tensor(np.ones(3))])


# --- 02.9 the MLP -------------------------------------------------------------------------------


def torch_twin(model: MLP) -> list[torch.Tensor]:
    """The model's parameters as float64 torch leaves: w1 (n_in, H), b1 (H,), w2 (H, C), b2."""
    return [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]


def torch_logits(params: list[torch.Tensor], x: np.ndarray) -> torch.Tensor:
    w1, b1, w2, b2 = params
    return torch.relu(torch.tensor(x) @ w1 + b1) @ w2 + b2


@pytest.mark.exercise("02.9")
def test_02_9_mlp_logits_loss_and_gradients_match_torch():
    x, y = make_spirals(10, 3, seed=3)
    model = MLP(2, 16, 3, seed=1)
    params = torch_twin(model)
    logits = model(Tensor(x))
    assert logits.shape == (30, 3)
    loss = cross_entropy(logits, y)
    loss.backward()
    reference = F.cross_entropy(torch_logits(params, x), torch.tensor(y))
    reference.backward()
    close(loss.data, reference)
    for ours, theirs in zip(model.parameters(), params, strict=True):
        close(ours.grad, theirs.grad)


@pytest.mark.exercise("02.9")
def test_02_9_sgd_step_moves_each_parameter_against_its_gradient():
    p = Tensor([1.0, 2.0], requires_grad=True)
    q = Tensor([[3.0]], requires_grad=True)  # no grad yet: left alone
    p.grad = np.array([0.5, -1.0])
    sgd_step([p, q], lr=0.1)
    close(p.data, [0.95, 2.1])
    close(q.data, [[3.0]])


@pytest.mark.exercise("02.9")
def test_02_9_training_follows_torch_sgd_step_for_step():
    x, y = make_spirals(20, 3, seed=2)
    model = MLP(2, 8, 3, seed=2)
    params = torch_twin(model)
    losses = train(model, x, y, steps=25, lr=0.5)
    reference = []
    for _ in range(25):
        loss = F.cross_entropy(torch_logits(params, x), torch.tensor(y))
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.5 * p.grad
                p.grad = None
        reference.append(loss.item())
    assert len(losses) == 25 and all(isinstance(v, float) for v in losses)
    close(losses, reference, tol=1e-9)
    for ours, theirs in zip(model.parameters(), params, strict=True):
        close(ours.data, theirs, tol=1e-9)


@pytest.mark.exercise("02.9")
def test_02_9_mlp_fits_the_spirals_to_97_percent_and_generalises():
    x, y = make_spirals(100, 3, seed=0)
    held_out_x, held_out_y = make_spirals(100, 3, seed=1)
    model = MLP(2, 100, 3, seed=0)
    losses = train(model, x, y, steps=1000, lr=1.0)
    assert losses[-1] < 0.1 < losses[0]
    assert accuracy(model, x, y) >= 0.97
    assert accuracy(model, held_out_x, held_out_y) >= 0.95


def test_benchmark_batches_and_the_torch_step_work():
    x, y = make_batch(SMALL)
    assert x.shape == (512, 2) and y.shape == (512,)
    step = torch_step(SMALL, np.float64)
    first = step()
    assert np.isfinite(first) and step() < first


@pytest.mark.exercise("02.9")
def test_02_9_the_benchmark_times_the_same_computation_on_both_sides():
    ours, theirs = tensor_step(SMALL, np.float64), torch_step(SMALL, np.float64)
    close([ours() for _ in range(3)], [theirs() for _ in range(3)], tol=1e-9)


# --- 02.10 the PyTorch bridge -------------------------------------------------------------------


@pytest.mark.exercise("02.10")
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4), (1, 3, 1), (4, 1, 5, 2),
                                   (2, 0, 3), (0,)], ids=str)
def test_02_10_contiguous_strides_equal_torch(shape):
    assert tuple(contiguous_strides(shape)) == torch.empty(shape).stride()


@pytest.mark.exercise("02.10")
def test_02_10_shares_storage_compares_storages_not_first_elements():
    x = torch.arange(12.0).reshape(3, 4)
    assert x[1:].data_ptr() != x.data_ptr()  # a slice starts later in the same storage
    assert shares_storage(x, x[1:]) and shares_storage(x, x.t()) and shares_storage(x, x.detach())
    assert not shares_storage(x, x.clone())
    assert not shares_storage(x, torch.arange(12.0).reshape(3, 4))


@pytest.mark.exercise("02.10")
def test_02_10_view_or_copy_classifies_the_common_ops():
    assert view_or_copy(torch.arange(12.0).reshape(3, 4) - 5) == {
        "x.view(-1)": True,
        "x.reshape(cols, rows)": True,  # contiguous: reshape returns a view
        "x.transpose(0, 1)": True,  # only the strides change
        "x.transpose(0, 1).contiguous()": False,  # copies into row-major order
        "x.transpose(0, 1).reshape(-1)": False,  # no strides can express it: reshape copies
        "x.contiguous()": True,  # already contiguous: returns x itself
        "x[1:, ::2]": True,  # basic slicing: an offset and strides
        "x[[0, 0, 1]]": False,  # advanced (fancy) indexing always copies
        "x[x > 0]": False,  # so does a boolean mask
        "x.clone()": False,
    }


@pytest.mark.exercise("02.10")
def test_02_10_einsum_matmuls_equal_the_explicit_ops():
    gen = torch.Generator().manual_seed(10)
    a, b = torch.randn(3, 4, generator=gen, dtype=torch.float64), \
        torch.randn(4, 5, generator=gen, dtype=torch.float64)
    close(matmul_einsum(a, b), a @ b, tol=1e-12)
    a, b = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64), \
        torch.randn(2, 4, 5, generator=gen, dtype=torch.float64)
    close(batched_matmul_einsum(a, b), torch.bmm(a, b), tol=1e-12)


@pytest.mark.exercise("02.10")
def test_02_10_attention_scores_einsum_equals_scaled_q_times_k_transposed():
    gen = torch.Generator().manual_seed(11)
    q = torch.randn(2, 3, 5, 8, generator=gen, dtype=torch.float64)  # (B, H, T, d)
    k = torch.randn(2, 3, 7, 8, generator=gen, dtype=torch.float64)  # (B, H, S, d)
    scores = attention_scores_einsum(q, k)
    assert scores.shape == (2, 3, 5, 7)
    close(scores, q @ k.transpose(-2, -1) / math.sqrt(8), tol=1e-12)


# --- the notebook -------------------------------------------------------------------------------


@pytest.mark.notebook
def test_02_notebook_runs_top_to_bottom():
    execute_notebook(notebook_to_run(find_module("02")))
