"""What every job handler needs: the app's GitHub client, the model, the settings."""

from __future__ import annotations

from dataclasses import dataclass

import anthropic
from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import AppSettings

WRITERS = ("admin", "maintain", "write")


@dataclass
class JobContext:
    """Shared by the handlers of one worker."""

    settings: AppSettings
    github: GitHub[AppAuthStrategy]
    model: anthropic.Anthropic
    sessions: sessionmaker[Session]
    """The app's store, where jobs keep their work records."""
    max_gate_attempts: int = 4
    token_budget: int = 400_000
