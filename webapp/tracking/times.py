"""Time and ETA display rules: carrier-local clocks, and dates that stay dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone


def carrier_local(moment: datetime, offset_minutes: int | None) -> datetime:
    """The instant as the carrier's clock showed it (UTC when the carrier gave no offset)."""
    return moment.astimezone(fixed_zone(offset_minutes or 0))


def fixed_zone(offset_minutes: int) -> timezone:
    if offset_minutes == 0:
        return UTC
    return timezone(timedelta(minutes=offset_minutes))


def offset_label(offset_minutes: int | None) -> str:
    """'UTC', 'UTC+05:30', 'UTC-04:00'."""
    if not offset_minutes:
        return "UTC"
    sign = "+" if offset_minutes > 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def day_text(day: date) -> str:
    """'Thursday 27 November'."""
    return f"{day:%A} {day.day} {day:%B}"


def clock_text(moment: datetime) -> str:
    """'Thu 27 Nov, 14:05'."""
    return moment.strftime(f"%a {moment.day} %b, %H:%M")


@dataclass(frozen=True)
class Eta:
    """An expected delivery: a calendar day, or an instant when the carrier gives a time."""

    day: date | None = None
    at: datetime | None = None
    source: str | None = None

    @classmethod
    def of(cls, day: date | None, at: datetime | None, source: str | None) -> Eta | None:
        if day is None and at is None:
            return None
        return cls(day=day, at=at.astimezone(UTC) if at else None, source=source)

    @property
    def is_day(self) -> bool:
        return self.at is None

    @property
    def text(self) -> str:
        """The day as given, never shifted by a time zone; an instant as its UTC clock."""
        if self.at is None:
            return day_text(self.day)
        return clock_text(self.at) + " UTC"

    @property
    def iso(self) -> str:
        return self.at.isoformat() if self.at else self.day.isoformat()
