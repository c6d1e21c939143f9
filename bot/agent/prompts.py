"""Prompt templates, versioned with the code: each rendering names the version it came from.

Templates live in `prompts/` as text with `$placeholders`. A version id is the template's name
and the first 12 hex digits of its bytes' SHA-256, recorded on every job, so a change in
behaviour can be traced to the prompt that caused it.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from bot.resources import prompts_dir

PROMPTS = prompts_dir()
"""`prompts/` of the checkout, or the copy an installed wheel carries."""


@dataclass(frozen=True)
class Prompt:
    """A rendered prompt and the version of its template."""

    text: str
    version: str


def version_of(name: str, folder: Path = PROMPTS) -> str:
    """`name@<sha256[:12]>` of the template's bytes."""
    data = (folder / f"{name}.md").read_bytes()
    return f"{name}@{hashlib.sha256(data).hexdigest()[:12]}"


def render(name: str, folder: Path = PROMPTS, **values: str) -> Prompt:
    """Fill a template; a missing value is an error, not an empty hole."""
    template = string.Template((folder / f"{name}.md").read_text(encoding="utf-8"))
    return Prompt(template.substitute(values), version_of(name, folder))
