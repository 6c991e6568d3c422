"""Pre-training configurations (provided): Module 09's TrainConfig for the model, the optimiser
and the loop, plus what this module adds: the tokenizer, the story source and the evaluation
slice.

    "tiny"  seconds on a CPU, for the tests and the notebook's fast mode; always on the
            generated stand-in corpus (1,500 stories), with a 512-token vocabulary
    "cpu"   about an hour on two CPU cores on the track's shards (--track tiny: the first
            ~100 MB of TinyStories): 4 layers, 128 wide, context 256, 10K vocabulary,
            5,000 steps of 16 x 256 tokens (20.5M tokens, about 0.5 s a step here: 45
            minutes, plus a few for the tokenizer and the token files)
    "gpu"   CS336's TinyStories setting (assignment 1): context 256, d_model 512, 4 layers,
            16 heads, batch 128 x 10,000 steps x 256 = 327,680,000 tokens, AdamW with a cosine
            schedule from 1e-3 to 1e-4 after a warmup; use it with --track full

CS336's model is a Llama-style transformer (RMSNorm, RoPE, a SwiGLU feed-forward of
d_ff = 1344, untied input and output matrices). Ours is Module 07's GPT-2-style model:
LayerNorm, learned positions, a GELU feed-forward of 4 x d_model = 2048, and the output head
tied to the embedding. With d_ff = 1344 the three SwiGLU matrices hold as many weights as two
matrices of 4 x 512 x 512 would (3 x 1344 ~ 2 x 2048), so the blocks are about the same size
either way: 4 x 3.1M. CS336's "about 17M non-embedding parameters" are those blocks (12.5M)
plus its output matrix (10,000 x 512 = 5.1M); ours, counted the same way (the tied matrix
counted once, as the output head; the position table left out with the embeddings), are 17.7M
(`non_embedding_parameters`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from modules.course.paths import DATA_DIR
from modules.m07_transformer.model import GPTConfig, parameter_count
from modules.m09_training.configs import TrainConfig

RUNS_DIR = DATA_DIR / "runs" / "m10"  # each run's out_dir: <config>-<source name>


@dataclass(frozen=True)
class PretrainConfig:
    """A pre-training run: `train` (Module 09's TrainConfig: model shape, batch, optimiser,
    schedule, logging; its data and out_dir are set by pretrain.py) and

    vocab_size         BPE vocabulary size, "<|endoftext|>" included
    tokenizer_bytes    train the tokenizer on at most this many bytes of whole stories from the
                       start of the shards (None: all of the track's text)
    eval_tokens        the fixed slices that evaluation scores: the first eval_tokens ids of
                       the validation tokens ("val") and of the first training shard ("train");
                       they replace Module 09's eval_iters random batches, which go unused
    generated          always train on the generated stand-in corpus, even if TinyStories is here
    generated_stories  the size of the generated corpus used when TinyStories is not here
    """

    train: TrainConfig
    vocab_size: int = 10_000
    tokenizer_bytes: int | None = None
    eval_tokens: int = 65_536
    generated: bool = False
    generated_stories: int = 20_000

    def __post_init__(self):
        if not isinstance(self.train, TrainConfig):
            raise TypeError(f"train must be a TrainConfig, got {type(self.train).__name__}")
        for name in ("vocab_size", "eval_tokens", "generated_stories"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not 257 <= self.vocab_size <= 2**16:
            raise ValueError(f"vocab_size must be from 257 to 65536, got {self.vocab_size}")
        if self.tokenizer_bytes is not None and self.tokenizer_bytes < 1:
            raise ValueError(f"tokenizer_bytes must be positive or None, got "
                             f"{self.tokenizer_bytes}")
        if self.eval_tokens <= self.train.block_size:
            raise ValueError(f"eval_tokens={self.eval_tokens} must exceed block_size="
                             f"{self.train.block_size}: evaluation needs one whole window")

    def gpt_config(self, vocab_size: int | None = None) -> GPTConfig:
        """The model's shape (with the configured vocab_size unless another is given: a small
        corpus can run out of merges before reaching it)."""
        t = self.train
        return GPTConfig(vocab_size=vocab_size or self.vocab_size, block_size=t.block_size,
                         n_layer=t.n_layer, n_head=t.n_head, n_embd=t.n_embd, dropout=t.dropout,
                         bias=t.bias, positions=t.positions, fused_kernels=t.fused_kernels)

    def tokens_processed(self) -> int:
        """Tokens one run trains on: batch_size x grad_accum_steps x max_iters x block_size."""
        return self.train.tokens_per_step() * self.train.max_iters


def non_embedding_parameters(config: GPTConfig) -> int:
    """The parameters of GPT(config) without the embedding tables, counted as CS336 counts its
    17M: the blocks, the final norm and the output head. Our head is tied to the token
    embedding, so that one matrix is counted (once, as the head), and only the position table
    (block_size x n_embd, with learned positions) is left out."""
    positions = config.block_size * config.n_embd if config.positions == "learned" else 0
    return parameter_count(config) - positions


CONFIGS: dict[str, PretrainConfig] = {
    "tiny": PretrainConfig(
        TrainConfig(n_layer=2, n_head=2, n_embd=64, block_size=64, batch_size=16,
                    max_iters=150, learning_rate=3e-3, min_lr=3e-4, warmup_iters=15,
                    lr_decay_iters=150, eval_interval=50, log_interval=5,
                    sample_interval=150, sample_tokens=60, data="tinystories",
                    out_dir=str(RUNS_DIR / "tiny")),
        vocab_size=512, eval_tokens=4_096, generated=True, generated_stories=1_500),
    "cpu": PretrainConfig(
        TrainConfig(n_layer=4, n_head=4, n_embd=128, block_size=256, batch_size=16,
                    max_iters=5_000, learning_rate=2e-3, min_lr=2e-4, warmup_iters=200,
                    lr_decay_iters=5_000, beta2=0.95, eval_interval=500,
                    log_interval=10, sample_interval=1_000, sample_tokens=200,
                    data="tinystories", out_dir=str(RUNS_DIR / "cpu")),
        vocab_size=10_000, eval_tokens=32_768),
    "gpu": PretrainConfig(
        TrainConfig(n_layer=4, n_head=16, n_embd=512, block_size=256, batch_size=128,
                    max_iters=10_000, learning_rate=1e-3, min_lr=1e-4, warmup_iters=500,
                    lr_decay_iters=10_000, beta2=0.95, eval_interval=500,
                    log_interval=20, sample_interval=2_000, sample_tokens=200,
                    data="tinystories", out_dir=str(RUNS_DIR / "gpu")),
        vocab_size=10_000, eval_tokens=262_144),
}


def load_pretrain_config(name: str, **train_overrides) -> PretrainConfig:
    """CONFIGS[name], with some TrainConfig fields replaced (e.g. max_iters=20)."""
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}: use one of {', '.join(CONFIGS)}")
    config = CONFIGS[name]
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(train_overrides) - known)
    if unknown:
        raise ValueError(f"unknown TrainConfig field(s) {unknown}; valid: {', '.join(known)}")
    return replace(config, train=replace(config.train, **train_overrides))
