"""The EasyPost adapter on recorded Trackers and Events: polled, pushed, signed, mapped."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
import responses
from requests.structures import CaseInsensitiveDict
from werkzeug.datastructures import Headers

from webapp.config import DEFAULTS
from webapp.tracking.statuses import ExceptionReason, Status
from workers.carriers import easypost
from workers.carriers.feed import (
    FeedUnavailable,
    MalformedAnswer,
    Parcel,
    RateLimited,
    Rejected,
    SignatureError,
    UnknownNumber,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers" / "easypost"
CONFIG = {**DEFAULTS, "EASYPOST_URL": "https://easypost.test", "EASYPOST_API_KEY": "test-key"}
TRACKERS_URL = "https://easypost.test/v2/trackers"
NOW = datetime(2026, 1, 4, 22, 18, 45, tzinfo=UTC)
SECRET = "s\u00e9cret-\ufb01le"  # a composed é and the "fi" ligature: NFKD changes both

DOCUMENTED_STATUSES = {
    "unknown",
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "delivered",
    "return_to_sender",
    "failure",
    "cancelled",
    "error",
}
DOCUMENTED_DETAILS = {
    "address_correction",
    "arrived_at_destination",
    "arrived_at_facility",
    "arrived_at_pickup_location",
    "awaiting_information",
    "cancelled",
    "damaged",
    "delayed",
    "delivery_exception",
    "departed_facility",
    "departed_origin_facility",
    "expired",
    "failure",
    "held",
    "in_transit",
    "label_created",
    "lost",
    "missorted",
    "out_for_delivery",
    "received_at_destination_facility",
    "received_at_origin_facility",
    "refused",
    "return",
    "status_update",
    "transferred_to_destination_carrier",
    "transit_exception",
    "unknown",
    "weather_delay",
}

GOOD_DETAIL = {
    "object": "TrackingDetail",
    "message": "Arrived at Facility",
    "description": "",
    "status": "in_transit",
    "status_detail": "arrived_at_facility",
    "datetime": "2026-01-03T04:22:00Z",
    "source": "UPS",
    "carrier_code": "AR",
    "tracking_location": {"city": "Louisville", "state": "KY", "country": "US", "zip": "40223"},
}


def recorded(name: str) -> dict:
    """A Tracker or an Event as EasyPost sent it."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def tracker(*details: object, **fields: object) -> dict:
    """A Tracker around these tracking details."""
    return {
        "id": "trk_0000",
        "object": "Tracker",
        "tracking_code": "1Z5R89390357567127",
        "carrier": "UPS",
        "status": "in_transit",
        "tracking_details": list(details),
        **fields,
    }


def scan_of(**changes: object):
    """The one scan read from GOOD_DETAIL with these changes."""
    return easypost.parse(tracker({**GOOD_DETAIL, **changes})).scans[0]


def signed(body: bytes, secret: str = SECRET) -> str:
    """The X-Hmac-Signature EasyPost would send, worked out here without the adapter."""
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


# --- statuses ---------------------------------------------------------------------------------


def test_every_documented_status_is_mapped():
    assert set(easypost.STATUS_MAP) == DOCUMENTED_STATUSES
    assert Status.UNKNOWN not in easypost.STATUS_MAP.values()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("unknown", Status.PENDING),
        ("pre_transit", Status.INFO_RECEIVED),
        ("in_transit", Status.IN_TRANSIT),
        ("out_for_delivery", Status.OUT_FOR_DELIVERY),
        ("available_for_pickup", Status.AVAILABLE_FOR_PICKUP),
        ("delivered", Status.DELIVERED),
        ("return_to_sender", Status.RETURNED_TO_SENDER),
        ("failure", Status.EXCEPTION),
        ("cancelled", Status.CANCELLED),
        ("error", Status.EXCEPTION),
    ],
)
def test_each_status(code, expected):
    assert easypost.map_status(code) is expected
    assert easypost.STATUS_MAP[code] is expected


@pytest.mark.parametrize(
    ("code", "detail", "expected"),
    [
        ("failure", "delivery_exception", Status.FAILED_ATTEMPT),
        ("error", "delivery_exception", Status.FAILED_ATTEMPT),
        ("failure", "weather_delay", Status.EXCEPTION),
        ("error", "lost", Status.EXCEPTION),
        ("in_transit", "delayed", Status.EXCEPTION),
        ("in_transit", "weather_delay", Status.EXCEPTION),
        ("out_for_delivery", "damaged", Status.EXCEPTION),
        ("in_transit", "expired", Status.EXPIRED),
        ("unknown", "expired", Status.EXPIRED),
        ("in_transit", "return", Status.RETURNED_TO_SENDER),
        ("in_transit", "arrived_at_facility", Status.IN_TRANSIT),
        ("in_transit", "address_correction", Status.IN_TRANSIT),
        ("delivered", "arrived_at_destination", Status.DELIVERED),
        ("pre_transit", "label_created", Status.INFO_RECEIVED),
    ],
)
def test_the_status_detail_refines_the_status(code, detail, expected):
    assert easypost.map_status(code, detail) is expected


