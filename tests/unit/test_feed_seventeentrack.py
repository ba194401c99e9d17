"""The 17TRACK adapter on recorded answers and pushes: polling, registering, statuses, signing."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
import responses
from requests.structures import CaseInsensitiveDict
from responses import matchers
from werkzeug.datastructures import Headers

from webapp.config import DEFAULTS
from webapp.tracking.statuses import ExceptionReason, Status
from workers.carriers import seventeentrack
from workers.carriers.feed import (
    FeedUnavailable,
    MalformedAnswer,
    Parcel,
    RateLimited,
    Rejected,
    SignatureError,
    UnknownNumber,
)
from workers.carriers.seventeentrack import (
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

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers" / "seventeentrack"
API_KEY = "test-17track-key"
CONFIG = {**DEFAULTS, "SEVENTEENTRACK_API_KEY": API_KEY}
BASE = "https://api.17track.net/track/v2.2"
PARCEL = Parcel(carrier="royalmail", tracking_number="RB 1234 5678 5GB")
REQUEST_BODY = [{"number": "RB123456785GB", "carrier": 11031}]
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

# 17TRACK v2.2: 9 main statuses and 30 sub statuses, with what each means in our vocabulary.
DOCUMENTED = {
    "NotFound": Status.PENDING,
    "NotFound_Other": Status.PENDING,
    "NotFound_InvalidCode": Status.PENDING,
    "InfoReceived": Status.INFO_RECEIVED,
    "InTransit": Status.IN_TRANSIT,
    "InTransit_PickedUp": Status.IN_TRANSIT,
    "InTransit_Other": Status.IN_TRANSIT,
    "InTransit_Departure": Status.IN_TRANSIT,
    "InTransit_Arrival": Status.IN_TRANSIT,
    "InTransit_CustomsProcessing": Status.IN_TRANSIT,
    "InTransit_CustomsReleased": Status.IN_TRANSIT,
    "InTransit_CustomsRequiringInformation": Status.IN_TRANSIT,
    "Expired": Status.EXPIRED,
    "Expired_Other": Status.EXPIRED,
    "AvailableForPickup": Status.AVAILABLE_FOR_PICKUP,
    "AvailableForPickup_Other": Status.AVAILABLE_FOR_PICKUP,
    "OutForDelivery": Status.OUT_FOR_DELIVERY,
    "OutForDelivery_Other": Status.OUT_FOR_DELIVERY,
    "DeliveryFailure": Status.FAILED_ATTEMPT,
    "DeliveryFailure_Other": Status.FAILED_ATTEMPT,
    "DeliveryFailure_NoBody": Status.FAILED_ATTEMPT,
    "DeliveryFailure_Security": Status.FAILED_ATTEMPT,
    "DeliveryFailure_Rejected": Status.FAILED_ATTEMPT,
    "DeliveryFailure_InvalidAddress": Status.FAILED_ATTEMPT,
    "Delivered": Status.DELIVERED,
    "Delivered_Other": Status.DELIVERED,
    "Exception": Status.EXCEPTION,
    "Exception_Other": Status.EXCEPTION,
    "Exception_Returning": Status.RETURNED_TO_SENDER,
    "Exception_Returned": Status.RETURNED_TO_SENDER,
    "Exception_NoBody": Status.EXCEPTION,
    "Exception_Security": Status.EXCEPTION,
    "Exception_Damage": Status.EXCEPTION,
    "Exception_Rejected": Status.EXCEPTION,
    "Exception_Delayed": Status.EXCEPTION,
    "Exception_Lost": Status.EXCEPTION,
    "Exception_Destroyed": Status.EXCEPTION,
    "Exception_Cancel": Status.CANCELLED,
}

GOOD_EVENT = {
    "time_iso": "2026-11-19T06:30:00+01:00",
    "time_utc": "2026-11-19T05:30:00Z",
    "time_raw": {"date": "2026-11-19", "time": "06:30:00", "timezone": "+01:00"},
    "description": "The parcel has arrived in the Netherlands",
    "location": "Schiphol, NL",
    "stage": "Arrival",
    "sub_status": "InTransit_Arrival",
    "address": {"country": "NL", "state": None, "city": "Schiphol", "postal_code": None},
}


def recorded(name: str) -> dict:
    """An answer or push as 17TRACK sent it."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(*events: object, estimated_delivery: object = None) -> dict:
    """A gettrackinfo answer for RB123456785GB around these events."""
    track_info = {
        "latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"},
        "time_metrics": {"estimated_delivery_date": estimated_delivery},
        "tracking": {"providers": [{"provider": {"key": 11031}, "events": list(events)}]},
    }
    accepted = {"number": "RB123456785GB", "carrier": 11031, "track_info": track_info}
    return {"code": 0, "data": {"accepted": [accepted], "rejected": []}}


