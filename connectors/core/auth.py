"""Authentication strategies, as httpx auth flows.

Each strategy attaches credentials to a request and knows its own secrets, so the client can scrub
them from anything it shows. The OAuth2 strategies fetch tokens through the connector's own HTTP
transport (a simulator's token endpoint in tests), cache them until shortly before expiry, and on a
401 refresh exactly once before giving up with an `AuthError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.errors import AuthError, ErrorContext, TransientError
from connectors.core.redaction import scrub

EXPIRY_MARGIN_S = 30.0
"""Tokens are renewed this long before the vendor says they expire, to absorb clock and latency."""


class Credentials(httpx.Auth):
    """An auth flow that can name its secret values for scrubbing."""

    def secret_values(self) -> list[str]:
        """Every secret this strategy holds, as plain text, for redaction only."""
        return []


class NoAuth(Credentials):
    """For endpoints that need no credentials."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send the request unchanged."""
        yield request


class ApiKeyAuth(Credentials):
    """A static key sent in a header (`X-Shopify-Access-Token: …`) or a query parameter."""

    def __init__(self, key: SecretStr, *, name: str,
                 location: Literal["header", "query"] = "header") -> None:
        self._key = key
        self._name = name
        self._location = location

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the key where the vendor expects it."""
        if self._location == "header":
            request.headers[self._name] = self._key.get_secret_value()
        else:
            request.url = request.url.copy_merge_params({self._name: self._key.get_secret_value()})
        yield request

    def secret_values(self) -> list[str]:
        """The key."""
        return [self._key.get_secret_value()]


class BearerAuth(Credentials):
    """A static bearer token (`Authorization: Bearer …`)."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the bearer token."""
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def secret_values(self) -> list[str]:
        """The token."""
        return [self._token.get_secret_value()]


@dataclass
class Token:
    """An access token and when it stops being usable (monotonic seconds; None: unknown)."""

    access_token: str
    expires_at: float | None
    refresh_token: str | None = None


TokenListener = Callable[[Token], None]
"""Called after every successful token request, so rotated refresh tokens can be persisted."""


class _OAuth2Flow(Credentials):
    """Shared OAuth2 mechanics: a cached token, one refresh on 401, clear token-endpoint errors."""

    requires_response_body = True

    def __init__(self, *, token_url: str, client_id: str, client_secret: SecretStr,
                 connector: str, clock: Clock = SYSTEM_CLOCK,
                 on_token: TokenListener | None = None) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._connector = connector
        self._clock = clock
        self._on_token = on_token
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.token_requests = 0

    def _grant(self) -> dict[str, str]:
        raise NotImplementedError

    def _usable(self) -> bool:
        token = self._token
        if token is None:
            return False
        return token.expires_at is None or token.expires_at - EXPIRY_MARGIN_S > self._clock.now()

    def _token_request(self) -> httpx.Request:
        form = {**self._grant(), "client_id": self._client_id,
                "client_secret": self._client_secret.get_secret_value()}
        return httpx.Request("POST", self._token_url, data=form,
                             headers={"Accept": "application/json"})

    def _accept_token(self, response: httpx.Response) -> None:
        response.read()
        context = ErrorContext(connector=self._connector, method="POST", url=self._token_url,
                               status=response.status_code,
                               body=scrub(response.text, self.secret_values()))
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"the token endpoint is unavailable (HTTP "
                                 f"{response.status_code}); the call itself was not sent",
                                 context=context)
        if response.status_code != 200:
            raise AuthError("the token endpoint refused the credentials: check the client id, "
                            "client secret and refresh token", context=context)
        try:
            payload: dict[str, Any] = response.json()
            access = str(payload["access_token"])
        except (ValueError, KeyError, TypeError):
            raise AuthError("the token endpoint answered without an access_token",
                            context=context) from None
        expires_in = payload.get("expires_in")
        expires_at = (self._clock.now() + float(expires_in)
                      if isinstance(expires_in, int | float | str) and str(expires_in).strip()
                      else None)
        refresh = payload.get("refresh_token")
        self._token = Token(access, expires_at, str(refresh) if refresh else None)
        self.token_requests += 1
        self._rotate(self._token)
        if self._on_token is not None:
            self._on_token(self._token)

    def _rotate(self, token: Token) -> None:
        """Hook for grants whose refresh token changes with each use."""

    def _authorise(self, request: httpx.Request) -> None:
        assert self._token is not None
        request.headers["Authorization"] = f"Bearer {self._token.access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach a usable token; on a 401 for a cached one, refresh once and resend once.

        A token fetched for this very request is not refreshed again: the vendor has just said
        the credentials themselves are wrong.
        """
        with self._lock:
            fetched_now = not self._usable()
            if fetched_now:
                self._accept_token((yield self._token_request()))
            self._authorise(request)
        response = yield request
        if response.status_code != 401 or fetched_now:
            return
        with self._lock:
            self._accept_token((yield self._token_request()))
            self._authorise(request)
        yield request

    def secret_values(self) -> list[str]:
        """The client secret and any token currently held."""
        values = [self._client_secret.get_secret_value()]
        if self._token is not None:
            values.append(self._token.access_token)
            if self._token.refresh_token:
                values.append(self._token.refresh_token)
        return values


class OAuth2ClientCredentials(_OAuth2Flow):
    """OAuth2 client-credentials grant: a machine token cached until it expires."""

    def __init__(self, *, token_url: str, client_id: str, client_secret: SecretStr,
                 connector: str, scope: str | None = None, clock: Clock = SYSTEM_CLOCK,
                 on_token: TokenListener | None = None) -> None:
        super().__init__(token_url=token_url, client_id=client_id, client_secret=client_secret,
                         connector=connector, clock=clock, on_token=on_token)
        self._scope = scope

    def _grant(self) -> dict[str, str]:
        grant = {"grant_type": "client_credentials"}
        if self._scope:
            grant["scope"] = self._scope
        return grant


class OAuth2RefreshToken(_OAuth2Flow):
    """OAuth2 refresh-token grant: an access token renewed from a long-lived refresh token.

    Vendors that rotate refresh tokens send a new one with each access token; it replaces the old
    one here and reaches `on_token` so the caller can store it.
    """

    def __init__(self, *, token_url: str, client_id: str, client_secret: SecretStr,
                 refresh_token: SecretStr, connector: str, access_token: SecretStr | None = None,
                 clock: Clock = SYSTEM_CLOCK, on_token: TokenListener | None = None) -> None:
        super().__init__(token_url=token_url, client_id=client_id, client_secret=client_secret,
                         connector=connector, clock=clock, on_token=on_token)
        self._refresh_token = refresh_token
        if access_token is not None:
            self._token = Token(access_token.get_secret_value(), None)

    def _grant(self) -> dict[str, str]:
        return {"grant_type": "refresh_token",
                "refresh_token": self._refresh_token.get_secret_value()}

    def _rotate(self, token: Token) -> None:
        if token.refresh_token:
            self._refresh_token = SecretStr(token.refresh_token)

    def secret_values(self) -> list[str]:
        """The client secret, the refresh token and any access token held."""
        return [*super().secret_values(), self._refresh_token.get_secret_value()]