@pytest.mark.parametrize("code", ["lost_in_space", "", "IN_TRANSIT", "in_transit ", None, 7])
def test_an_unknown_status_maps_to_unknown(code):
    assert easypost.map_status(code) is Status.UNKNOWN
    assert easypost.map_status(code, "delayed") is Status.UNKNOWN


def test_reasons_are_documented_details():
    assert set(easypost.REASONS) <= DOCUMENTED_DETAILS
    assert all(isinstance(reason, ExceptionReason) for reason in easypost.REASONS.values())


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ("delayed", "delayed"),
        ("weather_delay", "weather"),
        ("lost", "lost"),
        ("damaged", "damaged"),
        ("refused", "refused"),
        ("held", "held"),
        ("address_correction", "address"),
        ("delivery_exception", None),
        ("transit_exception", None),
        (None, None),
    ],
)
def test_a_failure_carries_the_reason_its_detail_gives(detail, reason):
    scan = scan_of(status="failure", status_detail=detail)
    assert scan.status in (Status.EXCEPTION, Status.FAILED_ATTEMPT)
    assert scan.exception_reason == reason


def test_a_reason_is_only_given_to_a_troubled_scan():
    """A package held for pickup or with a corrected address is not in trouble."""
    assert scan_of(status="available_for_pickup", status_detail="held").exception_reason is None
    assert scan_of(status_detail="address_correction").exception_reason is None


# --- polling ----------------------------------------------------------------------------------


@responses.activate
def test_fetch_creates_the_tracker_with_basic_auth_and_reads_it():
    responses.post(TRACKERS_URL, json=recorded("tracker_weather_delay"))
    parcel = Parcel("usps", "9400 1112 0108 0805 4830 16")
    tracking = easypost.fetch(requests.Session(), parcel, CONFIG)
    request = responses.calls[0].request
    assert request.url == TRACKERS_URL
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"test-key:").decode()
    assert json.loads(request.body) == {
        "tracker": {"tracking_code": "9400111201080805483016", "carrier": "USPS"}
    }
    assert len(tracking.scans) == 7
    assert tracking.scans[-1].status is Status.OUT_FOR_DELIVERY
    assert tracking.estimated_delivery == date(2026, 11, 21)


@responses.activate
def test_fetch_lets_easypost_detect_a_carrier_it_has_no_name_for():
    responses.post(TRACKERS_URL, json=tracker())
    easypost.fetch(requests.Session(), Parcel("sandbox", "SB00000025"), CONFIG)
    assert json.loads(responses.calls[0].request.body) == {
        "tracker": {"tracking_code": "SB00000025"}
    }


@responses.activate
def test_fetch_uses_the_configured_url():
    responses.post("https://proxy.test/easypost/v2/trackers", json=tracker(GOOD_DETAIL))
    config = {**CONFIG, "EASYPOST_URL": "https://proxy.test/easypost/"}
    tracking = easypost.fetch(requests.Session(), Parcel("ups", "1Z5R89390357567127"), config)
    assert tracking.scans[0].carrier_code == "in_transit/arrived_at_facility"