def rejection(code: int, message: str = "refused") -> dict:
    error = {"code": code, "message": message}
    return {
        "code": 0,
        "data": {"accepted": [], "rejected": [{"number": "RB123456785GB", "error": error}]},
    }


def signed(body: bytes, key: str = API_KEY) -> str:
    """The `sign` header 17TRACK sends, computed here independently of the adapter."""
    return hashlib.sha256(body + b"/" + key.encode("utf-8")).hexdigest()


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def poll(api, document: object, **kwargs):
    api.post(f"{BASE}/gettrackinfo", json=document, **kwargs)
    return fetch(requests.Session(), PARCEL, CONFIG)


# --- the module's contract -------------------------------------------------------------------


def test_every_documented_status_is_mapped_as_the_vocabulary_says():
    assert STATUS_MAP == DOCUMENTED


@pytest.mark.parametrize(("code", "expected"), DOCUMENTED.items())
def test_each_documented_code_maps_to_its_status(code, expected):
    assert map_status(code) is expected


@pytest.mark.parametrize(
    "code", ["", "exception", "Teleported", "Teleported_Other", None, 7, ["X"]]
)
def test_an_unknown_code_maps_to_unknown(code):
    assert map_status(code) is Status.UNKNOWN


def test_a_sub_status_added_since_counts_as_its_main_status():
    assert map_status("InTransit_CustomsInspection") is Status.IN_TRANSIT
    assert map_status("Exception_Held") is Status.EXCEPTION


def test_the_sub_status_refines_the_main_status():
    assert map_status("Exception", "Exception_Returning") is Status.RETURNED_TO_SENDER
    assert map_status("Exception", "Exception_Brandnew") is Status.EXCEPTION


def test_every_reason_is_one_of_ours_and_named_by_a_documented_sub_status():
    assert set(REASONS) <= set(DOCUMENTED)
    assert all(isinstance(reason, ExceptionReason) for reason in REASONS.values())


def test_carriers_are_17tracks_numeric_keys():
    assert CARRIERS == {
        "ups": 100002,
        "usps": 21051,
        "fedex": 100003,
        "dhl": 100001,
        "dpd": 100010,
        "royalmail": 11031,
        "postnl": 14041,
    }
    assert seventeentrack.NAME == "seventeentrack"
    assert seventeentrack.CREDENTIALS == ("SEVENTEENTRACK_API_KEY",)
    assert seventeentrack.WEBHOOK_SECRET == "SEVENTEENTRACK_API_KEY"


# --- polling ---------------------------------------------------------------------------------


def test_the_poll_posts_the_number_and_carrier_key_with_the_token(api):
    api.post(
        f"{BASE}/gettrackinfo",
        json=recorded("gettrackinfo_in_transit"),
        match=[
            matchers.header_matcher({"17token": API_KEY}),
            matchers.json_params_matcher(REQUEST_BODY),
        ],
    )
    tracking = fetch(requests.Session(), PARCEL, CONFIG)
    assert len(api.calls) == 1
    assert api.calls[0].request.url == f"{BASE}/gettrackinfo"
    assert len(tracking.scans) == 7
    assert tracking.rejected == 0


