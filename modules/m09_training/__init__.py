"""Module 09, training: the pieces of a real training loop for Module 07's GPT, each small and
checked against PyTorch's own, then the loop that puts them together.

    data.py        token files on disk (uint16/uint32 + a JSON sidecar): write_tokens (09.1),
                   read_tokens (np.memmap), write_sidecar; get_batch (09.2); prepare_char_data and
                   load_char_data for a character corpus (provided)
    adamw.py       AdamW: step (09.3); param_groups, which parameters get weight decay (09.4)
    schedule.py    lr_at, linear warmup then cosine decay (09.5); set_lr (provided)
    clipping.py    clip_grad_norm, by the global norm (09.6)
    step.py        accumulate_gradients over micro-batches, with DDP's no_sync (09.7)
    evaluate.py    evaluate, the mean loss per split on fixed batches (09.8)
    checkpoint.py  rng_states, restore_rng_states, save_checkpoint, load_checkpoint (09.9);
                   content_digest, unwrap and restore_checkpoint (provided)

Provided, imported from their own files: configs.py (TrainConfig, the cpu/gpu/tiny configs and
the pathologies), train.py (the loop and `python -m modules.m09_training.train`),
distributed.py (torchrun / DistributedDataParallel), metrics.py (the JSON-lines log) and
plots.py (loss curves, schedules, gradient norms).
"""

from modules.m09_training.adamw import AdamW, param_groups
from modules.m09_training.checkpoint import (
    CheckpointError,
    content_digest,
    load_checkpoint,
    restore_checkpoint,
    restore_rng_states,
    rng_states,
    save_checkpoint,
    unwrap,
)
from modules.m09_training.clipping import clip_grad_norm
from modules.m09_training.data import (
    CharDataset,
    get_batch,
    inputs_and_targets,
    load_char_data,
    prepare_char_data,
    read_tokens,
    token_dtype,
    write_sidecar,
    write_tokens,
)
from modules.m09_training.evaluate import evaluate
from modules.m09_training.schedule import lr_at, set_lr
from modules.m09_training.step import accumulate_gradients, no_sync_unless_last

__all__ = [
    "AdamW",
    "CharDataset",
    "CheckpointError",
    "accumulate_gradients",
    "clip_grad_norm",
    "content_digest",
    "evaluate",
    "get_batch",
    "inputs_and_targets",
    "load_char_data",
    "load_checkpoint",
    "lr_at",
    "no_sync_unless_last",
    "param_groups",
    "prepare_char_data",
    "read_tokens",
    "restore_checkpoint",
    "restore_rng_states",
    "rng_states",
    "save_checkpoint",
    "set_lr",
    "token_dtype",
    "unwrap",
    "write_sidecar",
    "write_tokens",
]
