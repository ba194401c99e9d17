"""The Shippo adapter on recorded Tracks and webhooks: the poll, statuses, times, signatures."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses
from requests.structures import CaseInsensitiveDict
from werkzeug.datastructures import Headers

from webapp.config import DEFAULTS
from webapp.tracking.statuses import Status
from workers.carriers import shippo
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

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "carriers" / "shippo"
CONFIG = {
    **DEFAULTS,
    "SHIPPO_API_TOKEN": "shippo_test_5f1a9c",
    "SHIPPO_WEBHOOK_SECRET": "whsec-shippo-test",
}
DHL_URL = "https://api.goshippo.com/tracks/dhl_express/3318810025"
SECRET = CONFIG["SHIPPO_WEBHOOK_SECRET"]
NOW = datetime(2026, 11, 21, 19, 15, tzinfo=UTC)

GOOD_EVENT = {
    "object_id": "e5f1a7b3c9d04f6a0c2e8b4d6f8a0c15",
    "status": "TRANSIT",
    "status_details": "Arrived at Post Office",
    "status_date": "2026-11-20T16:00:00Z",
    "substatus": {"code": "package_arrived", "text": "Arrived", "action_required": False},
    "location": {"city": "Denver", "state": "CO", "zip": "80202", "country": "US"},
}


def recorded(name: str) -> dict:
    """A Track or webhook body as Shippo sent it."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def parse_recorded(name: str):
    """A recorded Track as the adapter reads it."""
    return shippo.parse(recorded(name))


def track(*events: object, eta: object = None) -> dict:
    """A Track around these events."""
    return {
        "tracking_number": "9400111201080805483016",
        "carrier": "usps",
        "eta": eta,
        "tracking_status": None,
        "tracking_history": list(events),
    }


def event(status: str, substatus: str | None = None, **fields: object) -> dict:
    """One tracking_history entry with this status and substatus code."""
    code = None if substatus is None else {"code": substatus, "text": "", "action_required": False}
    return {**GOOD_EVENT, "status": status, "substatus": code, **fields}


