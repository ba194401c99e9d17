"""The DHL feed on recorded answers: the poll request, statuses, local times, ETAs and errors."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import responses
from requests.structures import CaseInsensitiveDict
from werkzeug.datastructures import Headers

from webapp.config import DEFAULTS
from webapp.tracking.statuses import Status
from workers.carriers import dhl
from workers.carriers.feed import (
    FeedTimeout,
    FeedUnavailable,
    MalformedAnswer,
    Parcel,
    RateLimited,
    Rejected,
    SignatureError,
    UnknownNumber,
    session,
)

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "carriers" / "dhl"
CONFIG = {**DEFAULTS, "DHL_URL": "https://dhl.test", "DHL_API_KEY": "test-key"}
ENDPOINT = "https://dhl.test/track/shipments"
PARCEL = Parcel("dhl", "3318810025")

GOOD_EVENT = {
    "timestamp": "2026-11-19T14:05:00+01:00",
    "location": {
        "address": {
            "addressLocality": "LEIPZIG - GERMANY",
            "countryCode": "DE",
            "postalCode": "04435",
        }
    },
    "statusCode": "transit",
    "status": "Departed Facility",
    "description": "Departed Facility in LEIPZIG - GERMANY",
}


def recorded(name: str) -> dict:
    """An answer as DHL sent it."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def answer(*events: object, **shipment: object) -> dict:
    """A tracking answer with one express shipment around these events."""
    return {
        "shipments": [
            {"id": "3318810025", "service": "express", **shipment, "events": list(events)}
        ]
    }


def event(**changes: object) -> dict:
    return {**GOOD_EVENT, **changes}


@pytest.fixture
def dhl_api():
    with responses.RequestsMock() as mock:
        yield mock


def poll(parcel: Parcel = PARCEL):
    return dhl.fetch(session(), parcel, CONFIG)


# The poll request and its answer


def test_the_poll_asks_for_the_number_with_the_api_key(dhl_api):
    dhl_api.get(
        ENDPOINT,
        json=recorded("express_customs_hold"),
        match=[
            responses.matchers.query_param_matcher({"trackingNumber": "3318810025"}),
            responses.matchers.header_matcher({"DHL-API-Key": "test-key"}),
        ],
    )
    tracking = poll()
    assert len(tracking.scans) == 7
    assert tracking.scans[0].status is Status.EXCEPTION
    assert tracking.estimated_delivery == date(2026, 11, 23)
    assert tracking.rejected == 0


def test_the_poll_sends_the_number_without_spaces(dhl_api):
    dhl_api.get(
        ENDPOINT,
        json=recorded("express_customs_hold"),
        match=[responses.matchers.query_param_matcher({"trackingNumber": "3318810025"})],
    )
    assert len(poll(Parcel("dhl", " 3318 8100 25 ")).scans) == 7


def test_a_trailing_slash_in_the_base_url_is_not_doubled(dhl_api):
    dhl_api.get(ENDPOINT, json=recorded("express_customs_hold"))
    tracking = dhl.fetch(session(), PARCEL, {**CONFIG, "DHL_URL": "https://dhl.test/"})
    assert len(tracking.scans) == 7
    assert dhl_api.calls[0].request.url.startswith(f"{ENDPOINT}?")


def test_the_shipment_matching_the_number_is_chosen(dhl_api):
    dhl_api.get(ENDPOINT, json=recorded("parcel_de_two_shipments"))
    tracking = poll(Parcel("dhl", "00340434292135100186"))
    assert [scan.status for scan in tracking.scans] == [
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]
    assert tracking.estimated_delivery == date(2026, 11, 16)


def test_the_id_matches_whatever_its_spacing_and_case():
    document = recorded("parcel_de_two_shipments")
    document["shipments"][1]["id"] = "0034 0434 2921 3510 0186"
    assert len(dhl.parse(document, "00340434292135100186").scans) == 3
    assert len(dhl.parse(recorded("parcel_de_two_shipments"), "cq964395186de").scans) == 1


def test_without_a_matching_shipment_the_first_is_taken():
    assert len(dhl.parse(recorded("parcel_de_two_shipments"), "JJD000390007880832437").scans) == 1
    assert len(dhl.parse(recorded("parcel_de_two_shipments")).scans) == 1


# DHL's errors


