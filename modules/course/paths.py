"""Where things live in the repository. Every other file asks here instead of guessing."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# Learners' working copies (git-ignored); tests point COURSE_WORK_DIR elsewhere.
WORK_DIR = Path(os.environ.get("COURSE_WORK_DIR") or NOTEBOOKS_DIR / "work")
BACKUP_DIR = WORK_DIR / "backups"  # where `./notebook.sh NN --fresh` keeps old copies
TESTS_DIR = REPO_ROOT / "tests"
DOCS_DIR = REPO_ROOT / "docs"
