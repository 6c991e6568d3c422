"""The numbered modules of the course: number, slug, title and package.

Everything that turns "03" into a notebook, a test file or a doc page goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modules.course.paths import DOCS_DIR, NOTEBOOKS_DIR, REPO_ROOT, TESTS_DIR, WORK_DIR


@dataclass(frozen=True)
class CourseModule:
    number: int
    slug: str
    title: str
    package: str | None  # None for a module that is a notebook and a doc page only

    @property
    def nn(self) -> str:
        return f"{self.number:02d}"

    @property
    def name(self) -> str:
        """`03_bigram`: the stem shared by the notebook and the test file."""
        return f"{self.nn}_{self.slug}"

    @property
    def notebook(self) -> Path:
        return NOTEBOOKS_DIR / f"{self.name}.ipynb"

    @property
    def working_copy(self) -> Path:
        return WORK_DIR / f"{self.name}.ipynb"

    @property
    def test_file(self) -> Path:
        return TESTS_DIR / f"test_{self.name}.py"

    @property
    def doc(self) -> Path:
        return DOCS_DIR / "modules" / f"{self.nn}-{self.slug.replace('_', '-')}.md"

    @property
    def package_dir(self) -> Path | None:
        return REPO_ROOT / "modules" / self.package if self.package else None

    def exists(self) -> bool:
        """True once the module has been written (its clean notebook is in the repository)."""
        return self.notebook.is_file()


MODULES = (
    CourseModule(0, "prerequisites", "Prerequisites", None),
    CourseModule(1, "autodiff", "Scalar autodiff", "m01_autodiff"),
    CourseModule(2, "tensors", "Tensors", "m02_tensors"),
    CourseModule(3, "bigram", "Bigram language model", "m03_bigram"),
    CourseModule(4, "mlp", "MLP language model", "m04_mlp"),
    CourseModule(5, "embeddings", "Word embeddings", "m05_embeddings"),
    CourseModule(6, "attention", "Attention", "m06_attention"),
    CourseModule(7, "transformer", "The transformer", "m07_transformer"),
    CourseModule(8, "bpe", "Byte-level BPE tokenizer", "m08_bpe"),
    CourseModule(9, "training", "Training", "m09_training"),
    CourseModule(10, "tinystories", "Pre-training on TinyStories", "m10_tinystories"),
    CourseModule(11, "sampling", "Sampling", "m11_sampling"),
)


def available_modules() -> list[CourseModule]:
    """The modules that exist in this copy of the course."""
    return [m for m in MODULES if m.exists()]


def find_module(spec: str | int) -> CourseModule:
    """Look a module up by number: `3`, `"3"` and `"03"` all give module 03.

    Raises ValueError naming the modules that exist when `spec` is not one of them.
    """
    valid = ", ".join(m.nn for m in available_modules()) or "none yet"
    try:
        number = int(str(spec).strip())
    except ValueError:
        raise ValueError(f"'{spec}' is not a module number; valid modules: {valid}") from None
    for module in available_modules():
        if module.number == number:
            return module
    raise ValueError(f"there is no module '{spec}' in this course; valid modules: {valid}")
