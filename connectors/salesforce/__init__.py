"""Salesforce (REST API): SOQL queries, and Accounts, Contacts, Opportunities and Invoice__c.

A flow annotates a parameter `sf: Salesforce` and calls `sf.invoices.upsert(invoice,
external_id_field="Stripe_Invoice_Id__c")` or `sf.soql.query("SELECT Id, Name FROM Account")`.
The simulator lives in `connectors.salesforce.simulator`.
"""

from connectors.salesforce.client import Salesforce, SalesforceSettings
from connectors.salesforce.errors import RecordsRejected
from connectors.salesforce.inputs import (
    AccountInput,
    ContactInput,
    InvoiceInput,
    InvoiceStatus,
    OpportunityInput,
    SObjectInput,
)
from connectors.salesforce.records import (
    Account,
    Contact,
    Invoice,
    Opportunity,
    RecordError,
    SaveResult,
    SObjectAttributes,
    SObjectRecord,
    UpsertOutcome,
    UpsertResult,
)

__all__ = [
    "Account",
    "AccountInput",
    "Contact",
    "ContactInput",
    "Invoice",
    "InvoiceInput",
    "InvoiceStatus",
    "Opportunity",
    "OpportunityInput",
    "RecordError",
    "RecordsRejected",
    "SObjectAttributes",
    "SObjectInput",
    "SObjectRecord",
    "Salesforce",
    "SalesforceSettings",
    "SaveResult",
    "UpsertOutcome",
    "UpsertResult",
]
