#!/usr/bin/env bash
# One-time set-up of the course, safe to re-run:  ./setup.sh [--from DIR]
#
# 1. checks Python (python3, or $PYTHON)     4. registers the Jupyter kernel "llm-course"
# 2. creates .venv                           5. fetches the tiny-track data (TinyShakespeare)
# 3. installs the course and its pinned      6. runs the smoke tests (pytest -m smoke)
#    dependencies (torch==2.13.0, ...)
#
# --from DIR imports the data from files already on disk instead of downloading them.
# Exits non-zero only when the environment itself could not be set up; missing data is
# reported with the command that fixes it.
set -uo pipefail
cd "$(dirname "$0")"

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }
from_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --from) [ $# -ge 2 ] || { echo "setup.sh: --from needs a folder" >&2; exit 2; }
                from_dir="$2"; shift 2 ;;
        --from=*) from_dir="${1#--from=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
if [ -n "$from_dir" ] && [ ! -d "$from_dir" ]; then
    echo "setup.sh: --from $from_dir is not a folder" >&2; exit 2
fi

python="${PYTHON:-python3}"
started=$SECONDS
results=()
step() { printf '\n==> %s\n' "$*"; }
record() { results+=("$(printf '%-28s %s' "$1" "$2")"); }
summary() {
    printf '\n==> Summary (%ss)\n' "$((SECONDS - started))"
    printf '  %s\n' "${results[@]}"
}
fail() {
    record "$1" "FAILED"
    printf '\nsetup.sh: %s\n' "$2" >&2
    summary
    exit 1
}

step "1/6 Python"
command -v "$python" >/dev/null || fail "Python" "no '$python' on PATH; install Python 3.10+ or run PYTHON=/path/to/python3 ./setup.sh"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || fail "Python" "Python 3.10 or newer is needed; '$python' is $("$python" --version 2>&1)"
record "Python" "$("$python" --version 2>&1)"

step "2/6 Virtual environment (.venv)"
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys' 2>/dev/null; then
    echo "reusing the existing .venv"
elif [ -e .venv ]; then
    fail ".venv" ".venv exists but does not work; move it aside (mv .venv .venv.broken) and re-run ./setup.sh"
else
    "$python" -m venv .venv || fail ".venv" "could not create .venv (on Debian or Ubuntu: sudo apt install python3-venv)"
fi
record ".venv" "ok"

step "3/6 Install the course and its pinned dependencies (first time: several minutes)"
quiet=()  # a re-run only reports what changes
if .venv/bin/python -c 'import modules, torch' 2>/dev/null; then quiet=(--quiet); fi
.venv/bin/python -m pip install --disable-pip-version-check "${quiet[@]}" -e . \
    || fail "install" "pip could not install the course; read its messages above (offline? see README, Troubleshooting)"
record "install" "ok (torch $(.venv/bin/python -c 'import torch; print(torch.__version__)'))"

step "4/6 Jupyter kernel"
.venv/bin/python -m ipykernel install --sys-prefix --name llm-course --display-name "LLM course (.venv)" \
    || fail "kernel" "could not register the Jupyter kernel 'llm-course'"
record "kernel" "llm-course"

step "5/6 Tiny-track data (TinyShakespeare)"
data_command=(./datasets.sh --tiny tinyshakespeare)
if [ -n "$from_dir" ]; then data_command=(./datasets.sh --tiny --from "$from_dir" tinyshakespeare); fi
if "${data_command[@]}"; then
    data_ok=1; record "data (tiny track)" "ok"
else
    data_ok=0; record "data (tiny track)" "MISSING: fix with ./datasets.sh --tiny tinyshakespeare"
fi

step "6/6 Smoke tests"
.venv/bin/python -m pytest -m smoke -q -p no:cacheprovider \
    || fail "smoke tests" "the smoke tests failed; read the failures above"
record "smoke tests" "passed"

summary
if [ "$data_ok" = 1 ]; then
    printf '\nThe course is ready. Next: ./notebook.sh 00\n'
else
    printf '\nThe environment is ready, but the data is NOT: the download failed (see above).\n'
    printf 'When you are online, run ./datasets.sh --tiny tinyshakespeare (or ./datasets.sh --from DIR).\n'
    printf 'Module 00 needs no data: ./notebook.sh 00\n'
fi