def test_the_base_url_comes_from_the_config(api):
    api.post("https://sandbox.17track.test/v2.2/gettrackinfo", json=answer(GOOD_EVENT))
    config = {**CONFIG, "SEVENTEENTRACK_URL": "https://sandbox.17track.test/v2.2/"}
    assert len(fetch(requests.Session(), PARCEL, config).scans) == 1


def test_the_poll_answer_is_read_across_every_provider(api):
    tracking = poll(api, recorded("gettrackinfo_in_transit"))
    assert [scan.carrier_code for scan in tracking.scans] == [
        "Exception_Delayed",
        "Intercepted_Other",
        "InTransit_Arrival",
        "InTransit_Departure",
        "InTransit_Other",
        "InTransit_PickedUp",
        "InfoReceived",
    ]
    assert [scan.status for scan in tracking.scans] == [
        Status.EXCEPTION,
        Status.UNKNOWN,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]
    assert tracking.estimated_delivery == date(2026, 11, 24)


def test_a_scan_keeps_what_the_event_says():
    document = recorded("gettrackinfo_in_transit")
    picked_up = parse(document).scans[5]
    assert picked_up.occurred_at == datetime(2026, 11, 18, 14, 5, tzinfo=UTC)
    assert picked_up.carrier_text == "Item accepted at the Post Office"
    assert (picked_up.city, picked_up.region, picked_up.postcode, picked_up.country) == (
        "London",
        "England",
        "EC1A 1BB",
        "GB",
    )
    events = document["data"]["accepted"][0]["track_info"]["tracking"]["providers"][1]["events"]
    assert picked_up.raw_payload == events[2]
    assert picked_up.key is None


def test_an_unknown_code_is_kept_with_its_raw_code_and_translated_text():
    intercepted = parse(recorded("gettrackinfo_in_transit")).scans[1]
    assert (intercepted.status, intercepted.carrier_code) == (Status.UNKNOWN, "Intercepted_Other")
    assert intercepted.carrier_text == "Zending is onderschept op verzoek van de afzender"
    assert intercepted.country == ""  # "Netherlands" is not a two-letter code
    assert intercepted.exception_reason is None


def test_markup_in_a_description_comes_through_as_plain_text():
    delayed = parse(recorded("gettrackinfo_in_transit")).scans[0]
    assert delayed.carrier_text == (
        "Your parcel is delayed due to <b>high volumes</b> &amp; will be delivered later"
    )


def test_local_offsets_are_kept_and_utc_only_times_have_none():
    scans = parse(recorded("gettrackinfo_in_transit")).scans
    assert [scan.utc_offset_minutes for scan in scans] == [60, 60, 60, 0, None, 0, 0]
    assert scans[0].occurred_at.isoformat() == "2026-11-20T09:00:00+01:00"
    assert scans[4].occurred_at == datetime(2026, 11, 18, 17, 15, tzinfo=UTC)


def test_a_local_time_without_an_offset_takes_its_instant_from_the_utc_time():
    event = {**GOOD_EVENT, "time_iso": "2026-11-19T06:30:00"}
    scan = parse(answer(event)).scans[0]
    assert scan.occurred_at == datetime(2026, 11, 19, 5, 30, tzinfo=UTC)
    assert scan.utc_offset_minutes == 60
    assert scan.occurred_at.isoformat() == "2026-11-19T06:30:00+01:00"
    utc_only = {key: value for key, value in GOOD_EVENT.items() if key != "time_iso"}
    assert parse(answer(utc_only)).scans[0].dedupe_key == scan.dedupe_key


def test_a_time_without_an_offset_and_no_utc_time_is_read_as_utc():
    event = {**GOOD_EVENT, "time_iso": "2026-11-19T06:30:00", "time_utc": None}
    scan = parse(answer(event)).scans[0]
    assert scan.occurred_at == datetime(2026, 11, 19, 6, 30, tzinfo=UTC)
    assert scan.utc_offset_minutes is None


@pytest.mark.parametrize("carrier", ["²", "9" * 5000, "-1", " 1 0 "])
def test_a_carrier_key_that_is_no_number_of_ours_names_no_carrier(carrier):
    push = {
        "event": "TRACKING_UPDATED",
        "data": {**recorded("push_tracking_updated")["data"], "carrier": carrier},
    }
    [update] = seventeentrack.parse_webhook(push)
    assert update.carrier is None
    assert update.tracking.scans


