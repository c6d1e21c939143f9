"""The Slack double tests use: the app (`app`), its wire format and synthetic workspace."""

from connectors.slack.simulator.app import SIMULATOR_TOKEN, SlackSimulator

__all__ = ["SIMULATOR_TOKEN", "SlackSimulator"]
