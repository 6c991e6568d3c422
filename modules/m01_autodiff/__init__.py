"""Module 01, scalar autodiff: a `Value` engine with reverse-mode automatic differentiation,
a tiny MLP built from it, and gradient descent on generated 2-D data.

    engine.py     Value: the operations, their local derivatives, backward()
    nn.py         Neuron, Layer, MLP
    train.py      logistic loss, accuracy, the training loop
    gradcheck.py  central differences, and the check of backward() against them
    data.py       seeded moons and spirals (provided)
    draw.py       drawing a computation graph with matplotlib (provided)
    plots.py      data points and a decision boundary (provided)
"""

from modules.m01_autodiff.data import make_moons, make_spirals
from modules.m01_autodiff.draw import draw_graph
from modules.m01_autodiff.engine import Value
from modules.m01_autodiff.gradcheck import GradcheckResult, gradcheck, numerical_grad
from modules.m01_autodiff.nn import MLP, Layer, Module, Neuron
from modules.m01_autodiff.train import History, accuracy, logistic_loss, scores_of, train

__all__ = [
    "MLP",
    "GradcheckResult",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Value",
    "accuracy",
    "draw_graph",
    "gradcheck",
    "logistic_loss",
    "make_moons",
    "make_spirals",
    "numerical_grad",
    "scores_of",
    "train",
]
