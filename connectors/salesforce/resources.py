"""The operations flows call: `sf.soql`, `sf.accounts`, `sf.contacts`, `sf.opportunities`,
`sf.invoices`.

Each typed resource spells out its operations with its own record and input types, so the catalog
(and the validator) sees `invoices.upsert(invoice: InvoiceInput, *, external_id_field: str =
"Stripe_Invoice_Id__c") -> UpsertResult`, not a generic. The mechanics live in
`sobjects.SObjects`.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import datetime

from connectors.core.client import HttpClient
from connectors.core.connector import Resource
from connectors.core.operations import Idempotency, operation
from connectors.salesforce.inputs import AccountInput, ContactInput, InvoiceInput, OpportunityInput
from connectors.salesforce.records import (
    Account,
    Contact,
    Invoice,
    Opportunity,
    SaveResult,
    SObjectRecord,
    UpsertOutcome,
    UpsertResult,
)
from connectors.salesforce.sobjects import SObjects, query_records

QUERY_QUIRKS = (
    "Salesforce answers up to 2000 records a batch and a nextRecordsUrl until done is true; the "
    "connector follows it. The results are a snapshot taken when the query ran.",
    "Only the selected fields come back (Id too only if selected). Values are normalised by a "
    "fixed rule: numbers with a fraction become Decimal, Salesforce dateTime text "
    "(2024-01-15T10:00:00.000+0000) becomes a UTC datetime, the rest is kept as sent.",
    "SOQL string literals are single-quoted; escape a quote inside one as \\'. DateTime literals "
    "are unquoted: LastModifiedDate > 2024-01-01T00:00:00Z.",
)
LIST_QUIRKS = (
    "Built on SOQL: SELECT <every typed field> (CurrencyIsoCode only when the settings say the "
    "org is multi-currency) … WHERE LastModifiedDate >= <modified_since "
    "floored to the second> ORDER BY LastModifiedDate. A record changed in the same second as "
    "modified_since may be returned again; upserting it again is harmless.",
    "modified_since must be timezone-aware.",
)
GET_BY_EXTERNAL_ID_QUIRKS = (
    "If several records share the external id value (an external id field not marked Unique), "
    "Salesforce answers 300 Multiple Choices and the connector raises Conflict listing them.",
)
CREATE_QUIRKS = (
    "Not idempotent: each call creates a record, and a call that fails after Salesforce may have "
    "received it is not retried. Prefer upsert by an external id in flows that may run again.",
    "A unique field's value that another record holds is a Conflict (DUPLICATE_VALUE).",
)
UPDATE_QUIRKS = (
    "Idempotent by nature, not by key: it sets the given values on one existing record, so the "
    "connector retries it after a dropped connection. Fields not set on the input are left "
    "alone; a field set to None is cleared.",
    "Never creates: an unknown id is NotFound.",
)
UPSERT_QUIRKS = (
    "PATCH /sobjects/<type>/<external_id_field>/<value>, the value taken from the input's "
    "external_id_field, which must be set. Answers created=true (201) or created=false (200), as "
    "API version 46.0 and later do.",
    "Repeating it lands on the same record, so it is retried after transient failures; after a "
    "retry, created describes the last attempt.",
    "An external id value matching several records is a Conflict (300 Multiple Choices).",
)
UPSERT_MANY_QUIRKS = (
    *UPSERT_QUIRKS[:2],
    "Sent as sObject Collections of at most 200 records (PATCH /composite/sobjects/<type>/"
    "<field>). With all_or_none=False each record stands alone; with all_or_none=True one "
    "failure rolls the whole request back, and at most 200 records are accepted.",
    "If any record is refused the call raises RecordsRejected (a ValidationFailed) naming each "
    "refused record by external id; its `outcomes` hold every record's result in input order.",
)


class SoqlResource(Resource):
    """SOQL queries over any object (`/services/data/vXX.X/query`)."""

    def __init__(self, client: HttpClient, api: str) -> None:
        super().__init__(client)
        self._api = api

    @operation(quirks=QUERY_QUIRKS)
    def query(self, soql: str) -> Iterator[SObjectRecord]:
        """Run a SOQL query and yield every record it returns, in Salesforce's order."""
        return query_records(self._client, self._api, soql)



