"""One error taxonomy for every connector.

A flow, the runtime and the model all react to *kinds* of failure (retry it, fix the mapping, ask
for new credentials), never to one vendor's status codes. Every error carries what is needed to act
on it — method, status, the URL with secrets redacted, a truncated body — and nothing secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.core.redaction import redact_url, truncate


@dataclass(frozen=True)
class ErrorContext:
    """Where an error happened. The URL is redacted and the body truncated on construction."""

    connector: str = ""
    method: str = ""
    url: str = ""
    status: int | None = None
    body: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", redact_url(self.url) if self.url else "")
        object.__setattr__(self, "body", truncate(self.body))


@dataclass(frozen=True)
class FieldError:
    """One invalid field reported by the vendor: which field, and what it said about it."""

    field: str
    message: str


class ConnectorError(Exception):
    """Base of every error a connector raises; `str()` is a complete, secret-free explanation."""

    kind = "connector"

    def __init__(self, message: str, *, context: ErrorContext | None = None) -> None:
        self.message = message
        self.context = context or ErrorContext()
        super().__init__(self._render())

    @property
    def status(self) -> int | None:
        """The HTTP status of the response that caused the error, if there was one."""
        return self.context.status

    def _render(self) -> str:
        ctx = self.context
        where = " ".join(part for part in (ctx.method, ctx.url) if part)
        status = f" -> HTTP {ctx.status}" if ctx.status is not None else ""
        prefix = f"[{ctx.connector}] " if ctx.connector else ""
        location = f" ({where}{status})" if where or status else ""
        body = f"\nresponse body: {ctx.body}" if ctx.body else ""
        return f"{prefix}{self.message}{location}{body}"


class AuthError(ConnectorError):
    """The credentials are missing, wrong or expired and could not be refreshed."""

    kind = "auth"


class PermissionDenied(ConnectorError):
    """The credentials are valid but not allowed to do this (a missing scope, a locked record)."""

    kind = "permission"


class NotFound(ConnectorError):
    """The record or endpoint does not exist."""

    kind = "not_found"


class Conflict(ConnectorError):
    """The write clashes with the record's current state (duplicate, reused idempotency key…)."""

    kind = "conflict"


class ValidationFailed(ConnectorError):
    """The vendor refused the data; `field_errors` says which fields and why."""

    kind = "validation"

    def __init__(
        self,
        message: str,
        *,
        context: ErrorContext | None = None,
        field_errors: list[FieldError] | None = None,
    ) -> None:
        self.field_errors = list(field_errors or [])
        details = "; ".join(f"{e.field}: {e.message}" for e in self.field_errors)
        super().__init__(f"{message} — {details}" if details else message, context=context)


class RateLimited(ConnectorError):
    """The vendor still refused after the retries: its rate limit is exhausted."""

    kind = "rate_limited"

    def __init__(
        self, message: str, *, context: ErrorContext | None = None, retry_after: float | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, context=context)


class TransientError(ConnectorError):
    """A failure that may pass on its own (timeouts, dropped connections, 5xx) and outlived
    the retries, or hit a write that was not safe to retry."""

    kind = "transient"


class ProtocolError(ConnectorError):
    """The vendor answered something the connector cannot trust: not JSON, a missing key, a
    pagination cursor that repeats. Retrying will not help; the response is the problem."""

    kind = "protocol"


class ConfigurationError(ConnectorError):
    """The connector was set up wrongly (a missing credential, a malformed base URL)."""

    kind = "configuration"


def _default_statuses() -> dict[int, type[ConnectorError]]:
    return {
        400: ValidationFailed,
        401: AuthError,
        403: PermissionDenied,
        404: NotFound,
        409: Conflict,
        410: NotFound,
        412: Conflict,
        422: ValidationFailed,
        429: RateLimited,
        501: ProtocolError,  # Not Implemented (RFC 9110 §15.6.2): asking again will not help
    }


@dataclass(frozen=True)
class StatusMapping:
    """Which taxonomy class an HTTP status becomes; vendors override entries where they differ."""

    by_status: dict[int, type[ConnectorError]] = field(default_factory=_default_statuses)

    def error_class(self, status: int) -> type[ConnectorError]:
        """The taxonomy class for `status`: explicit entries first, then 5xx as transient."""
        if status in self.by_status:
            return self.by_status[status]
        if status >= 500:
            return TransientError
        if status >= 400:
            return ValidationFailed
        return ProtocolError
