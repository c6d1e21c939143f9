"""The Slack double tests use: the app (`app`), its wire format and synthetic workspace.

What it reproduces is listed beside the client, in `connectors.slack.simulator_coverage`.
"""

from connectors.slack.simulator.app import (
    SIMULATOR_TOKEN,
    SlackSimulator,
)

__all__ = ["SIMULATOR_TOKEN", "SlackSimulator"]
