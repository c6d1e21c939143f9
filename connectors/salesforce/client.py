"""The Salesforce connector: settings, authentication, and the client its resources share.

Salesforce's REST API (v61.0 by default) at the org's own My Domain URL, with an OAuth2 access
token from `/services/oauth2/token`: the refresh-token grant when a refresh token is configured,
the client-credentials grant otherwise. Salesforce's token answer has no `expires_in` — sessions
end after a period of inactivity — so the token is kept until a call answers 401
INVALID_SESSION_ID, which triggers exactly one new token request and one resend.
"""

from __future__ import annotations

import httpx
from pydantic import Field, SecretStr, field_validator

from connectors.core.auth import Credentials, OAuth2ClientCredentials, OAuth2RefreshToken
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings
from connectors.core.errors import ConfigurationError, ErrorContext
from connectors.salesforce.errors import CONVENTIONS, SalesforceHttpClient
from connectors.salesforce.limits import DailyAllocationThrottle
from connectors.salesforce.resources import (
    AccountsResource,
    ContactsResource,
    InvoicesResource,
    OpportunitiesResource,
    SoqlResource,
)

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a path, not a secret
MIN_API_VERSION = 46.0
"""Upserts answer `created` from 46.0 on, and sObject Collections upsert needs it."""


class SalesforceSettings(ConnectorSettings):
    """Where the org is, the connected app's credentials, and the org's daily API allocation."""

    instance_url: str = Field(
        description="The org's My Domain URL, https://<MyDomainName>.my.salesforce.com. There is "
                    "no default: every org has its own.")
    token_url: str | None = Field(
        default=None,
        description="The OAuth2 token endpoint; by default <instance_url>/services/oauth2/token. "
                    "The refresh-token grant also works at https://login.salesforce.com (or "
                    "test.salesforce.com for sandboxes); the client-credentials grant needs the "
                    "My Domain URL.")
    client_id: str = Field(description="The connected (or external client) app's consumer key.")
    client_secret: SecretStr = Field(description="The app's consumer secret.")
    refresh_token: SecretStr | None = Field(
        default=None,
        description="Set: the refresh-token grant is used. Unset: the client-credentials grant, "
                    "which needs a run-as integration user on the app.")
    api_version: str = Field(default="61.0", description="The REST API version, 46.0 or later.")
    multi_currency: bool = Field(
        default=True,
        description="Whether the org has multi-currency enabled (and so CurrencyIsoCode fields). "
                    "A single-currency org refuses reads that select CurrencyIsoCode: set False.")
    daily_api_allocation: int = Field(
        default=15_000, ge=1,
        description="API requests per rolling 24 hours (15,000 on a Developer Edition). "
                    "Corrected from Salesforce's Sforce-Limit-Info header after the first call.")
    daily_api_reserve: float = Field(
        default=0.05, ge=0.0, lt=1.0,
        description="Fraction of the allocation left for the org's other integrations: requests "
                    "that would eat into it are refused before they are sent.")

    @field_validator("api_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        text = value.strip().removeprefix("v")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"api_version {value!r} is not a version like '61.0'") from None
        if number < MIN_API_VERSION or "." not in text:
            raise ValueError(f"api_version must be {MIN_API_VERSION} or later, like '61.0'")
        return text


def _checked_url(connector: str, name: str, url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = httpx.URL("")
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise ConfigurationError(f"{name} {url!r} is not an http(s) URL with a host",
                                 context=ErrorContext(connector=connector))
    return url


class Salesforce(Connector):
    """Salesforce: SOQL queries, and Accounts, Contacts, Opportunities and Invoice__c records."""

    name = "salesforce"
    title = "Salesforce REST API (v61.0)"
    auth_kind = "oauth2"
    rate_limit = ("No per-second limit. A daily allocation of API requests per org over a "
                  "rolling 24 hours (15,000 on a Developer Edition), shared by all its "
                  "integrations and reported on every answer as Sforce-Limit-Info: "
                  "api-usage=used/allocation. The throttle believes that header and refuses "
                  "(RateLimited, before sending) once only the reserve is left; Salesforce itself "
                  "answers 403 REQUEST_LIMIT_EXCEEDED when it is used up.")
    pagination = ("SOQL results come in batches of up to 2000 with done and nextRecordsUrl "
                  "(/services/data/vXX.X/query/01g…-2000), followed until done is true.")
    documentation = "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/"
    settings_model = SalesforceSettings
    quirks = (
        "auth_kind 'oauth2': the refresh-token grant when refresh_token is set, the "
        "client-credentials grant otherwise. Tokens carry no expiry; a 401 INVALID_SESSION_ID "
        "(the session timed out) leads to exactly one new token and one resend.",
        "Fields use Salesforce's API names (Name, CloseDate, Stripe_Invoice_Id__c). Inputs refuse "
        "unknown fields; org-specific custom fields go in custom_fields by their __c name.",
        "Ids are the 18-character form the REST API sends; get() also takes the 15-character "
        "form.",
        "dateTime values (2024-01-15T10:00:00.000+0000) become UTC datetimes; date fields "
        "(CloseDate) dates; currency fields exact Decimals in CurrencyIsoCode, which only "
        "multi-currency orgs have (in a single-currency org it is None: the corporate currency).",
        "Salesforce has no idempotency keys: writes that may run again should upsert by an "
        "external id field.",
        "Errors are classified by Salesforce's errorCode: REQUEST_LIMIT_EXCEEDED is RateLimited, "
        "DUPLICATE_VALUE Conflict, REQUIRED_FIELD_MISSING / INVALID_FIELD / MALFORMED_QUERY "
        "ValidationFailed naming the fields, NOT_FOUND NotFound.",
    )

    soql: SoqlResource
    accounts: AccountsResource
    contacts: ContactsResource
    opportunities: OpportunitiesResource
    invoices: InvoicesResource

    def __init__(self, settings: SalesforceSettings, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(settings, transport=transport, clock=clock)
        self.client = SalesforceHttpClient(
            connector=self.name,
            base_url=settings.instance_url,
            auth=self._credentials(settings, clock),
            throttle=DailyAllocationThrottle(settings.daily_api_allocation,
                                             reserve=settings.daily_api_reserve,
                                             connector=self.name, clock=clock),
            conventions=CONVENTIONS,
            transport=transport,
            clock=clock,
        )
        api = f"/services/data/v{settings.api_version}"
        currency = settings.multi_currency
        self.soql = SoqlResource(self.client, api)
        self.accounts = AccountsResource(self.client, api, multi_currency=currency)
        self.contacts = ContactsResource(self.client, api, multi_currency=currency)
        self.opportunities = OpportunitiesResource(self.client, api, multi_currency=currency)
        self.invoices = InvoicesResource(self.client, api, multi_currency=currency)

    def _credentials(self, settings: SalesforceSettings, clock: Clock) -> Credentials:
        base = _checked_url(self.name, "instance_url", settings.instance_url).rstrip("/")
        token_url = _checked_url(self.name, "token_url", settings.token_url or base + TOKEN_PATH)
        if settings.refresh_token is not None:
            return OAuth2RefreshToken(token_url=token_url, client_id=settings.client_id,
                                      client_secret=settings.client_secret,
                                      refresh_token=settings.refresh_token,
                                      connector=self.name, clock=clock)
        return OAuth2ClientCredentials(token_url=token_url, client_id=settings.client_id,
                                       client_secret=settings.client_secret,
                                       connector=self.name, clock=clock)
