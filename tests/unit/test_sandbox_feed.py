"""The sandbox adapter on recorded answers: codes mapped, times kept, bad events counted."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from webapp.tracking.statuses import Status
from workers.carriers.feed import MalformedAnswer
from workers.carriers.sandbox import STATUS_MAP, map_status, parse
from workers.sandbox import journeys

PAYLOADS = Path(__file__).parent / "payloads" / "sandbox"

GOOD_EVENT = {
    "id": "SB00000025-001",
    "code": "PU",
    "description": "Picked up by courier",
    "occurred_at": "2026-03-02T13:00:00+00:00",
    "location": {"city": "London", "region": "LND", "postcode": "E14 5AB", "country": "GB"},
    "exception": None,
}


def recorded(name: str) -> dict:
    """A tracking answer as the sandbox sent it."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def answer(*events: object, estimated_delivery: object = None) -> dict:
    """A tracking answer around these events."""
    return {
        "tracking_number": "SB00000025",
        "estimated_delivery": estimated_delivery,
        "events": list(events),
    }


def test_every_sandbox_code_has_a_status():
    assert set(STATUS_MAP) == journeys.CODES
    assert Status.UNKNOWN not in STATUS_MAP.values()


@pytest.mark.parametrize("code", ["ZZ", "", "dl", "DL "])
def test_an_unknown_code_maps_to_unknown(code):
    assert map_status(code) is Status.UNKNOWN


def test_a_delivered_journey():
    tracking = parse(recorded("delivered"))
    statuses = [scan.status for scan in tracking.scans]
    assert statuses[:2] == [Status.INFO_RECEIVED, Status.IN_TRANSIT]
    assert statuses[-2:] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]
    assert Status.UNKNOWN not in statuses
    assert (len(tracking.scans), tracking.rejected, tracking.estimated_delivery) == (11, 0, None)


def test_each_scan_is_keyed_by_the_event_id():
    document = recorded("delivered")
    tracking = parse(document)
    assert [scan.key for scan in tracking.scans] == [event["id"] for event in document["events"]]
    assert tracking.scans[0].dedupe_key == "SB00000030-000"


def test_the_scan_keeps_what_the_event_says():
    first = parse(recorded("delivered")).scans[0]
    assert first.occurred_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert (first.carrier_code, first.carrier_text) == ("LC", "Shipping label created")
    assert (first.city, first.region, first.postcode, first.country) == (
        "Brooklyn",
        "NY",
        "11201",
        "US",
    )
    assert first.raw_payload == recorded("delivered")["events"][0]


def test_local_offsets_become_minutes_east_of_utc():
    """The US route crosses three clocks; each scan keeps the one it was made in."""
    offsets = [scan.utc_offset_minutes for scan in parse(recorded("delivered")).scans]
    assert offsets == [-300] * 4 + [-360] * 2 + [-420] * 5


def test_utc_and_z_are_offset_zero():
    tracking = parse(
        answer(GOOD_EVENT, {**GOOD_EVENT, "id": "b", "occurred_at": "2026-03-02T13:00:00Z"})
    )
    assert [scan.utc_offset_minutes for scan in tracking.scans] == [0, 0]


def test_a_weather_delay():
    tracking = parse(recorded("weather_delay"))
    latest = tracking.scans[-1]
    assert (latest.status, latest.exception_reason) == (Status.EXCEPTION, "weather")
    assert latest.carrier_text == "Delayed by severe weather"
    assert [scan.exception_reason for scan in tracking.scans[:-1]] == [None] * 3
    assert tracking.estimated_delivery == date(2026, 3, 5)


def test_an_unknown_exception_reason_is_other():
    tracking = parse(answer({**GOOD_EVENT, "code": "EX", "exception": "alien abduction"}))
    assert tracking.scans[0].exception_reason == "other"


