"""Keep credentials out of everything a connector shows: URLs, messages, bodies and reprs.

Errors and log lines are read by people, pasted into issues and fed to the model, so redaction
happens where text leaves the connector, not where it is printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"
MIN_SECRET_LENGTH = 4
"""Shorter values are not scrubbed: they would match ordinary text."""
DEFAULT_BODY_LIMIT = 2000

_SECRET_PARAM = re.compile(
    r"(token|key|secret|password|passwd|signature|sig|auth|credential|session|code)",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """Return `url` with user info and secret-looking query values replaced by `***`.

    A URL with nothing to hide comes back as it was: rebuilding it would mangle some that are
    not HTTP (`sqlite:////data/app.db` would lose two slashes and read as host `data`).
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if "@" not in parts.netloc and not any(_SECRET_PARAM.search(name) for name, _ in pairs):
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = urlencode(
        [
            (name, REDACTED if _SECRET_PARAM.search(name) else value)
            for name, value in pairs
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def truncate(text: str, limit: int = DEFAULT_BODY_LIMIT) -> str:
    """Cut `text` to `limit` characters, saying how much was cut so nobody mistakes it for whole."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [truncated {len(text) - limit} of {len(text)} characters]"


def first_line(error: BaseException) -> str:
    """The first line of what `error` says, or its type's name when it says nothing: an error
    shown in one line (a driver's message can run to pages)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Scrubber:
    """Replaces known secret values in text: the one rule for connectors' errors and the app's logs.

    The secrets are sorted once, longest first, so a secret that contains another is replaced
    whole; values shorter than `MIN_SECRET_LENGTH` are left alone.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len,
                               reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of a known secret value in `text` (a server may echo one back)."""
    return Scrubber(secrets)(text)
