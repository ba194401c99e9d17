"""17TRACK's tracking API (v2.2): polled with `gettrackinfo`, pushed to our webhook.

17TRACK tracks a number only once it is registered: polling a number it does not know yet
registers it and answers no scans, and 17TRACK pushes what it finds later. Every answer and push
holds a `track_info` whose events sit under `tracking.providers[]` (origin and last-mile
carriers), each with a `sub_status` of the form `<MainStatus>_<Reason>`. Events have no id, so
scans are told apart by their digest.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

import requests

from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import ExceptionReason, Status
from workers.carriers.feed import (
    FeedError,
    FeedUnavailable,
    MalformedAnswer,
    Parcel,
    RateLimited,
    Rejected,
    SignatureError,
    Tracking,
    UnknownNumber,
    Update,
    country,
    date_part,
    read_scans,
    request_json,
    same,
    scan_time,
    text,
    timeouts,
)

STATUS_MAP = {
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

REASONS = {
    "Exception_Other": ExceptionReason.OTHER,
    "Exception_NoBody": ExceptionReason.ADDRESS,  # the recipient cannot be found
    "Exception_Security": ExceptionReason.CUSTOMS,  # security, clearance or fees
    "Exception_Damage": ExceptionReason.DAMAGED,
    "Exception_Rejected": ExceptionReason.REFUSED,
    "Exception_Delayed": ExceptionReason.DELAYED,
    "Exception_Lost": ExceptionReason.LOST,
    "Exception_Destroyed": ExceptionReason.OTHER,
    "DeliveryFailure_Security": ExceptionReason.CUSTOMS,
    "DeliveryFailure_Rejected": ExceptionReason.REFUSED,
    "DeliveryFailure_InvalidAddress": ExceptionReason.ADDRESS,
}

NAME = "seventeentrack"
CARRIERS = {
    "ups": 100002,
    "usps": 21051,
    "fedex": 100003,
    "dhl": 100001,  # DHL Express
    "dpd": 100010,  # DPD (UK)
    "royalmail": 11031,
    "postnl": 14041,
}
CREDENTIALS = ("SEVENTEENTRACK_API_KEY",)
WEBHOOK_SECRET = "SEVENTEENTRACK_API_KEY"  # 17TRACK signs its pushes with the API key

PUSH_EVENTS = ("TRACKING_UPDATED", "TRACKING_STOPPED")
NOT_REGISTERED = -18019902
ALREADY_REGISTERED = -18019901
NO_INFORMATION_YET = -18019909
CARRIER_NOT_DETECTED = -18019903
INTERNAL_ERROR = -18010003
DAILY_LIMIT = -18019907

_OUR_CARRIERS = {theirs: ours for ours, theirs in CARRIERS.items()}

MAX_OFFSET_MINUTES = 18 * 60  # the widest offset a time zone has

log = logging.getLogger(__name__)


def map_status(code: str, detail: str | None = None) -> Status:
    """Our status for a 17TRACK status or sub_status; a sub_status 17TRACK added since (e.g.
    "InTransit_Something") still counts as its main status."""
    for candidate in (detail, code, _main_status(code)):
        if isinstance(candidate, str) and candidate in STATUS_MAP:
            return STATUS_MAP[candidate]
    return Status.UNKNOWN


def _main_status(code: object) -> str | None:
    return code.split("_", 1)[0] if isinstance(code, str) else None


def fetch(http: requests.Session, parcel: Parcel, config: Mapping) -> Tracking:
    """Ask 17TRACK for a number's tracking, registering the number when it is new to 17TRACK."""
    request = [_registration(parcel)]
    answer = _post(http, config, "gettrackinfo", request)
    rejection = _entry(answer, "rejected", request[0]["number"])
    if rejection is not None:
        return _after_rejection(http, config, request, rejection)
    track_info = _track_info(_accepted(answer, request[0]["number"]))
    tracking = _tracking(track_info)
    if not tracking.scans and _sub_status(track_info) == "NotFound_InvalidCode":
        # 17TRACK's answer, with HTTP 200, for a number no carrier has
        raise UnknownNumber("17TRACK reads the tracking number as invalid")
    return tracking


def _registration(parcel: Parcel) -> dict:
    """The request item 17TRACK knows a number by: the number and the carrier's numeric key."""
    if parcel.carrier not in CARRIERS:
        raise Rejected(f"17TRACK has no carrier key for {parcel.carrier!r}")
    return {"number": "".join(parcel.tracking_number.split()), "carrier": CARRIERS[parcel.carrier]}


