"""Record models with normalised fields, the same for every connector.

Vendors disagree on ids (numbers or strings), timestamps (ISO 8601, epoch seconds or
milliseconds, `+0000` offsets) and money (decimal strings, floats, minor units). Flows see
one shape: ids as strings, timestamps as timezone-aware UTC datetimes, money as `Decimal` with a
currency.
Fields a model does not name are kept (`extra="allow"`), while the named ones are validated.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    field_validator,
    model_validator,
)

ZERO_DECIMAL_CURRENCIES = frozenset({
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
})
"""Currencies without minor units (Stripe's list): 500 JPY is 500, not 5.00."""

_MILLISECONDS_THRESHOLD = 100_000_000_000
_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def to_string_id(value: Any) -> str:
    """An id as a string: `12345` and `"12345"` are the same record."""
    if isinstance(value, bool) or value is None:
        raise ValueError("an id must be a string or an integer")
    if isinstance(value, int | str):
        text = str(value).strip()
        if text:
            return text
    raise ValueError(f"an id must be a non-empty string or an integer, not {value!r}")


def to_utc(value: Any) -> datetime:
    """A timezone-aware UTC datetime from ISO 8601 text, epoch seconds or epoch milliseconds.

    A timestamp without a timezone is refused: guessing its zone is how records drift by hours.
    """
    if isinstance(value, bool):
        raise ValueError("a timestamp cannot be a boolean")
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        if number >= _MILLISECONDS_THRESHOLD:
            number /= 1000
        return datetime.fromtimestamp(number, tz=UTC)
    if isinstance(value, str):
        text = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", value.strip().replace("Z", "+00:00"))
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamp has no timezone; refusing to guess one")
        return value.astimezone(UTC)
    raise ValueError(f"not a timestamp: {value!r}")


def to_decimal(value: Any) -> Decimal:
    """An exact decimal; floats go through their shortest text form, so 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise ValueError("an amount cannot be a boolean")
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not a decimal amount: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return number


StrId = Annotated[str, BeforeValidator(to_string_id)]
"""An identifier, always a non-empty string."""

UtcDateTime = Annotated[datetime, BeforeValidator(to_utc),
                        PlainSerializer(lambda d: d.isoformat(), return_type=str)]
"""A timezone-aware UTC datetime."""

Amount = Annotated[Decimal, BeforeValidator(to_decimal),
                   PlainSerializer(lambda d: str(d), return_type=str)]
"""An exact decimal amount, serialised as a string so no float ever touches it."""


class Money(BaseModel):
    """An amount with its ISO 4217 currency."""

    model_config = ConfigDict(frozen=True)

    amount: Amount
    currency: str

    @field_validator("currency", mode="before")
    @classmethod
    def _currency_code(cls, value: Any) -> str:
        code = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"not an ISO 4217 currency code: {value!r}")
        return code

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """Money from an integer count of the currency's smallest unit (Stripe's `amount`)."""
        code = currency.upper()
        exponent = 0 if code in ZERO_DECIMAL_CURRENCIES else 2
        return cls(amount=Decimal(units).scaleb(-exponent), currency=code)

    def to_minor_units(self) -> int:
        """The amount as an integer of the smallest unit; refuses to round away a fraction."""
        exponent = 0 if self.currency in ZERO_DECIMAL_CURRENCIES else 2
        units = self.amount.scaleb(exponent)
        if units != units.to_integral_value():
            raise ValueError(f"{self.amount} {self.currency} has more precision than the currency")
        return int(units)


class Record(BaseModel):
    """Base of every connector record: named fields validated, unknown ones kept."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    fields_known_at_run_time: ClassVar[bool] = False
    """True for records whose fields are only known at run time (a SQL table's row): the gate
    cannot check their field names against the catalog, and does not."""

    @model_validator(mode="before")
    @classmethod
    def _reshape_mapping(cls, data: Any) -> Any:
        return cls._reshape(data) if isinstance(data, dict) else data  # an instance passes

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The vendor's mapping with the model's field names, before validation: a vendor's
        records override this where the vendor nests fields (HubSpot's `properties`) or sends
        an amount apart from its currency (Stripe's minor units), calling `super()._reshape`."""
        return data
