"""One place that chooses the device: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import os

import torch


def pick_device() -> torch.device:
    """The best device available, overridable with COURSE_DEVICE=cpu|cuda|mps."""
    wanted = os.environ.get("COURSE_DEVICE", "").strip()
    if wanted:
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
