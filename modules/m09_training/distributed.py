"""Several processes training one model (provided): DistributedDataParallel (Li et al. 2020,
"PyTorch Distributed: Experiences on Accelerating Data Parallel Training") started by torchrun.

    torchrun --standalone --nproc_per_node=2 -m modules.m09_training.train --config tiny

torchrun starts the processes and tells each one who it is through environment variables:
RANK (0 .. WORLD_SIZE-1 over all machines), LOCAL_RANK (its number on this machine, which picks
its GPU) and WORLD_SIZE, plus MASTER_ADDR/MASTER_PORT where they meet. Every process holds a
full copy of the model and computes gradients on its own slice of the batch; the DDP wrapper
averages the gradients across processes during backward (an all-reduce), so every copy takes
the same optimiser step and the copies stay equal. `check_in_sync` verifies that they do.

The backend is NCCL between GPUs and Gloo on the CPU (what the tests use). Without torchrun
(WORLD_SIZE unset or 1) nothing here starts a process group, and the helpers do the obvious
single-process thing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    """Who this process is: rank, local_rank, world_size, and the device it trains on."""

    rank: int
    local_rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Rank 0 alone logs, prints, samples and saves."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"environment variable {name}={value!r} must be an integer "
                         f"(torchrun sets it)") from None


def setup(device: torch.device) -> DistInfo:
    """Join the process group torchrun prepared, when there is one.

    `device` is the device asked for; under torchrun on CUDA each process takes
    cuda:LOCAL_RANK. Returns this process's DistInfo.
    """
    world_size = env_int("WORLD_SIZE", 1)
    rank, local_rank = env_int("RANK", 0), env_int("LOCAL_RANK", 0)
    if world_size <= 1:
        return DistInfo(0, 0, 1, device)
    if device.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise RuntimeError(f"LOCAL_RANK={local_rank} but this machine has "
                               f"{torch.cuda.device_count()} GPU(s): start at most that many "
                               f"processes per node (--nproc_per_node)")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise ValueError(f"distributed training runs on CUDA (nccl) or the CPU (gloo), not on "
                         f"{device.type}; pass --device cpu or --device cuda")
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    return DistInfo(rank, local_rank, world_size, device)


def teardown() -> None:
    """Leave the process group (if this process joined one)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    """Wait until every process gets here (e.g. while rank 0 writes files the others read)."""
    if info.distributed:
        dist.barrier()


def wrap(model: torch.nn.Module, info: DistInfo) -> torch.nn.Module:
    """The model in a DistributedDataParallel wrapper, when there are several processes."""
    if not info.distributed:
        return model
    device_ids = [info.device.index] if info.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def parameter_checksum(model: torch.nn.Module) -> torch.Tensor:
    """(2 * n_params,) float64: the sum and the sum of squares of every parameter tensor, in
    order. Equal parameters give bit-equal checksums on every rank; copies that drifted apart
    almost surely do not."""
    sums = []
    for p in model.parameters():
        values = p.detach().double()
        sums += [values.sum(), values.square().sum()]
    return torch.stack(sums)


def check_in_sync(model: torch.nn.Module, info: DistInfo) -> bool:
    """True when every rank holds the same parameters (always, with one process); a
    RuntimeError naming the ranks that differ from rank 0 otherwise. Every rank must call it."""
    if not info.distributed:
        return True
    mine = parameter_checksum(model)
    gathered = [torch.empty_like(mine) for _ in range(info.world_size)]
    dist.all_gather(gathered, mine)
    differ = [r for r, theirs in enumerate(gathered) if not torch.equal(theirs, gathered[0])]
    if differ:
        raise RuntimeError(f"the model copies of ranks {differ} differ from rank 0's: the "
                           f"processes no longer train the same model (did each draw its "
                           f"own initialisation, or skip a step?)")
    return True


def rank_slice(batch: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """This rank's rows of a global batch (world_size * B, ...) -> (B, ...): rank r keeps rows
    r*B .. (r+1)*B - 1."""
    if batch.shape[0] % info.world_size:
        raise ValueError(f"a global batch of {batch.shape[0]} rows does not split evenly over "
                         f"{info.world_size} processes")
    rows = batch.shape[0] // info.world_size
    return batch[info.rank * rows:(info.rank + 1) * rows]