def _post(http: requests.Session, config: Mapping, action: str, items: list[dict]) -> dict:
    url = f"{config['SEVENTEENTRACK_URL'].rstrip('/')}/{action}"
    headers = {"17token": config["SEVENTEENTRACK_API_KEY"]}
    answer = request_json(http, "POST", url, timeouts(config), json=items, headers=headers)
    if not isinstance(answer, dict) or "code" not in answer:
        raise MalformedAnswer("the answer is not a 17TRACK answer object")
    if answer["code"] != 0:
        raise _refusal(_first_error(answer))
    return answer


def _first_error(answer: dict) -> dict:
    """A refused request names its errors under data.errors; the code is at the top."""
    data = answer.get("data")
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {"code": answer.get("code"), "message": ""}


def _after_rejection(
    http: requests.Session, config: Mapping, request: list[dict], rejection: dict
) -> Tracking:
    error = _error(rejection)
    if error.get("code") == NOT_REGISTERED:
        _register(http, config, request)
        return Tracking(())
    if error.get("code") == NO_INFORMATION_YET:
        return Tracking(())
    raise _refusal(error)


def _register(http: requests.Session, config: Mapping, request: list[dict]) -> None:
    """Register the number; 17TRACK then fetches it and pushes what it finds."""
    answer = _post(http, config, "register", request)
    rejection = _entry(answer, "rejected", request[0]["number"])
    if rejection is None:
        log.info("17track registered %s", request[0]["number"])
        return
    if _error(rejection).get("code") != ALREADY_REGISTERED:  # else registered meanwhile
        raise _refusal(_error(rejection))


def _error(rejection: dict) -> dict:
    error = rejection.get("error")
    return error if isinstance(error, dict) else {}


def _refusal(error: dict) -> FeedError:
    """The FeedError for one of 17TRACK's error codes."""
    code, message = error.get("code"), str(error.get("message") or "")[:200]
    text = f"17TRACK error {code}: {message}".rstrip(": ")
    if code == CARRIER_NOT_DETECTED:
        return UnknownNumber(text)
    if code == DAILY_LIMIT:
        return RateLimited(text)
    if code == INTERNAL_ERROR:
        return FeedUnavailable(text)
    return Rejected(text)


def _entry(answer: dict, kind: str, number: str) -> dict | None:
    """The accepted or rejected item for the number (else the first: we ask for one number)."""
    data = answer.get("data")
    if not isinstance(data, dict):
        raise MalformedAnswer("the answer has no data object")
    items = data.get(kind)
    if items is None:
        return None
    if not isinstance(items, list):
        raise MalformedAnswer(f"data.{kind} is not a list")
    items = [item for item in items if isinstance(item, dict)]
    matching = [item for item in items if _same_number(item.get("number"), number)]
    return (matching or items or [None])[0]


def _same_number(given: object, number: str) -> bool:
    return isinstance(given, str) and "".join(given.split()).upper() == number.upper()