def signature(body: bytes, timestamp: int, secret: str = SECRET) -> str:
    """Shippo's v1 signature, computed here independently of the adapter."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed(body: bytes, timestamp: int, secret: str = SECRET) -> dict:
    """Headers as Shippo signs a delivery."""
    return {"Shippo-Auth-Signature": f"t={timestamp},v1={signature(body, timestamp, secret)}"}


# Polling


@responses.activate
def test_the_poll_asks_for_the_carrier_and_number_with_the_token():
    responses.get(DHL_URL, json=recorded("track_dhl_express_delay"))
    tracking = shippo.fetch(session(), Parcel("dhl", "3318810025"), CONFIG)
    (call,) = responses.calls
    assert call.request.url == DHL_URL
    assert call.request.headers["Authorization"] == "ShippoToken shippo_test_5f1a9c"
    assert call.request.body is None
    assert [scan.status for scan in tracking.scans] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.UNKNOWN,
        Status.EXCEPTION,
    ]
    assert (tracking.estimated_delivery, tracking.rejected) == (date(2026, 11, 23), 0)


@responses.activate
def test_the_number_is_one_path_segment_and_the_base_url_is_configured():
    url = "https://shippo.test/v1/tracks/usps/9400%2F1%3Fx%3D1"
    responses.get(url, json=track(GOOD_EVENT))
    config = {**CONFIG, "SHIPPO_URL": "https://shippo.test/v1/"}
    shippo.fetch(session(), Parcel("usps", "9400/1?x=1"), config)
    assert responses.calls[0].request.url == url


@responses.activate
def test_a_carrier_shippo_does_not_track_is_refused_without_asking():
    with pytest.raises(Rejected, match="postnl"):
        shippo.fetch(session(), Parcel("postnl", "3SABCD0123456789"), CONFIG)
    assert len(responses.calls) == 0


@responses.activate
def test_a_number_shippo_knows_nothing_of_yet_is_an_empty_answer():
    responses.get(
        "https://api.goshippo.com/tracks/ups/1Z5R89390357567127", json=recorded("track_unknown")
    )
    tracking = shippo.fetch(session(), Parcel("ups", "1Z5R89390357567127"), CONFIG)
    assert (tracking.scans, tracking.estimated_delivery, tracking.rejected) == ((), None, 0)


@responses.activate
def test_an_error_object_with_http_200_is_an_unknown_number():
    responses.get(DHL_URL, json={"detail": "Not found."})
    with pytest.raises(UnknownNumber, match="Not found"):
        shippo.fetch(session(), Parcel("dhl", "3318810025"), CONFIG)


@responses.activate
def test_too_many_requests_says_when_to_come_back():
    responses.get(DHL_URL, status=429, headers={"Retry-After": "120"}, json={"detail": "slow"})
    with pytest.raises(RateLimited) as raised:
        shippo.fetch(session(), Parcel("dhl", "3318810025"), CONFIG)
    assert raised.value.retry_after == 120.0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 404, "json": {"detail": "Not found."}}, UnknownNumber),
        ({"status": 503, "body": "Service Unavailable"}, FeedUnavailable),
        ({"status": 200, "body": "<html>maintenance</html>"}, MalformedAnswer),
        ({"status": 200, "json": ["not", "a", "track"]}, MalformedAnswer),
        ({"body": requests.ConnectTimeout()}, FeedTimeout),
    ],
    ids=["404", "503", "not-json", "not-a-track", "timeout"],
)
@responses.activate
def test_every_http_failure_is_a_feed_error(answer, error):
    responses.get(DHL_URL, **answer)
    with pytest.raises(error):
        shippo.fetch(session(), Parcel("dhl", "3318810025"), CONFIG)


# Statuses


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("UNKNOWN", Status.PENDING),
        ("PRE_TRANSIT", Status.INFO_RECEIVED),
        ("TRANSIT", Status.IN_TRANSIT),
        ("DELIVERED", Status.DELIVERED),
        ("RETURNED", Status.RETURNED_TO_SENDER),
        ("FAILURE", Status.EXCEPTION),
    ],
)
def test_every_shippo_status(code, expected):
    assert shippo.map_status(code) is expected


def test_the_status_table_is_the_documented_one():
    assert set(shippo.STATUS_MAP) == {
        "UNKNOWN",
        "PRE_TRANSIT",
        "TRANSIT",
        "DELIVERED",
        "RETURNED",
        "FAILURE",
    }


@pytest.mark.parametrize(
    ("code", "substatus", "expected"),
    [
        ("TRANSIT", "out_for_delivery", Status.OUT_FOR_DELIVERY),
        ("TRANSIT", "pickup_available", Status.AVAILABLE_FOR_PICKUP),
        ("TRANSIT", "delivery_attempted", Status.FAILED_ATTEMPT),
        ("TRANSIT", "notice_left", Status.FAILED_ATTEMPT),
        ("TRANSIT", "location_inaccessible", Status.FAILED_ATTEMPT),
        ("TRANSIT", "delayed", Status.EXCEPTION),
        ("TRANSIT", "package_held", Status.EXCEPTION),
        ("TRANSIT", "package_damaged", Status.EXCEPTION),
        ("TRANSIT", "address_issue", Status.EXCEPTION),
        ("TRANSIT", "contact_carrier", Status.EXCEPTION),
        ("FAILURE", "package_lost", Status.EXCEPTION),
        ("FAILURE", "package_undeliverable", Status.EXCEPTION),
        ("FAILURE", "package_disposed", Status.EXCEPTION),
        ("RETURNED", "return_to_sender", Status.RETURNED_TO_SENDER),
        ("RETURNED", "package_unclaimed", Status.RETURNED_TO_SENDER),
        ("TRANSIT", "return_to_sender", Status.RETURNED_TO_SENDER),
        ("UNKNOWN", "information_received", Status.INFO_RECEIVED),
        ("PRE_TRANSIT", "information_received", Status.INFO_RECEIVED),
        ("DELIVERED", "delivered", Status.DELIVERED),
        ("TRANSIT", "package_accepted", Status.IN_TRANSIT),
        ("TRANSIT", "package_departed", Status.IN_TRANSIT),
        ("TRANSIT", "delivery_rescheduled", Status.IN_TRANSIT),
        ("TRANSIT", "other", Status.IN_TRANSIT),
        ("TRANSIT", "teleported", Status.IN_TRANSIT),
    ],
)
def test_the_substatus_says_more_than_the_status(code, substatus, expected):
    assert shippo.map_status(code, substatus) is expected


@pytest.mark.parametrize("code", ["IN_CUSTOMS", "", "transit", "TRANSIT ", None, ["TRANSIT"]])
def test_an_unknown_status_maps_to_unknown(code):
    assert shippo.map_status(code) is Status.UNKNOWN
    assert shippo.map_status(code, "out_for_delivery") is Status.UNKNOWN


@pytest.mark.parametrize("detail", [["out_for_delivery"], {"code": "delayed"}, 7])
def test_a_substatus_that_is_not_a_code_leaves_the_status(detail):
    assert shippo.map_status("TRANSIT", detail) is Status.IN_TRANSIT


def test_an_unknown_status_is_kept_with_its_raw_code():
    scan = parse_recorded("track_dhl_express_delay").scans[4]
    assert (scan.status, scan.carrier_code, scan.key) == (
        Status.UNKNOWN,
        "IN_CUSTOMS",
        "4f2b7a1c6e3d4c95d0a4e5b6c7d8e9f5",
    )
    assert scan.carrier_text == "Customs status updated"


def test_an_event_without_a_status_is_kept_as_unknown():
    tracking = shippo.parse(track({**GOOD_EVENT, "status": None, "substatus": None}))
    assert [(scan.status, scan.carrier_code) for scan in tracking.scans] == [(Status.UNKNOWN, "")]


@pytest.mark.parametrize(
    ("code", "substatus", "reason"),
    [
        ("TRANSIT", "delayed", "delayed"),
        ("TRANSIT", "package_held", "held"),
        ("TRANSIT", "package_damaged", "damaged"),
        ("TRANSIT", "address_issue", "address"),
        ("TRANSIT", "contact_carrier", "other"),
        ("FAILURE", "package_lost", "lost"),
        ("FAILURE", "package_undeliverable", "other"),
        ("FAILURE", "package_disposed", "other"),
        ("FAILURE", None, None),
        ("FAILURE", "alien_abduction", None),
        ("TRANSIT", "notice_left", None),
        ("RETURNED", "return_to_sender", None),
        ("DELIVERED", "delivered", None),
        ("IN_CUSTOMS", "delayed", None),
    ],
)
def test_exception_reasons(code, substatus, reason):
    scan = shippo.parse(track(event(code, substatus))).scans[0]
    assert scan.exception_reason == reason


def test_the_recorded_delay_is_an_exception_with_its_reason():
    latest = parse_recorded("track_dhl_express_delay").scans[-1]
    assert (latest.status, latest.exception_reason, latest.carrier_code) == (
        Status.EXCEPTION,
        "delayed",
        "TRANSIT/delayed",
    )


# What a scan keeps


def test_the_scan_keeps_what_the_event_says():
    document = recorded("track_dhl_express_delay")
    first = shippo.parse(document).scans[0]
    assert first.occurred_at == datetime(2026, 11, 16, 10, 2, tzinfo=UTC)
    assert (first.carrier_code, first.carrier_text) == (
        "PRE_TRANSIT/information_received",
        "Shipment information received",
    )
    assert (first.city, first.region, first.postcode, first.country) == (
        "London",
        "",
        "EC1A 1BB",
        "GB",
    )
    assert first.raw_payload == document["tracking_history"][0]
    assert first.exception_reason is None


def test_each_scan_is_keyed_by_its_object_id():
    document = recorded("track_dhl_express_delay")
    tracking = shippo.parse(document)
    assert [scan.key for scan in tracking.scans] == [
        entry["object_id"] for entry in document["tracking_history"]
    ]
    assert tracking.scans[0].dedupe_key == "0b8f3c7e2a9d4e51b6c0a1f2e3d4c5b1"


def test_without_an_object_id_the_scan_has_no_key():
    tracking = shippo.parse(
        track({**GOOD_EVENT, "object_id": None}, {**GOOD_EVENT, "object_id": ""})
    )
    assert [scan.key for scan in tracking.scans] == [None, None]


def test_a_country_name_is_not_taken_for_a_code():
    departed = parse_recorded("track_dhl_express_delay").scans[2]
    assert (departed.city, departed.country) == ("East Midlands", "")


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("US", "US"),
        ("gb", "GB"),
        ("Deutschland", ""),
        ("USA", "US"),  # ISO alpha-3 is read as its alpha-2
        ("U1", ""),
        (None, ""),
        (49, ""),
    ],
)
def test_a_country_is_kept_as_its_two_letter_code(country, expected):
    location = {**GOOD_EVENT["location"], "country": country}
    assert shippo.parse(track({**GOOD_EVENT, "location": location})).scans[0].country == expected


@pytest.mark.parametrize("location", [None, "Denver, CO", ["Denver"], 7])
def test_a_location_that_is_not_an_object_leaves_the_place_blank(location):
    scan = shippo.parse(track({**GOOD_EVENT, "location": location})).scans[0]
    assert (scan.city, scan.region, scan.postcode, scan.country) == ("", "", "", "")


def test_markup_comes_through_as_plain_text():
    """Escaping is the templates' job: the adapter keeps the carrier's text as written."""
    latest = parse_recorded("track_dhl_express_delay").scans[-1]
    assert latest.carrier_text.startswith(
        "Shipment on hold: <b>clearance delay</b> &amp; awaiting <a href="
    )


def test_the_substatus_text_stands_in_for_missing_details():
    shippo_event = event("TRANSIT", "out_for_delivery", status_details=None)
    shippo_event["substatus"]["text"] = "The package is out for delivery."
    scan = shippo.parse(track(shippo_event)).scans[0]
    assert scan.carrier_text == "The package is out for delivery."


# Times


def test_utc_scan_times_have_no_local_offset():
    scans = parse_recorded("track_dhl_express_delay").scans
    assert scans[1].occurred_at == datetime(2026, 11, 16, 17, 45, tzinfo=UTC)
    assert scans[1].utc_offset_minutes is None


def test_a_local_offset_when_given_is_kept():
    arrived = parse_recorded("track_dhl_express_delay").scans[3]
    assert arrived.utc_offset_minutes == -300
    assert arrived.occurred_at == datetime(2026, 11, 18, 11, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status_date", "instant", "offset"),
    [
        ("2026-11-20T09:00:00+01:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC), 60),
        ("2026-11-20T09:00:00+00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 0),
        ("2026-11-20T09:00:00Z", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), None),
        ("2026-11-20T09:00:00.482Z", datetime(2026, 11, 20, 9, 0, 0, 482000, tzinfo=UTC), None),
        ("2026-11-20T09:00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), None),
    ],
    ids=["local", "local-at-zero", "utc", "fraction-z", "naive"],
)
def test_scan_times(status_date, instant, offset):
    scan = shippo.parse(track({**GOOD_EVENT, "status_date": status_date})).scans[0]
    assert scan.occurred_at == instant
    assert scan.occurred_at.tzinfo is not None
    assert scan.utc_offset_minutes == offset


@pytest.mark.parametrize(
    ("eta", "expected"),
    [
        ("2026-01-05T00:00:00Z", date(2026, 1, 5)),
        ("2026-11-21T23:30:00-08:00", date(2026, 11, 21)),
        ("2026-11-21T00:30:00+09:00", date(2026, 11, 21)),
        ("2026-11-21", date(2026, 11, 21)),
        (None, None),
        ("2026-02-30T00:00:00Z", None),
        ("soon", None),
        (1763683200, None),
    ],
)
def test_the_eta_is_the_date_it_names(eta, expected):
    """Not converted to any time zone: midnight UTC on the 5th is the 5th (the off-by-one bug)."""
    assert shippo.parse(track(GOOD_EVENT, eta=eta)).estimated_delivery == expected


# Unreadable events


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in GOOD_EVENT.items() if key != "status_date"},
        {**GOOD_EVENT, "status_date": None},
        {**GOOD_EVENT, "status_date": "yesterday"},
        {**GOOD_EVENT, "status_date": 1763683200},
        {**GOOD_EVENT, "status": ["TRANSIT"]},
        "TRANSIT 2026-11-20T16:00:00Z",
        None,
    ],
    ids=[
        "no-time",
        "null-time",
        "words-for-time",
        "number-for-time",
        "list-status",
        "string",
        "null",
    ],
)
def test_one_unreadable_event_is_counted_and_the_rest_kept(broken, caplog):
    second = {**GOOD_EVENT, "object_id": "second"}
    with caplog.at_level(logging.WARNING, logger="workers.carriers.shippo"):
        tracking = shippo.parse(track(GOOD_EVENT, broken, second))
    assert [scan.key for scan in tracking.scans] == [GOOD_EVENT["object_id"], "second"]
    assert tracking.rejected == 1
    assert "not readable" in caplog.text


def test_a_history_left_empty_falls_back_to_the_latest_status():
    document = {**track(), "tracking_status": event("TRANSIT", "out_for_delivery")}
    (scan,) = shippo.parse(document).scans
    assert scan.status is Status.OUT_FOR_DELIVERY


@pytest.mark.parametrize(
    "document",
    [
        None,
        "not found",
        [GOOD_EVENT],
        {"tracking_number": "9400111201080805483016", "carrier": "usps"},
        {**track(), "tracking_history": {"0": GOOD_EVENT}},
        {**track(), "tracking_history": "TRANSIT"},
        {**track(), "tracking_status": "TRANSIT"},
    ],
)
def test_an_answer_that_is_not_a_track_is_malformed(document):
    with pytest.raises(MalformedAnswer) as raised:
        shippo.parse(document)
    assert raised.value.outcome == "malformed"


# Webhook signatures

BODY = (PAYLOADS / "track_updated_usps_delivered.json").read_bytes()
SENT_AT = int(NOW.timestamp()) - 4


def test_a_correct_signature_passes():
    shippo.verify(Headers(signed(BODY, SENT_AT)), BODY, SECRET, NOW)


def test_the_header_name_is_case_insensitive():
    headers = {"shippo-auth-signature": signed(BODY, SENT_AT)["Shippo-Auth-Signature"]}
    shippo.verify(CaseInsensitiveDict(headers), BODY, SECRET, NOW)


def test_one_of_several_v1_signatures_is_enough():
    """Shippo may sign with an old and a new secret while one replaces the other."""
    good = signed(BODY, SENT_AT)["Shippo-Auth-Signature"]
    headers = Headers({"Shippo-Auth-Signature": f"t={SENT_AT},v1={'0' * 64},{good.split(',')[1]}"})
    shippo.verify(headers, BODY, SECRET, NOW)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (signed(BODY, SENT_AT, secret="someone-else"), "signature does not match"),
        (signed(b'{"event": "track_updated"}', SENT_AT), "signature does not match"),
        (
            {"Shippo-Auth-Signature": f"t={SENT_AT},v1={signature(BODY, SENT_AT + 1)}"},
            "signature does not match",
        ),
        (
            {"Shippo-Auth-Signature": f"t={SENT_AT},v1={signature(BODY, SENT_AT)[:-1]}"},
            "signature does not match",
        ),
        ({}, "missing Shippo-Auth-Signature"),
        ({"Shippo-Auth-Signature": ""}, "missing Shippo-Auth-Signature"),
    ],
    ids=["other-secret", "other-body", "other-timestamp", "cut-short", "no-header", "empty"],
)
def test_a_wrong_or_missing_signature_is_refused(headers, reason):
    with pytest.raises(SignatureError, match=reason):
        shippo.verify(Headers(headers), BODY, SECRET, NOW)


def test_a_tampered_body_is_refused():
    headers = Headers(signed(BODY, SENT_AT))
    with pytest.raises(SignatureError, match="signature does not match"):
        shippo.verify(headers, BODY.replace(b"DELIVERED", b"RETURNED"), SECRET, NOW)


@pytest.mark.parametrize(
    ("sent_at", "reason"),
    [
        (NOW - timedelta(seconds=301), "timestamp too old"),
        (NOW - timedelta(days=3), "timestamp too old"),
        (NOW + timedelta(seconds=301), "timestamp is in the future"),
    ],
    ids=["just-too-old", "replayed", "future"],
)
def test_a_correctly_signed_delivery_outside_the_tolerance_is_refused(sent_at, reason):
    timestamp = int(sent_at.timestamp())
    with pytest.raises(SignatureError, match=reason):
        shippo.verify(Headers(signed(BODY, timestamp)), BODY, SECRET, NOW)


@pytest.mark.parametrize("seconds", [-300, 300])
def test_the_tolerance_edge_still_passes(seconds):
    timestamp = int((NOW + timedelta(seconds=seconds)).timestamp())
    shippo.verify(Headers(signed(BODY, timestamp)), BODY, SECRET, NOW, tolerance=300)


def test_the_tolerance_is_a_parameter():
    timestamp = int((NOW - timedelta(seconds=100)).timestamp())
    with pytest.raises(SignatureError, match="too old"):
        shippo.verify(Headers(signed(BODY, timestamp)), BODY, SECRET, NOW, tolerance=60)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "t=,v1=",
        "v1=abc",
        f"t={SENT_AT}",
        f"t={SENT_AT},v1=",
        "t=yesterday,v1=abcd",
        "t=-1,v1=abcd",
        f"t={'9' * 400},v1=abcd",
        "t=²³,v1=abcd",
        f"t={SENT_AT},v1=ünïcödé",
        f"t={SENT_AT},v1=\udcff",
        ",,,=,==,t",
        "hmac-sha256-hex=" + "a" * 64,
        b"t=1,v1=\xff\xfe",
        12345,
        ["t=1", "v1=abcd"],
    ],
)
def test_a_garbage_header_is_refused_with_a_signature_error(value):
    with pytest.raises(SignatureError):
        shippo.verify({"Shippo-Auth-Signature": value}, BODY, SECRET, NOW)


@pytest.mark.parametrize("headers", [None, "Shippo-Auth-Signature: t=1", 42])
def test_headers_that_are_no_mapping_are_refused(headers):
    with pytest.raises(SignatureError, match="missing"):
        shippo.verify(headers, BODY, SECRET, NOW)


@pytest.mark.parametrize("secret", ["", None, 123456])
def test_no_secret_verifies_nothing(secret):
    with pytest.raises(SignatureError, match="secret"):
        shippo.verify(Headers(signed(BODY, SENT_AT, secret="")), BODY, secret, NOW)


def test_a_body_that_is_not_bytes_is_refused():
    with pytest.raises(SignatureError, match="bytes"):
        shippo.verify(Headers(signed(BODY, SENT_AT)), json.loads(BODY), SECRET, NOW)


# Webhook deliveries


@pytest.mark.parametrize(
    "document",
    [
        recorded("track_updated_usps_delivered"),
        {"event": "track_updated", "data": {"event_id": "x"}},
        None,
        "track_updated",
        [],
    ],
)
def test_shippo_deliveries_have_no_event_id(document):
    assert shippo.event_id(document) is None


def test_a_track_updated_delivery_names_its_parcel():
    (update,) = shippo.parse_webhook(recorded("track_updated_usps_delivered"))
    assert (update.tracking_number, update.carrier) == ("9400111201080805483016", "usps")
    assert [scan.status for scan in update.tracking.scans] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]
    assert update.tracking.scans[2].utc_offset_minutes == -420
    assert update.tracking.scans[3].key == "d4e0f6b2a8c34e5f9b1c7d3e5f7a9b04"
    assert update.tracking.estimated_delivery == date(2026, 11, 21)


@pytest.mark.parametrize(
    ("token", "ours"),
    [("dhl_express", "dhl"), ("royal_mail", "royalmail"), ("dpd_de", "dpd"), ("UPS", "ups")],
)
def test_the_provider_carrier_becomes_ours(token, ours):
    document = recorded("track_updated_usps_delivered")
    document["data"]["carrier"] = token
    assert shippo.parse_webhook(document)[0].carrier == ours


@pytest.mark.parametrize("token", ["hermes_uk", "", None, 7])
def test_a_carrier_we_do_not_know_is_none(token):
    document = recorded("track_updated_usps_delivered")
    document["data"]["carrier"] = token
    (update,) = shippo.parse_webhook(document)
    assert update.carrier is None
    assert len(update.tracking.scans) == 4


@pytest.mark.parametrize("event_name", ["transaction_created", "batch_purchased", "track_created"])
def test_other_events_name_no_parcel(event_name):
    document = {**recorded("track_updated_usps_delivered"), "event": event_name}
    assert shippo.parse_webhook(document) == []


def without_tracking_number() -> dict:
    document = copy.deepcopy(recorded("track_updated_usps_delivered"))
    del document["data"]["tracking_number"]
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (without_tracking_number(), "no tracking number"),
        (
            {
                "event": "track_updated",
                "test": False,
                "data": track(GOOD_EVENT) | {"tracking_number": " "},
            },
            "no tracking number",
        ),
        (
            {"event": "track_updated", "data": track(GOOD_EVENT) | {"tracking_number": 94001}},
            "no tracking number",
        ),
        ({"event": "track_updated", "data": None}, "no Track"),
        ({"event": "track_updated", "data": [track(GOOD_EVENT)]}, "no Track"),
        ({"event": "track_updated", "data": {"tracking_number": "9400"}}, "not a Shippo Track"),
        (track(GOOD_EVENT), "not a Shippo event"),
        ({"event": None, "data": track(GOOD_EVENT)}, "not a Shippo event"),
        (None, "not a Shippo event"),
        ([recorded("track_updated_usps_delivered")], "not a Shippo event"),
    ],
)
def test_a_delivery_that_names_no_parcel_is_malformed(document, message):
    with pytest.raises(MalformedAnswer, match=message):
        shippo.parse_webhook(document)


def test_the_feed_names_its_settings():
    assert shippo.NAME == "shippo"
    assert shippo.CREDENTIALS == ("SHIPPO_API_TOKEN",)
    assert shippo.WEBHOOK_SECRET == "SHIPPO_WEBHOOK_SECRET"
    assert {"SHIPPO_URL", *shippo.CREDENTIALS, shippo.WEBHOOK_SECRET} <= set(DEFAULTS)
    assert "postnl" not in shippo.CARRIERS