def test_a_negative_local_offset_is_kept():
    scan = parse(answer({**GOOD_EVENT, "time_iso": "2026-01-05T13:47:00-06:00"})).scans[0]
    assert scan.utc_offset_minutes == -360
    assert scan.occurred_at.astimezone(UTC) == datetime(2026, 1, 5, 19, 47, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sub_status", "reason"),
    [
        ("Exception_Delayed", "delayed"),
        ("Exception_Lost", "lost"),
        ("Exception_Damage", "damaged"),
        ("Exception_Rejected", "refused"),
        ("Exception_Security", "customs"),
        ("Exception_NoBody", "address"),
        ("Exception_Destroyed", "other"),
        ("Exception_Other", "other"),
        ("Exception_Brandnew", "other"),
        ("DeliveryFailure_InvalidAddress", "address"),
        ("DeliveryFailure_Rejected", "refused"),
        ("DeliveryFailure_Security", "customs"),
        ("DeliveryFailure_NoBody", None),
        ("Exception_Returning", None),
        ("Exception_Cancel", None),
        ("InTransit_Arrival", None),
    ],
)
def test_exception_reasons_come_from_the_sub_status(sub_status, reason):
    scan = parse(answer({**GOOD_EVENT, "sub_status": sub_status})).scans[0]
    assert scan.exception_reason == reason


def test_an_event_without_a_sub_status_is_read_by_its_stage():
    scan = parse(answer({**GOOD_EVENT, "sub_status": None, "stage": "Delivered"})).scans[0]
    assert (scan.status, scan.carrier_code) == (Status.DELIVERED, "Delivered")


def test_unreadable_events_are_counted_and_the_rest_kept():
    tracking = parse(recorded("gettrackinfo_broken_events"))
    assert [scan.carrier_text for scan in tracking.scans] == [
        "Item is in transit",
        "Item accepted at the Post Office",
    ]
    assert tracking.rejected == 3
    assert tracking.scans[1].utc_offset_minutes is None
    assert tracking.scans[1].country == ""
    assert tracking.estimated_delivery == date(2026, 11, 23)


@pytest.mark.parametrize(
    "broken",
    [
        {key: value for key, value in GOOD_EVENT.items() if key not in ("time_iso", "time_utc")},
        {**GOOD_EVENT, "time_iso": "yesterday"},
        {**GOOD_EVENT, "time_iso": 1763530200},
        {**GOOD_EVENT, "sub_status": ["InTransit_Arrival"]},
        "InTransit_Arrival 2026-11-19",
        None,
        ["InTransit_Arrival"],
    ],
    ids=["no-time", "words-for-time", "number-for-time", "list-for-code", "string", "null", "list"],
)
def test_one_unreadable_event_is_rejected(broken):
    later = {**GOOD_EVENT, "time_iso": "2026-11-19T09:00:00+01:00"}
    tracking = parse(answer(GOOD_EVENT, broken, later))
    assert [scan.occurred_at.hour for scan in tracking.scans] == [6, 9]
    assert tracking.rejected == 1


def test_a_provider_that_cannot_be_read_is_counted_as_one_rejected_event():
    document = answer(GOOD_EVENT)
    providers = document["data"]["accepted"][0]["track_info"]["tracking"]["providers"]
    providers += ["Royal Mail", {"provider": {"key": 14041}, "events": "none"}]
    tracking = parse(document)
    assert (len(tracking.scans), tracking.rejected) == (1, 2)


