"""A flow's files as the static stages read them: text and syntax trees, never executed."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

FLOW_FILE = "flow.py"
TEST_FILE = "test_flow.py"
PYTHON_FILES = (FLOW_FILE, TEST_FILE)


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

    @classmethod
    def read(cls, root: Path, folder: Path) -> FlowSources:
        """Read the Python files of `folder` (missing ones are stage 4's business)."""
        sources = cls(root=root, folder=folder)
        for name in PYTHON_FILES:
            path = folder / name
            if path.is_file():
                sources.texts[name] = path.read_text(encoding="utf-8", errors="replace")
        return sources

    def display(self, name: str) -> str:
        """The path of a file of the flow as findings show it (relative to the checkout)."""
        try:
            return str((self.folder / name).relative_to(self.root))
        except ValueError:
            return str(self.folder / name)