@responses.activate
def test_a_rate_limit_is_passed_on_with_its_wait():
    responses.post(TRACKERS_URL, status=429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as raised:
        easypost.fetch(requests.Session(), Parcel("ups", "1Z5R89390357567127"), CONFIG)
    assert raised.value.retry_after == 30.0


@pytest.mark.parametrize(
    ("status", "error"), [(404, UnknownNumber), (503, FeedUnavailable), (422, Rejected)]
)
@responses.activate
def test_http_failures_become_feed_errors(status, error):
    body = {"error": {"code": "TRACKER.CREATE.ERROR", "message": "x", "errors": []}}
    responses.post(TRACKERS_URL, status=status, json=body)
    with pytest.raises(error):
        easypost.fetch(requests.Session(), Parcel("ups", "1Z5R89390357567127"), CONFIG)


@pytest.mark.parametrize("status", [200, 422])
@pytest.mark.parametrize(
    "code", ["TRACKER.TRACKING_CODE.INVALID", "TRACKER.NOT_FOUND", "NOT_FOUND"]
)
@responses.activate
def test_an_error_for_the_number_is_an_unknown_number(code, status):
    body = {"error": {"code": code, "message": "Tracking code not found.", "errors": []}}
    responses.post(TRACKERS_URL, json=body, status=status)
    with pytest.raises(UnknownNumber) as raised:
        easypost.fetch(requests.Session(), Parcel("ups", "1Z5R89390357567128"), CONFIG)
    assert "Tracking code not found." in str(raised.value)


def test_any_other_error_with_http_200_is_rejected():
    body = {"error": {"code": "APIKEY.INACTIVE", "message": "This api key is no longer active."}}
    with pytest.raises(Rejected):
        easypost.parse(body)


def test_a_tracker_not_yet_heard_back_about_is_empty_not_unknown():
    tracking = easypost.parse(tracker(status="unknown"))
    assert (tracking.scans, tracking.rejected, tracking.estimated_delivery) == ((), 0, None)


@pytest.mark.parametrize(
    "document",
    [
        None,
        "not found",
        [GOOD_DETAIL],
        {"object": "Tracker", "tracking_details": None},
        {"object": "Tracker", "tracking_details": {"0": GOOD_DETAIL}},
        {"id": "trk_1", "status": "in_transit"},
        {**tracker(GOOD_DETAIL), "object": "Event"},
    ],
)
def test_an_answer_that_is_not_a_tracker_is_malformed(document):
    with pytest.raises(MalformedAnswer) as raised:
        easypost.parse(document)
    assert raised.value.outcome == "malformed"


# --- scans ------------------------------------------------------------------------------------


def test_the_scan_keeps_what_the_detail_says():
    document = recorded("tracker_weather_delay")
    second = easypost.parse(document).scans[1]
    assert second.occurred_at == datetime(2026, 11, 18, 2, 14, tzinfo=UTC)
    assert (second.status, second.carrier_code) == (
        Status.IN_TRANSIT,
        "in_transit/received_at_origin_facility",
    )
    assert second.carrier_text == "Accepted at USPS Origin Facility"
    assert (second.city, second.region, second.postcode, second.country) == (
        "BROOKLYN",
        "NY",
        "11256",
        "US",
    )
    assert second.raw_payload == document["tracking_details"][1]
    assert second.key is None


def test_the_recorded_journey():
    statuses = [scan.status for scan in easypost.parse(recorded("tracker_weather_delay")).scans]
    assert statuses == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.EXCEPTION,
        Status.UNKNOWN,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
    ]


def test_a_weather_delay_is_an_exception_with_its_reason_and_its_markup_kept():
    delay = easypost.parse(recorded("tracker_weather_delay")).scans[3]
    assert (delay.status, delay.exception_reason) == (Status.EXCEPTION, "weather")
    assert delay.carrier_text == "Delayed due to <b>severe weather</b> &amp; road closures"


def test_an_unknown_status_is_kept_with_the_raw_code():
    kept = easypost.parse(recorded("tracker_weather_delay")).scans[4]
    assert kept.status is Status.UNKNOWN
    assert kept.carrier_code == "in_customs/status_update"
    assert kept.carrier_text == "Processing at customs gateway"
    assert kept.country == ""  # "United States" is not a two-letter code


def test_local_offsets_are_kept_and_utc_has_none():
    """EasyPost sends UTC ("Z") unless it can place a scan in its own time zone."""
    scans = easypost.parse(recorded("tracker_weather_delay")).scans
    assert [scan.utc_offset_minutes for scan in scans] == [None, None] + [-360] * 4 + [-300]
    assert scans[2].occurred_at == datetime(2026, 11, 19, 3, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "instant", "offset"),
    [
        ("2026-11-20T09:00:00+01:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC), 60),
        ("2026-11-20T09:00:00+00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 0),
        ("2026-11-20T09:00:00Z", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), None),
        ("2026-11-20T09:00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), None),
    ],
)
def test_scan_times(written, instant, offset):
    scan = scan_of(datetime=written)
    assert (scan.occurred_at, scan.utc_offset_minutes) == (instant, offset)
    assert scan.occurred_at.tzinfo is not None


def test_the_description_stands_in_for_a_missing_message():
    assert scan_of(message=None, description="Picked up").carrier_text == "Picked up"


@pytest.mark.parametrize("location", [None, "Louisville", ["Louisville"], 7])
def test_a_location_that_is_not_an_object_leaves_the_scan_without_a_place(location):
    scan = scan_of(tracking_location=location)
    assert (scan.city, scan.region, scan.postcode, scan.country) == ("", "", "", "")
    assert scan.status is Status.IN_TRANSIT


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in GOOD_DETAIL.items() if key != "datetime"},
        {**GOOD_DETAIL, "datetime": None},
        {**GOOD_DETAIL, "datetime": "yesterday"},
        {**GOOD_DETAIL, "datetime": 1767414120},
        "in_transit 2026-01-03T04:22:00Z",
        None,
        ["in_transit"],
    ],
    ids=[
        "no-time",
        "null-time",
        "words-for-time",
        "number-for-time",
        "string",
        "null",
        "list",
    ],
)
def test_one_unreadable_detail_is_rejected_and_the_rest_kept(broken, caplog):
    later = {**GOOD_DETAIL, "datetime": "2026-01-03T09:00:00Z", "message": "Departed"}
    tracking = easypost.parse(tracker(GOOD_DETAIL, broken, later))
    assert [scan.carrier_text for scan in tracking.scans] == ["Arrived at Facility", "Departed"]
    assert tracking.rejected == 1
    assert "easypost event not readable" in caplog.text


