"""Where flowbot finds the files it reads that are not Python: the prompt templates, the app's
manifest, the `.github/` files `flowbot init` writes into a thin repository and the example flow
the model's primer shows.

In a checkout (an editable install, the monorepo) they are the checkout's own files. A wheel
installs them as data files under `<prefix>/share/flowbot` (see pyproject's
`[tool.setuptools.data-files]`), `<prefix>` being the environment's or, for `pip install
--user`, the user's base.
"""

from __future__ import annotations

import site
import sys
from functools import cache
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


class ResourceMissing(FileNotFoundError):
    """flowbot's installation lacks one of its data files (a broken or partial install)."""


@cache
def _shared() -> Path:
    for prefix in (sys.prefix, site.getuserbase()):
        candidate = Path(prefix) / "share" / "flowbot"
        if candidate.is_dir():
            return candidate
    return Path(sys.prefix) / "share" / "flowbot"


def _resource(in_checkout: str, installed: str) -> Path:
    for path in (CHECKOUT / in_checkout, _shared() / installed):
        if path.exists():
            return path
    raise ResourceMissing(f"flowbot's installation has no {installed} (looked in {CHECKOUT} "
                          f"and {_shared()}); reinstall flowbot: pip install --force-reinstall "
                          "flowbot")


def prompts_dir() -> Path:
    """The folder of prompt templates (`prompts/` of the checkout)."""
    return _resource("prompts", "prompts")


def manifest_path() -> Path:
    """The GitHub App manifest (`app.yml`)."""
    return _resource("app.yml", "app.yml")


def github_templates() -> Path:
    """The issue forms and pull request template a repository flowbot writes to uses."""
    return _resource(".github", "github")


EXAMPLE_FLOW = "shopify_orders_to_hubspot_deals"


def example_flow() -> Path:
    """The folder of the example flow the model's primer shows (its spec, flow and test)."""
    return _resource(f"flows/{EXAMPLE_FLOW}", f"example_flow/{EXAMPLE_FLOW}")
