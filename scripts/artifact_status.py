#!/usr/bin/env python3
"""Show, module by module, the data each one needs and how far the learner has got.

  scripts/artifact_status.py [--module NN] [--track T] [--tests] [--json]

For every module in the course (or only --module NN): each download and generated file it needs
on the track (the current one unless --track), `present`, `missing`, `partial`, `corrupt` or
`unverified`, with the command that produces it; the questions answered in the learner's
notebook; and with --tests, which exercises pass (this runs the tests, so it takes longer).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from modules.course import settings
from modules.course.artifacts import format_report, module_status
from modules.course.catalogue import available_modules, find_module
from modules.course.manifest import Manifest


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/artifact_status.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", metavar="NN", help="only this module, e.g. 03")
    parser.add_argument("--track", choices=settings.TRACKS,
                        help="the data track (default: the one ./datasets.sh last fetched)")
    parser.add_argument("--tests", action="store_true",
                        help="also run each module's tests to see which exercises pass")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: list[str] | None = None, data_dir: Path | None = None,
         manifest: Manifest | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        modules = [find_module(args.module)] if args.module else available_modules()
        track = args.track or settings.current_track()
        reports = [module_status(m, track, data_dir, manifest, with_tests=args.tests)
                   for m in modules]
    except ValueError as err:
        print(f"artifact_status.py: {err}", file=sys.stderr)
        return 2
    print(json.dumps(reports, indent=2) if args.json else format_report(reports))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly, like other tools
    sys.exit(main())