@pytest.mark.parametrize("address", ["Schiphol", ["Schiphol"], 7, None])
def test_an_address_that_is_not_an_object_leaves_the_place_to_the_location(address):
    scan = parse(answer({**GOOD_EVENT, "address": address})).scans[0]
    assert (scan.city, scan.country) == ("Schiphol, NL", "")


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ({"source": "Official", "from": None, "to": "2026-01-05T00:00:00Z"}, date(2026, 1, 5)),
        (
            {"from": "2026-01-03T00:00:00-08:00", "to": "2026-01-05T00:00:00-08:00"},
            date(2026, 1, 5),
        ),
        ({"from": "2026-01-03T00:00:00+01:00", "to": None}, date(2026, 1, 3)),
        ({"from": "2026-01-03", "to": "soon"}, date(2026, 1, 3)),
        ({"from": None, "to": "2026-02-30T00:00:00Z"}, None),
        ({"from": None, "to": None}, None),
        (None, None),
        ("2026-01-05", None),
    ],
)
def test_the_estimate_is_the_date_as_written(window, expected):
    assert parse(answer(GOOD_EVENT, estimated_delivery=window)).estimated_delivery == expected


def test_no_events_yet_is_an_empty_answer():
    document = answer()
    document["data"]["accepted"][0]["track_info"]["tracking"] = None
    assert parse(document).scans == ()


@pytest.mark.parametrize(
    "document",
    [
        [answer(GOOD_EVENT)],
        "not found",
        None,
        {"code": 0},
        {"code": 0, "data": []},
        {"code": 0, "data": {"accepted": [], "rejected": []}},
        {"code": 0, "data": {"accepted": {"number": "RB123456785GB"}}},
        {"code": 0, "data": {"accepted": [{"number": "RB123456785GB", "track_info": None}]}},
        {"code": 0, "data": {"accepted": [{"number": "RB123456785GB", "track_info": "x"}]}},
    ],
)
def test_an_answer_without_a_tracking_is_malformed(document):
    with pytest.raises(MalformedAnswer):
        parse(document)


@pytest.mark.parametrize("tracking", [{"providers": {"0": {}}}, {"providers": "PostNL"}, "PostNL"])
def test_providers_that_are_not_a_list_are_malformed(tracking):
    document = answer()
    document["data"]["accepted"][0]["track_info"]["tracking"] = tracking
    with pytest.raises(MalformedAnswer, match="tracking"):
        parse(document)


# --- the number 17TRACK does not know yet, and its other refusals -----------------------------


def test_a_number_not_registered_yet_is_registered_and_answers_no_scans(api):
    api.post(
        f"{BASE}/register",
        json=recorded("register_accepted"),
        match=[
            matchers.header_matcher({"17token": API_KEY}),
            matchers.json_params_matcher(REQUEST_BODY),
        ],
    )
    tracking = poll(api, recorded("gettrackinfo_not_registered"))
    assert [call.request.url for call in api.calls] == [f"{BASE}/gettrackinfo", f"{BASE}/register"]
    assert (tracking.scans, tracking.rejected, tracking.estimated_delivery) == ((), 0, None)


def test_a_number_registered_meanwhile_is_not_an_error(api):
    api.post(f"{BASE}/register", json=rejection(-18019901, "already registered"))
    assert poll(api, recorded("gettrackinfo_not_registered")).scans == ()


def test_a_refused_registration_is_rejected(api):
    api.post(f"{BASE}/register", json=rejection(-18019908, "Quota exhausted."))
    with pytest.raises(Rejected, match="-18019908"):
        poll(api, recorded("gettrackinfo_not_registered"))


def test_no_information_yet_is_an_empty_answer(api):
    tracking = poll(api, rejection(-18019909, "No tracking information at this time."))
    assert tracking.scans == ()
    assert len(api.calls) == 1


def test_a_number_17track_reads_as_invalid_is_unknown(api):
    with pytest.raises(UnknownNumber) as raised:
        poll(api, recorded("gettrackinfo_invalid_number"))
    assert raised.value.outcome == "not_found"


def test_a_carrier_17track_cannot_detect_is_an_unknown_number(api):
    with pytest.raises(UnknownNumber):
        poll(api, rejection(-18019903, "Carrier cannot be detected."))


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (-18019907, RateLimited),
        (-18010003, FeedUnavailable),
        (-18019910, Rejected),
        (-18010012, Rejected),
        (None, Rejected),
    ],
)
def test_other_refusals_of_the_number(api, code, error):
    with pytest.raises(error):
        poll(api, rejection(code))


