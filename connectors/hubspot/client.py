"""The HubSpot connector: settings, and the client its resources share.

HubSpot's CRM v3 objects API, reached with a private app's access token. The throttle keeps to the
ten-second rolling limit of private apps and believes HubSpot's `X-HubSpot-RateLimit-Remaining`
(the limit is per account, so other apps in the same account use it up too).
"""

from __future__ import annotations

import httpx
from pydantic import Field, SecretStr

from connectors.core.auth import BearerAuth
from connectors.core.client import HttpClient
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings
from connectors.core.ratelimit import SlidingWindow, Throttle
from connectors.hubspot.errors import CONVENTIONS, RETRY_POLICY, read_remaining
from connectors.hubspot.resources import CompaniesResource, ContactsResource, DealsResource


class HubSpotSettings(ConnectorSettings):
    """Where HubSpot is, the private app's token, and the account's rate limit."""

    base_url: str = "https://api.hubapi.com"
    access_token: SecretStr = Field(description="The private app's access token (pat-…).")
    requests_per_window: int = Field(
        default=100, ge=1,
        description="Requests per rolling window: 100 for private apps, 190 on Professional and "
                    "Enterprise accounts, 250 with the API limit increase.")
    window_seconds: float = Field(default=10.0, gt=0, description="The rolling window's length.")


class HubSpot(Connector):
    """HubSpot CRM: contacts, companies and deals through the v3 objects API."""

    name = "hubspot"
    title = "HubSpot CRM API (v3 objects)"
    auth_kind = "bearer"
    rate_limit = ("Private apps: 100 requests per rolling 10 seconds (190 on Professional and "
                  "Enterprise), shared by every app of the account, plus a daily limit; the "
                  "throttle keeps under it and reads X-HubSpot-RateLimit-Remaining.")
    pagination = ("Cursor: `paging.next.after` in the body, sent back as `?after=`; absent on the "
                  "last page. At most 100 records a page.")
    documentation = "https://developers.hubspot.com/docs/api/crm/understanding-the-crm"
    settings_model = HubSpotSettings
    quirks = (
        "Property values are text in HubSpot; the records type the well-known ones under their "
        "HubSpot names and keep every non-empty property, custom ones included, in `properties`. "
        "An empty string and null both mean 'no value' and become None.",
        "Reads return only the properties asked for; the connector always asks for the typed "
        "fields, and `properties=[...]` fetches custom ones.",
        "HubSpot has no idempotency keys. For writes that may run again, use upsert on a unique "
        "property (email for contacts, or a custom unique property such as shopify_order_id).",
        "Deal amounts are bare numbers; DealInput takes Money and sends its currency as "
        "deal_currency_code, which must be a currency the account has enabled.",
        "Batch answers come in no particular order; upsert_many returns them in input order.",
    )

    contacts: ContactsResource
    companies: CompaniesResource
    deals: DealsResource

    def __init__(self, settings: HubSpotSettings, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(settings, transport=transport, clock=clock)
        window = SlidingWindow.for_client(settings.requests_per_window, settings.window_seconds)
        self.client = HttpClient(
            connector=self.name,
            base_url=settings.base_url,
            auth=BearerAuth(settings.access_token),
            throttle=Throttle(window, read_remaining=read_remaining, clock=clock),
            retry=RETRY_POLICY,
            conventions=CONVENTIONS,
            transport=transport,
            clock=clock,
        )
        self.contacts = ContactsResource(self.client)
        self.companies = CompaniesResource(self.client)
        self.deals = DealsResource(self.client)
