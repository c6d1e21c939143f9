"""The inputs flows write to Salesforce.

Inputs forbid unknown fields (a misspelt field is refused before anything is sent), leave out
fields that were not set (PATCH semantics: an unset field is not touched, an explicit None clears
it), and take org-specific custom fields through `custom_fields`, whose names must end in `__c`.
Currency fields are exact Decimals, sent as JSON numbers only when a number carries them exactly.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from connectors.core.records import StrId
from connectors.salesforce.records import AccountFields, SfAmount, exact_json_number

CUSTOM_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]*__c")
"""A custom field's API name: letters, digits and underscores, ending in `__c`."""


def _check_custom_fields(values: dict[str, Any]) -> dict[str, Any]:
    for name, value in values.items():
        if not CUSTOM_FIELD.fullmatch(name):
            raise ValueError(f"{name!r} is not a custom field's API name (letters, digits and "
                             "underscores ending in '__c'); standard fields are typed on the "
                             "input")
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError(f"{name}: the datetime has no timezone; refusing to guess one")
        if isinstance(value, Decimal):
            exact_json_number(value)
    return values


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return exact_json_number(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


CustomFields = Annotated[
    dict[str, str | bool | int | Decimal | datetime | date | None],
    AfterValidator(_check_custom_fields),
    PlainSerializer(lambda values: {name: _json_value(v) for name, v in values.items()},
                    return_type=dict[str, Any]),
]
"""Org-specific custom fields by API name (`Region__c`) with their values."""


class SObjectInput(BaseModel):
    """Base of every input: unknown fields refused; custom fields by `__c` name."""

    model_config = ConfigDict(extra="forbid")

    sobject_type: ClassVar[str]

    custom_fields: CustomFields = Field(
        default_factory=dict,
        description="Org-specific custom fields by API name (ending in __c).")

    def body(self, *, without: str | None = None) -> dict[str, Any]:
        """The JSON body: set fields only, custom fields merged in, `without` left out."""
        fields: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        custom = fields.pop("custom_fields", {})
        merged = {**fields, **custom}
        merged.pop(without or "", None)
        return merged

    def value_of(self, field: str) -> Any:
        """The value set for `field` (typed or custom), or None."""
        if field in type(self).model_fields:
            return getattr(self, field)
        return self.custom_fields.get(field)


class AccountInput(AccountFields, SObjectInput):
    """Fields to write to an Account. Name is required to create one."""

    Name: str | None = Field(default=None, description="Required to create.")


class ContactInput(SObjectInput):
    """Fields to write to a Contact. LastName is required to create one."""

    sobject_type: ClassVar[str] = "Contact"

    FirstName: str | None = None
    LastName: str | None = Field(default=None, description="Required to create.")
    Email: str | None = None
    Phone: str | None = None
    Title: str | None = None
    AccountId: StrId | None = None
    External_Id__c: str | None = None


class OpportunityInput(SObjectInput):
    """Fields to write to an Opportunity. Name, StageName and CloseDate are required to create."""

    sobject_type: ClassVar[str] = "Opportunity"

    Name: str | None = Field(default=None, description="Required to create.")
    StageName: str | None = Field(default=None, description="Required to create.")
    CloseDate: date | None = Field(default=None, description="Required to create.")
    Amount: SfAmount | None = None
    CurrencyIsoCode: str | None = Field(default=None, description="Multi-currency orgs only.")
    AccountId: StrId | None = None
    External_Id__c: str | None = None


InvoiceStatus = Literal["Draft", "Open", "Paid", "Void", "Uncollectible"]
"""The values of the Status__c picklist (Stripe's invoice statuses)."""


class InvoiceInput(SObjectInput):
    """Fields to write to an Invoice__c. Name is required to create one."""

    sobject_type: ClassVar[str] = "Invoice__c"

    Name: str | None = Field(default=None, description="Required to create.")
    Stripe_Invoice_Id__c: str | None = None
    Account__c: StrId | None = None
    Amount__c: SfAmount | None = None
    CurrencyIsoCode: str | None = Field(default=None, description="Multi-currency orgs only.")
    Status__c: InvoiceStatus | None = None
    Due_Date__c: date | None = None