def test_a_refused_request_is_rejected_with_17tracks_reason(api):
    refused = {
        "code": -18010002,
        "data": {"errors": [{"code": -18010002, "message": "Invalid key."}]},
    }
    with pytest.raises(Rejected, match="Invalid key"):
        poll(api, refused)


def test_a_carrier_without_a_17track_key_is_rejected_without_asking(api):
    with pytest.raises(Rejected, match="sandbox"):
        fetch(requests.Session(), Parcel("sandbox", "SB00000025"), CONFIG)
    assert len(api.calls) == 0


# --- HTTP failures -----------------------------------------------------------------------------


def test_too_many_requests_is_rate_limited_with_the_wait(api):
    with pytest.raises(RateLimited) as raised:
        poll(api, {"code": 0}, status=429, headers={"Retry-After": "120"})
    assert raised.value.retry_after == 120.0


def test_a_server_error_is_unavailable(api):
    with pytest.raises(FeedUnavailable):
        poll(api, {}, status=503)


def test_an_answer_that_is_not_json_is_malformed(api):
    api.post(f"{BASE}/gettrackinfo", body="<h1>Maintenance</h1>", content_type="text/html")
    with pytest.raises(MalformedAnswer):
        fetch(requests.Session(), PARCEL, CONFIG)


@pytest.mark.parametrize("document", [[], "ok", {"data": {"accepted": [], "rejected": []}}])
def test_a_json_answer_that_is_not_17tracks_is_malformed(api, document):
    with pytest.raises(MalformedAnswer):
        poll(api, document)


# --- webhook signatures ----------------------------------------------------------------------

BODY = (FIXTURES / "push_tracking_updated.json").read_bytes()


@pytest.mark.parametrize("headers_type", [Headers, CaseInsensitiveDict])
def test_a_good_signature_passes(headers_type):
    assert verify(headers_type({"Sign": signed(BODY)}), BODY, API_KEY, NOW) is None


def test_an_upper_case_signature_passes():
    assert verify(Headers({"sign": signed(BODY).upper()}), BODY, API_KEY, NOW) is None


def test_a_signature_with_another_key_is_refused():
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(Headers({"sign": signed(BODY, "another-key")}), BODY, API_KEY, NOW)


def test_the_signature_of_another_body_is_refused():
    other = BODY.replace(b"Delivered, In/At Mailbox", b"Delivered, Front Door/Porch")
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(Headers({"sign": signed(other)}), BODY, API_KEY, NOW)


def test_a_signature_of_the_parsed_and_reserialised_body_is_refused():
    reserialised = json.dumps(json.loads(BODY)).encode()
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(Headers({"sign": signed(reserialised)}), BODY, API_KEY, NOW)


def test_an_hmac_signature_is_refused():
    import hmac

    keyed = hmac.new(API_KEY.encode(), BODY, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(Headers({"sign": keyed}), BODY, API_KEY, NOW)


@pytest.mark.parametrize("headers", [{}, {"sign": ""}, {"sign": "   "}, {"signature": "abc"}])
def test_a_missing_signature_is_refused(headers):
    with pytest.raises(SignatureError, match="missing sign header"):
        verify(Headers(headers), BODY, API_KEY, NOW)


@pytest.mark.parametrize(
    "value",
    [
        "not hex at all",
        "sha256=" + "0" * 64,
        "é" * 64,
        "\ud800" * 64,
        "0" * 10_000,
        "\x00\x01",
        signed(BODY)[:-1],
    ],
)
def test_a_garbage_signature_is_refused_as_not_matching(value):
    headers = CaseInsensitiveDict({"sign": value})
    with pytest.raises(SignatureError, match="signature does not match"):
        verify(headers, BODY, API_KEY, NOW)


def test_without_a_key_nothing_is_accepted():
    with pytest.raises(SignatureError):
        verify(Headers({"sign": signed(BODY, "")}), BODY, "", NOW)


def test_a_body_that_is_not_bytes_is_refused():
    with pytest.raises(SignatureError):
        verify(Headers({"sign": signed(BODY)}), BODY.decode(), API_KEY, NOW)


# --- pushes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [recorded("push_tracking_updated"), recorded("push_tracking_stopped"), {}, [], None, "x"],
)
def test_a_push_has_no_event_id(document):
    assert event_id(document) is None