def _accepted(document: object, number: str = "") -> dict:
    if not isinstance(document, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    accepted = _entry(document, "accepted", number)
    if accepted is None:
        raise MalformedAnswer("the answer has no tracking for the number")
    return accepted


def _track_info(item: dict) -> dict:
    track_info = item.get("track_info")
    if not isinstance(track_info, dict):
        raise MalformedAnswer("the tracking has no track_info object")
    return track_info


def _sub_status(track_info: dict) -> object:
    latest = track_info.get("latest_status")
    return latest.get("sub_status") if isinstance(latest, dict) else None


def parse(document: object) -> Tracking:
    """Read a gettrackinfo answer: the accepted number's events and its delivery estimate."""
    return _tracking(_track_info(_accepted(document)))


def _tracking(track_info: dict) -> Tracking:
    """Every provider's events; those that cannot be read are counted, the rest kept."""
    events, rejected = _events(track_info)
    scans, unreadable = read_scans(events, _scan, NAME)
    return Tracking(scans, _estimated_delivery(track_info), rejected + unreadable)


def _events(track_info: dict) -> tuple[list, int]:
    """The events of every provider (origin and last mile), and how many providers could not be
    read at all (each counted as one unreadable event)."""
    tracking = track_info.get("tracking") or {}
    if not isinstance(tracking, dict):
        raise MalformedAnswer("track_info.tracking is not an object")
    providers = tracking.get("providers") or []
    if not isinstance(providers, list):
        raise MalformedAnswer("track_info.tracking.providers is not a list")
    events, unreadable = [], 0
    for provider in providers:
        listed = provider.get("events") if isinstance(provider, dict) else ()
        if isinstance(listed, list):
            events.extend(listed)
        elif listed is not None:
            unreadable += 1
            log.warning("17track provider not readable: %.200r", provider)
    return events, unreadable


def _scan(event: dict) -> CarrierScan:
    occurred_at, offset_minutes = _occurred_at(event)
    code = event.get("sub_status") or event.get("stage") or ""
    if not isinstance(code, str):
        raise TypeError("the sub_status is not a string")
    status = map_status(code)
    address = event.get("address") if isinstance(event.get("address"), dict) else {}
    return CarrierScan(
        occurred_at=occurred_at,
        utc_offset_minutes=offset_minutes,
        status=status,
        carrier_code=code,
        carrier_text=_text(event),
        exception_reason=_reason(code, status),
        city=text(address.get("city")) or text(event.get("location")),
        region=text(address.get("state")),
        postcode=text(address.get("postal_code")),
        country=country(address.get("country")),
        raw_payload=event,
        key=None,
    )


def _occurred_at(event: dict) -> tuple[datetime, int | None]:
    """The carrier's local time with its offset (time_iso), else the UTC time alone. A local
    time without an offset takes its instant from time_utc, and its offset from the two."""
    local = scan_time(event["time_iso"]) if event.get("time_iso") else None
    utc = scan_time(event["time_utc"])[0] if event.get("time_utc") else None
    if local and local[1] is not None:
        return local
    if local and utc:
        return _local_at(local[0], utc)
    if local or utc:
        return local or (utc, None)
    raise ValueError("the event has no time")


def _local_at(wall_clock: datetime, instant: datetime) -> tuple[datetime, int | None]:
    """The instant, given as the wall clock time it was where the scan happened."""
    minutes = round((wall_clock - instant).total_seconds() / 60)
    if abs(minutes) > MAX_OFFSET_MINUTES:
        return instant, None
    return instant.astimezone(timezone(timedelta(minutes=minutes))), minutes


def _reason(code: str, status: Status) -> str | None:
    """The reason the sub_status gives; an exception that names none is 'other'."""
    reason = REASONS.get(code)
    if reason is None and status is Status.EXCEPTION:
        reason = ExceptionReason.OTHER
    return reason.value if reason else None


def _text(event: dict) -> str:
    """The carrier's own words, else 17TRACK's translation of them."""
    words = text(event.get("description"))
    translation = event.get("description_translation")
    if not words.strip() and isinstance(translation, dict):
        words = text(translation.get("description"))
    return words


def _estimated_delivery(track_info: dict) -> date | None:
    """The latest day 17TRACK expects delivery, as written: its ETAs are dates, not instants."""
    metrics = track_info.get("time_metrics")
    window = metrics.get("estimated_delivery_date") if isinstance(metrics, dict) else None
    if not isinstance(window, dict):
        return None
    return date_part(window.get("to")) or date_part(window.get("from"))


def verify(headers, body: bytes, secret: str, now: datetime) -> None:
    """Check the `sign` header: the SHA-256 (plain, not HMAC) of the raw body, "/" and the key."""
    given = headers.get("sign")
    if not isinstance(given, str) or not given.strip():
        raise SignatureError("missing sign header")
    if not secret or not isinstance(secret, str):
        raise SignatureError("no API key to check the signature with")
    if not isinstance(body, bytes | bytearray):
        raise SignatureError("the body is not bytes")
    expected = hashlib.sha256(bytes(body) + b"/" + secret.encode()).hexdigest()
    candidate = given.strip().lower()
    if not candidate.isascii() or not same(expected, candidate):
        raise SignatureError("signature does not match")


def event_id(document: object) -> str | None:
    """17TRACK gives a push no id of its own: deliveries are told apart by their digest."""
    return None


def parse_webhook(document: object) -> list[Update]:
    """Read a push; its `data` is one tracking, or a list of them in some integrations."""
    if not isinstance(document, dict):
        raise MalformedAnswer("the push is not a JSON object")
    event = document.get("event")
    if event not in PUSH_EVENTS:
        raise MalformedAnswer(f"the push event {str(event)[:40]!r} is not a tracking event")
    data = document.get("data")
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(isinstance(entry, dict) for entry in entries):
        raise MalformedAnswer("the push data is not a tracking object")
    return [_update(entry, stopped=event == "TRACKING_STOPPED") for entry in entries]


def _update(entry: dict, stopped: bool) -> Update:
    number = entry.get("number")
    if not isinstance(number, str) or not number.strip():
        raise MalformedAnswer("the push names no tracking number")
    carrier = _our_carrier(entry.get("carrier"))
    if stopped and entry.get("track_info") is None:
        # a stop may say only that 17TRACK no longer follows the number
        return Update(number.strip(), carrier, Tracking(()))
    return Update(number.strip(), carrier, _tracking(_track_info(entry)))


def _our_carrier(key: object) -> str | None:
    if isinstance(key, str):
        digits = key.strip()
        if not (digits.isascii() and digits.isdecimal() and len(digits) <= 12):
            return None
        key = int(digits)
    if isinstance(key, bool) or not isinstance(key, int):
        return None
    return _OUR_CARRIERS.get(key)