@pytest.mark.parametrize("name", ["empty_shipments", "problem_404"])
def test_dhl_answering_200_without_a_shipment_is_an_unknown_number(dhl_api, name):
    dhl_api.get(ENDPOINT, json=recorded(name))
    with pytest.raises(UnknownNumber) as raised:
        poll()
    assert raised.value.outcome == "not_found"


def test_a_404_problem_is_an_unknown_number(dhl_api):
    dhl_api.get(
        ENDPOINT,
        json=recorded("problem_404"),
        status=404,
        content_type="application/problem+json",
    )
    with pytest.raises(UnknownNumber):
        poll()


def test_a_429_is_rate_limited_for_as_long_as_dhl_asks(dhl_api):
    dhl_api.get(
        ENDPOINT,
        json=recorded("problem_429"),
        status=429,
        headers={"Retry-After": "120"},
        content_type="application/problem+json",
    )
    with pytest.raises(RateLimited) as raised:
        poll()
    assert raised.value.retry_after == 120.0


def test_a_wrong_api_key_is_rejected(dhl_api):
    dhl_api.get(
        ENDPOINT,
        json=recorded("problem_401"),
        status=401,
        content_type="application/problem+json",
    )
    with pytest.raises(Rejected) as raised:
        poll()
    assert raised.value.outcome == "rejected"


def test_a_server_error_is_unavailable(dhl_api):
    dhl_api.get(ENDPOINT, body="<html>Bad gateway</html>", status=502)
    with pytest.raises(FeedUnavailable):
        poll()


def test_a_timeout_is_a_feed_timeout(dhl_api):
    dhl_api.get(ENDPOINT, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(FeedTimeout):
        poll()


def test_a_body_that_is_not_json_is_malformed(dhl_api):
    dhl_api.get(ENDPOINT, body="<html>maintenance</html>", status=200)
    with pytest.raises(MalformedAnswer):
        poll()


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "3318810025",
        {"possibleAdditionalShipmentsUrl": []},
        {"shipments": None},
        {"shipments": {"0": {"id": "3318810025"}}},
        {"shipments": ["3318810025"]},
        {"status": 500, "title": "Internal error"},
    ],
)
def test_an_answer_without_shipments_is_malformed(document):
    with pytest.raises(MalformedAnswer) as raised:
        dhl.parse(document)
    assert raised.value.outcome == "malformed"


# Statuses


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pre-transit", Status.INFO_RECEIVED),
        ("transit", Status.IN_TRANSIT),
        ("delivered", Status.DELIVERED),
        ("failure", Status.EXCEPTION),
        ("unknown", Status.UNKNOWN),
    ],
)
def test_every_documented_status_code(code, expected):
    assert dhl.STATUS_MAP[code] is expected
    assert dhl.map_status(code) is expected
    assert dhl.parse(answer(event(statusCode=code))).scans[0].status is expected


def test_the_map_covers_exactly_the_documented_codes():
    assert set(dhl.STATUS_MAP) == {"pre-transit", "transit", "delivered", "failure", "unknown"}


@pytest.mark.parametrize("code", ["on-hold", "", "DELIVERED", "transit ", None, 7])
def test_an_unknown_code_maps_to_unknown(code):
    assert dhl.map_status(code) is Status.UNKNOWN


def test_an_unknown_code_is_kept_with_its_raw_code():
    scans = dhl.parse(recorded("express_customs_hold")).scans
    held = scans[3]
    assert (held.status, held.carrier_code) == (Status.UNKNOWN, "on-hold")
    assert held.carrier_text == "Shipment on hold - Shipment on hold at transit hub"


def test_an_event_without_a_code_is_kept_as_unknown():
    scan = dhl.parse(answer({k: v for k, v in GOOD_EVENT.items() if k != "statusCode"})).scans[0]
    assert (scan.status, scan.carrier_code) == (Status.UNKNOWN, "")


def test_a_failure_is_an_exception_for_another_reason():
    tracking = dhl.parse(recorded("express_customs_hold"))
    failure = tracking.scans[0]
    assert (failure.status, failure.exception_reason) == (Status.EXCEPTION, "other")
    assert failure.carrier_code == "failure"
    assert {scan.exception_reason for scan in tracking.scans[1:]} == {None}


def test_the_detailed_status_some_services_send_joins_the_code():
    scan = dhl.parse(answer(event(statusDetailed="arrived-at-facility"))).scans[0]
    assert scan.carrier_code == "transit/arrived-at-facility"


