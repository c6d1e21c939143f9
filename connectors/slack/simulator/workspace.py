"""The simulated Slack workspace: members, channels, messages, and the bot that the token is.

Records are kept in the JSON shapes Slack's Web API sends, seeded deterministically from a seed
with synthetic people and chatter from a fixed date (2024-03-01), never from now. Methods here
change and read the state; the simulator guards them with its lock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

FIXED_START = 1_709_283_600
"""2024-03-01T09:00:00Z: seeded history starts here."""
FIXED_NOW = FIXED_START + 30 * 86_400
"""The simulated wall clock's reading when the simulator starts (history lies before it)."""
ID_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

FIRST_NAMES = ("Ada", "Ben", "Chiara", "Dmitri", "Emeka", "Fatima", "Greta", "Hiro", "Ines",
               "Jonas", "Kavya", "Luca", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa",
               "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoe")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Schmidt", "Haddad", "Novak", "Silva",
              "Kowalski", "Fischer", "Rossi", "Nakamura", "Jensen", "Patel", "Dubois", "Costa")
TITLES = ("Account Executive", "Support Engineer", "Product Manager", "Backend Engineer",
          "Sales Lead", "Designer", "Finance Analyst", "Customer Success Manager")
CHANNEL_NAMES = ("general", "random", "sales", "support", "deals", "eng-alerts", "marketing",
                 "product", "finance", "design", "hiring", "ops", "customer-feedback", "releases")
TOPICS = ("Company-wide announcements", "Closed-won deals land here", "Pager alerts & incidents",
          "Ship it", "", "Questions welcome")
CHATTER = (
    "Morning all! Standup in 5.",
    "Order #{n} is paid &amp; ready to ship",
    "Can someone look at ticket {n}? Customer says the invoice total is off",
    "Deployed v2.{n} to production :rocket:",
    "Reminder: Q{q} pipeline review on Thursday",
    "<https://example.com/deals/{n}|Deal {n}> moved to Closed Won",
    "Thanks <@{user}>! That fixed it",
    "Is anyone else seeing 502s from the billing service?",
    "Lunch order closes at 11:30 &gt; please add yours",
    "New lead from the website form: Acme Corp ({n} seats)",
)


