"""What stage 5 shows the sandbox of a checkout: the flow's own files, and nothing else.

The sandbox does not see the checkout. It sees a fresh folder built by the gate, holding
`flows/__init__.py` and `flows/<name>/__init__.py` (empty, written here), the flow folder's
`flow.py`, `test_flow.py`, `spec.yaml` and `fixtures/` (regular files only: a symlink is not
followed), the gate's own configuration of mypy and pytest, and links to the installed
`flowkit` and `connectors` (see `mypy_cache.link_library`). So a `conftest.py`,
`pytest.ini`, `__init__.py`, `setup.cfg`, `tox.ini`, `pyproject.toml` or `sitecustomize.py` of the
checkout or of the flow folder is never read; and `flowkit` and `connectors` are the app's
installed ones (a checkout's own copies are not on the sandbox's path), so the flow is checked
against the same library the gate's static stages used.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flowkit.validator.mypy_cache import MYPY_CONFIG, link_library
from flowkit.validator.sources import FLOW_FILE, TEST_FILE, FlowSources

SPEC_FILE = "spec.yaml"
FIXTURES = "fixtures"
PYTEST_CONFIG = "gate-pytest.ini"
MYPY_CONFIG_FILE = "gate-mypy.ini"

PYTEST_SETTINGS = """\
[pytest]
python_files = test_flow.py
python_classes = Test*
python_functions = test*
addopts =
xfail_strict = true
"""
"""The gate's pytest configuration: which tests are collected is the gate's choice."""


def in_view(sources: FlowSources, name: str) -> str:
    """The path of the flow's file `name` inside the view, relative to the view."""
    return f"flows/{sources.folder.name}/{name}"


@contextmanager
def flow_view(sources: FlowSources) -> Iterator[Path]:
    """A temporary folder laid out as a checkout holding only this flow; removed afterwards.

    Paths inside it are the ones findings show (`flows/<name>/flow.py`), so the sandbox's
    output needs no translation. Everything in it is world-readable: the sandbox runs as a user
    of its own.
    """
    view = Path(tempfile.mkdtemp(prefix="flowbot-gate-"))
    try:
        folder = view / "flows" / sources.folder.name
        folder.mkdir(parents=True)
        (view / "flows" / "__init__.py").write_text("")
        (folder / "__init__.py").write_text("")
        for name in (FLOW_FILE, TEST_FILE, SPEC_FILE):
            _copy_file(sources.folder / name, folder / name)
        _copy_tree(sources.folder / FIXTURES, folder / FIXTURES)
        (view / PYTEST_CONFIG).write_text(PYTEST_SETTINGS)
        (view / MYPY_CONFIG_FILE).write_text(MYPY_CONFIG)
        for path in (view, *view.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        link_library(view)
        yield view
    finally:
        shutil.rmtree(view, ignore_errors=True)


def _copy_file(source: Path, target: Path) -> None:
    """Copy `source` if it is a regular file (not a symlink, not a device)."""
    try:
        mode = source.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        shutil.copyfile(source, target, follow_symlinks=False)


def _copy_tree(source: Path, target: Path) -> None:
    """Copy the regular files and folders under `source`; symlinks are left behind."""
    if not source.is_dir() or source.is_symlink():
        return
    target.mkdir()
    for entry in sorted(source.iterdir()):
        if entry.is_symlink():
            continue
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        else:
            _copy_file(entry, target / entry.name)