@pytest.mark.parametrize(
    "odd",
    [{"status": ["in_transit"]}, {"message": {"text": "Arrived"}}],
    ids=["list-for-status", "object-for-message"],
)
def test_a_detail_with_a_field_of_the_wrong_kind_is_kept_without_it(odd):
    """Its time is readable, so the scan happened: kept, as unknown when its status is not."""
    [scan] = easypost.parse(tracker({**GOOD_DETAIL, **odd})).scans
    assert scan.occurred_at == easypost.parse(tracker(GOOD_DETAIL)).scans[0].occurred_at
    assert scan.status in (Status.UNKNOWN, Status.IN_TRANSIT)
    assert "[" not in scan.carrier_code
    assert "{" not in scan.carrier_text


# --- estimated delivery -----------------------------------------------------------------------


def test_the_local_eta_date_wins_over_the_utc_one():
    """22:00 in New York on the 21st is 03:00 UTC on the 22nd: the customer's day is the 21st."""
    tracking = easypost.parse(recorded("tracker_weather_delay"))
    assert tracking.estimated_delivery == date(2026, 11, 21)


@pytest.mark.parametrize(
    ("est_delivery_date", "carrier_detail", "expected"),
    [
        ("2026-01-05T00:00:00Z", None, date(2026, 1, 5)),
        ("2026-01-05T23:30:00-08:00", {"est_delivery_date_local": None}, date(2026, 1, 5)),
        ("2026-01-05T00:00:00Z", {"est_delivery_date_local": "2026-01-06"}, date(2026, 1, 6)),
        ("2026-01-05T00:00:00Z", {"est_delivery_date_local": "soon"}, date(2026, 1, 5)),
        (None, {"est_delivery_date_local": "2026-01-06"}, date(2026, 1, 6)),
        (None, None, None),
        ("2026-02-30T00:00:00Z", None, None),
        ("next Tuesday", "2026-01-06", None),
        (20260105, None, None),
    ],
)
def test_estimated_delivery_is_the_date_as_written(est_delivery_date, carrier_detail, expected):
    document = tracker(est_delivery_date=est_delivery_date, carrier_detail=carrier_detail)
    assert easypost.parse(document).estimated_delivery == expected


# --- webhooks: signature ----------------------------------------------------------------------


BODY = (FIXTURES / "event_tracker_updated.json").read_bytes()


@pytest.mark.parametrize("headers_type", [Headers, CaseInsensitiveDict])
def test_a_good_signature_passes(headers_type):
    headers = headers_type({"x-hmac-signature": signed(BODY)})
    assert easypost.verify(headers, BODY, SECRET, NOW) is None


def test_the_secret_is_normalised_before_use():
    raw_key_signature = (
        "hmac-sha256-hex=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    )
    assert raw_key_signature != signed(BODY)
    with pytest.raises(SignatureError, match="does not match"):
        easypost.verify(Headers({"X-Hmac-Signature": raw_key_signature}), BODY, SECRET, NOW)


def test_a_signature_with_another_secret_is_refused():
    headers = Headers({"X-Hmac-Signature": signed(BODY, "another-secret")})
    with pytest.raises(SignatureError, match="signature does not match"):
        easypost.verify(headers, BODY, SECRET, NOW)


def test_the_signature_of_another_body_is_refused():
    other = BODY.replace(b"delivery_exception", b"delivered")
    with pytest.raises(SignatureError, match="signature does not match"):
        easypost.verify(Headers({"X-Hmac-Signature": signed(other)}), BODY, SECRET, NOW)


def test_a_missing_signature_is_refused():
    with pytest.raises(SignatureError, match="missing X-Hmac-Signature"):
        easypost.verify(Headers({"X-Other": signed(BODY)}), BODY, SECRET, NOW)


def test_no_secret_refuses_everything():
    with pytest.raises(SignatureError):
        easypost.verify(Headers({"X-Hmac-Signature": signed(BODY, "")}), BODY, "", NOW)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "hmac-sha256-hex=",
        "hmac-sha256-hex=zz",
        "hmac-sha256-hex=" + "é" * 64,
        "hmac-sha256-hex=\udcff",
        "sha256=" + signed(BODY).removeprefix("hmac-sha256-hex="),
        signed(BODY).removeprefix("hmac-sha256-hex="),
        "\x00\x01garbage",
        "hmac-sha256-hex=" + "0" * 10_000,
    ],
)
def test_a_garbage_signature_is_a_signature_error(value):
    with pytest.raises(SignatureError):
        easypost.verify(CaseInsensitiveDict({"X-Hmac-Signature": value}), BODY, SECRET, NOW)


