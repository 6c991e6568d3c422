"""Training configurations (provided): one dataclass holding every knob of a run, the named
configurations, the "pathologies" that break a run on purpose, and loading a configuration
from a name or a file.

    TrainConfig   model shape, data, batch, optimiser, schedule, clipping, logging, device
    CONFIGS       "cpu": nanoGPT's CPU baseline for Shakespeare characters (4 layers, 128 wide,
                  context 64, 2,000 steps: about two minutes on two CPU cores, validation loss
                  about 1.89 here; nanoGPT reports 1.88);
                  "gpu": nanoGPT's shakespeare_char config (6 layers, 384 wide, context 256,
                  5,000 steps, dropout 0.2: minutes on one GPU; nanoGPT reports 1.47);
                  "tiny": seconds on a CPU, for the tests and the notebook's fast mode
    PATHOLOGIES   overrides that make a run go wrong in a way worth seeing once
    load_config   a name from CONFIGS or a .toml/.json file, then a pathology, then overrides

The numbers of "cpu" and "gpu" are those of nanoGPT (Karpathy, github.com/karpathy/nanoGPT,
config/train_shakespeare_char.py and the CPU command line of its README), so that a learner can
compare the loss they reach with the published one.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    tomllib = None

from modules.course.paths import DATA_DIR
from modules.m07_transformer.model import POSITIONS

RUNS_DIR = DATA_DIR / "runs" / "m09"  # default home of each run's out_dir (git-ignored)
SHAKESPEARE = "shakespeare_char"  # the `data` value for TinyShakespeare as characters
DTYPES = ("auto", "float32", "bfloat16")


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run. The defaults are the "cpu" configuration.

    data: "shakespeare_char" (TinyShakespeare, one token per character) or the path of any
    UTF-8 text file, trained on the same way (its token files are written beside it); a run
    given its data by the caller (train(config, data=...), Module 10) keeps a label here that
    names that data, so that --resume refuses a checkpoint trained on other tokens.
    Steps count optimiser updates; each update sees batch_size * grad_accum_steps sequences of
    block_size tokens (times the number of processes under torchrun). The learning rate warms
    up linearly for warmup_iters steps, then follows a cosine down to min_lr at lr_decay_iters.
    grad_clip = 0 turns clipping off. Intervals are in steps; sample_interval = 0 never samples.
    init_std_scale multiplies every weight matrix after the GPT-2 initialisation (1.0 keeps it).
    device "auto" picks CUDA, then MPS, then the CPU; dtype "auto" means bf16 autocast on a GPU
    that supports it, float32 elsewhere.
    """

    # model (modules.m07_transformer.GPTConfig; vocab_size comes from the data)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 64
    dropout: float = 0.0
    bias: bool = False
    positions: str = "learned"
    fused_kernels: bool = True  # PyTorch's LayerNorm and attention kernels (GPTConfig)
    # data and batches
    data: str = SHAKESPEARE
    batch_size: int = 12
    grad_accum_steps: int = 1
    # optimiser and schedule
    max_iters: int = 2000
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    lr_decay_iters: int = 2000
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0
    # logging, evaluation and samples
    eval_interval: int = 250
    eval_iters: int = 20
    log_interval: int = 10
    sample_interval: int = 500
    sample_tokens: int = 200
    # reproducibility and initialisation
    seed: int = 1337
    init_std_scale: float = 1.0
    # where and how to run
    device: str = "auto"
    dtype: str = "auto"
    compile: bool = False
    out_dir: str = str(RUNS_DIR / "run")

    def __post_init__(self):
        for f in fields(self):
            check_type(f.name, getattr(self, f.name), f.type)
        positive = ("n_layer", "n_head", "n_embd", "block_size", "batch_size",
                    "grad_accum_steps", "max_iters", "eval_interval", "eval_iters",
                    "log_interval", "lr_decay_iters")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("warmup_iters", "sample_interval", "sample_tokens", "learning_rate",
                     "min_lr", "weight_decay", "grad_clip", "seed"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} must be divisible by n_head={self.n_head}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.min_lr > self.learning_rate:
            raise ValueError(f"min_lr={self.min_lr} is above learning_rate="
                             f"{self.learning_rate}; the schedule decays from one to the other")
        if self.warmup_iters > self.lr_decay_iters:
            raise ValueError(f"warmup_iters={self.warmup_iters} must not exceed lr_decay_iters="
                             f"{self.lr_decay_iters}")
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.init_std_scale <= 0:
            raise ValueError(f"init_std_scale must be positive, got {self.init_std_scale}")
        if self.positions not in POSITIONS:
            raise ValueError(f"positions must be one of {POSITIONS}, got {self.positions!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if not self.data or not self.out_dir:
            raise ValueError("data and out_dir must not be empty")

    def tokens_per_step(self, world_size: int = 1) -> int:
        """Tokens seen by one optimiser update: B * T * grad_accum_steps * world_size."""
        return self.batch_size * self.block_size * self.grad_accum_steps * world_size


def check_type(name: str, value, type_name: str) -> None:
    """A TypeError unless `value` suits a field annotated `type_name` ("int", "float", ...);
    an int is fine for a float field, a bool is never an int."""
    wanted = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}[type_name]
    if (isinstance(value, bool) and type_name != "bool") or not isinstance(value, wanted):
        raise TypeError(f"config field {name} must be a {type_name}, got {value!r} "
                        f"({type(value).__name__})")


