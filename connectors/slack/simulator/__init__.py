"""The Slack double tests use: the app (`app`), its wire format and synthetic workspace.

`coverage` says what the simulator reproduces and is read by the catalog without FastAPI: the
app's names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.core.lazy import lazy_exports

if TYPE_CHECKING:
    from connectors.slack.simulator.app import (
        SIMULATOR_TOKEN,
        SlackSimulator,
    )

__all__ = ["SIMULATOR_TOKEN", "SlackSimulator"]

__getattr__ = lazy_exports(__name__, "connectors.slack.simulator.app", __all__)
