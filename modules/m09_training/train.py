"""The training script (provided): every piece of this module in one loop.

    python -m modules.m09_training.train --config cpu             # ~2 min on 2 CPU cores
    python -m modules.m09_training.train --config gpu             # nanoGPT's shakespeare_char
    python -m modules.m09_training.train --config tiny --max-iters 20 --out-dir /tmp/run
    python -m modules.m09_training.train --config cpu --resume    # continue from ckpt.pt
    python -m modules.m09_training.train --config cpu --pathology lr-too-high
    python -m modules.m09_training.train --config cpu --set dropout=0.1 --set seed=7
    torchrun --standalone --nproc_per_node=2 -m modules.m09_training.train --config tiny

One step: the learning rate for this step (warmup, then cosine), grad_accum_steps
micro-batches forward and backward, the gradient clipped to grad_clip, one AdamW update. Every
log_interval steps a line goes to out_dir/metrics.jsonl; every eval_interval steps (and at the
end) the mean loss on both splits is measured, logged, and a checkpoint written to
out_dir/ckpt.pt; every sample_interval steps the model writes a short text. At the end,
out_dir/loss.png shows the curves. Training from a checkpoint (--resume) continues bit for bit
as if the run had never stopped: the checkpoint holds the weights, the optimiser's moments and
every random number generator's state.

The loop reads its data through a small interface, TrainingData: here CharData, the characters
of TinyShakespeare (or of any text file); Module 10 passes its own, token shards of TinyStories
encoded with a BPE tokenizer, to train(config, data=...). Besides what save_checkpoint stores,
every checkpoint holds two `extra` entries, so that Module 11 can rebuild model and tokenizer:
    "model_config"  dataclasses.asdict(GPTConfig): GPT(GPTConfig(**it)) has the saved shape
    "tokenizer"     TrainingData.tokenizer_record(): {"kind": "char", "chars": [one str per id]}
                    here; {"kind": "bpe", ...} from Module 10 (see its pretrain.py)
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch
from tqdm import tqdm

from modules.course.corpus import TINYSHAKESPEARE, tinyshakespeare
from modules.course.device import pick_device
from modules.course.seeding import seed_everything
from modules.m07_transformer.model import GPT, GPTConfig
from modules.m09_training import distributed
from modules.m09_training.adamw import AdamW, param_groups
from modules.m09_training.checkpoint import (
    CheckpointError,
    load_checkpoint,
    restore_checkpoint,
    save_checkpoint,
)
from modules.m09_training.clipping import clip_grad_norm
from modules.m09_training.configs import (
    PATHOLOGIES,
    SHAKESPEARE,
    TrainConfig,
    config_dict,
    load_config,
)
from modules.m09_training.data import CharDataset, get_batch, load_char_data, prepare_char_data
from modules.m09_training.evaluate import evaluate
from modules.m09_training.metrics import MetricsWriter, truncate_after
from modules.m09_training.plots import save_loss_plot
from modules.m09_training.schedule import lr_at, set_lr
from modules.m09_training.step import accumulate_gradients

# Config fields a checkpoint cannot be resumed with different values of: they shape the model.
MODEL_FIELDS = ("n_layer", "n_head", "n_embd", "block_size", "bias", "positions", "data")


@dataclass
class TrainResult:
    """What a call of train() did: the step reached, the training loss of every step it ran
    (this process's micro-batches), the last evaluation, and the training throughput."""

    step: int
    losses: list[float]
    train_loss: float
    val_loss: float
    tokens_per_s: float
    out_dir: Path


class TrainingData(Protocol):
    """What the loop trains on.

    vocab_size   the number of token ids (the model's vocabulary)
    generator    the torch.Generator every training batch is drawn from: checkpoints save its
                 state and --resume restores it, so a resumed run draws the batches it would have
    """

    vocab_size: int
    generator: torch.Generator

    def train_batch(self, batch_size: int, device: torch.device
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A training batch (x, y), (B, T) int64 each on `device`, drawn with self.generator."""

    def eval_losses(self, model: torch.nn.Module, config: TrainConfig, device: torch.device,
                    autocast) -> dict[str, float]:
        """{"train": loss, "val": loss}, each measured on the same tokens at every call."""

    def prompt(self) -> list[int]:
        """The ids a sample starts from."""

    def decode(self, ids: list[int]) -> str:
        """The text of sampled ids."""

    def tokenizer_record(self) -> dict:
        """What rebuilds the tokenizer: the checkpoint's extra["tokenizer"] (plain values)."""


class CharData:
    """A CharDataset as TrainingData: random windows of the training ids (get_batch), the mean
    loss over eval_iters fixed batches of each split (evaluate), samples after a newline."""

    def __init__(self, dataset: CharDataset, config: TrainConfig):
        self.dataset, self.block_size = dataset, config.block_size
        self.vocab_size = dataset.vocab_size
        self.generator = torch.Generator().manual_seed(config.seed)  # the same on every rank

    def train_batch(self, batch_size: int, device: torch.device
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        return get_batch(self.dataset.train, batch_size, self.block_size, self.generator, device)

    def eval_losses(self, model: torch.nn.Module, config: TrainConfig, device: torch.device,
                    autocast) -> dict[str, float]:
        splits = {"train": self.dataset.train, "val": self.dataset.val}
        return evaluate(model, splits, config.eval_iters, config.batch_size, config.block_size,
                        device=device, autocast=autocast)

    def prompt(self) -> list[int]:
        vocab = self.dataset.vocab
        return vocab.encode("\n") if "\n" in vocab.chars else [0]

    def decode(self, ids: list[int]) -> str:
        return self.dataset.vocab.decode(ids)

    def tokenizer_record(self) -> dict:
        return {"kind": "char", "chars": list(self.dataset.vocab.chars)}


def load_data(config: TrainConfig, info: distributed.DistInfo) -> CharDataset:
    """The corpus as token files, prepared by rank 0 on first use (others wait, then read)."""
    if config.data == SHAKESPEARE:  # the stand-in, when the real text is missing, apart
        folder = TINYSHAKESPEARE.parent / ("char" if TINYSHAKESPEARE.is_file() else "standin")
        read = functools.partial(tinyshakespeare, allow_standin=True)  # prints a note if so
    else:
        source = Path(config.data)
        if not source.is_file():
            raise FileNotFoundError(f"data={config.data!r} is neither {SHAKESPEARE!r} nor a "
                                    f"text file")
        folder = source.with_name(source.name + ".char")
        read = functools.partial(source.read_text, encoding="utf-8")
    if info.is_main:
        prepare_char_data(read(), folder)
    distributed.barrier(info)
    return load_char_data(folder)


def build_model(config: TrainConfig, vocab_size: int) -> GPT:
    """Module 07's GPT with the GPT-2 initialisation drawn from a generator seeded by
    config.seed; every weight matrix then multiplied by init_std_scale (1 keeps it)."""
    shape = GPTConfig(vocab_size=vocab_size, block_size=config.block_size,
                      n_layer=config.n_layer, n_head=config.n_head, n_embd=config.n_embd,
                      dropout=config.dropout, bias=config.bias, positions=config.positions,
                      fused_kernels=config.fused_kernels)
    model = GPT(shape, generator=torch.Generator().manual_seed(config.seed))
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim >= 2:
                p.mul_(config.init_std_scale)
    return model


def build_optimizer(model: GPT, config: TrainConfig) -> AdamW:
    """AdamW with weight decay on the matrices only (see param_groups)."""
    return AdamW(param_groups(model, config.weight_decay), lr=config.learning_rate,
                 betas=(config.beta1, config.beta2))


def micro_batches(data: TrainingData, config: TrainConfig, info: distributed.DistInfo
                  ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """grad_accum_steps (x, y) pairs of (B, T) for this rank. Every rank draws the same global
    batch (world_size * B, T) from the shared generator and keeps its own B rows, so N
    processes train exactly as one process with N times the batch."""
    batches = []
    for _ in range(config.grad_accum_steps):
        x, y = data.train_batch(config.batch_size * info.world_size, info.device)  # (W * B, T)
        batches.append((distributed.rank_slice(x, info), distributed.rank_slice(y, info)))
    return batches


def autocast_for(config: TrainConfig, device: torch.device):
    """What accumulate_gradients and evaluate call around each forward pass: bf16 autocast on
    CUDA (dtype "auto" or "bfloat16"), nothing (float32) otherwise."""
    bf16 = config.dtype == "bfloat16" or (config.dtype == "auto" and device.type == "cuda"
                                          and torch.cuda.is_bf16_supported())
    if bf16 and device.type != "cuda":
        raise ValueError(f"dtype=bfloat16 autocast is for CUDA; this run is on {device.type}")
    if bf16:
        return functools.partial(torch.autocast, "cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext


def sample(model: GPT, data: TrainingData, config: TrainConfig, device: torch.device) -> str:
    """sample_tokens tokens after data.prompt(), drawn from a generator of its own, so that
    sampling never moves the training's random streams (and each sample uses the same draws)."""
    start = data.prompt()
    ids = model.generate(torch.tensor([start], device=device), config.sample_tokens,
                         generator=torch.Generator().manual_seed(config.seed))  # (1, P + n)
    return data.decode(ids[0, len(start):].tolist())


def prepare_out_dir(out_dir: Path, resume: bool, step: int) -> None:
    """Resuming: drop metrics logged after the checkpoint. A new run: move an earlier run's
    files into out_dir/previous-<time>/ (nothing is ever deleted)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if resume:
        backup = truncate_after(out_dir / "metrics.jsonl", step)
        if backup:
            print(f"resuming at step {step}: dropped the metrics logged after it (the whole "
                  f"old file is in {backup})")
        return
    old = [p for p in out_dir.iterdir() if not p.name.startswith("previous-")]
    if old:
        aside = out_dir / f"previous-{time.strftime('%Y%m%d-%H%M%S')}"
        while aside.exists():  # two runs in one second
            aside = aside.with_name(aside.name + "+")
        aside.mkdir()
        for path in old:
            os.replace(path, aside / path.name)
        print(f"{out_dir} held an earlier run: moved its files to {aside}")


def resume_from(out_dir: Path, config: TrainConfig, model: GPT, optimizer: AdamW,
                generator: torch.Generator) -> int:
    """Load out_dir/ckpt.pt into the model, the optimiser and every generator; the step it
    holds. A CheckpointError when it is damaged, of another model, or already done."""
    path = out_dir / "ckpt.pt"
    state = load_checkpoint(path)
    saved = state["config"]
    wrong = {k: (saved.get(k), getattr(config, k)) for k in MODEL_FIELDS
             if saved.get(k) != getattr(config, k)}
    if wrong:
        raise CheckpointError(f"{path} holds another model or data (checkpoint, config): "
                              f"{wrong}; resume with the config it was trained with")
    step = restore_checkpoint(state, model=model, optimizer=optimizer, batch_generator=generator)
    if step >= config.max_iters:
        raise CheckpointError(f"{path} is at step {step} already; pass a larger --max-iters "
                              f"to train further")
    return step


def train_step(model: torch.nn.Module, optimizer: AdamW, batches: list, lr: float,
               grad_clip: float, autocast) -> tuple[float, torch.Tensor]:
    """One optimiser update; returns the mean loss and the gradient norm before clipping."""
    set_lr(optimizer, lr)
    loss = accumulate_gradients(model, batches, autocast)  # fills every .grad
    # grad_clip = 0: an infinite threshold measures the norm and scales nothing
    grad_norm = clip_grad_norm(model.parameters(), grad_clip or math.inf)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss, grad_norm


def train(config: TrainConfig, resume: bool = False, progress: bool = True,
          data: TrainingData | None = None) -> TrainResult:
    """Train (or, with resume, continue from out_dir/ckpt.pt) a GPT as `config` says, on `data`
    (by default the characters of config.data, see load_data)."""
    device = pick_device() if config.device == "auto" else torch.device(config.device)
    info = distributed.setup(device)
    try:
        return train_loop(config, resume, progress, info, data)
    finally:
        distributed.teardown()


def train_loop(config: TrainConfig, resume: bool, progress: bool, info: distributed.DistInfo,
               data: TrainingData | None = None) -> TrainResult:
    seed_everything(config.seed)  # Python, NumPy and torch's global RNG (dropout)
    out_dir = Path(config.out_dir)
    if data is None:
        data = CharData(load_data(config, info), config)
    model = build_model(config, data.vocab_size).to(info.device)
    optimizer = build_optimizer(model, config)
    generator = data.generator  # draws the batches: checkpointed with the rest
    start = resume_from(out_dir, config, model, optimizer, generator) if resume else 0
    if info.is_main:
        prepare_out_dir(out_dir, resume, start)
    distributed.barrier(info)
    if info.device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    autocast = autocast_for(config, info.device)
    fast = torch.compile(model) if config.compile else model
    trained = distributed.wrap(fast, info)  # what the training steps call
    log = MetricsWriter(out_dir / "metrics.jsonl") if info.is_main else None
    say = tqdm.write if info.is_main else (lambda text: None)
    tokens_per_step = config.tokens_per_step(info.world_size)
    if log:
        log.write("run", start, config=config_dict(config), world_size=info.world_size,
                  resumed=resume, device=str(info.device))
    bar = tqdm(total=config.max_iters, initial=start, disable=not (progress and info.is_main),
               unit="step", dynamic_ncols=True)

    def checkpoint_and_eval(step: int) -> dict[str, float]:
        """Evaluate (rank 0), check the ranks agree, log, and save a checkpoint."""
        result = data.eval_losses(fast, config, info.device, autocast) if info.is_main else {}
        in_sync = distributed.check_in_sync(model, info)  # every rank takes part
        if log:
            log.write("eval", step, train_loss=result["train"], val_loss=result["val"],
                      ranks_in_sync=in_sync, world_size=info.world_size)
            say(f"step {step}: train loss {result['train']:.4f}, val loss {result['val']:.4f}")
            if step > 0:
                save_checkpoint(out_dir / "ckpt.pt", model=model, optimizer=optimizer,
                                step=step, config=config_dict(config),
                                batch_generator=generator,
                                extra={"tokenizer": data.tokenizer_record(),
                                       "model_config": dataclasses.asdict(model.config)})
        return result

    last_eval = checkpoint_and_eval(0) if start == 0 else {}
    losses, window_seconds, all_seconds = [], 0.0, 0.0
    for step in range(start, config.max_iters):
        began = time.perf_counter()
        lr = lr_at(step, config.learning_rate, config.min_lr, config.warmup_iters,
                   config.lr_decay_iters)
        batches = micro_batches(data, config, info)  # [(x, y) (B, T)] * k
        loss, grad_norm = train_step(trained, optimizer, batches, lr, config.grad_clip, autocast)
        done = step + 1
        elapsed = time.perf_counter() - began
        window_seconds, all_seconds = window_seconds + elapsed, all_seconds + elapsed
        losses.append(loss)
        bar.update()
        bar.set_postfix(loss=f"{loss:.3f}", lr=f"{lr:.2e}", refresh=False)
        if log and done % config.log_interval == 0:
            log.write("train", done, loss=loss, lr=lr, grad_norm=grad_norm,
                      tokens=done * tokens_per_step, seconds=window_seconds,
                      tokens_per_s=config.log_interval * tokens_per_step / window_seconds)
            window_seconds = 0.0
        last = done == config.max_iters
        if info.is_main and config.sample_interval and (done % config.sample_interval == 0
                                                        or last):
            text = sample(model, data, config, info.device)
            log.write("sample", done, text=text)
            say(f"--- sample at step {done} ---\n{text}\n---")
        if done % config.eval_interval == 0 or last:
            last_eval = checkpoint_and_eval(done)
    bar.close()
    tokens_per_s = len(losses) * tokens_per_step / all_seconds
    if log:
        log.close()
        save_loss_plot(out_dir / "metrics.jsonl", out_dir / "loss.png", data.vocab_size,
                       title=f"{out_dir.name}: {config.n_layer} layers, {config.n_embd} wide")
        print(f"step {config.max_iters}: val loss {last_eval['val']:.4f}, "
              f"{tokens_per_s:,.0f} tokens/s; wrote {out_dir}/ckpt.pt, metrics.jsonl, loss.png")
    return TrainResult(config.max_iters, losses, last_eval.get("train", math.nan),
                       last_eval.get("val", math.nan), tokens_per_s, out_dir)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train Module 07's GPT on characters.",
                                     epilog=__doc__.split("\n\n")[1])
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--config", default="cpu", help="cpu, gpu, tiny, or a .toml/.json file")
    parser.add_argument("--max-iters", type=int, help="train up to this step")
    parser.add_argument("--out-dir", help="where metrics.jsonl, ckpt.pt and loss.png go")
    parser.add_argument("--resume", action="store_true", help="continue from out_dir/ckpt.pt")
    parser.add_argument("--compile", action="store_true", help="wrap the model in torch.compile")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    parser.add_argument("--pathology", choices=sorted(PATHOLOGIES), help="break it on purpose")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config field (repeatable), e.g. --set dropout=0.1")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {}
    for item in args.set:
        key, equals, value = item.partition("=")
        if not equals:
            sys.exit(f"error: --set needs KEY=VALUE, got {item!r}")
        overrides[key.strip()] = value.strip()
    for key, value in (("max_iters", args.max_iters), ("out_dir", args.out_dir),
                       ("device", args.device), ("compile", args.compile or None)):
        if value is not None:
            overrides[key] = value
    try:
        config = load_config(args.config, overrides, pathology=args.pathology)
    except (ValueError, TypeError, FileNotFoundError) as err:
        sys.exit(f"error: {err}")
    try:
        train(config, resume=args.resume, progress=not args.no_progress)
    except (CheckpointError, FileNotFoundError) as err:
        sys.exit(f"error: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
