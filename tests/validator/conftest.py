"""A throwaway checkout to validate flows in: this repository's code, and the flow under test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.gate import corpus_flow
from flowkit.spec import load_spec

REPOSITORY = Path(__file__).resolve().parents[2]
collect_ignore_glob = ["corpus/*", "corpus_good/*", "good/*"]
"""The corpus's and the good flows are validated by the tests, never collected as tests."""
CHECKOUT_PARTS = ("connectors", "flowkit", "pyproject.toml")


@pytest.fixture(scope="session")
def checkout_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's connectors and flow kit, without any flow."""
    root = tmp_path_factory.mktemp("checkout-template")
    root.chmod(0o755)  # the sandbox runs as nobody: the checkout must be world-readable
    for part in CHECKOUT_PARTS:
        source = REPOSITORY / part
        if source.is_dir():
            shutil.copytree(source, root / part,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, root / part)
    (root / "flows").mkdir()
    (root / "flows" / "__init__.py").write_text("")
    return root


def checkout_with_case(template: Path, destination: Path, case: Path) -> Path:
    """A checkout at `destination` holding the corpus case's flow under flows/."""
    return checkout_with(template, destination,
                         corpus_flow(case, destination.parent / f"{case.name}-flow"))


def checkout_with(template: Path, destination: Path, flow: Path) -> Path:
    """A checkout at `destination` holding `flow` under flows/ (named as its spec says)."""
    shutil.copytree(template, destination, symlinks=True)
    try:
        folder = load_spec(flow).folder_name
    except ValueError:
        folder = "shopify_orders_to_hubspot_deals"
    shutil.copytree(flow, destination / "flows" / folder, symlinks=True)
    return destination / "flows" / folder
