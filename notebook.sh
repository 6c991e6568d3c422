#!/usr/bin/env bash
# Open a module's notebook in JupyterLab, working on your own copy of it.
#   ./notebook.sh NN [--fresh] [--no-launch]
# NN is 3 or 03. Your copy lives in notebooks/work/ and is created from the clean notebook on
# first use; --fresh starts over from the clean notebook after keeping the old copy as a backup;
# --no-launch prepares the copy and prints its path without starting JupyterLab.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
    echo "notebook.sh: there is no .venv in $(pwd); run ./setup.sh first." >&2
    exit 1
fi
exec .venv/bin/python -m modules.course.notebook_cli "$@"
