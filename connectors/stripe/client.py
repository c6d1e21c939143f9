"""The Stripe connector: settings, the two throttled HTTP clients, and the resources.

Stripe limits reads and writes separately (per second, per account), so the connector speaks
through two `HttpClient`s over one transport: one for reads, one for writes, each throttled to its
own limit and each with the retry policy Stripe advises for it. Stripe sends no rate-limit headers,
so both throttles are purely proactive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field, SecretStr, ValidationError

from connectors.core.auth import BearerAuth
from connectors.core.client import HttpClient, VendorConventions
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.core.errors import (
    ErrorContext,
    FieldError,
    NotFound,
    ProtocolError,
    ValidationFailed,
)
from connectors.core.operations import Idempotency, operation
from connectors.core.paginators import StartingAfterPaginator
from connectors.core.ratelimit import LeakyBucket, Throttle
from connectors.core.retry import TRANSIENT_STATUSES, RetryPolicy
from connectors.stripe.errors import as_conflict_if_idempotency_error, describe_stripe_error
from connectors.stripe.form import encode_form
from connectors.stripe.records import (
    Charge,
    Customer,
    CustomerInput,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)

LIVE_MODE_REQUESTS_PER_SECOND = 100.0
"""Stripe's documented basic limit in live mode: 100 reads and 100 writes per second."""
TEST_MODE_REQUESTS_PER_SECOND = 25.0
"""Stripe's documented basic limit in test mode (sandboxes): 25 reads and 25 writes per second."""
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")
MAX_PAGE_SIZE = 100
MAX_IDEMPOTENCY_KEY_LENGTH = 255

PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
"""Records per request: Stripe's `limit`, 1 to 100."""

READ_RETRY = RetryPolicy(retry_statuses=TRANSIENT_STATUSES | {500})
"""Reads are safe to repeat after any server error, a 500 included."""
WRITE_RETRY = RetryPolicy(retry_statuses=TRANSIENT_STATUSES | {409})
"""Keyed writes are retried with the same key after a 409 (the key is in use by a concurrent
request) and 429/502/503/504; not after a 500, which Stripe saves under the key and replays."""

M = TypeVar("M", bound=BaseModel)


class StripeSettings(ConnectorSettings):
    """How to reach Stripe: the secret key, an optional pinned API version, and the limits."""

    base_url: str = "https://api.stripe.com"
    secret_key: SecretStr = Field(description="A secret (sk_…) or restricted (rk_…) API key.")
    api_version: str | None = Field(
        None, description="Sent as Stripe-Version (e.g. '2024-06-20'); None uses the account's "
                          "default version.")
    read_requests_per_second: float | None = Field(
        None, gt=0, description="None: Stripe's documented limit for the key's mode, 100 for live "
                                "keys and 25 for test keys. Stripe's newer pages also name a "
                                "default of 25 per second per endpoint: lower this if a single "
                                "listing meets 429s.")
    write_requests_per_second: float | None = Field(
        None, gt=0, description="None: Stripe's documented limit for the key's mode, 100 for live "
                                "keys and 25 for test keys.")

    def test_mode(self) -> bool:
        """Whether the key is a test-mode key, which Stripe limits more tightly."""
        return self.secret_key.get_secret_value().startswith(TEST_KEY_PREFIXES)

    def _documented_limit(self) -> float:
        return TEST_MODE_REQUESTS_PER_SECOND if self.test_mode() else LIVE_MODE_REQUESTS_PER_SECOND

    def reads_per_second(self) -> float:
        """The read limit the throttle keeps to."""
        return self.read_requests_per_second or self._documented_limit()

    def writes_per_second(self) -> float:
        """The write limit the throttle keeps to."""
        return self.write_requests_per_second or self._documented_limit()


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"invalid {field}", context=ErrorContext(connector="stripe"),
                            field_errors=[FieldError(field, message)])


def _path_id(field: str, value: str) -> str:
    if not value or not value.strip():
        raise _invalid(field, "must be a non-empty Stripe id")
    return quote(value, safe="")


