"""Operator mistakes, said in one line with what to do, and exit 2.

Every command may meet the same few mistakes — settings that cannot work, a database or GitHub
that cannot be reached, a repository that does not exist — so they are translated once, where
the `flowbot` command starts, instead of in each command (`bot.cli.translation`, imported only
when something failed: the libraries whose errors it knows take a second to import). Exit 2
means "could not run" and is distinct from 1, which `run` and `validate` use for "ran, and
something failed".
"""

from __future__ import annotations

import re
from typing import NoReturn

import typer

EXIT_COULD_NOT_RUN = 2
REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
"""owner/name, as GitHub spells them."""


class OperatorError(Exception):
    """A mistake the operator can fix; the message says what and how."""


def fail(message: str) -> NoReturn:
    """Print `flowbot: <message>` on stderr and exit 2."""
    typer.echo(f"flowbot: {message}", err=True)
    raise typer.Exit(EXIT_COULD_NOT_RUN)


def require_repository(repo: str) -> None:
    """Exit 2 unless `repo` reads as owner/name."""
    if not REPOSITORY.match(repo):
        fail(f"--repo must be owner/name (like octo-org/integrations), not {repo!r}")