# --- webhooks: events -------------------------------------------------------------------------


def test_event_id_is_the_events_id():
    assert easypost.event_id(recorded("event_tracker_updated")) == (
        "evt_0f5e3a2b8c1d4e6f9a7b3c2d1e0f4a5b"
    )


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "evt_1",
        {},
        {"object": "Event"},
        {"object": "Event", "id": 7},
        {"object": "Event", "id": ""},
        tracker(),  # a Tracker's id is not a delivery's
    ],
)
def test_a_document_without_an_event_id_has_none(document):
    assert easypost.event_id(document) is None


def test_a_tracker_event_is_one_update():
    [update] = easypost.parse_webhook(recorded("event_tracker_updated"))
    assert (update.tracking_number, update.carrier) == ("1Z5R89390357567127", "ups")
    assert [scan.status for scan in update.tracking.scans] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.FAILED_ATTEMPT,
    ]
    attempt = update.tracking.scans[-1]
    assert attempt.carrier_code == "failure/delivery_exception"
    assert attempt.carrier_text.startswith("The receiver was not available for delivery.")
    assert (attempt.city, attempt.postcode) == ("Denver", "80202")
    assert update.tracking.estimated_delivery == date(2026, 1, 5)
    assert update.tracking.rejected == 0


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [("UPS", "ups"), ("DHLExpress", "dhl"), ("DHL Express", "dhl"), ("fedex", "fedex")],
)
def test_the_carrier_is_ours(theirs, ours):
    document = recorded("event_tracker_updated")
    document["result"]["carrier"] = theirs
    assert easypost.parse_webhook(document)[0].carrier == ours


@pytest.mark.parametrize("theirs", ["LaserShip", "", None, 42])
def test_a_carrier_we_do_not_know_is_none(theirs):
    document = recorded("event_tracker_updated")
    document["result"]["carrier"] = theirs
    [update] = easypost.parse_webhook(document)
    assert update.carrier is None
    assert update.tracking_number == "1Z5R89390357567127"


def test_every_carrier_of_ours_is_named():
    assert set(easypost.CARRIERS) == {"ups", "usps", "fedex", "dhl", "dpd", "royalmail", "postnl"}


def test_a_tracker_created_event_is_read_too():
    document = recorded("event_tracker_updated")
    document["description"] = "tracker.created"
    assert len(easypost.parse_webhook(document)) == 1


def test_an_event_about_something_else_records_nothing():
    assert easypost.parse_webhook(recorded("event_batch_updated")) == []


def test_a_tracker_event_whose_result_is_not_a_tracker_records_nothing():
    document = recorded("event_tracker_updated")
    document["result"]["object"] = "Refund"
    assert easypost.parse_webhook(document) == []


@pytest.mark.parametrize("number", [None, "", "   ", 1234])
def test_a_tracker_event_without_a_tracking_number_is_malformed(number):
    document = recorded("event_tracker_updated")
    if number is None:
        del document["result"]["tracking_code"]
    else:
        document["result"]["tracking_code"] = number
    with pytest.raises(MalformedAnswer, match="tracking_code"):
        easypost.parse_webhook(document)


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "tracker.updated",
        recorded("event_tracker_updated")["result"],  # a bare Tracker, not an Event
        {"object": "Event", "description": "tracker.updated", "result": None},
        {"object": "Event", "description": "tracker.updated", "result": ["trk_1"]},
        {
            "object": "Event",
            "description": "tracker.updated",
            "result": {"object": "Tracker", "tracking_code": "1Z", "tracking_details": "none"},
        },
    ],
)
def test_a_body_that_is_not_a_documented_event_is_malformed(document):
    with pytest.raises(MalformedAnswer):
        easypost.parse_webhook(document)
