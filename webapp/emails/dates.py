"""Dates and times as the customer reads them: in their language and their time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format

from webapp.models import Order
from webapp.tracking.times import Eta

FALLBACK_LOCALE = Locale("en")


@dataclass(frozen=True)
class Formatter:
    locale: Locale
    zone: ZoneInfo

    @classmethod
    def of(cls, order: Order, shop_zone: str) -> Formatter:
        """The order's locale and time zone; English and the shop's zone where unknown."""
        return cls(_locale(order.locale), _zone(order.time_zone) or _zone(shop_zone) or _UTC)

    def day(self, day: date) -> str:
        """'Thursday, 4 December 2026' (en_GB), 'Donnerstag, 4. Dezember 2026' (de)."""
        return format_date(day, format="full", locale=self.locale)

    def moment(self, moment: datetime) -> str:
        """The date and time in the customer's zone, to the minute, as their locale writes it:
        '4 Dec 2026, 14:05' (en_GB), 'Dec 4, 2026, 2:05 PM' (en_US), '4. Dez. 2026, 14:05' (de)."""
        local = moment.astimezone(self.zone)
        day = format_date(local.date(), format="medium", locale=self.locale)
        clock = format_time(local, format="short", locale=self.locale)
        return get_datetime_format("medium", self.locale).replace("{1}", day).replace("{0}", clock)

    def eta(self, eta: Eta) -> str:
        """An expected delivery: the day as the carrier gave it, never shifted; or its time."""
        return self.day(eta.day) if eta.is_day else self.moment(eta.at)

    def day_of(self, moment: datetime) -> str:
        """The customer's calendar day of an instant, in full."""
        return self.day(moment.astimezone(self.zone).date())


_UTC = ZoneInfo("UTC")


def _locale(tag: str | None) -> Locale:
    try:
        return Locale.parse(tag or "en", sep="-" if "-" in (tag or "") else "_")
    except (ValueError, UnknownLocaleError):
        return FALLBACK_LOCALE


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
