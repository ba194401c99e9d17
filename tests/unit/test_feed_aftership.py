"""The AfterShip adapter on recorded answers and webhooks: found or created, mapped, signed."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import responses
from requests.structures import CaseInsensitiveDict
from responses import matchers
from werkzeug.datastructures import Headers

from webapp.config import DEFAULTS
from webapp.tracking.statuses import Status
from workers.carriers import aftership
from workers.carriers.aftership import (
    CARRIERS,
    REASONS,
    STATUS_MAP,
    event_id,
    fetch,
    map_status,
    parse,
    parse_webhook,
    verify,
)
from workers.carriers.feed import (
    FeedUnavailable,
    MalformedAnswer,
    Parcel,
    RateLimited,
    Rejected,
    SignatureError,
    UnknownNumber,
    session,
)

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "carriers" / "aftership"
CONFIG = {**DEFAULTS, "AFTERSHIP_API_KEY": "test-key"}
TRACKINGS_URL = "https://api.aftership.com/tracking/2024-10/trackings"
SECRET = "whsec-4f1c9a"
NOW = datetime(2026, 11, 20, 20, 36, 30, tzinfo=UTC)

DHL_PARCEL = Parcel("dhl", "3318810025")
UPS_PARCEL = Parcel("ups", "1Z5R89390357567127")

GOOD_CHECKPOINT = {
    "slug": "ups",
    "checkpoint_time": "2026-11-16T18:05:00-05:00",
    "city": "Louisville",
    "state": "KY",
    "zip": "40213",
    "country_region": "USA",
    "message": "Pickup Scan",
    "tag": "InTransit",
    "subtag": "InTransit_002",
    "subtag_message": "Picked up",
    "raw_tag": "I",
}


def recorded(name: str) -> dict:
    """An answer or webhook body as AfterShip sends it."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def raw(name: str) -> bytes:
    """A recorded webhook body, byte for byte."""
    return (PAYLOADS / f"{name}.json").read_bytes()


def answer(*checkpoints: object, **fields: object) -> dict:
    """A Get trackings answer with one tracking around these checkpoints."""
    tracking = {"tracking_number": "1Z5R89390357567127", "slug": "ups", **fields}
    tracking["checkpoints"] = list(checkpoints)
    return {"meta": {"code": 200}, "data": {"trackings": [tracking]}}


def checkpoint(**fields: object) -> dict:
    return {**GOOD_CHECKPOINT, **fields}


def only_scan(**fields: object):
    return parse(answer(checkpoint(**fields))).scans[0]


