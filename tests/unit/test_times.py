"""Time display: carrier clocks, offset labels, and ETAs that stay on their day."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from webapp.tracking.times import Eta, carrier_local, clock_text, day_text, offset_label

# POSIX zone strings (sign inverted: "XYZ-14" is UTC+14), so no tz database is needed.
PROCESS_ZONES = ["UTC0", "LINT-14", "SST11", "IST-5:30", "EST5EDT"]


@pytest.fixture
def process_zone():
    """Set the process's local time zone for one test; the original comes back afterwards."""
    original = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if original is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = original
    time.tzset()


@pytest.mark.parametrize("zone", PROCESS_ZONES)
@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 27), "Friday 27 November"),
        (date(2026, 12, 31), "Thursday 31 December"),
        (date(2027, 1, 1), "Friday 1 January"),
    ],
)
def test_day_eta_shows_its_own_day_in_any_zone(process_zone, zone, day, text):
    """A carrier's date is not midnight anywhere; the server's zone never shifts it."""
    process_zone(zone)
    eta = Eta.of(day, None, "carrier")
    assert eta.is_day
    assert (eta.text, eta.iso) == (text, day.isoformat())


def test_eta_of_nothing_is_none():
    """No day and no instant means no ETA to show, whatever the source."""
    assert Eta.of(None, None, "carrier") is None


def test_instant_eta_is_shown_in_utc():
    """A carrier-local instant is stored and displayed as its UTC clock, labelled as such."""
    kolkata = timezone(timedelta(hours=5, minutes=30))
    eta = Eta.of(None, datetime(2026, 11, 27, 1, 30, tzinfo=kolkata), "carrier")
    assert not eta.is_day
    assert eta.at.utcoffset() == timedelta(0)
    assert eta.text == "Thu 26 Nov, 20:00 UTC"
    assert eta.iso == "2026-11-26T20:00:00+00:00"


def test_instant_wins_over_day():
    """When a carrier gives both, the more precise instant is what shows."""
    eta = Eta.of(date(2026, 11, 27), datetime(2026, 11, 27, 14, 5, tzinfo=UTC), "carrier")
    assert eta.text == "Fri 27 Nov, 14:05 UTC"


@pytest.mark.parametrize(
    ("minutes", "label"),
    [(0, "UTC"), (None, "UTC"), (330, "UTC+05:30"), (-240, "UTC-04:00"), (-30, "UTC-00:30")],
)
def test_offset_label(minutes, label):
    """Hours and minutes, zero-padded, with the sign even for sub-hour offsets."""
    assert offset_label(minutes) == label


@pytest.mark.parametrize("minutes", [330, -240, 0, None, 840, -660])
def test_carrier_local_keeps_the_instant(minutes):
    """Only the clock face changes; None means the carrier gave no offset, shown as UTC."""
    moment = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    local = carrier_local(moment, minutes)
    assert local == moment
    assert local.utcoffset() == timedelta(minutes=minutes or 0)


def test_carrier_local_crosses_midnight():
    """Late evening in UTC is already tomorrow morning on an Indian carrier's clock."""
    local = carrier_local(datetime(2026, 11, 20, 22, 0, tzinfo=UTC), 330)
    assert (local.day, local.hour, local.minute) == (21, 3, 30)


def test_day_and_clock_text():
    """The formats the tracking page uses for days and scan times."""
    assert day_text(date(2026, 11, 27)) == "Friday 27 November"
    assert clock_text(datetime(2026, 11, 27, 14, 5, tzinfo=UTC)) == "Fri 27 Nov, 14:05"
