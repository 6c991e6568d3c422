#!/usr/bin/env bash
# Download, import, list or check the course's data.
#   ./datasets.sh [--tiny|--small] [--from DIR] [--list] [--check] [TARGET ...]
# Run ./datasets.sh --help for the details; docs/tracks-and-artifacts.md explains the tracks.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ -x "$root/.venv/bin/python" ]]; then
    python="$root/.venv/bin/python"
else
    python="${PYTHON:-python3}"
    if ! "$python" -c "import requests, tqdm" 2>/dev/null; then
        echo "datasets.sh: there is no $root/.venv and '$python' cannot import requests and tqdm." >&2
        echo "Run ./setup.sh first (or set PYTHON to an interpreter that has them)." >&2
        exit 1
    fi
fi

# No cd: a relative --from DIR is relative to where you ran the command.
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m modules.course.datasets_cli "$@"
