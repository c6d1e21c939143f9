"""A flow's files as the static stages read them: text and syntax trees, never executed."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

FLOW_FILE = "flow.py"
TEST_FILE = "test_flow.py"
INIT_FILE = "__init__.py"
PYTHON_FILES = (FLOW_FILE, TEST_FILE)
FOLDER_FILES = frozenset({"spec.yaml", FLOW_FILE, TEST_FILE, INIT_FILE})
FIXTURES = "fixtures"
BYTECODE = "__pycache__"
"""Left by running the tests locally; never read by the gate (stage 5 uses the sources only)."""


@dataclass
class FlowSources:
    """The files of one flow folder, relative paths as the findings show them."""

    root: Path
    """The checkout the flow belongs to."""
    folder: Path
    texts: dict[str, str] = field(default_factory=dict)
    """File name (flow.py, test_flow.py) -> source text, for the files that exist."""
    trees: dict[str, ast.Module] = field(default_factory=dict)
    """File name -> syntax tree, once stage 1 has parsed it."""
    symlinks: list[str] = field(default_factory=list)
    """Paths (relative to the folder) that are symbolic links: never followed, never read."""
    extra: list[str] = field(default_factory=list)
    """Paths (relative to the folder) a flow folder may not hold."""
    init_text: str = ""
    """The package's __init__.py (it must hold nothing but a docstring)."""

    @classmethod
    def read(cls, root: Path, folder: Path) -> FlowSources:
        """List `folder` without following links, then read its Python files (missing ones are
        stage 4's business; linked ones are never opened)."""
        sources = cls(root=root, folder=folder)
        sources._survey(folder, "")
        for name in (*PYTHON_FILES, INIT_FILE):
            path = folder / name
            if name in sources.symlinks or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if name == INIT_FILE:
                sources.init_text = text
            else:
                sources.texts[name] = text
        return sources

    def _survey(self, directory: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            if entry.is_symlink():
                self.symlinks.append(relative)
            elif entry.is_dir():
                if not prefix and entry.name == BYTECODE:
                    continue
                if relative == FIXTURES or relative.startswith(f"{FIXTURES}/"):
                    self._survey(Path(entry.path), f"{relative}/")
                else:
                    self.extra.append(f"{relative}/")
            elif prefix.startswith(f"{FIXTURES}/"):
                if not entry.name.endswith(".json"):
                    self.extra.append(relative)
            elif entry.name not in FOLDER_FILES:
                self.extra.append(relative)

    def display(self, name: str) -> str:
        """The path of a file of the flow as findings show it (relative to the checkout)."""
        try:
            return str((self.folder / name).relative_to(self.root))
        except ValueError:
            return str(self.folder / name)
