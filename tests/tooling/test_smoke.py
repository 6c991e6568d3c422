"""Smoke tests, run by ./setup.sh: the environment works and the course's files are consistent."""

import importlib
import pkgutil
import sys
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

import modules
from modules.course.catalogue import MODULES, available_modules
from modules.course.manifest import load_manifest
from modules.course.notebook_cells import (
    KERNEL_NAME,
    notebook_problems,
    notebook_text,
    read_notebook,
)
from modules.course.paths import NOTEBOOKS_DIR, REPO_ROOT

pytestmark = pytest.mark.smoke


def test_torch_is_the_pinned_version():
    import torch

    assert torch.__version__.split("+")[0] == "2.13.0"


def test_every_course_package_imports():
    names = [m.name for m in pkgutil.walk_packages(modules.__path__, "modules.")]
    assert "modules.course.catalogue" in names
    for name in names:
        importlib.import_module(name)


def test_the_course_kernel_runs_this_environment():
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.fail(f"the Jupyter kernel '{KERNEL_NAME}' is not registered: run ./setup.sh")
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()


def test_every_notebook_is_well_formed_and_stored_clean():
    notebooks = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert [p.name for p in notebooks] == [m.notebook.name for m in available_modules()]
    for path in notebooks:
        nb = read_notebook(path)
        assert notebook_problems(nb, path.name[:2]) == [], path.name
        assert path.read_text() == notebook_text(nb), f"{path.name} is not stored canonically"


def test_every_module_that_exists_has_its_doc_page_and_tests():
    for module in available_modules():
        assert module.doc.is_file(), module.doc
        assert module.test_file.is_file(), module.test_file
        assert module.package_dir is None or module.package_dir.is_dir()


def test_the_manifest_loads_and_names_real_modules_and_tracks():
    manifest = load_manifest()
    numbers = {m.number for m in MODULES}
    assert manifest.targets() and "tinyshakespeare" in manifest.targets()
    for entry in [*manifest.downloads, *manifest.artifacts]:
        assert set(entry.modules) <= numbers
        assert not Path(entry.path).is_absolute() and ".." not in Path(entry.path).parts
    assert [d.target for d in manifest.downloads_for("tiny", ["tinyshakespeare"])] == \
        ["tinyshakespeare"]


def test_the_readme_links_every_doc_page():
    readme = (REPO_ROOT / "README.md").read_text()
    for page in sorted((REPO_ROOT / "docs").rglob("*.md")):
        assert str(page.relative_to(REPO_ROOT)) in readme, f"README.md does not link {page}"
