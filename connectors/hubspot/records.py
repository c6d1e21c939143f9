"""HubSpot CRM records as flows see them, and the inputs flows write.

HubSpot sends every property value as a string (`"1500.00"`, `"2024-05-01T12:00:00Z"`), uses both
`""` and `null` for "no value", and returns only the properties a read asks for. The records below
type the well-known properties under their HubSpot names (`firstname`, `dealstage`), so a mapping
reads the same in a spec, a flow and HubSpot's UI; every other non-empty property — custom ones
included — is kept, as text, in `properties`.

Inputs name the well-known properties as typed fields and take any other property through
`extra_properties`, whose names are checked against HubSpot's naming rule before anything is sent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from connectors.core.records import Amount, Money, Record, StrId, UtcDateTime

PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")
"""HubSpot's internal property names: lower-case letters, digits and underscores, from a letter."""


def check_property_name(name: str) -> str:
    """`name` if it is a valid HubSpot internal property name; a clear ValueError otherwise."""
    if not PROPERTY_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a HubSpot property name: internal names are lower-case letters, "
            "digits and underscores, starting with a letter (the label shown in HubSpot's UI "
            "is not the name)")
    return name


PropertyName = Annotated[str, AfterValidator(check_property_name)]
"""A HubSpot internal property name (`shopify_order_id`), validated."""


def property_text(value: Any) -> str:
    """A typed value as the text HubSpot stores: decimals without exponent, times in UTC ISO."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# -- records -----------------------------------------------------------------------------------


class CrmRecord(Record):
    """A HubSpot CRM object: its id, timestamps, typed well-known properties and all the rest.

    Built from HubSpot's shape (`{"id", "properties": {...}, "createdAt", "updatedAt",
    "archived"}`): each typed field is read from the property of the same name, with `""` and
    null meaning None. A typed field given by name (`Deal(dealname=...)`) is kept, and appears
    in `properties` too.
    """

    object_type: ClassVar[str]
    """HubSpot's object type in URLs (`contacts`)."""
    base_fields: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "updated_at", "archived", "properties"})

    id: StrId = Field(description="HubSpot's record id (the hs_object_id property).")
    created_at: UtcDateTime = Field(alias="createdAt")
    updated_at: UtcDateTime = Field(alias="updatedAt")
    archived: bool = False
    properties: dict[str, str] = Field(
        default_factory=dict,
        description="Every non-empty property HubSpot returned, typed ones and custom ones, as "
                    "HubSpot's text.")

    @classmethod
    def typed_properties(cls) -> tuple[str, ...]:
        """The HubSpot properties this record types as fields; reads always ask for them."""
        return tuple(name for name in cls.model_fields if name not in cls.base_fields)

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Typed properties lifted out of HubSpot's `properties`, every property kept there."""
        data = super()._reshape(data)
        raw = data.get("properties")
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ValueError(f"'properties' must be an object, not {type(raw).__name__}")
        kept = {str(name): value if isinstance(value, str) else str(value)
                for name, value in raw.items() if value is not None and value != ""}
        flat = {key: value for key, value in data.items() if key != "properties"}
        for name in cls.typed_properties():
            given = flat.get(name)
            if given is None or given == "":
                flat[name] = kept.get(name)
            else:  # set by name, as a test or a flow builds a record: keep both views in step
                kept.setdefault(name, property_text(given))
        flat["properties"] = kept
        return flat


class Contact(CrmRecord):
    """A HubSpot contact. HubSpot keeps contacts unique by email (compared case-insensitively)."""

    object_type: ClassVar[str] = "contacts"

    email: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    company: str | None = Field(default=None, description="Company name as typed on the contact.")
    phone: str | None = None
    jobtitle: str | None = None
    lifecyclestage: str | None = Field(
        default=None, description="subscriber, lead, marketingqualifiedlead, "
                                  "salesqualifiedlead, opportunity, customer, evangelist or other.")
    createdate: UtcDateTime | None = None
    lastmodifieddate: UtcDateTime | None = None


class Company(CrmRecord):
    """A HubSpot company."""

    object_type: ClassVar[str] = "companies"

    name: str | None = None
    domain: str | None = Field(default=None, description="Web domain, without scheme: acme.com.")
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    industry: str | None = None
    createdate: UtcDateTime | None = None
    hs_lastmodifieddate: UtcDateTime | None = None


class Deal(CrmRecord):
    """A HubSpot deal.

    HubSpot stores `amount` as a bare number; `deal_currency_code` names its currency, and is None
    when the deal is in the account's company currency (which the record does not say).
    """

    object_type: ClassVar[str] = "deals"

    dealname: str | None = None
    amount: Amount | None = None
    deal_currency_code: str | None = None
    dealstage: str | None = Field(default=None, description="The stage's internal id, e.g. "
                                                            "appointmentscheduled, closedwon.")
    pipeline: str | None = Field(default=None, description="The pipeline's internal id "
                                                           "(`default` for the default one).")
    closedate: UtcDateTime | None = None
    createdate: UtcDateTime | None = None
    hs_lastmodifieddate: UtcDateTime | None = None


# -- inputs ------------------------------------------------------------------------------------


class CrmInput(BaseModel):
    """What a write sends: typed properties, plus any other property in `extra_properties`.

    A field left None is not sent, so an update leaves that property as it is; an empty string
    clears a text property.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    extra_properties: dict[PropertyName, str] = Field(
        default_factory=dict,
        description="Further properties by internal name (custom ones such as shopify_order_id), "
                    "as the text HubSpot stores.")

    @classmethod
    def typed_properties(cls) -> frozenset[str]:
        """The property names this input types as fields (they cannot be extra properties)."""
        return frozenset(cls.model_fields) - {"extra_properties"}

    @model_validator(mode="after")
    def _no_shadowing(self) -> CrmInput:
        shadowed = sorted(set(self.extra_properties) & self.reserved_properties())
        if shadowed:
            raise ValueError(f"set {', '.join(shadowed)} through the typed field, not "
                             "extra_properties")
        return self

    def reserved_properties(self) -> frozenset[str]:
        """Property names only the typed fields may set."""
        return self.typed_properties()

    def to_properties(self) -> dict[str, str]:
        """The properties to send, as HubSpot's text; fields left None are not sent."""
        sent = {name: property_text(value) for name in sorted(self.typed_properties())
                if (value := getattr(self, name)) is not None}
        return {**sent, **self.extra_properties}


class ContactInput(CrmInput):
    """A contact to create or update."""

    email: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    company: str | None = None
    phone: str | None = None
    jobtitle: str | None = None
    lifecyclestage: str | None = None


class CompanyInput(CrmInput):
    """A company to create or update."""

    name: str | None = None
    domain: str | None = None
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    industry: str | None = None


class DealInput(CrmInput):
    """A deal to create or update.

    `amount` is `Money`, so the currency is never guessed: it is sent as `deal_currency_code`
    beside the number (the currency must be one the HubSpot account has enabled).
    """

    dealname: str | None = None
    amount: Money | None = None
    dealstage: str | None = None
    pipeline: str | None = None
    closedate: UtcDateTime | None = None

    def reserved_properties(self) -> frozenset[str]:
        """The typed fields, and the currency code that `amount` sets."""
        return self.typed_properties() | {"deal_currency_code"}

    def to_properties(self) -> dict[str, str]:
        """The properties to send; a `Money` amount becomes `amount` and `deal_currency_code`."""
        properties = super().to_properties()
        if self.amount is not None:
            properties["amount"] = property_text(self.amount.amount)
            properties["deal_currency_code"] = self.amount.currency
        return properties
