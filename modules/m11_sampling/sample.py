"""Text from a trained checkpoint (provided), streamed as the model writes it.

    python -m modules.m11_sampling.sample --checkpoint data/runs/m09/run/ckpt.pt --prompt "ROMEO:"
    python -m modules.m11_sampling.sample --checkpoint data/runs/m10/cpu-tiny/ckpt.pt \\
        --prompt "Once upon a time" --top-p 0.9 --stop "<|endoftext|>"
    ... --temperature 0                 # greedy: the most likely token every time
    ... --top-k 20 --repetition-penalty 1.2 --seed 7
    ... --no-cache                      # recompute the whole context at every step (slower)
    ... --num-samples 3                 # three continuations, drawn as one batch

The checkpoint is one written by Module 09's training (characters) or Module 10's pre-training
(a BPE tokenizer): its extra entries hold the model's shape ("model_config") and the tokenizer
("tokenizer"), which load_for_sampling reads back. The prompt is printed, then the continuation
as it is produced; a BPE token can hold part of a character, so the text is printed only up to
its last complete character. With --stop, a sample ends at the first occurrence of that token
(which is not printed). Timing goes to stderr, the text alone to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

import torch

from modules.course.device import pick_device
from modules.m03_bigram import CharVocab
from modules.m07_transformer.model import GPT, GPTConfig
from modules.m08_bpe import Tokenizer
from modules.m09_training.checkpoint import CheckpointError, load_checkpoint
from modules.m10_tinystories.tokenizer_training import checkpoint_tokenizer
from modules.m11_sampling.generate import generate
from modules.m11_sampling.processors import SamplingSettings

REPLACEMENT = "\ufffd"  # what decoding gives for bytes that are not (yet) a whole character


def load_for_sampling(path: str | Path, device: str | torch.device = "cpu"
                      ) -> tuple[GPT, CharVocab | Tokenizer]:
    """The model of a Module 09 or Module 10 checkpoint, in eval mode on `device`, and its
    tokenizer: a CharVocab for {"kind": "char"}, a BPE Tokenizer for {"kind": "bpe"} (both
    have encode(text) and decode(ids)). A CheckpointError when the file holds no model shape
    or no tokenizer of either kind."""
    state = load_checkpoint(path)
    if "model_config" not in state:
        raise CheckpointError(f"{path} has no model_config: it was not written by Module 09's "
                              f"or Module 10's training, so the model's shape is unknown")
    try:
        tokenizer = checkpoint_tokenizer(state)
    except ValueError as err:
        raise CheckpointError(f"{path}: {err}") from None
    model = GPT(GPTConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval(), tokenizer


def encode_prompt(tokenizer: CharVocab | Tokenizer, text: str) -> list[int]:
    """The ids of the prompt; a ValueError naming every character a character model lacks."""
    if not text:
        raise ValueError("the prompt is empty: give at least one character to start from")
    if isinstance(tokenizer, CharVocab):
        missing = sorted(set(text) - set(tokenizer.chars))
        if missing:
            raise ValueError(f"the prompt has characters this model never saw: {missing}; its "
                             f"vocabulary is {''.join(tokenizer.chars)!r}")
    return tokenizer.encode(text)


def stop_id(tokenizer: CharVocab | Tokenizer, text: str) -> int:
    """The id of the stop text, which must be exactly one token."""
    ids = tokenizer.encode(text)
    if len(ids) != 1:
        raise ValueError(f"--stop must be a single token of the vocabulary; {text!r} encodes to "
                         f"{len(ids)} tokens {ids}")
    return ids[0]


def until_stop(ids: list[int], stop: int | None) -> list[int]:
    """The ids before the first stop id (all of them without a stop)."""
    return ids[:ids.index(stop)] if stop in ids else ids


class TextStream:
    """An on_token callback that prints row 0's new text as it grows: each step decodes every
    id so far and prints the new end of the text once it does not end in an incomplete
    character (U+FFFD). Nothing is printed from the stop id on."""

    def __init__(self, tokenizer: CharVocab | Tokenizer, stop: int | None, out: TextIO):
        self.tokenizer, self.stop, self.out = tokenizer, stop, out
        self.ids: list[int] = []
        self.printed = ""
        self.stopped = False

    def __call__(self, step: int, ids: torch.Tensor) -> None:
        token = int(ids[0])
        self.stopped = self.stopped or token == self.stop
        if self.stopped:
            return
        self.ids.append(token)
        text = self.tokenizer.decode(self.ids)
        if not text.endswith(REPLACEMENT):
            self.write(text)

    def write(self, text: str) -> None:
        self.out.write(text[len(self.printed):])
        self.out.flush()
        self.printed = text

    def close(self) -> None:
        """Print what is left (a last incomplete character, as U+FFFD) and end the line."""
        self.write(self.tokenizer.decode(self.ids) + "\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sample text from a Module 09 or 10 checkpoint.",
                                     epilog=__doc__.split("\n\n")[1])
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--checkpoint", required=True, help="a ckpt.pt of Module 09 or 10")
    parser.add_argument("--prompt", required=True, help="the text to continue")
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.8, help="0 means greedy")
    parser.add_argument("--top-k", type=int, help="keep only the k most likely tokens")
    parser.add_argument("--top-p", type=float, help="keep the most likely tokens holding p")
    parser.add_argument("--repetition-penalty", type=float, default=1.0,
                        help="above 1 discourages tokens already in the text")
    parser.add_argument("--seed", type=int, default=1337,
                        help="the sampling seed (default 1337: the same command, the same text)")
    parser.add_argument("--stop", help="end a sample at this token, e.g. '<|endoftext|>'")
    parser.add_argument("--no-cache", action="store_true", help="generate without a KV cache")
    parser.add_argument("--num-samples", type=int, default=1,
                        help="continuations drawn as one batch (only one is streamed)")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.num_samples < 1:
            raise ValueError(f"--num-samples must be at least 1, got {args.num_samples}")
        settings = SamplingSettings(temperature=args.temperature, top_k=args.top_k,
                                    top_p=args.top_p,
                                    repetition_penalty=args.repetition_penalty)
        device = torch.device(args.device) if args.device else pick_device()
        model, tokenizer = load_for_sampling(args.checkpoint, device)
        prompt_ids = encode_prompt(tokenizer, args.prompt)
        stop = None if args.stop is None else stop_id(tokenizer, args.stop)
    except (CheckpointError, FileNotFoundError, ValueError) as err:
        sys.exit(f"error: {err}")
    prompt = torch.tensor([prompt_ids] * args.num_samples, device=device)  # (N, T)
    stream = TextStream(tokenizer, stop, sys.stdout) if args.num_samples == 1 else None
    if stream:
        print(args.prompt, end="", flush=True)
    began = time.perf_counter()
    ids = generate(model, prompt, args.max_new_tokens, settings,
                   generator=torch.Generator().manual_seed(args.seed),
                   stop_tokens=() if stop is None else (stop,), use_cache=not args.no_cache,
                   on_token=stream)  # (N, T + n)
    seconds = time.perf_counter() - began
    if stream:
        stream.close()
    else:
        for i, row in enumerate(ids[:, len(prompt_ids):].tolist()):
            print(f"--- sample {i + 1} ---\n{args.prompt}"
                  f"{tokenizer.decode(until_stop(row, stop))}")
    new_tokens = ids.shape[1] - len(prompt_ids)
    print(f"{new_tokens} tokens x {args.num_samples} in {seconds:.2f} s "
          f"({new_tokens * args.num_samples / seconds:,.0f} tokens/s, KV cache "
          f"{'off' if args.no_cache else 'on'}, {device})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