# What a scan keeps


def test_the_scan_keeps_what_the_event_says():
    document = recorded("express_customs_hold")
    scan = dhl.parse(document).scans[4]
    assert scan.occurred_at == datetime(2026, 11, 19, 0, 30, tzinfo=UTC)
    assert (scan.carrier_code, scan.carrier_text) == (
        "transit",
        "Departed Facility - Departed Facility in NEW YORK - USA",
    )
    assert (scan.city, scan.region, scan.postcode, scan.country) == (
        "NEW YORK - USA",
        "NY",
        "11430",
        "US",
    )
    assert scan.raw_payload == document["shipments"][0]["events"][4]
    assert scan.key is None


def test_text_said_twice_is_kept_once_and_the_remark_added():
    scans = dhl.parse(recorded("express_customs_hold")).scans
    assert scans[-1].carrier_text == "Shipment information received"
    assert scans[0].carrier_text.endswith(
        "- The shipment is pending completion of customs inspection."
    )


def test_markup_in_a_message_is_kept_as_plain_text():
    """Escaping is the templates' job: the adapter keeps what DHL wrote."""
    failure = dhl.parse(recorded("express_customs_hold")).scans[0]
    assert failure.carrier_text.startswith(
        'Clearance delay - Shipment is on hold <b>awaiting</b> <a href="https://www.dhl.com/'
    )
    assert "customs documents</a> & payment" in failure.carrier_text


def test_a_three_letter_country_is_read_as_its_two_letter_code():
    scans = dhl.parse(recorded("express_customs_hold")).scans
    assert (scans[-1].city, scans[-1].country) == ("NEW YORK - USA", "US")


def test_an_event_without_a_location_has_no_place():
    scan = dhl.parse(recorded("ecommerce_delivered")).scans[-1]
    assert (scan.city, scan.region, scan.postcode, scan.country) == ("", "", "", "")


def test_scans_without_an_id_are_told_apart_by_their_digest():
    scans = dhl.parse(recorded("ecommerce_delivered")).scans
    assert len({scan.dedupe_key for scan in scans}) == len(scans) == 4


# Times


def test_local_offsets_become_minutes_east_of_utc():
    """The route crosses three clocks; each scan keeps the one it was made in."""
    offsets = [
        scan.utc_offset_minutes for scan in dhl.parse(recorded("express_customs_hold")).scans
    ]
    assert offsets == [0, 0, 60, 60, -300, -300, -300]


def test_a_local_time_keeps_its_wall_clock():
    scan = dhl.parse(recorded("express_customs_hold")).scans[2]
    assert scan.occurred_at.utcoffset() == timedelta(hours=1)
    assert scan.occurred_at.hour == 14
    assert scan.occurred_at == datetime(2026, 11, 19, 13, 5, tzinfo=UTC)


def test_a_time_without_an_offset_is_read_as_utc_with_no_offset():
    scans = dhl.parse(recorded("ecommerce_delivered")).scans
    assert scans[0].occurred_at == datetime(2026, 11, 24, 13, 47, 2, tzinfo=UTC)
    assert {scan.utc_offset_minutes for scan in scans} == {None}


def test_z_is_a_utc_time_that_says_nothing_of_the_local_one():
    scan = dhl.parse(answer(event(timestamp="2026-11-20T09:00:00Z"))).scans[0]
    assert (scan.occurred_at.utcoffset(), scan.utc_offset_minutes) == (timedelta(0), None)
    at_zero = dhl.parse(answer(event(timestamp="2026-11-20T09:00:00+00:00"))).scans[0]
    assert at_zero.utc_offset_minutes == 0


def test_a_half_hour_offset_is_kept():
    scan = dhl.parse(answer(event(timestamp="2026-11-20T14:30:00+05:30"))).scans[0]
    assert scan.utc_offset_minutes == 330
    assert scan.occurred_at.tzinfo == timezone(timedelta(hours=5, minutes=30))


