"""Where things live in the repository. Every other file asks here instead of guessing."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
WORK_DIR = NOTEBOOKS_DIR / "work"  # learners' working copies (git-ignored)
BACKUP_DIR = WORK_DIR / "backups"  # where `./notebook.sh NN --fresh` keeps old copies
TESTS_DIR = REPO_ROOT / "tests"
DOCS_DIR = REPO_ROOT / "docs"
