"""Module 04, the MLP language model: predict the next character from several before it, with
layers written by hand, a careful initialisation, batch norm, and a backward pass by hand.

    data.py         context_windows (fixed windows and their targets); two_back_text (provided)
    layers.py       Linear, Embedding, Tanh, LayerNorm, BatchNorm1d as small nn.Modules
    model.py        MLPConfig, parameter_count, MLPLanguageModel (forward_steps, generate)
    backward.py     manual_backward: every gradient of the model, checked against autograd
    train.py        get_batch, sgd_step, evaluate, cosine_lr, train; lr_sweep (provided)
    diagnostics.py  saturation, update-to-data ratios, deep tanh stacks (provided)
    plots.py        histograms, loss curves, ratios, the window diagram (provided)
"""

from modules.m04_mlp.backward import autograd_gradients, manual_backward, normalization_backward
from modules.m04_mlp.data import context_windows, two_back_text
from modules.m04_mlp.diagnostics import saturation, tanh_stack, tanh_statistics, update_to_data
from modules.m04_mlp.layers import TANH_GAIN, BatchNorm1d, Embedding, LayerNorm, Linear, Tanh
from modules.m04_mlp.model import Activations, MLPConfig, MLPLanguageModel, parameter_count
from modules.m04_mlp.train import (
    History,
    TrainConfig,
    cosine_lr,
    evaluate,
    get_batch,
    lr_sweep,
    sgd_step,
    train,
)

__all__ = [
    "TANH_GAIN",
    "Activations",
    "BatchNorm1d",
    "Embedding",
    "History",
    "LayerNorm",
    "Linear",
    "MLPConfig",
    "MLPLanguageModel",
    "Tanh",
    "TrainConfig",
    "autograd_gradients",
    "context_windows",
    "cosine_lr",
    "evaluate",
    "get_batch",
    "lr_sweep",
    "manual_backward",
    "normalization_backward",
    "parameter_count",
    "saturation",
    "sgd_step",
    "tanh_stack",
    "tanh_statistics",
    "train",
    "two_back_text",
    "update_to_data",
]
