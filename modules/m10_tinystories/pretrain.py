"""Pre-training on TinyStories (provided): the whole pipeline, one command.

    python -m modules.m10_tinystories.pretrain --config tiny              # seconds: generated
    python -m modules.m10_tinystories.pretrain --config cpu --track tiny  # ~1 hour on 2 cores
    python -m modules.m10_tinystories.pretrain --config gpu --track full  # CS336's run, one GPU
    python -m modules.m10_tinystories.pretrain --config cpu --resume      # continue from ckpt.pt
    python -m modules.m10_tinystories.pretrain --config tiny --max-iters 20 --out-dir /tmp/run

Each step skips what is done already, so running the command again costs only the training:
1. stories    the track's TinyStories shards (./datasets.sh --tiny|--small|--full tinystories),
              or, when they are not here, a generated stand-in corpus (stories.py; it says so);
2. tokenizer  a BPE vocabulary trained on them (tokenizer_training.py, exercise 10.1), saved as
              <work_dir>/bpe-<V>.json; reused while it was trained on the same shards;
3. tokens     each shard and the validation text as a uint16 token file (tokenize.py, 10.2 and
              10.3) in <work_dir>/tokens-bpe-<V>-<first 8 hex digits of the tokenizer's sha256>/;
4. training   Module 09's loop (train.py) on StoryData: random windows across the token files
              (ShardLoader, 10.4), evaluation on fixed slices (validation_loss, 10.5), metrics,
              checkpoints that resume bit for bit, loss.png, into <out_dir> (default
              data/runs/m10/<config>-<source>: cpu-tiny, gpu-full, tiny-generated-1500);
5. samples    a few stories written by the trained model, in <out_dir>/samples.txt.

<work_dir> is data/tinystories/track-<track>/ for TinyStories and
data/tinystories/generated/<n>-stories/ for the stand-in. The checkpoint records the tokenizer
(its extra["tokenizer"], see tokenizer_training.tokenizer_record), so `load_trained(ckpt)` gives
the model and its tokenizer back (Module 11 samples from it). One process: no torchrun here.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from modules.course.device import pick_device
from modules.course.settings import current_track
from modules.m03_bigram import CharVocab
from modules.m07_transformer.model import GPT, GPTConfig
from modules.m08_bpe import Tokenizer
from modules.m09_training.checkpoint import CheckpointError, load_checkpoint
from modules.m09_training.configs import TrainConfig
from modules.m09_training.data import read_tokens
from modules.m09_training.train import TrainResult, train
from modules.m10_tinystories.configs import CONFIGS, PretrainConfig, load_pretrain_config
from modules.m10_tinystories.loader import ShardLoader, validation_loss
from modules.m10_tinystories.stories import END_OF_TEXT, StorySource, story_source
from modules.m10_tinystories.tokenize import tokenize_shards
from modules.m10_tinystories.tokenizer_training import (
    checkpoint_tokenizer,
    ensure_tokenizer,
    file_sha256,
    tokenizer_path,
    tokenizer_record,
)


@dataclass(frozen=True)
class Prepared:
    """What steps 1-3 made: the stories, the tokenizer (and its file), the token files."""

    source: StorySource
    tokenizer: Tokenizer
    tokenizer_file: Path
    train_files: tuple[Path, ...]
    val_file: Path

    @property
    def label(self) -> str:
        """Names the tokens a model trains on (TrainConfig.data): --resume refuses others."""
        return f"tinystories:{self.source.name}:{self.tokenizer_file.name}:" \
               f"{file_sha256(self.tokenizer_file)[:8]}"


def prepare(config: PretrainConfig, track: str | None = None, processes: int | None = None,
            progress: bool | None = None) -> Prepared:
    """Steps 1-3: the stories of `track` (default: the course's current track), the tokenizer,
    the token files; each made only when missing. `processes` for BPE training and tokenising
    (default: all CPUs)."""
    source = story_source(track or current_track(), config.generated_stories,
                          use_generated=config.generated)
    tokenizer_file = tokenizer_path(source.work_dir, config.vocab_size)
    tokenizer, trained = ensure_tokenizer(source.train_shards, tokenizer_file, config.vocab_size,
                                          config.tokenizer_bytes, processes, progress)
    print(f"{'trained' if trained else 'reusing'} the tokenizer {tokenizer_file} "
          f"({tokenizer.vocab_size:,} tokens)")
    tokens_dir = source.work_dir / f"tokens-{tokenizer_file.stem}-" \
                                   f"{file_sha256(tokenizer_file)[:8]}"
    files = tokenize_shards([*source.train_shards, source.valid], tokenizer_file, tokens_dir,
                            processes, progress)
    total = sum(len(read_tokens(f)) for f in files[:-1])
    print(f"token files in {tokens_dir}: {len(files) - 1} training shard(s), {total:,} tokens; "
          f"validation {len(read_tokens(files[-1])):,} tokens")
    return Prepared(source, tokenizer, tokenizer_file, tuple(files[:-1]), files[-1])


class StoryData:
    """Module 09's TrainingData for token shards: training batches from a ShardLoader seeded
    with the run's seed, evaluation by validation_loss on the first eval_tokens ids of the
    validation tokens ("val") and of the first training shard ("train"), samples that start a
    new story (after "<|endoftext|>"), and the BPE tokenizer recorded in checkpoints."""

    def __init__(self, prepared: Prepared, config: PretrainConfig):
        self.prepared, self.eval_tokens = prepared, config.eval_tokens
        self.loader = ShardLoader(prepared.train_files, config.train.block_size,
                                  seed=config.train.seed)
        self.generator = self.loader.generator  # checkpointed by the loop
        self.vocab_size = prepared.tokenizer.vocab_size
        self.val = read_tokens(prepared.val_file)

    def train_batch(self, batch_size: int, device: torch.device
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.loader.get_batch(batch_size, device)

    def eval_losses(self, model: torch.nn.Module, config: TrainConfig, device: torch.device,
                    autocast) -> dict[str, float]:
        slices = {"train": self.loader.arrays[0], "val": self.val}
        return {name: validation_loss(model, tokens, config.block_size, config.batch_size,
                                      self.eval_tokens, device=device, autocast=autocast)
                for name, tokens in slices.items()}

    def prompt(self) -> list[int]:
        return [self.prepared.tokenizer.special_ids[END_OF_TEXT]]

    def decode(self, ids: list[int]) -> str:
        return self.prepared.tokenizer.decode(ids)

    def tokenizer_record(self) -> dict:
        return tokenizer_record(self.prepared.tokenizer_file)


def run_dir(config: PretrainConfig, source_name: str) -> Path:
    """The default out_dir: <the config's out_dir>-<source name>, e.g. data/runs/m10/cpu-tiny."""
    return Path(f"{config.train.out_dir}-{source_name}")


@dataclass
class PretrainResult:
    """What pretrain did: the data it prepared, Module 09's TrainResult, the samples."""

    prepared: Prepared
    train: TrainResult
    samples: list[str]


def pretrain(config: PretrainConfig, track: str | None = None, resume: bool = False,
             out_dir: str | Path | None = None, max_iters: int | None = None,
             processes: int | None = None, progress: bool = True,
             n_samples: int = 3) -> PretrainResult:
    """The whole pipeline (see the module docstring); returns what it did."""
    prepared = prepare(config, track, processes, progress)
    changes = {"data": prepared.label,
               "out_dir": str(out_dir or run_dir(config, prepared.source.name))}
    if max_iters is not None:
        changes["max_iters"] = max_iters
    config = replace(config, train=replace(config.train, **changes))
    result = train(config.train, resume=resume, progress=progress,
                   data=StoryData(prepared, config))
    device = pick_device() if config.train.device == "auto" else config.train.device
    model, tokenizer = load_trained(result.out_dir / "ckpt.pt", device)
    samples = write_stories(model, tokenizer, n_samples, config.train.sample_tokens,
                            seed=config.train.seed)
    path = result.out_dir / "samples.txt"
    path.write_text("".join(f"--- story {i + 1} ---\n{s}\n" for i, s in enumerate(samples)),
                    encoding="utf-8")
    print(f"{n_samples} stories by the model (also in {path}):")
    for i, story in enumerate(samples):
        print(f"--- story {i + 1} ---\n{story}")
    return PretrainResult(prepared, result, samples)


def load_trained(path: str | Path, device: str | torch.device = "cpu"
                 ) -> tuple[GPT, CharVocab | Tokenizer]:
    """The model of a Module 09 or 10 checkpoint, in eval mode on `device`, and its tokenizer
    (checkpoint_tokenizer: characters or BPE)."""
    state = load_checkpoint(path)
    if "model_config" not in state:
        raise CheckpointError(f"{path} has no model_config: it was not written by Module 09's "
                              f"training loop")
    model = GPT(GPTConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval(), checkpoint_tokenizer(state)


def write_stories(model: GPT, tokenizer: Tokenizer, n: int = 3, max_tokens: int = 200,
                  seed: int = 0, temperature: float = 1.0) -> list[str]:
    """`n` stories sampled from `model`, each started by "<|endoftext|>" and cut at the next
    one (or after max_tokens tokens)."""
    device = next(model.parameters()).device
    start = torch.full((n, 1), tokenizer.special_ids[END_OF_TEXT], device=device)  # (n, 1)
    ids = model.generate(start, max_tokens, temperature=temperature,
                         generator=torch.Generator().manual_seed(seed))  # (n, 1 + max_tokens)
    texts = [tokenizer.decode(row[1:].tolist()) for row in ids]
    return [text.split(END_OF_TEXT)[0].strip() for text in texts]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Pre-train Module 07's GPT on TinyStories.",
                                     epilog=__doc__.split("\n\n")[1])
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--config", default="cpu", choices=sorted(CONFIGS),
                        help="tiny, cpu or gpu (configs.py)")
    parser.add_argument("--track", choices=("tiny", "small", "full"),
                        help="which TinyStories shards (default: the course's current track)")
    parser.add_argument("--out-dir", help="where metrics.jsonl, ckpt.pt, loss.png, samples.txt "
                                          "go (default data/runs/m10/<config>-<source>)")
    parser.add_argument("--resume", action="store_true", help="continue from out_dir/ckpt.pt")
    parser.add_argument("--max-iters", type=int, help="train up to this step")
    parser.add_argument("--processes", type=int,
                        help="worker processes for the tokenizer and the token files "
                             "(default: all CPUs)")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {"device": args.device} if args.device else {}
    try:
        config = load_pretrain_config(args.config, **overrides)
        pretrain(config, track=args.track, resume=args.resume, out_dir=args.out_dir,
                 max_iters=args.max_iters, processes=args.processes,
                 progress=not args.no_progress)
    except (CheckpointError, FileNotFoundError, ValueError) as err:
        sys.exit(f"error: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
