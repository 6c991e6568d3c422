"""Settings read from the environment: fast mode and the data track."""

from __future__ import annotations

import os

from modules.course.paths import DATA_DIR

TRACKS = ("tiny", "small", "full")
TRACK_FILE = DATA_DIR / ".track"  # written by ./datasets.sh with the track it last fetched


def fast_mode() -> bool:
    """True when COURSE_FAST=1: notebooks shrink their training runs (the test suite sets it)."""
    return os.environ.get("COURSE_FAST", "") not in ("", "0", "false", "no")


def current_track() -> str:
    """The data track in use: $COURSE_TRACK, else the last one ./datasets.sh fetched, else tiny."""
    track = os.environ.get("COURSE_TRACK", "").strip()
    if not track and TRACK_FILE.is_file():
        track = TRACK_FILE.read_text().strip()
    track = track or "tiny"
    if track not in TRACKS:
        raise ValueError(f"unknown track '{track}' (from $COURSE_TRACK or {TRACK_FILE}); "
                         f"use one of {', '.join(TRACKS)}")
    return track
