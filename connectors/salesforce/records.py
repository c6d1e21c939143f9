"""Salesforce records as flows see them (inputs are in `inputs.py`).

Fields keep Salesforce's API names (`Name`, `CloseDate`, `Stripe_Invoice_Id__c`), so a mapping
reads the same in a spec, a flow, a SOQL query and Salesforce's Setup. Values are normalised:
ids are strings (the REST API always sends the 18-character form), `dateTime` fields
(`2024-01-15T10:00:00.000+0000`) are aware UTC datetimes, `date` fields are dates, and currency
fields are exact Decimals beside `CurrencyIsoCode` — which only multi-currency orgs have; in a
single-currency org every amount is in the org's corporate currency and `CurrencyIsoCode` is None.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

from connectors.core.records import Record, StrId, UtcDateTime, to_decimal

SALESFORCE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}")
"""The one form in which the REST API writes a dateTime value."""


def exact_json_number(value: Decimal) -> float | int:
    """A Decimal as a JSON number, refusing one that a float would not carry exactly."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"{value} has more digits than Salesforce's JSON number can carry exactly")
    return as_float


def _sendable(value: Decimal) -> Decimal:
    exact_json_number(value)
    return value


SfAmount = Annotated[Decimal, BeforeValidator(to_decimal), AfterValidator(_sendable),
                     PlainSerializer(exact_json_number, return_type=float)]
"""A currency or number field: an exact Decimal, sent as a JSON number only if it stays exact."""


def normalise_value(value: Any) -> Any:
    """A raw JSON value as flows see it: fractions as Decimal, dateTimes as UTC datetimes.

    Used for the fields of `SObjectRecord`, whose types are not known in advance. Integers, text,
    booleans and dates (`2024-03-31`) stay as they are; nested records are normalised too.
    """
    if isinstance(value, float):
        return to_decimal(value)
    if isinstance(value, str) and SALESFORCE_DATETIME.fullmatch(value):
        return datetime.fromisoformat(f"{value[:-2]}:{value[-2:]}").astimezone(UTC)
    if isinstance(value, dict):
        return {key: normalise_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_value(item) for item in value]
    return value


# -- records -----------------------------------------------------------------------------------


class SObjectAttributes(BaseModel):
    """The `attributes` Salesforce puts on every record: its object type and REST URL."""

    model_config = ConfigDict(frozen=True)

    type: str
    url: str | None = None


class SObjectRecord(Record):
    """Any record a SOQL query returns: `attributes`, `Id` when selected, and the selected fields.

    The selected fields are kept under their API names with values normalised by a fixed rule:
    numbers with a fraction become Decimal, text in Salesforce's dateTime form becomes an aware
    UTC datetime, everything else is kept as Salesforce sent it.
    """

    attributes: SObjectAttributes
    Id: StrId | None = None

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {key: value if key == "attributes" else normalise_value(value)
                for key, value in super()._reshape(data).items()}


class SObject(Record):
    """Fields every typed Salesforce record has."""

    sobject_type: ClassVar[str]
    """The object's API name in URLs and SOQL (`Account`, `Invoice__c`)."""
    external_id_fields: ClassVar[tuple[str, ...]]
    """The fields marked External ID on this object (in the simulator's org)."""

    Id: StrId = Field(description="The 18-character record id.")
    CreatedDate: UtcDateTime
    LastModifiedDate: UtcDateTime

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Fields the model does not name (custom ones) are normalised as in SObjectRecord."""
        return {key: value if key in cls.model_fields or key == "attributes"
                else normalise_value(value) for key, value in super()._reshape(data).items()}

    @classmethod
    def soql_fields(cls) -> tuple[str, ...]:
        """The fields a typed read selects: every field this model names."""
        return tuple(cls.model_fields)


class AccountFields(BaseModel):
    """The Account fields this connector types, declared once for the record and the input; each
    narrows `Name`, which a record always has and a create needs."""

    sobject_type: ClassVar[str] = "Account"

    Name: str | None = None
    AccountNumber: str | None = None
    Type: str | None = None
    Industry: str | None = None
    Website: str | None = None
    Phone: str | None = None
    BillingCity: str | None = None
    BillingCountry: str | None = None
    AnnualRevenue: SfAmount | None = Field(default=None, description="In CurrencyIsoCode.")
    NumberOfEmployees: int | None = None
    CurrencyIsoCode: str | None = Field(default=None, description="Multi-currency orgs only.")
    External_Id__c: str | None = Field(default=None, description="External ID (not unique).")


class Account(AccountFields, SObject):
    """A Salesforce Account: a company or organisation."""

    external_id_fields: ClassVar[tuple[str, ...]] = ("External_Id__c",)

    Name: str


class Contact(SObject):
    """A Salesforce Contact: a person, usually at an Account."""

    sobject_type: ClassVar[str] = "Contact"
    external_id_fields: ClassVar[tuple[str, ...]] = ("External_Id__c",)

    FirstName: str | None = None
    LastName: str
    Email: str | None = None
    Phone: str | None = None
    Title: str | None = None
    AccountId: StrId | None = None
    External_Id__c: str | None = Field(default=None, description="External ID, unique.")


class Opportunity(SObject):
    """A Salesforce Opportunity: a pending or closed deal with an Account."""

    sobject_type: ClassVar[str] = "Opportunity"
    external_id_fields: ClassVar[tuple[str, ...]] = ("External_Id__c",)

    Name: str
    StageName: str
    CloseDate: date
    Amount: SfAmount | None = Field(default=None, description="In CurrencyIsoCode.")
    CurrencyIsoCode: str | None = Field(default=None, description="Multi-currency orgs only.")
    AccountId: StrId | None = None
    External_Id__c: str | None = Field(default=None, description="External ID, unique.")


class Invoice(SObject):
    """An `Invoice__c` custom record, keyed by the Stripe invoice it mirrors."""

    sobject_type: ClassVar[str] = "Invoice__c"
    external_id_fields: ClassVar[tuple[str, ...]] = ("Stripe_Invoice_Id__c",)

    Name: str
    Stripe_Invoice_Id__c: str | None = Field(default=None, description="External ID, unique.")
    Account__c: StrId | None = Field(default=None, description="Lookup to Account.")
    Amount__c: SfAmount | None = Field(default=None, description="In CurrencyIsoCode.")
    CurrencyIsoCode: str | None = Field(default=None, description="Multi-currency orgs only.")
    Status__c: str | None = None
    Due_Date__c: date | None = None


class RecordError(BaseModel):
    """One error Salesforce reported for one record of a batch."""

    model_config = ConfigDict(frozen=True)

    status_code: str = Field(description="Salesforce's code, e.g. REQUIRED_FIELD_MISSING.")
    message: str
    fields: list[str] = Field(default_factory=list)


class SaveResult(Record):
    """What a create answers: the new record's id."""

    id: StrId


class UpsertResult(Record):
    """What an upsert by external id answers: the record's id and whether it was created.

    After a retried call (a dropped connection), `created` describes the last attempt: a record
    the first attempt created shows `created=False`.
    """

    id: StrId
    created: bool


class UpsertOutcome(Record):
    """The result for one record of `upsert_many`, in input order."""

    external_id: str = Field(description="The record's external id value, from the input.")
    success: bool
    id: StrId | None = None
    created: bool | None = None
    errors: list[RecordError] = Field(default_factory=list)