# The named configurations. "cpu" is TrainConfig's defaults.
CONFIGS: dict[str, TrainConfig] = {
    "cpu": TrainConfig(out_dir=str(RUNS_DIR / "cpu")),
    "gpu": TrainConfig(n_layer=6, n_head=6, n_embd=384, block_size=256, dropout=0.2,
                       batch_size=64, max_iters=5000, lr_decay_iters=5000, eval_iters=200,
                       out_dir=str(RUNS_DIR / "gpu")),
    "tiny": TrainConfig(n_layer=2, n_head=2, n_embd=32, block_size=32, batch_size=16,
                        max_iters=200, learning_rate=3e-3, min_lr=3e-4, warmup_iters=20,
                        lr_decay_iters=200, eval_interval=50, eval_iters=10, log_interval=5,
                        sample_interval=100, sample_tokens=80, out_dir=str(RUNS_DIR / "tiny")),
}

# Runs that go wrong on purpose: overrides applied on top of a base configuration (the "cpu"
# one in the notebook), and what their loss curve shows next to the healthy run's.
PATHOLOGIES: dict[str, dict] = {
    "lr-too-high": {"learning_rate": 3e-2, "min_lr": 3e-3},
    "no-warmup": {"warmup_iters": 0, "learning_rate": 1e-2, "min_lr": 1e-3},
    "no-clipping": {"grad_clip": 0.0, "learning_rate": 1e-2, "min_lr": 1e-3},
    "bad-init": {"init_std_scale": 30.0},
    "tiny-batch": {"batch_size": 1},
}
PATHOLOGY_DESCRIPTIONS: dict[str, str] = {
    "lr-too-high": "30x the learning rate: within the first few steps of the warmup the loss "
                   "jumps back to about the unigram level and crawls from there, far above "
                   "the healthy run",
    "no-warmup": "10x the learning rate from the first step: the first updates, made while "
                 "Adam's moment estimates rest on a batch or two, knock the model back to the "
                 "unigram plateau, and most of the run goes into recovering",
    "no-clipping": "10x the learning rate and no clipping: gradient norms several times the "
                   "threshold go through unscaled, and the loss is noisier and ends above the "
                   "healthy run's",
    "bad-init": "every weight matrix 30x the GPT-2 initialisation: the first loss is far above "
                "ln(vocab) (confident wrong guesses), the gradient norms are huge, and the "
                "run is still behind after hundreds of steps",
    "tiny-batch": "batch_size 1: each step sees one sequence, so the training loss is very "
                  "noisy, and after as many steps (12x fewer tokens) the loss ends higher",
}


def config_names() -> list[str]:
    return sorted(CONFIGS)


def apply_overrides(config: TrainConfig, overrides: dict) -> TrainConfig:
    """`config` with some fields replaced. Values may be typed or strings (from the command
    line's --set key=value), which are converted to the field's type; an unknown key is a
    ValueError listing the valid ones."""
    kinds = {f.name: f.type for f in fields(TrainConfig)}
    changes = {}
    for key, value in overrides.items():
        if key not in kinds:
            raise ValueError(f"unknown config key {key!r}; valid keys: {', '.join(kinds)}")
        changes[key] = parse_value(key, value, kinds[key]) if isinstance(value, str) else value
    return replace(config, **changes)


def parse_value(key: str, text: str, type_name: str):
    """A command-line string as the value of a field of type `type_name`."""
    try:
        if type_name == "int":
            return int(text)
        if type_name == "float":
            return float(text)
    except ValueError:
        raise ValueError(f"{key} needs a {type_name}, got {text!r}") from None
    if type_name == "bool":
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{key} needs true or false, got {text!r}")
    return text


def read_config_file(path: Path) -> dict:
    """The table of a .toml or .json configuration file."""
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            table = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None
    else:
        if tomllib is None:
            raise ValueError(f"reading {path} needs Python 3.11+ (tomllib); use a .json file")
        try:
            table = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{path} is not valid TOML: {err}") from None
    if not isinstance(table, dict):
        raise ValueError(f"{path} must hold a table of config keys, got {type(table).__name__}")
    return table


def load_config(name_or_path: str | Path = "cpu", overrides: dict | None = None,
                pathology: str | None = None) -> TrainConfig:
    """A configuration: a name from CONFIGS ("cpu", "gpu", "tiny"), or a .toml/.json file of
    keys (an optional `base = "cpu"` names the configuration the file starts from; TrainConfig's
    defaults otherwise); then the pathology's overrides, if one is named; then `overrides`.

    A run's out_dir defaults to data/runs/m09/<name>[-<pathology>]. Unknown names, keys and
    pathologies are errors that list the valid ones.
    """
    text = str(name_or_path)
    table: dict = {}
    if text in CONFIGS:
        config, label = CONFIGS[text], text
    elif text.endswith((".toml", ".json")):
        path = Path(text)
        table = read_config_file(path)
        base = table.pop("base", None)
        if base is not None and base not in CONFIGS:
            raise ValueError(f"{path}: base must be one of {config_names()}, got {base!r}")
        config = apply_overrides(CONFIGS[base] if base else TrainConfig(), table)
        label = path.stem
    else:
        raise ValueError(f"unknown config {text!r}: use one of {config_names()} or the path of "
                         f"a .toml or .json file")
    if pathology is not None:
        if pathology not in PATHOLOGIES:
            raise ValueError(f"unknown pathology {pathology!r}; choose from "
                             f"{', '.join(PATHOLOGIES)}")
        config = apply_overrides(config, PATHOLOGIES[pathology])
        label = f"{label}-{pathology}"
    if "out_dir" not in table:
        config = replace(config, out_dir=str(RUNS_DIR / label))
    return apply_overrides(config, overrides or {})


def config_dict(config: TrainConfig) -> dict:
    """The configuration as a plain dict (what checkpoints and metrics.jsonl record)."""
    return dataclasses.asdict(config)
