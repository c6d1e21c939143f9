"""The HTTP client every connector is built on.

One place does what varies in the wild: credentials, proactive throttling, retries of safe calls
with backoff and jitter, mapping of failures to the error taxonomy, JSON decoding that refuses an
HTML error page, and pagination guarded against loops and runaway page counts. Connectors add only
their endpoints and their vendor's peculiarities. Safe to share between threads.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_fixed,
    wait_random_exponential,
)

from connectors.core.auth import Credentials, NoAuth
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.errors import (
    ConfigurationError,
    ConnectorError,
    ErrorContext,
    FieldError,
    ProtocolError,
    RateLimited,
    StatusMapping,
    TransientError,
    ValidationFailed,
)
from connectors.core.paginators import PageRequest, PaginationError, Paginator
from connectors.core.paths import MISSING, dig
from connectors.core.ratelimit import Throttle
from connectors.core.redaction import scrub
from connectors.core.retry import RetryPolicy, parse_retry_after, safe_to_retry
from connectors.core.shared_throttle import configured_store, throttle_key

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_MAX_PAGES = 10_000


@dataclass(frozen=True)
class Failure:
    """A vendor's answer classified as an error of the taxonomy."""

    error: type[ConnectorError]
    message: str
    field_errors: list[FieldError] = field(default_factory=list)


ErrorDescriber = Callable[[Any], tuple[str, list[FieldError]] | None]
"""Reads a vendor's error body: a message and field errors, or None if it does not recognise it."""

SuccessInspector = Callable[[httpx.Response, Any], Failure | None]
"""Finds failures hidden in successful answers (Slack's `200 {"ok": false}`)."""


@dataclass(frozen=True)
class VendorConventions:
    """How one vendor speaks: its statuses, error bodies, idempotency header and quirks."""

    statuses: StatusMapping = field(default_factory=StatusMapping)
    describe_error: ErrorDescriber | None = None
    inspect_success: SuccessInspector | None = None
    idempotency_header: str | None = None