def test_markup_and_control_characters_come_through_as_plain_clipped_text():
    """Text is kept as written, markup too: escaping is the templates' job, not the adapter's."""
    description = recorded("html_description")["events"][1]["description"]
    text = parse(recorded("html_description")).scans[1].carrier_text
    assert text.startswith(
        "<b>Delivered</b> to the front door <script>alert('x')</script> &amp; signed by "
        "<i>J. Smith</i> [31m Note: left in porch left in porch"
    )
    assert len(description) > 500
    assert len(text) == 500
    assert not any(ord(character) < 32 or ord(character) == 127 for character in text)


def test_broken_events_are_counted_and_the_rest_kept():
    tracking = parse(recorded("broken_events"))
    assert [scan.key for scan in tracking.scans] == [
        "SB00000040-000",
        "SB00000040-004",
        "SB00000040-005",
    ]
    assert tracking.rejected == 4
    assert tracking.scans[1].status is Status.UNKNOWN
    assert tracking.estimated_delivery == date(2026, 3, 5)


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in GOOD_EVENT.items() if key != "occurred_at"},
        {key: value for key, value in GOOD_EVENT.items() if key != "id"},
        {key: value for key, value in GOOD_EVENT.items() if key != "code"},
        {**GOOD_EVENT, "occurred_at": "2026-03-02T13:00:00"},
        {**GOOD_EVENT, "occurred_at": "yesterday"},
        {**GOOD_EVENT, "occurred_at": 1772456400},
        {**GOOD_EVENT, "code": ["PU"]},
        "PU 2026-03-02T13:00:00Z",
        None,
        ["PU"],
    ],
    ids=[
        "no-time",
        "no-id",
        "no-code",
        "naive-time",
        "words-for-time",
        "number-for-time",
        "list-for-code",
        "string",
        "null",
        "list",
    ],
)
def test_one_unreadable_event_is_rejected(broken):
    tracking = parse(answer(GOOD_EVENT, broken, {**GOOD_EVENT, "id": "SB00000025-002"}))
    assert [scan.key for scan in tracking.scans] == ["SB00000025-001", "SB00000025-002"]
    assert tracking.rejected == 1


@pytest.mark.parametrize("location", ["London", ["London"], 7])
def test_a_location_that_is_not_an_object_does_not_sink_the_answer(location):
    """One odd event is counted or kept without a place; the other events still come through."""
    events = [GOOD_EVENT, {**GOOD_EVENT, "id": "odd", "location": location}]
    tracking = parse(answer(*events))
    assert tracking.scans[0].key == "SB00000025-001"
    assert len(tracking.scans) + tracking.rejected == 2


def test_a_null_id_is_not_taken_for_the_id_none():
    """Two events without ids must not collapse into one scan keyed 'None'."""
    first = {**GOOD_EVENT, "id": None}
    second = {**GOOD_EVENT, "id": None, "code": "AR", "occurred_at": "2026-03-02T17:00:00Z"}
    tracking = parse(answer(first, second))
    assert "None" not in {scan.key for scan in tracking.scans}
    assert len({scan.dedupe_key for scan in tracking.scans}) == len(tracking.scans)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-05", date(2026, 3, 5)),
        (None, None),
        ("2026-02-30", None),
        ("next Tuesday", None),
        (20260305, None),
        ({"date": "2026-03-05"}, None),
    ],
)
def test_estimated_delivery(value, expected):
    assert parse(answer(GOOD_EVENT, estimated_delivery=value)).estimated_delivery == expected


def test_no_events_yet_is_an_empty_answer():
    tracking = parse(answer())
    assert (tracking.scans, tracking.rejected, tracking.estimated_delivery) == ((), 0, None)


@pytest.mark.parametrize(
    "document",
    [
        [GOOD_EVENT],
        "not found",
        None,
        {"tracking_number": "SB00000025"},
        {"events": None},
        {"events": {"0": GOOD_EVENT}},
        {"events": "LC,PU"},
    ],
)
def test_an_answer_without_a_list_of_events_is_malformed(document):
    with pytest.raises(MalformedAnswer) as raised:
        parse(document)
    assert raised.value.outcome == "malformed"
