"""The run's log (provided): one JSON object per line in out_dir/metrics.jsonl.

Each line has a "kind" and the "step" (optimiser updates done) it belongs to:

    {"kind": "train", "step", "loss", "lr", "grad_norm", "tokens", "seconds", "tokens_per_s"}
    {"kind": "eval", "step", "train_loss", "val_loss", "ranks_in_sync", "world_size"}
    {"kind": "sample", "step", "text"}
    {"kind": "run", "step", "config", "world_size", "resumed"}   where a run (or a resume) starts

Lines are appended and flushed one by one, so a crashed run keeps everything it logged, and any
tool (jq, pandas.read_json(lines=True), the plots) can read the file while it grows. A resumed
run continues from its checkpoint's step, so lines logged after that step by the run that died
would appear twice: `truncate_after` drops them first, keeping the whole old file as a .bak.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

KINDS = ("run", "train", "eval", "sample")


class MetricsWriter:
    """Appends records to a JSONL file, one line each, flushed at once."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def write(self, kind: str, step: int, **fields) -> dict:
        """Append {"kind": kind, "step": step, **fields}; returns the record."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        record = {"kind": kind, "step": int(step), **{k: plain(v) for k, v in fields.items()}}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        return record

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> MetricsWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def plain(value):
    """A value JSON can hold: tensors and NumPy scalars become Python numbers, NaN and
    infinities become null (JSON has no spelling for them)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_metrics(path: str | Path, kind: str | None = None) -> list[dict]:
    """Every record of a metrics.jsonl file (only those of `kind`, if given), in order. A last
    line cut in the middle (the run was killed while writing it) is skipped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: train a run first "
                                f"(python -m modules.m09_training.train --config tiny)")
    records = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                break  # a half-written last line
            raise ValueError(f"{path}, line {number}, is not JSON: {line[:80]!r}") from None
        if kind is None or record.get("kind") == kind:
            records.append(record)
    return records


def series(records: list[dict], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of `key` over the records that have it, as lists for plotting (a null
    value, a NaN that was logged, becomes nan)."""
    kept = [r for r in records if key in r]
    return [r["step"] for r in kept], [math.nan if r[key] is None else r[key] for r in kept]


def truncate_after(path: str | Path, step: int) -> Path | None:
    """Drop the records of `path` whose step is after `step` (what a resumed run will log
    again), after copying the whole file to `<path>.bak`. Returns the .bak path, or None when
    nothing had to go (the file is then left alone)."""
    path = Path(path)
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = []
    for line in lines:
        try:
            record_step = json.loads(line)["step"]
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a half-written line from the run that died
        if record_step <= step:
            kept.append(line)
    if len(kept) == len(lines):
        return None
    backup = path.with_name(path.name + ".bak")
    shutil.copyfile(path, backup)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    tmp.replace(path)
    return backup
