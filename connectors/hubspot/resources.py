"""The operations flows call: `crm.contacts`, `crm.companies`, `crm.deals`.

Each resource spells out its operations with its own record and input types, so the catalog (and
the validator) sees `deals.upsert(deal: DealInput, *, id_property: str) -> Deal`, not a generic.
The mechanics live in `objects.CrmObjects`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Annotated

from pydantic import Field

from connectors.core.client import HttpClient
from connectors.core.connector import Resource
from connectors.core.operations import Idempotency, operation
from connectors.hubspot.objects import CrmObjects
from connectors.hubspot.records import (
    Company,
    CompanyInput,
    Contact,
    ContactInput,
    Deal,
    DealInput,
)

PageSize = Annotated[int, Field(ge=1, le=100)]
"""Records per request; HubSpot allows at most 100."""

CREATE_QUIRKS = (
    "Not idempotent: each call creates a record, and a call that fails after HubSpot received "
    "it is not retried. Prefer upsert on a unique property in flows that may run again.",
)
UPDATE_QUIRKS = (
    "Idempotent by nature, not by key: it sets the given values on one existing record, so a "
    "repeat changes nothing more and the connector retries it after a dropped connection. A "
    "retry re-applies the values, overwriting a change another writer made in between.",
    "Never creates: an id (or id_property value) that matches no record is NotFound.",
)
UPSERT_QUIRKS = (
    "id_property must be a property defined in HubSpot with unique values (email for contacts, "
    "or a custom unique property such as shopify_order_id); the record must set it.",
    "Repeating it lands on the same record: creates it the first time, updates it afterwards.",
)
UPSERT_MANY_QUIRKS = (
    *UPSERT_QUIRKS,
    "Sent in batches of 100; if a later batch fails the earlier ones stay written (repeating the "
    "whole call is safe). Results come back in the order of the inputs.",
)


class ContactsResource(Resource):
    """HubSpot contacts (`/crm/v3/objects/contacts`): people, unique by email."""

    def __init__(self, client: HttpClient) -> None:
        super().__init__(client)
        self._objects = CrmObjects(client, Contact)

    @operation()
    def list(self, *, properties: builtins.list[str] | None = None,
             page_size: PageSize = 100) -> Iterator[Contact]:
        """List every contact, oldest id first.

        `properties` names further (custom) properties to fetch into `Contact.properties`; the
        typed fields are always fetched.
        """
        return self._objects.iterate(properties, page_size)

    @operation()
    def get(self, contact_id: str, *, id_property: str | None = None,
            properties: builtins.list[str] | None = None) -> Contact:
        """Get one contact by HubSpot id, or by a unique property (`id_property="email"`)."""
        return self._objects.get(contact_id, id_property, properties)

    @operation(writes=True, idempotency=Idempotency.NONE,
               quirks=(*CREATE_QUIRKS, "An email another contact has is a Conflict "
                                       "('Contact already exists. Existing ID: …')."))
    def create(self, contact: ContactInput) -> Contact:
        """Create a contact."""
        return self._objects.create(contact)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, contact_id: str, contact: ContactInput, *,
               id_property: str | None = None) -> Contact:
        """Set properties of an existing contact, found by id or by a unique property."""
        return self._objects.update(contact_id, contact, id_property)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, contact: ContactInput, *, id_property: str) -> Contact:
        """Create or update the contact whose `id_property` (e.g. email) has the input's value."""
        return self._objects.upsert([contact], id_property)[0]

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, contacts: builtins.list[ContactInput], *,
                    id_property: str) -> builtins.list[Contact]:
        """Create or update many contacts by a unique property, 100 per request."""
        return self._objects.upsert(contacts, id_property)


class CompaniesResource(Resource):
    """HubSpot companies (`/crm/v3/objects/companies`)."""

    def __init__(self, client: HttpClient) -> None:
        super().__init__(client)
        self._objects = CrmObjects(client, Company)

    @operation()
    def list(self, *, properties: builtins.list[str] | None = None,
             page_size: PageSize = 100) -> Iterator[Company]:
        """List every company, oldest id first.

        `properties` names further (custom) properties to fetch into `Company.properties`; the
        typed fields are always fetched.
        """
        return self._objects.iterate(properties, page_size)

    @operation()
    def get(self, company_id: str, *, id_property: str | None = None,
            properties: builtins.list[str] | None = None) -> Company:
        """Get one company by HubSpot id, or by a unique property."""
        return self._objects.get(company_id, id_property, properties)

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=CREATE_QUIRKS)
    def create(self, company: CompanyInput) -> Company:
        """Create a company."""
        return self._objects.create(company)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, company_id: str, company: CompanyInput, *,
               id_property: str | None = None) -> Company:
        """Set properties of an existing company, found by id or by a unique property."""
        return self._objects.update(company_id, company, id_property)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, company: CompanyInput, *, id_property: str) -> Company:
        """Create or update the company whose unique `id_property` has the input's value."""
        return self._objects.upsert([company], id_property)[0]

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, companies: builtins.list[CompanyInput], *,
                    id_property: str) -> builtins.list[Company]:
        """Create or update many companies by a unique property, 100 per request."""
        return self._objects.upsert(companies, id_property)


class DealsResource(Resource):
    """HubSpot deals (`/crm/v3/objects/deals`): dealname and dealstage are required to create."""

    def __init__(self, client: HttpClient) -> None:
        super().__init__(client)
        self._objects = CrmObjects(client, Deal)

    @operation()
    def list(self, *, properties: builtins.list[str] | None = None,
             page_size: PageSize = 100) -> Iterator[Deal]:
        """List every deal, oldest id first.

        `properties` names further (custom) properties to fetch into `Deal.properties`; the
        typed fields are always fetched.
        """
        return self._objects.iterate(properties, page_size)

    @operation()
    def get(self, deal_id: str, *, id_property: str | None = None,
            properties: builtins.list[str] | None = None) -> Deal:
        """Get one deal by HubSpot id, or by a unique property such as shopify_order_id."""
        return self._objects.get(deal_id, id_property, properties)

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=CREATE_QUIRKS)
    def create(self, deal: DealInput) -> Deal:
        """Create a deal."""
        return self._objects.create(deal)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, deal_id: str, deal: DealInput, *, id_property: str | None = None) -> Deal:
        """Set properties of an existing deal, found by id or by a unique property."""
        return self._objects.update(deal_id, deal, id_property)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, deal: DealInput, *, id_property: str) -> Deal:
        """Create or update the deal whose unique `id_property` has the input's value."""
        return self._objects.upsert([deal], id_property)[0]

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, deals: builtins.list[DealInput], *,
                    id_property: str) -> builtins.list[Deal]:
        """Create or update many deals by a unique property, 100 per request."""
        return self._objects.upsert(deals, id_property)
