"""Slack's Web API as a flowbot connector: post messages, list channels, read history, find users.

The simulator lives in `connectors.slack.simulator` (imported on demand: it pulls in FastAPI).
"""

from connectors.slack.client import (
    ChatResource,
    ConversationsResource,
    Slack,
    SlackSettings,
    UsersResource,
)
from connectors.slack.mrkdwn import escape_mrkdwn, unescape_mrkdwn
from connectors.slack.records import Channel, Message, User, UserProfile

__all__ = [
    "Channel",
    "ChatResource",
    "ConversationsResource",
    "Message",
    "Slack",
    "SlackSettings",
    "User",
    "UserProfile",
    "UsersResource",
    "escape_mrkdwn",
    "unescape_mrkdwn",
]