def test_a_tracking_update_push():
    [update] = parse_webhook(recorded("push_tracking_updated"))
    assert (update.tracking_number, update.carrier) == ("9400111201080805483016", "usps")
    scans = update.tracking.scans
    assert [scan.status for scan in scans] == [
        Status.DELIVERED,
        Status.OUT_FOR_DELIVERY,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]
    assert [scan.utc_offset_minutes for scan in scans] == [-360, -360, -300, -300]
    assert (scans[0].city, scans[0].region, scans[0].postcode) == ("AUSTIN", "TX", "78701")
    assert update.tracking.estimated_delivery == date(2026, 1, 5)
    assert update.tracking.rejected == 0


def test_a_stop_push_with_its_data_in_a_list_still_counts_its_events():
    [update] = parse_webhook(recorded("push_tracking_stopped"))
    assert (update.tracking_number, update.carrier) == ("RB123456785GB", "royalmail")
    returned, refused = update.tracking.scans
    assert (returned.status, returned.exception_reason) == (Status.RETURNED_TO_SENDER, None)
    assert (refused.status, refused.exception_reason) == (Status.FAILED_ATTEMPT, "refused")
    assert refused.utc_offset_minutes == 60


def test_a_stop_push_without_a_track_info_names_the_parcel_only():
    document = {"event": "TRACKING_STOPPED", "data": {"number": "RB123456785GB", "carrier": 11031}}
    [update] = parse_webhook(document)
    assert (update.tracking_number, update.tracking.scans) == ("RB123456785GB", ())


@pytest.mark.parametrize(
    ("carrier", "ours"), [(100007, None), ("21051", "usps"), (None, None), (True, None)]
)
def test_the_carrier_is_ours_only_when_we_know_17tracks_key(carrier, ours):
    document = recorded("push_tracking_updated")
    document["data"]["carrier"] = carrier
    assert parse_webhook(document)[0].carrier == ours


def test_a_push_of_several_trackings_gives_an_update_each():
    first = recorded("push_tracking_updated")["data"]
    second = {**copy.deepcopy(first), "number": "9400111201080805483023"}
    updates = parse_webhook({"event": "TRACKING_UPDATED", "data": [first, second]})
    assert [update.tracking_number for update in updates] == [
        "9400111201080805483016",
        "9400111201080805483023",
    ]


@pytest.mark.parametrize("number", [None, "", "   ", 9400111201080805483016, ["RB123456785GB"]])
def test_a_push_without_a_tracking_number_is_malformed(number):
    document = recorded("push_tracking_updated")
    document["data"]["number"] = number
    with pytest.raises(MalformedAnswer, match="no tracking number"):
        parse_webhook(document)


def test_a_push_whose_number_key_is_missing_is_malformed():
    document = recorded("push_tracking_stopped")
    del document["data"][0]["number"]
    with pytest.raises(MalformedAnswer, match="no tracking number"):
        parse_webhook(document)


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "TRACKING_UPDATED",
        {"data": recorded("push_tracking_updated")["data"]},
        {"event": "TRACKING_DELETED", "data": recorded("push_tracking_updated")["data"]},
        {"event": "TRACKING_UPDATED", "data": None},
        {"event": "TRACKING_UPDATED", "data": []},
        {"event": "TRACKING_UPDATED", "data": ["RB123456785GB"]},
        {"event": "TRACKING_UPDATED", "data": {"number": "RB123456785GB", "track_info": None}},
        {"event": "TRACKING_UPDATED", "data": {"number": "RB123456785GB", "track_info": []}},
    ],
)
def test_a_push_that_is_not_the_documented_shape_is_malformed(document):
    with pytest.raises(MalformedAnswer):
        parse_webhook(document)
