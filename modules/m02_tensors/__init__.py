"""Module 02, tensors: a numpy-backed Tensor with autograd, and the same ideas in PyTorch.

- tensor.py: the Tensor (storage, graph, backward, elementwise ops, matmul, reductions,
  reshape/transpose/indexing); unbroadcast.py: the backward of broadcasting;
- functional.py: log_softmax and cross_entropy; gradcheck.py: central-difference checking;
- mlp.py: a two-layer MLP classifier trained by SGD on data.py's spirals;
- torch_bridge.py: strides, views and einsum in PyTorch; benchmark.py and plots.py: provided.
"""