# Estimated delivery


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-05T00:00:00Z", date(2026, 1, 5)),
        ("2026-01-05T23:30:00-05:00", date(2026, 1, 5)),
        ("2026-01-05T00:30:00+09:00", date(2026, 1, 5)),
        ("2026-01-05", date(2026, 1, 5)),
        ("2026-01-05 18:00:00", date(2026, 1, 5)),
        (None, None),
        ("2026-02-30T00:00:00Z", None),
        ("2026-01-050", None),
        ("next Tuesday", None),
        (20260105, None),
        ({"date": "2026-01-05"}, None),
    ],
)
def test_the_eta_is_the_date_as_written(value, expected):
    tracking = dhl.parse(answer(GOOD_EVENT, estimatedTimeOfDelivery=value))
    assert tracking.estimated_delivery == expected


def test_without_an_eta_the_end_of_the_time_frame_is_taken():
    frame = {"estimatedFrom": "2026-01-05T00:00:00Z", "estimatedThrough": "2026-01-06T22:00:00Z"}
    tracking = dhl.parse(answer(GOOD_EVENT, estimatedDeliveryTimeFrame=frame))
    assert tracking.estimated_delivery == date(2026, 1, 6)


def test_no_estimate_at_all():
    assert dhl.parse(recorded("ecommerce_delivered")).estimated_delivery is None


# Unreadable events


def test_unreadable_events_are_counted_and_logged_and_the_rest_kept(caplog):
    with caplog.at_level(logging.WARNING, logger="workers.carriers.dhl"):
        tracking = dhl.parse(recorded("broken_events"))
    assert [scan.carrier_text for scan in tracking.scans] == [
        "Arrived at Delivery Facility - Arrived at Delivery Facility in FRANKFURT - GERMANY",
        "Shipment information received",
    ]
    assert tracking.rejected == 5
    assert len(caplog.records) == 5
    assert tracking.estimated_delivery == date(2026, 11, 21)


@pytest.mark.parametrize(
    "broken",
    [
        {k: v for k, v in GOOD_EVENT.items() if k != "timestamp"},
        event(timestamp=None),
        event(timestamp="yesterday"),
        event(timestamp=1795512000),
        event(statusCode=["transit"]),
        event(location="LEIPZIG"),
        event(location={"address": "LEIPZIG"}),
        "transit",
        None,
    ],
    ids=[
        "no-time",
        "null-time",
        "words-for-time",
        "number-for-time",
        "list-for-code",
        "string-location",
        "string-address",
        "string",
        "null",
    ],
)
def test_one_unreadable_event_is_rejected(broken):
    tracking = dhl.parse(answer(GOOD_EVENT, broken, event(status="Processed")))
    assert [scan.carrier_text.split(" - ")[0] for scan in tracking.scans] == [
        "Departed Facility",
        "Processed",
    ]
    assert tracking.rejected == 1


def test_a_shipment_with_only_a_status_counts_it_as_its_event():
    tracking = dhl.parse({"shipments": [{"id": "3318810025", "status": GOOD_EVENT}]})
    assert [scan.status for scan in tracking.scans] == [Status.IN_TRANSIT]


def test_a_shipment_with_nothing_yet_is_an_empty_answer():
    tracking = dhl.parse({"shipments": [{"id": "3318810025", "events": []}]})
    assert (tracking.scans, tracking.rejected, tracking.estimated_delivery) == ((), 0, None)


# Webhooks: DHL sends none


def test_the_feed_is_polled_with_its_key():
    assert (dhl.NAME, dhl.CREDENTIALS, dhl.WEBHOOK_SECRET) == ("dhl", ("DHL_API_KEY",), None)
    assert dhl.CARRIERS == {"dhl": "dhl"}


@pytest.mark.parametrize(
    "headers",
    [
        Headers(),
        Headers({"DHL-API-Key": "test-key", "X-Hmac-Signature": "hmac-sha256-hex=00"}),
        CaseInsensitiveDict({"Signature": "\x00\xff garbage"}),
    ],
)
def test_every_webhook_delivery_is_refused(headers):
    with pytest.raises(SignatureError, match="dhl sends no webhooks"):
        dhl.verify(headers, b'{"shipments": []}', "", datetime(2026, 11, 20, tzinfo=UTC))


@pytest.mark.parametrize("document", [recorded("express_customs_hold"), {"id": "x"}, None, "x"])
def test_no_delivery_has_an_event_id(document):
    assert dhl.event_id(document) is None


@pytest.mark.parametrize("document", [recorded("express_customs_hold"), {}, None, []])
def test_no_document_is_a_webhook(document):
    with pytest.raises(MalformedAnswer, match="dhl sends no webhooks"):
        dhl.parse_webhook(document)
