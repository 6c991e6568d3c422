"""A small scaling study (provided): models of a few sizes, trained on the same tokens in the
same order, their validation loss against the number of tokens seen.

Kaplan et al. (2020, "Scaling Laws for Neural Language Models") and Hoffmann et al. (2022,
"Chinchilla") measure how the loss falls with the parameters N and the tokens D: a larger model
reaches a lower loss and uses each token better, so its curve lies below the smaller one's
once training is under way (early on, with few tokens seen, the small model can be ahead).
Here the same experiment runs in minutes: the sizes below differ by about 4x in non-embedding
parameters each, every run shares the data, the schedule, the batches (one ShardLoader seed)
and the evaluation slice, so the model's size is the only difference.

    runs = scaling_study()                   # the "tiny" config's data: the generated corpus
    fig = plot_scaling(runs)                 # loss vs tokens seen; final loss vs parameters
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from modules.m09_training.metrics import read_metrics
from modules.m09_training.train import train
from modules.m10_tinystories.configs import (
    CONFIGS,
    RUNS_DIR,
    PretrainConfig,
    non_embedding_parameters,
)
from modules.m10_tinystories.pretrain import StoryData, prepare

# Model shapes (n_layer, n_head, n_embd), smallest first, each about 4x the one before in
# non-embedding parameters (with the tiny config's 512-token vocabulary).
SIZES: dict[str, dict[str, int]] = {
    "1 x 32": {"n_layer": 1, "n_head": 2, "n_embd": 32},
    "2 x 64": {"n_layer": 2, "n_head": 2, "n_embd": 64},
    "4 x 96": {"n_layer": 4, "n_head": 4, "n_embd": 96},
}


@dataclass
class ScalingRun:
    """One size: its name, non-embedding parameters, and (tokens seen, validation loss) at
    each evaluation."""

    name: str
    parameters: int
    tokens: list[int]
    val_loss: list[float]
    out_dir: Path


def scaling_study(config: PretrainConfig = CONFIGS["tiny"],
                  sizes: dict[str, dict[str, int]] = SIZES, track: str | None = None,
                  max_iters: int | None = None, evaluations: int = 6,
                  out_root: str | Path = RUNS_DIR / "scaling", processes: int | None = None,
                  progress: bool = False) -> list[ScalingRun]:
    """Train one model per entry of `sizes` (TrainConfig fields over config.train) on the data
    of `config` (prepared once), each for max_iters steps (default: the config's) with
    `evaluations` evaluations spread over the run, into out_root/<size name>/."""
    prepared = prepare(config, track, processes, progress)
    steps = max_iters or config.train.max_iters
    runs = []
    for name, shape in sizes.items():
        out_dir = Path(out_root) / name.replace(" ", "")
        train_config = replace(config.train, **shape, data=prepared.label, out_dir=str(out_dir),
                               max_iters=steps, lr_decay_iters=steps,
                               warmup_iters=min(config.train.warmup_iters, steps),
                               eval_interval=max(steps // evaluations, 1), sample_interval=0)
        run_config = replace(config, train=train_config)
        parameters = non_embedding_parameters(run_config.gpt_config(prepared.tokenizer.vocab_size))
        print(f"--- {name}: {parameters:,} non-embedding parameters ---")
        train(train_config, progress=progress, data=StoryData(prepared, run_config))
        evals = read_metrics(out_dir / "metrics.jsonl", kind="eval")
        tokens_per_step = train_config.tokens_per_step()
        runs.append(ScalingRun(name, parameters, [r["step"] * tokens_per_step for r in evals],
                               [r["val_loss"] for r in evals], out_dir))
    return runs


def plot_scaling(runs: list[ScalingRun]) -> Figure:
    """Left: validation loss against tokens seen, one line per size. Right: the final
    validation loss against the non-embedding parameters (log scale)."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    curves, final = fig.subplots(1, 2)
    for i, run in enumerate(runs):
        curves.plot(run.tokens, run.val_loss, marker="o", color=f"C{i}",
                    label=f"{run.name} ({run.parameters / 1e3:,.0f}K)")
        final.plot(run.parameters, run.val_loss[-1], marker="o", color=f"C{i}")
    final.plot([r.parameters for r in runs], [r.val_loss[-1] for r in runs], color="0.6",
               linewidth=0.8, zorder=0)
    curves.set(xlabel="tokens seen", ylabel="validation loss (nats/token)",
               title="loss vs tokens seen")
    curves.legend(title="layers x width (params)")
    final.set(xscale="log", xlabel="non-embedding parameters", ylabel="final validation loss",
              title="loss vs model size")
    final.xaxis.set_minor_formatter(NullFormatter())  # label the powers of ten only
    return fig