class AccountsResource(Resource):
    """Salesforce Accounts (`/sobjects/Account`): companies; `External_Id__c` is an external id
    that is NOT unique in the reference org, so an upsert can match several (Conflict)."""

    def __init__(self, client: HttpClient, api: str, *, multi_currency: bool) -> None:
        super().__init__(client)
        self._sobjects = SObjects(client, api, multi_currency=multi_currency, record=Account)

    @operation(quirks=LIST_QUIRKS)
    def list(self, *, modified_since: datetime | None = None,
             limit: int | None = None) -> Iterator[Account]:
        """List accounts, oldest change first; only those modified at or after `modified_since`."""
        return self._sobjects.iterate(modified_since, limit)

    @operation()
    def get(self, record_id: str) -> Account:
        """Get one account by its 15- or 18-character id."""
        return self._sobjects.get(record_id)

    @operation(quirks=GET_BY_EXTERNAL_ID_QUIRKS)
    def get_by_external_id(self, external_id: str, *,
                           external_id_field: str = "External_Id__c") -> Account:
        """Get the one account whose external id field has the value `external_id`."""
        return self._sobjects.get_by_external_id(external_id_field, external_id)

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=CREATE_QUIRKS)
    def create(self, account: AccountInput) -> SaveResult:
        """Create an account; answers its new id."""
        return self._sobjects.create(account)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, record_id: str, account: AccountInput) -> None:
        """Set the given fields of an existing account, found by id."""
        self._sobjects.update(record_id, account)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, account: AccountInput, *,
               external_id_field: str = "External_Id__c") -> UpsertResult:
        """Create or update the account whose external id field has the input's value."""
        return self._sobjects.upsert(account, external_id_field)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, accounts: builtins.list[AccountInput], *,
                    external_id_field: str = "External_Id__c",
                    all_or_none: bool = False) -> builtins.list[UpsertOutcome]:
        """Create or update many accounts by external id; results in input order."""
        return self._sobjects.upsert_many(accounts, external_id_field, all_or_none)


class ContactsResource(Resource):
    """Salesforce Contacts (`/sobjects/Contact`): people; `External_Id__c` is a unique external
    id."""

    def __init__(self, client: HttpClient, api: str, *, multi_currency: bool) -> None:
        super().__init__(client)
        self._sobjects = SObjects(client, api, multi_currency=multi_currency, record=Contact)

    @operation(quirks=LIST_QUIRKS)
    def list(self, *, modified_since: datetime | None = None,
             limit: int | None = None) -> Iterator[Contact]:
        """List contacts, oldest change first; only those modified at or after `modified_since`."""
        return self._sobjects.iterate(modified_since, limit)

    @operation()
    def get(self, record_id: str) -> Contact:
        """Get one contact by its 15- or 18-character id."""
        return self._sobjects.get(record_id)

    @operation(quirks=GET_BY_EXTERNAL_ID_QUIRKS)
    def get_by_external_id(self, external_id: str, *,
                           external_id_field: str = "External_Id__c") -> Contact:
        """Get the one contact whose external id field has the value `external_id`."""
        return self._sobjects.get_by_external_id(external_id_field, external_id)

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=CREATE_QUIRKS)
    def create(self, contact: ContactInput) -> SaveResult:
        """Create a contact; answers its new id."""
        return self._sobjects.create(contact)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, record_id: str, contact: ContactInput) -> None:
        """Set the given fields of an existing contact, found by id."""
        self._sobjects.update(record_id, contact)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, contact: ContactInput, *,
               external_id_field: str = "External_Id__c") -> UpsertResult:
        """Create or update the contact whose external id field has the input's value."""
        return self._sobjects.upsert(contact, external_id_field)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, contacts: builtins.list[ContactInput], *,
                    external_id_field: str = "External_Id__c",
                    all_or_none: bool = False) -> builtins.list[UpsertOutcome]:
        """Create or update many contacts by external id; results in input order."""
        return self._sobjects.upsert_many(contacts, external_id_field, all_or_none)