class _Retry(Exception):
    """Internal: a failure safe and worth retrying, carrying the error to raise at the end."""

    def __init__(self, error: ConnectorError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _validated_base_url(connector: str, base_url: str) -> str:
    url = httpx.URL(base_url)
    if url.scheme not in {"http", "https"} or not url.host:
        raise ConfigurationError(
            f"base URL {base_url!r} is not an http(s) URL with a host; set it to the vendor's "
            "API root (or a simulator's address)",
            context=ErrorContext(connector=connector),
        )
    return str(url).rstrip("/")


class HttpClient:
    """A vendor's HTTP API, spoken safely. See the module docstring for what it takes care of."""

    def __init__(
        self,
        *,
        connector: str,
        base_url: str,
        auth: Credentials | None = None,
        throttle: Throttle | None = None,
        retry: RetryPolicy | None = None,
        conventions: VendorConventions | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.connector = connector
        self.base_url = _validated_base_url(connector, base_url)
        self.auth = auth or NoAuth()
        self.throttle = throttle
        if throttle is not None and throttle.shareable:
            self._share_throttle(throttle)
        self.retry = retry or RetryPolicy()
        self.conventions = conventions or VendorConventions()
        self.max_pages = max_pages
        self._clock = clock
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=self.auth,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "flowbot-connectors/0.1",
                     **(headers or {})},
            follow_redirects=False,
        )

    def _share_throttle(self, throttle: Throttle) -> None:
        """Keep the throttle's model where every process spending from this account meets, when
        configured (`connectors.core.shared_throttle`); otherwise it stays in this process."""
        store = configured_store(self.connector)
        if store is None:
            return
        key = throttle_key(self.connector, self.base_url, throttle.scope, self.auth)
        state = store.state_for(throttle.limit, key, connector=self.connector)
        if state is not None:
            throttle.share(state)

    def __repr__(self) -> str:
        return f"HttpClient(connector={self.connector!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        idempotent: bool | None = None,
    ) -> tuple[httpx.Response, Any]:
        """Send one call, retried only where that is safe; return the response and its JSON.

        `idempotent` defaults to true for reads and for writes that carry an idempotency key;
        pass True for writes that are idempotent by nature (an upsert by an external id).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in SAFE_METHODS or idempotency_key is not None
        all_headers = dict(headers or {})
        if idempotency_key is not None:
            if self.conventions.idempotency_header is None:
                raise ConfigurationError(f"{self.connector} has no idempotency-key header; "
                                         "make the write idempotent by an external id instead",
                                         context=ErrorContext(connector=self.connector))
            all_headers[self.conventions.idempotency_header] = idempotency_key
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._clock.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    result = self._attempt(method, url, params=params, json=json, data=data,
                                           headers=all_headers, idempotent=idempotent)
        except _Retry as exhausted:
            raise exhausted.error from None
        return result

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        failure = outcome.exception() if outcome is not None else None
        if isinstance(failure, _Retry) and failure.retry_after is not None:
            return failure.retry_after
        backoff = wait_fixed(self.retry.initial_backoff_s / 2) + wait_random_exponential(
            multiplier=self.retry.initial_backoff_s, max=self.retry.max_backoff_s)
        return float(backoff(state))

    def _secrets(self) -> list[str]:
        return self.auth.secret_values()

    def _context(self, method: str, url: str, status: int | None = None,
                 body: str = "") -> ErrorContext:
        secrets = self._secrets()
        return ErrorContext(connector=self.connector, method=method, url=scrub(url, secrets),
                            status=status, body=scrub(body, secrets))

    def _attempt(self, method: str, url: str, *, params: Mapping[str, Any] | None, json: Any,
                 data: Mapping[str, Any] | None, headers: Mapping[str, str],
                 idempotent: bool) -> tuple[httpx.Response, Any]:
        if self.throttle is not None:
            self.throttle.acquire()
        full_url = url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"
        try:
            # httpx 0.28 replaces a URL's query with `params`, even an empty one: pass None so
            # that a next-page URL carrying its own query (Link header, next URL) keeps it.
            response = self._http.request(method, url, params=params or None, json=json,
                                          data=data, headers=headers)
        except httpx.TransportError as exc:
            error = TransientError(
                f"{type(exc).__name__}: {scrub(str(exc), self._secrets())} — the vendor could "
                "not be reached or the connection broke; check the base URL and the network",
                context=self._context(method, full_url))
            if safe_to_retry(idempotent=idempotent, exception=exc):
                raise _Retry(error, None) from None
            raise error from None
        except TransientError as exc:
            # An OAuth2 flow's token endpoint failed for a while: the call itself was not sent
            # (or was refused with 401 before it), so repeating it is safe for any method.
            raise _Retry(exc, None) from None
        if self.throttle is not None:
            self.throttle.observe(response)
        return response, self._judge(response, method, idempotent)

    def _judge(self, response: httpx.Response, method: str, idempotent: bool) -> Any:
        status = response.status_code
        url = str(response.request.url)
        if status >= 400:
            failure = self._describe_failure(response)
            error = self._error(failure, method, url, response)
            if status in self.retry.retry_statuses:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > self.retry.max_retry_after_s:
                    raise RateLimited(
                        f"the vendor asked to wait {retry_after:.0f} s, longer than the "
                        f"{self.retry.max_retry_after_s:.0f} s this client waits; try later",
                        context=error.context, retry_after=retry_after)
                if status == 429 and self.throttle is not None:
                    self.throttle.back_off(retry_after or self.retry.initial_backoff_s)
                if safe_to_retry(idempotent=idempotent, status=status):
                    raise _Retry(error, retry_after)
            raise error
        body = self._decode(response, method, url)
        if self.conventions.inspect_success is not None:
            hidden = self.conventions.inspect_success(response, body)
            if hidden is not None:
                error = self._error(hidden, method, url, response)
                if isinstance(error, RateLimited | TransientError) and safe_to_retry(
                        idempotent=idempotent, status=429 if isinstance(error, RateLimited)
                        else response.status_code):
                    raise _Retry(error, parse_retry_after(response.headers.get("Retry-After")))
                raise error
        return body

    def _describe_failure(self, response: httpx.Response) -> Failure:
        error_class = self.conventions.statuses.error_class(response.status_code)
        message = f"{response.reason_phrase or 'error'}"
        field_errors: list[FieldError] = []
        try:
            body = response.json()
        except ValueError:
            body = MISSING
        if body is not MISSING and self.conventions.describe_error is not None:
            described = self.conventions.describe_error(body)
            if described is not None:
                message, field_errors = described
        return Failure(error_class, message, field_errors)

    def _error(self, failure: Failure, method: str, url: str,
               response: httpx.Response) -> ConnectorError:
        context = self._context(method, url, response.status_code, response.text)
        message = scrub(failure.message, self._secrets())
        if issubclass(failure.error, ValidationFailed):
            return failure.error(message, context=context, field_errors=failure.field_errors)
        if issubclass(failure.error, RateLimited):
            return failure.error(message, context=context,
                                 retry_after=parse_retry_after(response.headers.get("Retry-After")))
        return failure.error(message, context=context)

    def _decode(self, response: httpx.Response, method: str, url: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        content_type = response.headers.get("Content-Type", "")
        try:
            if "json" not in content_type:
                raise ValueError(content_type)
            return response.json()
        except ValueError:
            raise ProtocolError(
                f"expected a JSON body but got {content_type or 'no content type'}; the base URL "
                "may point at a web page rather than the API",
                context=self._context(method, url, response.status_code, response.text),
            ) from None

    # -- many pages ----------------------------------------------------------------------------

    def paginate(self, url: str, *, paginator: Paginator, records_path: str,
                 params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Yield every record of a listing, page by page, in the vendor's order.

        Ends in a `ProtocolError`, never silently, when a page breaks the pagination contract,
        when a request repeats (the cursor went in a circle), or after `max_pages` pages.
        """
        request = PageRequest(url, dict(params or {}))
        paginator.init_request(request)
        seen: set[str] = set()
        for page in itertools.count(1):
            if page > self.max_pages:
                raise ProtocolError(
                    f"stopped after {self.max_pages} pages without reaching the end; raise "
                    "max_pages if the listing really is that long",
                    context=self._context("GET", request.url))
            fingerprint = request.fingerprint()
            if fingerprint in seen:
                raise ProtocolError(
                    f"page {page} would repeat an earlier request: the vendor's cursor went in a "
                    "circle; stopping instead of looping",
                    context=self._context("GET", request.url))
            seen.add(fingerprint)
            response, body = self.request("GET", request.url, params=request.params)
            records = dig(body, records_path) if records_path else body
            if not isinstance(records, list):
                found = sorted(body) if isinstance(body, dict) else type(body).__name__
                raise ProtocolError(
                    f"expected a list of records at '{records_path}' on page {page}; found {found}",
                    context=self._context("GET", str(response.request.url), response.status_code,
                                          response.text))
            try:
                paginator.update_state(response, body, records)
            except PaginationError as exc:
                raise ProtocolError(
                    f"page {page} broke the pagination contract: {exc}",
                    context=self._context("GET", str(response.request.url), response.status_code,
                                          response.text)) from None
            yield from records
            if not paginator.has_next_page:
                return
            paginator.update_request(request)
