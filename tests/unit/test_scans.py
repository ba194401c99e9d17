"""CarrierScan: untrusted feed text made safe to store, and the key that deduplicates it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from webapp.tracking.scans import CarrierScan, clip
from webapp.tracking.statuses import Status

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def scan(**fields) -> CarrierScan:
    fields = {
        "occurred_at": WHEN,
        "status": Status.IN_TRANSIT,
        "carrier_code": "AR",
        "carrier_text": "Arrived at Leeds hub",
        **fields,
    }
    return CarrierScan(**fields)


@pytest.mark.parametrize("field", ["carrier_code", "carrier_text", "city", "region", "postcode"])
def test_text_is_single_spaced(field):
    """Tabs, newlines and runs of spaces from a feed collapse to single spaces, ends trimmed."""
    assert getattr(scan(**{field: "  Leeds \t Mail\n\nCentre  "}), field) == "Leeds Mail Centre"


@pytest.mark.parametrize(
    ("field", "limit"),
    [("carrier_code", 64), ("carrier_text", 500), ("city", 100), ("region", 100), ("postcode", 32)],
)
def test_text_is_clipped_to_its_column(field, limit):
    """The limits match the tracking_events columns, so an insert never overflows."""
    assert getattr(scan(**{field: "x" * (limit + 50)}), field) == "x" * limit
    assert getattr(scan(**{field: "y" * limit}), field) == "y" * limit


def test_clipping_counts_collapsed_spaces():
    """Whitespace is collapsed before cutting, so padding does not eat the text."""
    assert scan(carrier_text=" \n" * 600 + "Delivered").carrier_text == "Delivered"


@pytest.mark.parametrize(
    ("given", "stored"), [("gb", "GB"), (" gb ", "GB"), ("GBR", "GB"), ("", "")]
)
def test_country_is_two_upper_case_letters(given, stored):
    """Cut to the ISO 3166 alpha-2 column."""
    assert scan(country=given).country == stored


def test_naive_time_is_rejected():
    """A time without a zone could be any of 26 hours; refuse it rather than guess."""
    with pytest.raises(ValueError, match="timezone-aware"):
        scan(occurred_at=datetime(2026, 11, 20, 9, 0))


def test_dedupe_key_is_stable_for_the_same_content():
    """Where it happened and the raw payload are not part of the identity of a scan."""
    first = scan(city="Leeds", raw_payload={"poll": 1})
    again = scan(city="LEEDS", raw_payload={"poll": 2})
    assert first.dedupe_key == again.dedupe_key
    assert len(first.dedupe_key) == 64
    assert int(first.dedupe_key, 16) >= 0


def test_dedupe_key_ignores_whitespace_noise():
    """The key is taken from the cleaned text, so a re-polled scan with odd spacing matches."""
    assert scan(carrier_text=" Arrived  at\nLeeds hub ").dedupe_key == scan().dedupe_key


def test_dedupe_key_is_pinned():
    """Stored keys must match after an upgrade, or every scan would be recorded again."""
    assert scan().dedupe_key == "187d0dd7b0d06b7827c34e1e8392e0d7b6aeefa0981c5eba12934c0a17dd7112"


@pytest.mark.parametrize(
    "change",
    [
        {"occurred_at": WHEN + timedelta(minutes=1)},
        {"carrier_code": "DL"},
        {"carrier_text": "Departed Leeds hub"},
    ],
)
def test_dedupe_key_differs_for_different_scans(change):
    """Each part of what the scan says makes it a distinct event."""
    assert scan(**change).dedupe_key != scan().dedupe_key


def test_dedupe_key_follows_the_carriers_code_not_our_reading_of_it():
    """A STATUS_MAP that changes must not make the history a carrier already gave look new;
    without a code, our status is all the scan says."""
    assert scan(status=Status.EXCEPTION).dedupe_key == scan().dedupe_key
    uncoded = scan(carrier_code="")
    assert scan(carrier_code="", status=Status.DELIVERED).dedupe_key != uncoded.dedupe_key


@pytest.mark.parametrize(
    "occurred_at",
    [
        datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))),
        datetime(1, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=1))),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        datetime.now(UTC) + timedelta(days=367),
    ],
)
def test_a_time_no_parcel_could_have_is_refused(occurred_at):
    """At the edge of the calendar it cannot even be turned into UTC; far off, it would sort
    first or last for ever."""
    with pytest.raises(ValueError, match="time"):
        scan(occurred_at=occurred_at)


def test_dedupe_key_uses_the_carriers_event_id():
    """The carrier's id wins over the digest, whatever the content."""
    assert scan(key="evt_123").dedupe_key == "evt_123"
    assert scan(key="evt_123", carrier_text="other").dedupe_key == "evt_123"


def test_carrier_key_is_cut_to_its_column():
    """The dedupe_key column holds 128 characters."""
    long_key = "k" * 100 + "e" * 100
    assert scan(key=long_key).dedupe_key == long_key[:128]


def test_empty_carrier_key_falls_back_to_digest():
    """An empty id from a feed is no id at all."""
    assert scan(key="").dedupe_key == scan().dedupe_key


def test_dedupe_key_follows_the_instant_not_its_zone():
    """One scan reported in carrier-local time and in UTC is equal, so it must dedupe too."""
    local = scan(occurred_at=datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert local == scan()
    assert local.dedupe_key == scan().dedupe_key


def test_control_characters_are_removed():
    """PostgreSQL refuses NUL in text, and no carrier means one."""
    assert clip("Arrived\x00 at\x07hub\x1b", 100) == "Arrived at hub"


def test_clipping_leaves_no_trailing_space():
    assert clip("ab cd", 3) == "ab"


def test_unknown_or_overlong_exception_reason_is_stored_as_other():
    """The column holds 32 characters; a carrier's long reason must not fail the whole batch."""
    scan = CarrierScan(
        occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
        status=Status.EXCEPTION,
        exception_reason="x" * 40,
    )
    assert scan.exception_reason == "other"