class OpportunitiesResource(Resource):
    """Salesforce Opportunities (`/sobjects/Opportunity`): deals; `External_Id__c` is a unique
    external id."""

    def __init__(self, client: HttpClient, api: str, *, multi_currency: bool) -> None:
        super().__init__(client)
        self._sobjects = SObjects(client, api, multi_currency=multi_currency, record=Opportunity)

    @operation(quirks=LIST_QUIRKS)
    def list(self, *, modified_since: datetime | None = None,
             limit: int | None = None) -> Iterator[Opportunity]:
        """List opportunities, oldest change first; only those modified since `modified_since`."""
        return self._sobjects.iterate(modified_since, limit)

    @operation()
    def get(self, record_id: str) -> Opportunity:
        """Get one opportunity by its 15- or 18-character id."""
        return self._sobjects.get(record_id)

    @operation(quirks=GET_BY_EXTERNAL_ID_QUIRKS)
    def get_by_external_id(self, external_id: str, *,
                           external_id_field: str = "External_Id__c") -> Opportunity:
        """Get the one opportunity whose external id field has the value `external_id`."""
        return self._sobjects.get_by_external_id(external_id_field, external_id)

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=CREATE_QUIRKS)
    def create(self, opportunity: OpportunityInput) -> SaveResult:
        """Create an opportunity; answers its new id."""
        return self._sobjects.create(opportunity)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, record_id: str, opportunity: OpportunityInput) -> None:
        """Set the given fields of an existing opportunity, found by id."""
        self._sobjects.update(record_id, opportunity)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, opportunity: OpportunityInput, *,
               external_id_field: str = "External_Id__c") -> UpsertResult:
        """Create or update the opportunity whose external id field has the input's value."""
        return self._sobjects.upsert(opportunity, external_id_field)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, opportunities: builtins.list[OpportunityInput], *,
                    external_id_field: str = "External_Id__c",
                    all_or_none: bool = False) -> builtins.list[UpsertOutcome]:
        """Create or update many opportunities by external id; results in input order."""
        return self._sobjects.upsert_many(opportunities, external_id_field, all_or_none)


class InvoicesResource(Resource):
    """The custom object `Invoice__c` (`/sobjects/Invoice__c`), keyed by the unique external id
    `Stripe_Invoice_Id__c`."""

    def __init__(self, client: HttpClient, api: str, *, multi_currency: bool) -> None:
        super().__init__(client)
        self._sobjects = SObjects(client, api, multi_currency=multi_currency, record=Invoice)

    @operation(quirks=LIST_QUIRKS)
    def list(self, *, modified_since: datetime | None = None,
             limit: int | None = None) -> Iterator[Invoice]:
        """List invoices, oldest change first; only those modified at or after `modified_since`."""
        return self._sobjects.iterate(modified_since, limit)

    @operation()
    def get(self, record_id: str) -> Invoice:
        """Get one invoice by its 15- or 18-character id."""
        return self._sobjects.get(record_id)

    @operation(quirks=GET_BY_EXTERNAL_ID_QUIRKS)
    def get_by_external_id(self, external_id: str, *,
                           external_id_field: str = "Stripe_Invoice_Id__c") -> Invoice:
        """Get the one invoice whose external id field has the value `external_id`."""
        return self._sobjects.get_by_external_id(external_id_field, external_id)

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=CREATE_QUIRKS)
    def create(self, invoice: InvoiceInput) -> SaveResult:
        """Create an invoice; answers its new id."""
        return self._sobjects.create(invoice)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPDATE_QUIRKS)
    def update(self, record_id: str, invoice: InvoiceInput) -> None:
        """Set the given fields of an existing invoice, found by id."""
        self._sobjects.update(record_id, invoice)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_QUIRKS)
    def upsert(self, invoice: InvoiceInput, *,
               external_id_field: str = "Stripe_Invoice_Id__c") -> UpsertResult:
        """Create or update the invoice whose external id field has the input's value."""
        return self._sobjects.upsert(invoice, external_id_field)

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=UPSERT_MANY_QUIRKS)
    def upsert_many(self, invoices: builtins.list[InvoiceInput], *,
                    external_id_field: str = "Stripe_Invoice_Id__c",
                    all_or_none: bool = False) -> builtins.list[UpsertOutcome]:
        """Create or update many invoices by external id; results in input order."""
        return self._sobjects.upsert_many(invoices, external_id_field, all_or_none)