def signature(body: bytes, secret: str = SECRET) -> str:
    """The header AfterShip sends: base64 of the HMAC-SHA256 of the body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def asked_for(number: str, slug: str) -> list:
    return [
        matchers.query_param_matcher({"tracking_numbers": number, "slug": slug}),
        matchers.header_matcher({"as-api-key": "test-key"}),
    ]


# Status mapping


def test_every_documented_tag_has_a_status():
    assert set(STATUS_MAP) == {
        "Pending",
        "InfoReceived",
        "InTransit",
        "OutForDelivery",
        "AttemptFail",
        "Delivered",
        "AvailableForPickup",
        "Exception",
        "Expired",
    }
    assert Status.UNKNOWN not in STATUS_MAP.values()


@pytest.mark.parametrize(
    ("tag", "status"),
    [
        ("Pending", Status.PENDING),
        ("InfoReceived", Status.INFO_RECEIVED),
        ("InTransit", Status.IN_TRANSIT),
        ("OutForDelivery", Status.OUT_FOR_DELIVERY),
        ("AttemptFail", Status.FAILED_ATTEMPT),
        ("Delivered", Status.DELIVERED),
        ("AvailableForPickup", Status.AVAILABLE_FOR_PICKUP),
        ("Exception", Status.EXCEPTION),
        ("Expired", Status.EXPIRED),
    ],
)
def test_each_tag_maps_to_its_status(tag, status):
    assert map_status(tag) is status
    assert only_scan(tag=tag, subtag=f"{tag}_001").status is status


@pytest.mark.parametrize("tag", ["OnHold", "", "delivered", "Delivered ", "IN_TRANSIT"])
def test_an_unknown_tag_maps_to_unknown(tag):
    assert map_status(tag) is Status.UNKNOWN
    assert map_status(tag, "OnHold_001") is Status.UNKNOWN


def test_an_unknown_tag_is_kept_with_its_code():
    scan = only_scan(tag="OnHold", subtag="OnHold_001", message="On hold at depot")
    assert (scan.status, scan.carrier_code, scan.carrier_text) == (
        Status.UNKNOWN,
        "OnHold_001",
        "On hold at depot",
    )
    assert scan.exception_reason is None


def test_an_unknown_tag_without_subtag_is_kept_under_the_tag():
    scan = only_scan(tag="OnHold", subtag=None)
    assert (scan.status, scan.carrier_code) == (Status.UNKNOWN, "OnHold")


def test_a_subtag_without_its_tag_still_says_the_status():
    scan = only_scan(tag=None, subtag="Delivered_003")
    assert (scan.status, scan.carrier_code) == (Status.DELIVERED, "Delivered_003")


@pytest.mark.parametrize(("subtag", "reason"), [(s, r.value) for s, r in REASONS.items()])
def test_exception_subtags_give_their_reason(subtag, reason):
    scan = only_scan(tag="Exception", subtag=subtag)
    assert (scan.status, scan.exception_reason) == (Status.EXCEPTION, reason)


def test_the_documented_reasons():
    assert {subtag: REASONS[subtag] for subtag in ("Exception_004", "Exception_012")} == {
        "Exception_004": "customs",
        "Exception_012": "damaged",
    }
    assert (REASONS["Exception_003"], REASONS["Exception_007"], REASONS["Exception_013"]) == (
        "refused",
        "address",
        "lost",
    )


@pytest.mark.parametrize("subtag", ["Exception_001", "Exception_009", "Exception_099", None])
def test_an_exception_that_says_no_more_is_other(subtag):
    scan = only_scan(tag="Exception", subtag=subtag)
    assert (scan.status, scan.exception_reason) == (Status.EXCEPTION, "other")


@pytest.mark.parametrize("subtag", ["Exception_010", "Exception_011"])
def test_a_return_to_sender_is_no_exception(subtag):
    scan = only_scan(tag="Exception", subtag=subtag)
    assert (scan.status, scan.exception_reason) == (Status.RETURNED_TO_SENDER, None)
    assert map_status("Exception", subtag) is Status.RETURNED_TO_SENDER


def test_a_cancelled_shipment():
    scan = only_scan(tag="Exception", subtag="Exception_020")
    assert (scan.status, scan.exception_reason) == (Status.CANCELLED, None)


@pytest.mark.parametrize("tag", ["InTransit", "AttemptFail", "Delivered"])
def test_only_exceptions_carry_a_reason(tag):
    assert only_scan(tag=tag, subtag=f"{tag}_002").exception_reason is None


# Polling


def test_the_poll_asks_for_the_parcel_and_reads_its_checkpoints():
    with responses.RequestsMock() as mocked:
        mocked.get(
            TRACKINGS_URL,
            json=recorded("get_trackings_customs"),
            match=asked_for("3318810025", "dhl"),
        )
        tracking = fetch(session(), DHL_PARCEL, CONFIG)
        assert len(mocked.calls) == 1
    assert [scan.status for scan in tracking.scans] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.EXCEPTION,
        Status.IN_TRANSIT,
        Status.UNKNOWN,
        Status.OUT_FOR_DELIVERY,
    ]
    assert (tracking.rejected, tracking.estimated_delivery) == (0, date(2026, 11, 24))


def test_the_base_url_comes_from_the_config():
    config = {**CONFIG, "AFTERSHIP_URL": "https://aftership.test/tracking/2025-01/"}
    with responses.RequestsMock() as mocked:
        mocked.get(
            "https://aftership.test/tracking/2025-01/trackings",
            json=recorded("get_trackings_customs"),
        )
        assert len(fetch(session(), DHL_PARCEL, config).scans) == 8


def test_a_number_aftership_does_not_track_yet_is_created():
    with responses.RequestsMock() as mocked:
        mocked.get(
            TRACKINGS_URL,
            json=recorded("get_trackings_empty"),
            match=asked_for("1Z5R89390357567127", "ups"),
        )
        mocked.post(
            TRACKINGS_URL,
            status=201,
            json=recorded("create_tracking"),
            match=[
                matchers.json_params_matcher(
                    {"tracking_number": "1Z5R89390357567127", "slug": "ups"}
                ),
                matchers.header_matcher({"as-api-key": "test-key"}),
            ],
        )
        tracking = fetch(session(), UPS_PARCEL, CONFIG)
        assert [call.request.method for call in mocked.calls] == ["GET", "POST"]
    assert (tracking.scans, tracking.rejected, tracking.estimated_delivery) == ((), 0, None)


def test_a_listed_tracking_of_another_parcel_is_not_taken_for_it():
    other = recorded("get_trackings_customs")
    other["data"]["trackings"][0]["tracking_number"] = "3318810036"
    with responses.RequestsMock() as mocked:
        mocked.get(TRACKINGS_URL, json=other)
        mocked.post(TRACKINGS_URL, status=201, json=recorded("create_tracking"))
        assert fetch(session(), DHL_PARCEL, CONFIG).scans == ()
        assert len(mocked.calls) == 2


def test_a_tracking_created_meanwhile_is_asked_for_again():
    """Another poll created it between our look-up and our create: AfterShip says 4003."""
    with responses.RequestsMock() as mocked:
        mocked.get(TRACKINGS_URL, json=recorded("get_trackings_empty"))
        mocked.post(TRACKINGS_URL, status=400, json=recorded("error_4003"))
        mocked.get(TRACKINGS_URL, json=recorded("get_trackings_customs"))
        tracking = fetch(session(), DHL_PARCEL, CONFIG)
        assert [call.request.method for call in mocked.calls] == ["GET", "POST", "GET"]
    assert len(tracking.scans) == 8


def test_a_number_aftership_finds_invalid_is_unknown():
    with responses.RequestsMock() as mocked:
        mocked.get(TRACKINGS_URL, json=recorded("get_trackings_empty"))
        mocked.post(TRACKINGS_URL, status=400, json=recorded("error_4005"))
        with pytest.raises(UnknownNumber) as raised:
            fetch(session(), UPS_PARCEL, CONFIG)
    assert raised.value.outcome == "not_found"
    assert "4005" in str(raised.value)


@pytest.mark.parametrize("status", [200, 404])
def test_tracking_does_not_exist_is_an_unknown_number(status):
    with responses.RequestsMock() as mocked:
        mocked.get(TRACKINGS_URL, status=status, json=recorded("error_4004"))
        with pytest.raises(UnknownNumber):
            fetch(session(), UPS_PARCEL, CONFIG)


def test_too_many_requests_says_when_to_come_back():
    with responses.RequestsMock() as mocked:
        mocked.get(
            TRACKINGS_URL,
            status=429,
            headers={"Retry-After": "30"},
            json={"meta": {"code": 429, "message": "Too many requests", "type": "TooManyRequests"}},
        )
        with pytest.raises(RateLimited) as raised:
            fetch(session(), UPS_PARCEL, CONFIG)
    assert raised.value.retry_after == 30.0


def test_a_wrong_api_key_is_rejected():
    with responses.RequestsMock() as mocked:
        mocked.get(
            TRACKINGS_URL,
            status=401,
            json={"meta": {"code": 401, "message": "Invalid API key.", "type": "Unauthorized"}},
        )
        with pytest.raises(Rejected):
            fetch(session(), UPS_PARCEL, CONFIG)


def test_an_outage_is_unavailable():
    with responses.RequestsMock() as mocked:
        mocked.get(TRACKINGS_URL, status=503, body="<h1>Service Unavailable</h1>")
        with pytest.raises(FeedUnavailable):
            fetch(session(), UPS_PARCEL, CONFIG)


def test_a_body_that_is_not_json_is_malformed():
    with responses.RequestsMock() as mocked:
        mocked.get(TRACKINGS_URL, body="<html>maintenance</html>")
        with pytest.raises(MalformedAnswer):
            fetch(session(), UPS_PARCEL, CONFIG)


def test_a_carrier_aftership_is_not_set_up_for_is_not_asked_about():
    with responses.RequestsMock() as mocked:
        with pytest.raises(Rejected):
            fetch(session(), Parcel("sandbox", "SB00000025"), CONFIG)
        assert len(mocked.calls) == 0


def test_every_carrier_has_a_slug():
    assert CARRIERS == {
        "ups": "ups",
        "usps": "usps",
        "fedex": "fedex",
        "dhl": "dhl",
        "dpd": "dpd",
        "royalmail": "royal-mail",
        "postnl": "postnl",
    }


# Reading a tracking


def test_the_scan_keeps_what_the_checkpoint_says():
    document = recorded("get_trackings_customs")
    picked_up = parse(document).scans[1]
    assert picked_up.occurred_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert (picked_up.carrier_code, picked_up.carrier_text) == (
        "InTransit_002",
        "Shipment picked up",
    )
    assert (picked_up.city, picked_up.region, picked_up.postcode, picked_up.country) == (
        "Leipzig",
        "Saxony",
        "04435",
        "DE",
    )
    assert picked_up.raw_payload == document["data"]["trackings"][0]["checkpoints"][1]
    assert picked_up.key is None


def test_local_offsets_are_kept():
    """Leipzig is an hour ahead of UTC in November; the UK is on UTC; one scan gives no offset."""
    scans = parse(recorded("get_trackings_customs")).scans
    assert [scan.utc_offset_minutes for scan in scans] == [60, 60, 60, 0, 0, None, 0, 0]
    assert scans[2].occurred_at.utcoffset() == timedelta(hours=1)


def test_a_time_without_an_offset_is_read_as_utc():
    scan = parse(recorded("get_trackings_customs")).scans[5]
    assert scan.occurred_at == datetime(2026, 11, 22, 8, 15, tzinfo=UTC)
    assert scan.utc_offset_minutes is None


def test_a_customs_exception_keeps_its_markup():
    scan = parse(recorded("get_trackings_customs")).scans[4]
    assert (scan.status, scan.exception_reason, scan.carrier_code) == (
        Status.EXCEPTION,
        "customs",
        "Exception_004",
    )
    assert scan.carrier_text == (
        'Clearance delay: <b>import duties</b> unpaid &mdash; see <a href="https://mydhl.'
        'express.dhl/gb/en/duties.html">pay duties</a>'
    )


def test_an_empty_message_falls_back_to_the_subtag_message():
    assert only_scan(message="").carrier_text == "Picked up"


def test_countries_become_two_letters():
    scans = parse(recorded("get_trackings_customs")).scans
    assert [scan.country for scan in scans] == ["DE", "DE", "DE", "GB", "GB", "", "GB", "GB"]


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("USA", "US"),
        ("NLD", "NL"),
        ("HKG", "HK"),
        ("gbr", "GB"),
        ("GB", "GB"),
        ("XYZ", ""),
        ("SUN", ""),
        ("United Kingdom", ""),
        ("", ""),
        (None, ""),
        (840, ""),
        ("ÜSA", ""),
    ],
)
def test_a_country(country, expected):
    assert only_scan(country_region=country).country == expected


def test_broken_checkpoints_are_counted_and_the_rest_kept(caplog):
    with caplog.at_level(logging.WARNING, logger=aftership.__name__):
        tracking = parse(recorded("broken_checkpoints"))
    assert [scan.carrier_text for scan in tracking.scans] == [
        "Picked up",
        "At local FedEx facility",
    ]
    assert tracking.rejected == 4
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 4
    assert tracking.estimated_delivery == date(2026, 11, 14)


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in GOOD_CHECKPOINT.items() if key != "checkpoint_time"},
        {**GOOD_CHECKPOINT, "checkpoint_time": "yesterday"},
        {**GOOD_CHECKPOINT, "checkpoint_time": "2026-11-31T10:00:00Z"},
        {**GOOD_CHECKPOINT, "checkpoint_time": 1795206970},
        {**GOOD_CHECKPOINT, "tag": ["InTransit"]},
        {**GOOD_CHECKPOINT, "subtag": 7},
        "InTransit 2026-11-16T18:05:00-05:00",
        None,
        ["InTransit"],
    ],
    ids=[
        "no-time",
        "words-for-time",
        "no-such-day",
        "number-for-time",
        "list-for-tag",
        "number-for-subtag",
        "string",
        "null",
        "list",
    ],
)
def test_one_unreadable_checkpoint_is_rejected(broken):
    later = checkpoint(checkpoint_time="2026-11-17T09:00:00-06:00", message="Arrival Scan")
    tracking = parse(answer(GOOD_CHECKPOINT, broken, later))
    assert [scan.carrier_text for scan in tracking.scans] == ["Pickup Scan", "Arrival Scan"]
    assert tracking.rejected == 1


def test_odd_location_fields_are_left_out_not_fatal():
    scan = only_scan(city=["Louisville"], state={"code": "KY"}, zip=40213)
    assert (scan.city, scan.region, scan.postcode) == ("", "", "40213")


def test_no_checkpoints_yet_is_an_empty_answer():
    for checkpoints in ([], None):
        tracking = parse({"data": {"tracking_number": "1Z", "checkpoints": checkpoints}})
        assert (tracking.scans, tracking.rejected, tracking.estimated_delivery) == ((), 0, None)


def test_the_legacy_tracking_wrapper_is_read():
    [tracking] = answer(GOOD_CHECKPOINT)["data"]["trackings"]
    document = {"meta": {"code": 200}, "data": {"tracking": tracking}}
    assert parse(document).scans[0].carrier_text == "Pickup Scan"


@pytest.mark.parametrize(
    ("tracking", "expected"),
    [
        ({"latest_estimated_delivery": {"datetime": "2026-01-05T00:00:00Z"}}, date(2026, 1, 5)),
        (
            {"latest_estimated_delivery": {"datetime": "2026-01-05T23:00:00-08:00"}},
            date(2026, 1, 5),
        ),
        ({"latest_estimated_delivery": {"datetime": "2026-01-05"}}, date(2026, 1, 5)),
        (
            {"latest_estimated_delivery": {"datetime": None, "datetime_max": "2026-01-07"}},
            date(2026, 1, 7),
        ),
        (
            {
                "latest_estimated_delivery": None,
                "courier_estimated_delivery_date": {"estimated_delivery_date": "2026-01-06"},
                "aftership_estimated_delivery_date": {"estimated_delivery_date": "2026-01-08"},
            },
            date(2026, 1, 6),
        ),
        (
            {"aftership_estimated_delivery_date": {"estimated_delivery_date_max": "2026-01-08"}},
            date(2026, 1, 8),
        ),
        ({"custom_estimated_delivery_date": {"datetime": "2026-01-09"}}, date(2026, 1, 9)),
        ({"expected_delivery": "2026-01-10T00:00:00Z"}, date(2026, 1, 10)),
        ({"latest_estimated_delivery": {"datetime": "2026-02-30"}}, None),
        ({"latest_estimated_delivery": {"datetime": "next Tuesday"}}, None),
        ({"latest_estimated_delivery": {"datetime": 20260105}}, None),
        ({"latest_estimated_delivery": "2026-01-05"}, None),
        ({"expected_delivery": "2026-01-0512"}, None),
        ({}, None),
    ],
)
def test_the_estimated_delivery_is_the_date_as_written(tracking, expected):
    assert parse(answer(GOOD_CHECKPOINT, **tracking)).estimated_delivery == expected


@pytest.mark.parametrize(
    "document",
    [
        [answer()],
        "not found",
        None,
        {"meta": {"code": 200}},
        {"meta": {"code": 200}, "data": None},
        {"meta": {"code": 200}, "data": {"pagination": {}}},
        {"meta": {"code": 200}, "data": {"trackings": []}},
        {"meta": {"code": 200}, "data": {"trackings": ["1Z5R89390357567127"]}},
        {"data": {"tracking_number": "1Z", "checkpoints": {"0": GOOD_CHECKPOINT}}},
        {"meta": {"code": [4004]}, "data": None},
    ],
)
def test_an_answer_without_a_readable_tracking_is_malformed(document):
    with pytest.raises(MalformedAnswer) as raised:
        parse(document)
    assert raised.value.outcome == "malformed"


def test_an_error_answer_is_not_taken_for_an_empty_one():
    with pytest.raises(Rejected):
        parse({"meta": {"code": 4010, "message": "The value of `slug` is invalid."}, "data": {}})


# Webhook signatures


def test_a_good_signature_passes():
    body = raw("webhook_tracking_update")
    for headers in (
        Headers({"Aftership-Hmac-Sha256": signature(body)}),
        CaseInsensitiveDict({"aftership-hmac-sha256": signature(body)}),
        CaseInsensitiveDict({"AFTERSHIP-HMAC-SHA256": f" {signature(body)} "}),
    ):
        assert verify(headers, body, SECRET, NOW) is None


def test_a_signature_with_another_secret_fails():
    body = raw("webhook_tracking_update")
    headers = Headers({"aftership-hmac-sha256": signature(body, "another-secret")})
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(headers, body, SECRET, NOW)


def test_the_signature_of_another_body_fails():
    headers = Headers({"aftership-hmac-sha256": signature(raw("webhook_edd_revise"))})
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(headers, raw("webhook_tracking_update"), SECRET, NOW)


def test_a_body_changed_after_signing_fails():
    body = raw("webhook_tracking_update")
    headers = Headers({"aftership-hmac-sha256": signature(body)})
    with pytest.raises(SignatureError):
        verify(headers, body.replace(b"Delivered_001", b"Exception_013"), SECRET, NOW)


def test_a_missing_signature_fails():
    with pytest.raises(SignatureError, match="missing aftership-hmac-sha256"):
        verify(Headers({"X-Other": "1"}), raw("webhook_tracking_update"), SECRET, NOW)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "not base64 at all!",
        "sha256=" + "0" * 64,
        "ÿþ\u202e",
        "\x00" * 44,
        "A" * 10_000,
    ],
)
def test_a_garbage_signature_fails_cleanly(value):
    body = raw("webhook_tracking_update")
    with pytest.raises(SignatureError):
        verify(Headers({"aftership-hmac-sha256": value}), body, SECRET, NOW)


def test_a_signature_header_that_is_not_text_fails_cleanly():
    with pytest.raises(SignatureError):
        verify({"aftership-hmac-sha256": [b"sig"]}, b"{}", SECRET, NOW)


def test_no_secret_never_passes():
    body = raw("webhook_tracking_update")
    headers = Headers({"aftership-hmac-sha256": signature(body, "")})
    with pytest.raises(SignatureError):
        verify(headers, body, "", NOW)


def test_a_body_that_is_not_bytes_fails_cleanly():
    body = raw("webhook_tracking_update")
    headers = Headers({"aftership-hmac-sha256": signature(body)})
    with pytest.raises(SignatureError):
        verify(headers, body.decode(), SECRET, NOW)


# Webhooks


def test_the_event_id_names_the_delivery():
    assert event_id(recorded("webhook_tracking_update")) == "8f1c2b7e-3d4a-4f5b-9c6d-0e1a2b3c4d5e"


@pytest.mark.parametrize(
    "document",
    [{"event": "tracking_update"}, {"event_id": ""}, {"event_id": 42}, [], "x", None],
)
def test_a_document_without_an_event_id_has_none(document):
    assert event_id(document) is None


def test_a_tracking_update():
    [update] = parse_webhook(recorded("webhook_tracking_update"))
    assert (update.tracking_number, update.carrier) == ("1Z5R89390357567127", "ups")
    scans = update.tracking.scans
    assert [scan.status for scan in scans] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.EXCEPTION,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]
    assert [scan.utc_offset_minutes for scan in scans] == [-300, -300, -360, -360, -360]
    assert scans[2].exception_reason == "delayed"
    assert scans[-1].occurred_at == datetime(
        2026, 11, 20, 14, 31, tzinfo=timezone(-timedelta(hours=6))
    )
    assert scans[-1].carrier_text == "DELIVERED<br>Left At: Front Door <img src=x onerror=alert(1)>"
    assert [scan.country for scan in scans] == ["US"] * 5
    assert update.tracking.estimated_delivery == date(2026, 11, 20)


def test_an_edd_revise_carries_the_new_estimate():
    [update] = parse_webhook(recorded("webhook_edd_revise"))
    assert (update.tracking_number, update.carrier) == ("RB123456785GB", "royalmail")
    assert update.tracking.estimated_delivery == date(2026, 11, 21)
    assert [scan.carrier_code for scan in update.tracking.scans] == ["InTransit_001"]


def test_a_pending_time_event_names_its_parcel():
    document = recorded("webhook_tracking_update")
    document["event"] = "tracking_pending_time"
    document["msg"].update(tag="Pending", subtag="Pending_001", checkpoints=[])
    [update] = parse_webhook(document)
    assert (update.tracking_number, update.tracking.scans) == ("1Z5R89390357567127", ())


def test_a_carrier_we_do_not_know_has_no_code():
    document = recorded("webhook_tracking_update")
    document["msg"]["slug"] = "evri"
    [update] = parse_webhook(document)
    assert update.carrier is None
    assert len(update.tracking.scans) == 5


def _without_number() -> dict:
    document = recorded("webhook_tracking_update")
    del document["msg"]["tracking_number"]
    return document


def _with_number(number: object) -> dict:
    document = copy.deepcopy(recorded("webhook_tracking_update"))
    document["msg"]["tracking_number"] = number
    return document


@pytest.mark.parametrize(
    "document",
    [
        _without_number(),
        _with_number(""),
        _with_number("  "),
        _with_number(None),
        _with_number(1234567890),
        {"event": "tracking_update", "event_id": "8f1c2b7e-3d4a-4f5b-9c6d-0e1a2b3c4d5e"},
        {"event": "tracking_update", "msg": "1Z5R89390357567127"},
        {"event": "tracking_update", "msg": [{"tracking_number": "1Z5R89390357567127"}]},
        [],
        None,
    ],
    ids=[
        "no-number",
        "empty-number",
        "blank-number",
        "null-number",
        "number-as-int",
        "no-msg",
        "msg-string",
        "msg-list",
        "list",
        "null",
    ],
)
def test_a_webhook_that_names_no_parcel_is_malformed(document):
    with pytest.raises(MalformedAnswer):
        parse_webhook(document)