@dataclass
class Workspace:
    """A workspace's state in Slack's JSON shapes; messages per channel are oldest first."""

    rng: random.Random
    team_id: str = ""
    bot_user_id: str = ""
    bot_id: str = ""
    app_id: str = ""
    users: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bot_channels: set[str] = field(default_factory=set)
    _taken: set[str] = field(default_factory=set)

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-style id: a type letter and ten characters."""
        while True:
            candidate = prefix + "".join(self.rng.choice(ID_ALPHABET) for _ in range(10))
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate

    # -- members ---------------------------------------------------------------------------------

    def add_user(self, real_name: str, email: str | None, *, is_bot: bool = False,
                 deleted: bool = False, title: str = "") -> dict[str, Any]:
        """Add a member in the shape of `users.list`."""
        handle = real_name.lower().replace(" ", ".")
        user: dict[str, Any] = {
            "id": self.new_id("U"), "team_id": self.team_id, "name": handle,
            "deleted": deleted, "real_name": real_name, "tz": "Europe/Berlin",
            "tz_label": "Central European Time", "tz_offset": 3600, "is_admin": False,
            "is_bot": is_bot, "is_app_user": False,
            "updated": FIXED_START - self.rng.randrange(86_400 * 200),
            "profile": {"real_name": real_name, "display_name": real_name.split(" ")[0],
                        "title": title, "team": self.team_id,
                        **({"email": email} if email else {})},
        }
        self.users.append(user)
        return user

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        """The member with this address, compared without regard to case."""
        wanted = email.strip().lower()
        return next((u for u in self.users
                     if str(u["profile"].get("email", "")).lower() == wanted), None)

    # -- channels --------------------------------------------------------------------------------

    def add_channel(self, name: str, *, is_private: bool = False, is_archived: bool = False,
                    bot_is_member: bool = True, created: int | None = None,
                    topic: str = "") -> dict[str, Any]:
        """Add a channel in the shape of `conversations.list` (without the token's `is_member`)."""
        creator = next((u["id"] for u in self.users if not u["is_bot"]), self.bot_user_id)
        when = created if created is not None else FIXED_START - self.rng.randrange(86_400 * 400)
        channel: dict[str, Any] = {
            "id": self.new_id("C"), "name": name, "name_normalized": name,
            "is_channel": True, "is_group": False, "is_im": False, "is_mpim": False,
            "is_private": is_private, "is_archived": is_archived, "is_general": name == "general",
            "is_shared": False, "is_org_shared": False, "created": when, "creator": creator,
            "unlinked": 0, "previous_names": [],
            "topic": {"value": topic, "creator": creator if topic else "", "last_set": when},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": self.rng.randrange(2, 60),
        }
        self.channels.append(channel)
        self.messages[channel["id"]] = []
        if bot_is_member:
            self.bot_channels.add(channel["id"])
        return channel

    def find_channel(self, ref: str) -> dict[str, Any] | None:
        """The channel with this id, or this name (with or without '#'), that the bot may see."""
        name = ref.removeprefix("#")
        for channel in self.channels:
            if ref == channel["id"] or name == channel["name"]:
                visible = not channel["is_private"] or channel["id"] in self.bot_channels
                return channel if visible else None
        return None

    def render_channel(self, channel: dict[str, Any]) -> dict[str, Any]:
        """The channel as the bot's token sees it (with `is_member`)."""
        return {**channel, "is_member": channel["id"] in self.bot_channels}

    # -- messages --------------------------------------------------------------------------------

    def add_message(self, channel_id: str, text: str, *, user: str | None = None,
                    ts: str | None = None, **extra: Any) -> dict[str, Any]:
        """Append a message to a channel's history with a ts later than every earlier one."""
        history = self.messages[channel_id]
        stamp = ts or next_ts(history[-1]["ts"] if history else None, FIXED_START)
        message = {"type": "message", "user": user or self.bot_user_id, "text": text,
                   "ts": stamp, "team": self.team_id, **extra}
        history.append(message)
        return message


def next_ts(last: str | None, now: float) -> str:
    """A ts at `now` (epoch seconds), or just after `last` if that is not earlier."""
    candidate = Decimal(f"{now:.6f}")
    if last is not None and candidate <= Decimal(last):
        candidate = Decimal(last) + Decimal("0.000001")
    return f"{candidate:.6f}"


def seed_workspace(seed: int, *, users: int, channels: int,
                   messages_per_channel: int) -> Workspace:
    """A workspace of synthetic people, channels and chatter, the same for the same seed."""
    space = Workspace(rng=random.Random(seed))
    rng = space.rng
    space.team_id, space.app_id = space.new_id("T"), space.new_id("A")
    space.bot_id = space.new_id("B")
    bot = space.add_user("flowbot", None, is_bot=True)
    space.bot_user_id = bot["id"]
    for i in range(users):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], rng.choice(LAST_NAMES)
        suffix = "" if i < len(FIRST_NAMES) else str(i // len(FIRST_NAMES) + 1)
        space.add_user(f"{first} {last}", f"{first}.{last}{suffix}@example.com".lower(),
                       deleted=rng.random() < 0.08, title=rng.choice(TITLES))
    people = [u["id"] for u in space.users if not u["is_bot"]] or [space.bot_user_id]
    for i in range(channels):
        base = CHANNEL_NAMES[i % len(CHANNEL_NAMES)]
        name = base if i < len(CHANNEL_NAMES) else f"{base}-{i // len(CHANNEL_NAMES) + 1}"
        roll = 0.0 if name == "general" else rng.random()  # #general: public, never archived
        channel = space.add_channel(name, is_private=0.7 <= roll < 0.85, is_archived=roll >= 0.9,
                                    bot_is_member=name == "general" or rng.random() < 0.8,
                                    topic=rng.choice(TOPICS))
        moment = FIXED_START
        for n in range(messages_per_channel):
            moment += rng.randrange(60, 7_200)
            text = rng.choice(CHATTER).format(n=1000 + n, q=1 + n % 4, user=rng.choice(people))
            space.add_message(channel["id"], text, user=rng.choice(people),
                              ts=f"{moment}.{rng.randrange(1_000_000):06d}")
    return space