def _parse(model: type[M], raw: Any) -> M:
    """A record from Stripe's JSON, or a ProtocolError naming what Stripe left out."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}"
                             for e in exc.errors()[:5])
        record_id = raw.get("id") if isinstance(raw, dict) else None
        raise ProtocolError(f"Stripe sent a {model.__name__} ({record_id or 'no id'}) the "
                            f"connector cannot read: {problems}",
                            context=ErrorContext(connector="stripe")) from None


def _list_params(page_size: int, *, created_gte: datetime | None = None,
                 created_lte: datetime | None = None, **filters: Any) -> dict[str, str]:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise _invalid("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    created = {op: when for op, when in (("gte", created_gte), ("lte", created_lte))
               if when is not None}
    params: dict[str, Any] = {"limit": page_size,
                              **{k: v for k, v in filters.items() if v is not None}}
    if created:
        params["created"] = created
    try:
        return encode_form(params)
    except ValueError as exc:
        raise _invalid("created", str(exc)) from None


class _StripeResource(Resource):
    """Shared mechanics: paged reads through the read client, form posts through the writer."""

    def __init__(self, client: HttpClient, writer: HttpClient) -> None:
        super().__init__(client)
        self._writer = writer

    def _list(self, path: str, model: type[M], params: Mapping[str, str]) -> Iterator[M]:
        for raw in self._client.paginate(path, paginator=StartingAfterPaginator(),
                                         records_path="data", params=params):
            yield _parse(model, raw)

    def _get(self, path: str, model: type[M]) -> M:
        """One object; a deleted one (Stripe answers 200 and a `deleted: true` stub) is NotFound."""
        response, body = self._client.request("GET", path)
        if isinstance(body, dict) and body.get("deleted") is True:
            raise NotFound(f"{model.__name__} {body.get('id')} was deleted at Stripe",
                           context=ErrorContext(connector="stripe", method="GET",
                                                url=str(response.request.url),
                                                status=response.status_code))
        return _parse(model, body)

    def _post(self, path: str, model: type[M], form: Mapping[str, Any], *,
              idempotency_key: str | None = None, idempotent: bool | None = None) -> M:
        try:
            _, body = self._writer.request("POST", path, data=encode_form(form),
                                           idempotency_key=idempotency_key, idempotent=idempotent)
        except ValidationFailed as exc:
            raise as_conflict_if_idempotency_error(exc) from None
        return _parse(model, body)


class CustomersResource(_StripeResource):
    """Stripe customers: the people and companies you bill."""

    @operation()
    def list(self, *, email: str | None = None, created_gte: datetime | None = None,
             created_lte: datetime | None = None, page_size: PageSize = 100) -> Iterator[Customer]:
        """List customers, newest first, optionally by exact email or creation time.

        `email` is matched exactly and case-sensitively. `created_gte`/`created_lte` are aware
        datetimes (inclusive bounds); use `created_gte` for incremental syncs.
        """
        yield from self._list("/v1/customers", Customer, _list_params(
            page_size, email=email, created_gte=created_gte, created_lte=created_lte))

    @operation()
    def get(self, customer_id: str) -> Customer:
        """Retrieve one customer by id (`cus_…`); NotFound if there is none."""
        return self._get(f"/v1/customers/{_path_id('customer_id', customer_id)}", Customer)

    @operation(writes=True, idempotency=Idempotency.KEY, quirks=(
        "Stripe keeps an idempotency key for at least 24 hours: the same key with the same fields "
        "returns the first customer without creating another; the same key with different "
        "fields is refused with Conflict.",))
    def create(self, customer: CustomerInput, *, idempotency_key: str) -> Customer:
        """Create a customer, exactly once per idempotency key.

        Derive the key from the source record (`idempotency_key("flow:customers.create",
        order.id)`) so a re-run presents the same key and Stripe replays the first result.
        """
        if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise _invalid("idempotency_key",
                           f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
        return self._post("/v1/customers", Customer,
                          customer.model_dump(exclude_unset=True, exclude_none=True),
                          idempotency_key=idempotency_key)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=(
        "An update sets absolute values, so repeating it lands on the same customer state; it is "
        "retried without an idempotency key.",
        "Metadata is merged: keys not sent are kept; a key set to \"\" is removed.",))
    def update(self, customer_id: str, changes: CustomerInput) -> Customer:
        """Update the fields set in `changes` on one customer; a field set to None is cleared."""
        return self._post(f"/v1/customers/{_path_id('customer_id', customer_id)}", Customer,
                          changes.model_dump(exclude_unset=True), idempotent=True)


class InvoicesResource(_StripeResource):
    """Stripe invoices: what a customer owes, and whether it was paid."""

    @operation()
    def list(self, *, customer: str | None = None, status: InvoiceStatus | None = None,
             created_gte: datetime | None = None, created_lte: datetime | None = None,
             page_size: PageSize = 100) -> Iterator[Invoice]:
        """List invoices, newest first, optionally of one customer, in one status, or by time."""
        yield from self._list("/v1/invoices", Invoice, _list_params(
            page_size, customer=customer, status=status, created_gte=created_gte,
            created_lte=created_lte))

    @operation()
    def get(self, invoice_id: str) -> Invoice:
        """Retrieve one invoice by id (`in_…`); NotFound if there is none."""
        return self._get(f"/v1/invoices/{_path_id('invoice_id', invoice_id)}", Invoice)

    @operation()
    def lines(self, invoice_id: str, *, page_size: PageSize = 100) -> Iterator[InvoiceLine]:
        """List every line of one invoice, in the invoice's order.

        An invoice record embeds only Stripe's first page of lines (`lines_has_more` says so);
        this reads them all.
        """
        yield from self._list(f"/v1/invoices/{_path_id('invoice_id', invoice_id)}/lines",
                              InvoiceLine, _list_params(page_size))


class ChargesResource(_StripeResource):
    """Stripe charges: attempts to move money from a customer's payment method."""

    @operation()
    def list(self, *, customer: str | None = None, created_gte: datetime | None = None,
             created_lte: datetime | None = None, page_size: PageSize = 100) -> Iterator[Charge]:
        """List charges, newest first, optionally of one customer or by creation time."""
        yield from self._list("/v1/charges", Charge, _list_params(
            page_size, customer=customer, created_gte=created_gte, created_lte=created_lte))

    @operation()
    def get(self, charge_id: str) -> Charge:
        """Retrieve one charge by id (`ch_…`); NotFound if there is none."""
        return self._get(f"/v1/charges/{_path_id('charge_id', charge_id)}", Charge)


