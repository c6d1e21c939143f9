"""The simulated org's objects and fields, record ids, and Salesforce's wire form of values.

The org has Account, Contact and Opportunity with their common standard fields, an `External_Id__c`
on each (unique on Contact and Opportunity, deliberately *not* unique on Account, so an upsert can
match several records and answer 300), and a custom object `Invoice__c` keyed by the unique
external id `Stripe_Invoice_Id__c`. Field names are case-insensitive, as in Salesforce; records
store canonical names and typed values (Decimal, date, aware datetime), and `wire` writes them the
way the REST API does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["id", "string", "email", "currency", "int", "date", "datetime", "reference",
               "picklist"]

ORG_CURRENCIES = ("USD", "EUR", "GBP", "JPY")
"""The simulated multi-currency org's active currencies; USD is the corporate currency."""
INVOICE_STATUSES = ("Draft", "Open", "Paid", "Void", "Uncollectible")
OPPORTUNITY_STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review",
                      "Closed Won", "Closed Lost")

_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@dataclass(frozen=True)
class FieldDef:
    """One field: its type and how Salesforce treats writes to it."""

    kind: Kind = "string"
    required: bool = False
    """Required to create (and may not be set to null)."""
    writable: bool = True
    external_id: bool = False
    unique: bool = False
    reference_to: str | None = None
    values: tuple[str, ...] = ()
    """A restricted picklist's values."""
    label: str = ""


@dataclass(frozen=True)
class ObjectDef:
    """One object: its API name, id prefix and fields (canonical names)."""

    name: str
    key_prefix: str
    fields: dict[str, FieldDef] = field(default_factory=dict)

    def canonical(self, name: str) -> str | None:
        """The field's canonical name for any casing, or None if the object has no such field."""
        lowered = name.lower()
        return next((known for known in self.fields if known.lower() == lowered), None)

    @property
    def external_ids(self) -> tuple[str, ...]:
        """The fields marked External ID."""
        return tuple(name for name, spec in self.fields.items() if spec.external_id)


_SYSTEM = {
    "Id": FieldDef("id", writable=False, label="Record ID"),
    "CreatedDate": FieldDef("datetime", writable=False, label="Created Date"),
    "LastModifiedDate": FieldDef("datetime", writable=False, label="Last Modified Date"),
}
_CURRENCY = {
    "CurrencyIsoCode": FieldDef("picklist", values=ORG_CURRENCIES, label="Currency ISO Code"),
}


def org_objects(*, multi_currency: bool = True) -> dict[str, ObjectDef]:
    """The org's objects by lower-case name; only a multi-currency org has CurrencyIsoCode."""
    system = {**_SYSTEM, **(_CURRENCY if multi_currency else {})}
    return {spec.name.lower(): ObjectDef(spec.name, spec.key_prefix, {**system, **spec.fields})
            for spec in _OBJECTS}


_OBJECTS = (
    ObjectDef("Account", "001", {
        "Name": FieldDef(required=True, label="Account Name"),
        "AccountNumber": FieldDef(), "Type": FieldDef(), "Industry": FieldDef(),
        "Website": FieldDef(), "Phone": FieldDef(), "BillingCity": FieldDef(),
        "BillingCountry": FieldDef(), "AnnualRevenue": FieldDef("currency"),
        "NumberOfEmployees": FieldDef("int"),
        "External_Id__c": FieldDef(external_id=True, label="External Id"),
    }),
    ObjectDef("Contact", "003", {
        "FirstName": FieldDef(), "LastName": FieldDef(required=True, label="Last Name"),
        "Email": FieldDef("email", label="Email"), "Phone": FieldDef(), "Title": FieldDef(),
        "AccountId": FieldDef("reference", reference_to="Account", label="Account ID"),
        "External_Id__c": FieldDef(external_id=True, unique=True, label="External Id"),
    }),
    ObjectDef("Opportunity", "006", {
        "Name": FieldDef(required=True, label="Name"),
        "StageName": FieldDef("picklist", required=True, values=OPPORTUNITY_STAGES,
                              label="Stage"),
        "CloseDate": FieldDef("date", required=True, label="Close Date"),
        "Amount": FieldDef("currency"),
        "AccountId": FieldDef("reference", reference_to="Account", label="Account ID"),
        "External_Id__c": FieldDef(external_id=True, unique=True, label="External Id"),
    }),
    ObjectDef("Invoice__c", "a01", {
        "Name": FieldDef(required=True, label="Invoice Name"),
        "Stripe_Invoice_Id__c": FieldDef(external_id=True, unique=True,
                                         label="Stripe Invoice Id"),
        "Account__c": FieldDef("reference", reference_to="Account", label="Account"),
        "Amount__c": FieldDef("currency"),
        "Status__c": FieldDef("picklist", values=INVOICE_STATUSES, label="Status"),
        "Due_Date__c": FieldDef("date"),
    }),
)


# -- ids ---------------------------------------------------------------------------------------


def id15(prefix: str, number: int) -> str:
    """A 15-character, case-sensitive id: key prefix, a fake pod, and `number` in base 62."""
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = _ID_ALPHABET[rest] + digits
        if number == 0:
            break
    return f"{prefix}5g0{digits.rjust(9, '0')}"


def to_18(record_id: str) -> str:
    """The 18-character, case-insensitive form: three characters encode the capitals' positions."""
    if len(record_id) == 18:
        return record_id
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, char in enumerate(record_id[chunk * 5:chunk * 5 + 5])
                   if "A" <= char <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return record_id + suffix


def looks_like_id(value: str) -> bool:
    """Whether `value` has the shape of a record id (15 or 18 letters and digits)."""
    return len(value) in (15, 18) and value.isascii() and value.isalnum()


# -- values on the wire ------------------------------------------------------------------------


def wire_datetime(moment: datetime) -> str:
    """`2024-01-15T10:00:00.000+0000`: how the REST API writes every dateTime."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


def wire(value: Any) -> Any:
    """A stored value as the REST API sends it."""
    if isinstance(value, datetime):
        return wire_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
