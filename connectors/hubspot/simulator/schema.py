"""The simulated HubSpot account's property schema, and HubSpot's checks of written values.

Every object type has a fixed set of properties (HubSpot's defaults plus a few custom ones an
integration would create, such as the unique `shopify_order_id` on deals). Writes are checked the
way HubSpot checks them: an unknown name is PROPERTY_DOESNT_EXIST, a calculated one READ_ONLY_VALUE,
and numbers, datetimes, emails and enumerations must be valid. Values are stored as HubSpot's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

Kind = Literal["string", "number", "datetime", "enumeration", "email"]

LIFECYCLE_STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
                    "opportunity", "customer", "evangelist", "other")
DEAL_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
               "decisionmakerboughtin", "contractsent", "closedwon", "closedlost")
"""The stage ids of HubSpot's default sales pipeline."""
ACCOUNT_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")
"""The simulated account's currencies; USD is its company currency."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class PropertyDef:
    """One property: its type, and whether HubSpot keeps its values unique or computes it."""

    kind: Kind = "string"
    unique: bool = False
    read_only: bool = False
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectSchema:
    """The properties of one object type and how HubSpot names and treats it."""

    object_type: str
    label: str
    """As in messages: `Contact already exists`."""
    code: str
    """As in `Error creating DEAL`."""
    modified_property: str
    defaults: tuple[str, ...]
    """Returned by reads that name no properties."""
    required: tuple[str, ...] = ()
    create_defaults: dict[str, str] = field(default_factory=dict)
    """Values HubSpot fills in on a create that does not set them."""
    properties: dict[str, PropertyDef] = field(default_factory=dict)

    @property
    def unique_properties(self) -> tuple[str, ...]:
        """The properties that may serve as an upsert's idProperty."""
        return tuple(name for name, spec in self.properties.items() if spec.unique)


_ALWAYS = {"hs_object_id": PropertyDef("number", read_only=True),
           "createdate": PropertyDef("datetime")}

SCHEMAS: dict[str, ObjectSchema] = {
    "contacts": ObjectSchema(
        "contacts", "Contact", "CONTACT", "lastmodifieddate",
        defaults=("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                  "lastname"),
        properties={
            **_ALWAYS,
            "lastmodifieddate": PropertyDef("datetime", read_only=True),
            "email": PropertyDef("email", unique=True),
            **{name: PropertyDef() for name in (
                "firstname", "lastname", "company", "phone", "mobilephone", "jobtitle", "website",
                "address", "city", "state", "zip", "country", "hubspot_owner_id")},
            "lifecyclestage": PropertyDef("enumeration", options=LIFECYCLE_STAGES),
            "shopify_customer_id": PropertyDef(unique=True),
        }),
    "companies": ObjectSchema(
        "companies", "Company", "COMPANY", "hs_lastmodifieddate",
        defaults=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
        properties={
            **_ALWAYS,
            "hs_lastmodifieddate": PropertyDef("datetime", read_only=True),
            **{name: PropertyDef() for name in (
                "name", "domain", "phone", "website", "city", "state", "country", "industry",
                "description", "hubspot_owner_id")},
            "numberofemployees": PropertyDef("number"),
            "annualrevenue": PropertyDef("number"),
            "erp_company_id": PropertyDef(unique=True),
        }),
    "deals": ObjectSchema(
        "deals", "Deal", "DEAL", "hs_lastmodifieddate",
        defaults=("amount", "closedate", "createdate", "dealname", "dealstage",
                  "hs_lastmodifieddate", "hs_object_id", "pipeline"),
        required=("dealname", "dealstage"),
        create_defaults={"pipeline": "default"},
        properties={
            **_ALWAYS,
            "hs_lastmodifieddate": PropertyDef("datetime", read_only=True),
            "dealname": PropertyDef(),
            "amount": PropertyDef("number"),
            "deal_currency_code": PropertyDef("enumeration", options=ACCOUNT_CURRENCIES),
            "dealstage": PropertyDef("enumeration", options=DEAL_STAGES),
            "pipeline": PropertyDef("enumeration", options=("default",)),
            "closedate": PropertyDef("datetime"),
            "description": PropertyDef(),
            "hubspot_owner_id": PropertyDef(),
            "shopify_order_id": PropertyDef(unique=True),
            "shopify_order_name": PropertyDef(),
        }),
}


def instant_text(moment: datetime) -> str:
    """A UTC time as HubSpot writes it (Java's Instant): milliseconds only when there are any."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 time with a zone, or epoch milliseconds, as HubSpot accepts them; else None."""
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Invalid:
    """One refused property value, as HubSpot lists it."""

    name: str
    code: str
    message: str


def check_value(schema: ObjectSchema, name: str, value: str) -> tuple[str, Invalid | None]:
    """The text to store for `name`, or why HubSpot refuses it. An empty value clears."""
    spec = schema.properties.get(name)
    if spec is None:
        return value, Invalid(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
    if spec.read_only:
        return value, Invalid(name, "READ_ONLY_VALUE",
                              f'"{name}" is a calculated property; its value cannot be set.')
    if value == "" or spec.kind == "string":
        return value, None
    if spec.kind == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            return value, Invalid(name, "INVALID_DOUBLE", f"{value} was not a valid number.")
        return value, None
    if spec.kind == "datetime":
        moment = parse_datetime(value)
        if moment is None:
            return value, Invalid(name, "INVALID_DATE", f"{value} was not a valid date or time.")
        return instant_text(moment), None
    if spec.kind == "email":
        if not _EMAIL.fullmatch(value):
            return value, Invalid(name, "INVALID_EMAIL", f"Email address {value} is invalid")
        return value, None
    if value not in spec.options:
        return value, Invalid(name, "INVALID_OPTION", f"{value} was not one of the allowed "
                                                      f"options: [{', '.join(spec.options)}]")
    return value, None
