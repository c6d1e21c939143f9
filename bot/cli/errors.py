"""Operator mistakes, said in one line with what to do, and exit 2.

Every command may meet the same few mistakes — settings that cannot work, a database or GitHub
that cannot be reached, a repository that does not exist — so they are translated once, where
the `flowbot` command starts, instead of in each command. Exit 2 means "could not run" and is
distinct from 1, which `run` and `validate` use for "ran, and something failed".
"""

from __future__ import annotations

import re
from typing import NoReturn

import httpx
import typer
from githubkit.exception import RequestError, RequestFailed, RequestTimeout
from sqlalchemy.exc import OperationalError

from bot.resources import ResourceMissing
from bot.settings import SettingsError
from connectors.core.redaction import first_line
from flowkit.runtime.database_url import DatabaseUrlError
from flowkit.runtime.schema import SchemaError

EXIT_COULD_NOT_RUN = 2
REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
"""owner/name, as GitHub spells them."""


class OperatorError(Exception):
    """A mistake the operator can fix; the message says what and how."""


OPERATOR_ERRORS = (OperatorError, SettingsError, DatabaseUrlError, SchemaError, ResourceMissing,
                   OperationalError, RequestFailed, RequestError, RequestTimeout,
                   httpx.TransportError)
"""What `message_of` turns into one line; anything else is a bug and keeps its traceback."""


def _github(error: RequestFailed) -> str:
    status = error.response.status_code
    where = f"{error.request.method} {error.request.url}"
    if status == 404:
        return (f"GitHub answered 404 to {where}: the repository (or issue) does not exist or "
                "the token cannot see it; check --repo (owner/name) and the token's access")
    if status in (401, 403):
        return (f"GitHub refused {where} ({status}): check that the token (GITHUB_TOKEN or the "
                "app's key) is valid and may do this in that repository")
    return f"GitHub answered {status} to {where}; try again, or see GitHub's status page"


def message_of(error: BaseException) -> str:
    """The one line that tells the operator what went wrong and what to do."""
    if isinstance(error, RequestFailed):
        return _github(error)
    if isinstance(error, RequestError | RequestTimeout | httpx.TransportError):
        return (f"cannot reach GitHub ({first_line(error)}): check the network, any proxy, "
                "and GITHUB_API_URL (set for GitHub Enterprise Server only)")
    if isinstance(error, OperationalError):
        return database_problem(error, "the database", "FLOWBOT_DATABASE_URL (or --database)")
    if isinstance(error, SettingsError):  # one problem a line at start-up; one line here
        head, *problems = str(error).splitlines()
        head = head.removeprefix("flowbot ")
        return f"{head} {'; '.join(p.strip() for p in problems)}" if problems else head
    return str(error)


def database_problem(error: OperationalError, store: str, setting: str) -> str:
    """What to say when `store` cannot be used: the driver's first line and the `setting` its
    URL came from."""
    return (f"cannot use {store} ({first_line(error.orig or error)}): check that it runs and "
            f"that {setting} points at it")


def fail(message: str) -> NoReturn:
    """Print `flowbot: <message>` on stderr and exit 2."""
    typer.echo(f"flowbot: {message}", err=True)
    raise typer.Exit(EXIT_COULD_NOT_RUN)


def require_repository(repo: str) -> None:
    """Exit 2 unless `repo` reads as owner/name."""
    if not REPOSITORY.match(repo):
        fail(f"--repo must be owner/name (like octo-org/integrations), not {repo!r}")
