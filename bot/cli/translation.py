"""What an operator's mistake means, in one line with what to do: the translation of the
errors of the libraries flowbot's commands use (GitHub's client, the database, the settings)."""

from __future__ import annotations

import httpx
from githubkit.exception import RequestError, RequestFailed, RequestTimeout
from sqlalchemy.exc import OperationalError

from bot.cli.errors import OperatorError
from bot.resources import ResourceMissing
from bot.settings import SettingsError
from connectors.core.redaction import first_line
from flowkit.runtime.database_url import DatabaseUrlError
from flowkit.runtime.schema import SchemaError

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
