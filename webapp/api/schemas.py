"""What the API takes and gives, as pydantic models: the same models validate requests and
write the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    WithJsonSchema,
    field_validator,
)

TIME_ZONES = frozenset(available_timezones())
# Text without control characters: PostgreSQL refuses NUL, and the rest has no place in a name.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def _address(value: str) -> str:
    """A syntactically valid address on a domain mail can reach, or `.test` (RFC 6761) so a shop
    can place test orders; no DNS lookup."""
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not an e-mail address: {error}") from None


Email = Annotated[
    str,
    AfterValidator(_address),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 320}),
]


def _in_utc(value: datetime) -> datetime:
    """Refuse a local time whose UTC moment is outside what a date holds (year 1 at +14:00)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the moment in UTC falls outside the years 1 to 9999") from None


PlacedAt = Annotated[AwareDatetime, AfterValidator(_in_utc)]
TimeZone = Annotated[str, Field(json_schema_extra={"enum": sorted(TIME_ZONES)})]


def text(min_length: int = 0, max_length: int = 200, **field) -> Any:
    return Field(min_length=min_length, max_length=max_length, pattern=PRINTABLE, **field)


class Strict(BaseModel):
    """Unknown fields are refused, so a misspelt one is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ItemIn(Strict):
    sku: str = text(1, 64)
    title: str = text(1, 200)
    quantity: int = Field(default=1, ge=1, le=100_000)
    image_url: HttpUrl | None = Field(default=None, max_length=500)


class OrderIn(Strict):
    number: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._#-]*$")
    email: Email = Field(max_length=320)
    name: str = text(1, 200)
    postcode: str = text(0, 32, default="")
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$", description="ISO 3166-1 alpha-2")
    locale: str = Field(default="en", max_length=16, pattern=r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")
    time_zone: TimeZone | None = Field(default=None, description="IANA, e.g. Europe/Berlin")
    placed_at: PlacedAt
    items: list[ItemIn] = Field(default_factory=list, max_length=500)

    @field_validator("country", mode="before")
    @classmethod
    def _upper_country(cls, value):
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in TIME_ZONES:
            raise ValueError("not an IANA time zone, such as Europe/Berlin")
        return value


class ShipmentIn(Strict):
    tracking_number: str = Field(
        max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$", description="spaces, dashes ignored"
    )
    carrier: str | None = Field(default=None, description="read from the number when absent")
    service: str | None = text(0, 100, default=None)


class CandidateOut(BaseModel):
    carrier: str
    format: str
    check_digit_valid: bool | None = Field(description="null: the format has no check digit")
    confidence: float


class ItemOut(BaseModel):
    sku: str
    title: str
    quantity: int
    image_url: str | None


class EventOut(BaseModel):
    occurred_at: datetime
    status: str
    text: str
    city: str | None
    country: str | None


class ShipmentOut(BaseModel):
    carrier: str
    tracking_number: str
    service: str | None
    stage: str
    status: str
    eta_date: date | None = Field(description="the day the carrier expects to deliver")
    delivered_at: datetime | None
    events: list[EventOut] = Field(description="newest first")


class OrderOut(BaseModel):
    number: str
    email: str
    name: str
    placed_at: datetime
    tracking_url: str = Field(description="the customer's tracking page, with the order's token")
    items: list[ItemOut]
    shipments: list[ShipmentOut]


class ShipmentCreated(BaseModel):
    shipment: ShipmentOut
    candidates: list[CandidateOut] = Field(description="what the number's shape says, best first")


class FieldErrorOut(BaseModel):
    field: str = Field(description="the path of the field at fault, such as items.0.quantity")
    message: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details; `candidates` when a carrier could not be read from a number."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldErrorOut] | None = None