class Stripe(Connector):
    """Stripe's REST API (v1): customers, invoices and charges."""

    name = "stripe"
    title = "Stripe API"
    auth_kind = "bearer"
    rate_limit = ("100 reads and 100 writes per second in live mode, 25 and 25 in test mode "
                  "(token buckets per account); no rate-limit headers, 429 when exceeded")
    pagination = ("cursor: `limit` (1-100) and `starting_after` the last id; the body says "
                  "`has_more`")
    documentation = "https://docs.stripe.com/api"
    settings_model = StripeSettings
    quirks = (
        "Lists are newest first (created descending); `starting_after` walks towards older "
        "records, so records created during a run never shift the pages being read.",
        "Amounts are integers of the currency's smallest unit; records carry Money instead "
        "(1999 USD cents is 19.99 USD, while 500 JPY stays 500: zero-decimal currencies).",
        "Currencies are lower case at Stripe ('usd'); records carry upper-case ISO codes.",
        "Request bodies are form-encoded (`metadata[key]=value`); metadata values are strings "
        "and an empty value unsets a field or a metadata key.",
        "Stripe sends no rate-limit headers: the throttle is purely proactive, at the documented "
        "limits for the key's mode unless the settings say otherwise.",
        "A customer's `email` filter matches exactly and case-sensitively.",
    )

    customers: CustomersResource
    invoices: InvoicesResource
    charges: ChargesResource

    def __init__(self, settings: StripeSettings, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(settings, transport=transport, clock=clock)
        self.client = self._http_client(settings, settings.reads_per_second(), READ_RETRY,
                                        scope="reads")
        self.writer = self._http_client(settings, settings.writes_per_second(), WRITE_RETRY,
                                        scope="writes")
        self.customers = CustomersResource(self.client, self.writer)
        self.invoices = InvoicesResource(self.client, self.writer)
        self.charges = ChargesResource(self.client, self.writer)

    def _http_client(self, settings: StripeSettings, per_second: float,
                     retry: RetryPolicy, *, scope: str) -> HttpClient:
        headers = {"Stripe-Version": settings.api_version} if settings.api_version else {}
        return HttpClient(
            connector=self.name, base_url=settings.base_url,
            auth=BearerAuth(settings.secret_key),
            throttle=Throttle(LeakyBucket.for_client(per_second, per_second), clock=self._clock,
                              scope=scope),
            retry=retry,
            conventions=VendorConventions(describe_error=describe_stripe_error,
                                          idempotency_header="Idempotency-Key"),
            transport=self._transport, headers=headers, clock=self._clock)

    def close(self) -> None:
        """Release both clients' connections."""
        super().close()
        self.writer.close()
