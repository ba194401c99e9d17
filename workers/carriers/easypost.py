"""EasyPost's Tracker API: polled by creating (or getting back) a tracker, and pushed as Events.

A Tracker carries its `tracking_details`, one per carrier scan, each with a `status` (ten values)
and a `status_detail` (28 values) that says more: a delay, a loss, an attempt that failed. EasyPost
gives no id per scan, so scans are told apart by their digest; an Event's own id dedupes deliveries.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

import requests

from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import ExceptionReason, Status
from workers.carriers.feed import (
    MalformedAnswer,
    Parcel,
    Rejected,
    SignatureError,
    Tracking,
    UnknownNumber,
    Update,
    country,
    date_part,
    hmac_sha256,
    read_scans,
    request_json,
    same,
    scan_time,
    text,
    timeouts,
)

STATUS_MAP = {
    "unknown": Status.PENDING,
    "pre_transit": Status.INFO_RECEIVED,
    "in_transit": Status.IN_TRANSIT,
    "out_for_delivery": Status.OUT_FOR_DELIVERY,
    "available_for_pickup": Status.AVAILABLE_FOR_PICKUP,
    "delivered": Status.DELIVERED,
    "return_to_sender": Status.RETURNED_TO_SENDER,
    "failure": Status.EXCEPTION,
    "cancelled": Status.CANCELLED,
    "error": Status.EXCEPTION,
}

# The status_detail values that say why a parcel is in trouble; the others (delivery_exception,
# transit_exception, failure, ...) only say that it is.
REASONS = {
    "delayed": ExceptionReason.DELAYED,
    "missorted": ExceptionReason.DELAYED,
    "weather_delay": ExceptionReason.WEATHER,
    "address_correction": ExceptionReason.ADDRESS,
    "damaged": ExceptionReason.DAMAGED,
    "lost": ExceptionReason.LOST,
    "held": ExceptionReason.HELD,
    "awaiting_information": ExceptionReason.HELD,
    "refused": ExceptionReason.REFUSED,
}

NAME = "easypost"
CARRIERS = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHLExpress",
    "dpd": "DPD",
    "royalmail": "RoyalMail",
    "postnl": "PostNL",
}
CREDENTIALS = ("EASYPOST_API_KEY",)
WEBHOOK_SECRET = "EASYPOST_WEBHOOK_SECRET"

SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="

# A parcel still on its way whose detail reports trouble is an exception, whatever its status says.
EN_ROUTE = frozenset({"pre_transit", "in_transit", "out_for_delivery"})
TROUBLE_DETAILS = frozenset({"delayed", "weather_delay", "lost", "damaged"})
TROUBLED = frozenset({Status.EXCEPTION, Status.FAILED_ATTEMPT})


def map_status(code: str, detail: str | None = None) -> Status:
    """Our status for an EasyPost status, refined by its status_detail."""
    if not isinstance(code, str) or code not in STATUS_MAP:
        return Status.UNKNOWN
    if detail == "expired":
        return Status.EXPIRED
    if code in ("failure", "error") and detail == "delivery_exception":
        return Status.FAILED_ATTEMPT
    if code in EN_ROUTE and detail in TROUBLE_DETAILS:
        return Status.EXCEPTION
    if code in EN_ROUTE and detail == "return":
        return Status.RETURNED_TO_SENDER
    return STATUS_MAP[code]


def fetch(http: requests.Session, parcel: Parcel, config: Mapping) -> Tracking:
    """Create the parcel's tracker, or get back the one EasyPost already has for it."""
    tracker = {"tracking_code": "".join(parcel.tracking_number.split())}
    if parcel.carrier in CARRIERS:
        tracker["carrier"] = CARRIERS[parcel.carrier]
    try:
        document = request_json(
            http,
            "POST",
            f"{config['EASYPOST_URL'].rstrip('/')}/v2/trackers",
            timeouts(config),
            json={"tracker": tracker},
            auth=(config["EASYPOST_API_KEY"], ""),
        )
    except Rejected as refusal:  # a 4xx: EasyPost's error envelope says whether for the number
        if isinstance(refusal.document, dict):
            _raise_for_error(refusal.document)
        raise
    return parse(document)


def parse(document: object) -> Tracking:
    """Read a Tracker; scans that cannot be read are counted, the rest kept."""
    if not isinstance(document, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    _raise_for_error(document)
    if document.get("object", "Tracker") != "Tracker":
        raise MalformedAnswer(f"the answer is a {document.get('object')!r}, not a Tracker")
    return _tracking(document)


def _raise_for_error(document: dict) -> None:
    """EasyPost's error envelope, should one come with a success status."""
    error = document.get("error")
    if error is None:
        return
    code = str(error.get("code") or "") if isinstance(error, dict) else str(error)
    message = str(error.get("message") or code) if isinstance(error, dict) else code
    if "NOT_FOUND" in code.upper() or "TRACKING_CODE" in code.upper():
        raise UnknownNumber(f"EasyPost: {message}"[:200])
    raise Rejected(f"EasyPost: {message}"[:200])


def _tracking(tracker: dict) -> Tracking:
    details = tracker.get("tracking_details")
    if details is None and "tracking_code" in tracker:
        details = []  # a tracker EasyPost has not heard back about yet
    if not isinstance(details, list):
        raise MalformedAnswer("the Tracker has no list of tracking_details")
    scans, rejected = read_scans(details, _scan, NAME)
    return Tracking(scans, _estimated_delivery(tracker), rejected)


def _scan(detail: dict) -> CarrierScan:
    if not isinstance(detail, dict):
        raise TypeError("the tracking detail is not an object")
    occurred_at, offset_minutes = scan_time(detail["datetime"])
    code, subcode = text(detail.get("status")), text(detail.get("status_detail"))
    status = map_status(code, subcode or None)
    location = detail.get("tracking_location")
    location = location if isinstance(location, dict) else {}
    return CarrierScan(
        occurred_at=occurred_at,
        utc_offset_minutes=offset_minutes,
        status=status,
        carrier_code=f"{code}/{subcode}" if subcode else code,
        carrier_text=text(detail.get("message")) or text(detail.get("description")),
        exception_reason=REASONS.get(subcode) if status in TROUBLED else None,
        city=text(location.get("city")),
        region=text(location.get("state")),
        postcode=text(location.get("zip")),
        country=country(location.get("country")),
        raw_payload=detail,
        key=None,
    )


def _estimated_delivery(tracker: dict) -> date | None:
    """The carrier's local ETA date wins; else the date part of est_delivery_date, as written."""
    details = tracker.get("carrier_detail")
    local = details.get("est_delivery_date_local") if isinstance(details, dict) else None
    return date_part(local) or date_part(tracker.get("est_delivery_date"))


def verify(headers: Mapping, body: bytes, secret: str, now: datetime) -> None:
    """Check X-Hmac-Signature: HMAC-SHA256 of the raw body, keyed with the NFKD-normalised secret.

    EasyPost signs no timestamp, so `now` has nothing to check; replays are caught by event id.
    """
    given = headers.get(SIGNATURE_HEADER)
    if not given or not isinstance(given, str):
        raise SignatureError(f"missing {SIGNATURE_HEADER}")
    if not secret or not isinstance(secret, str):
        raise SignatureError("no webhook secret to check the signature with")
    if not given.strip().lower().startswith(SIGNATURE_PREFIX):
        raise SignatureError(f"{SIGNATURE_HEADER} does not start with {SIGNATURE_PREFIX}")
    if not isinstance(body, bytes | bytearray):
        raise SignatureError("the body is not raw bytes")
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    expected = SIGNATURE_PREFIX + hmac_sha256(key, bytes(body)).hex()
    if not same(expected, given.strip().lower().encode("utf-8", "replace")):
        raise SignatureError("signature does not match")


def event_id(document: object) -> str | None:
    """The Event's id ("evt_..."), which every redelivery of it repeats."""
    if not isinstance(document, dict) or document.get("object") != "Event":
        return None
    identifier = document.get("id")
    return identifier if isinstance(identifier, str) and identifier.strip() else None


def parse_webhook(document: object) -> list[Update]:
    """Read an Event; one about anything but a tracker has nothing to record."""
    if not isinstance(document, dict) or document.get("object") != "Event":
        raise MalformedAnswer("the body is not an EasyPost Event")
    tracker = document.get("result")
    if not _is_tracker_event(document.get("description"), tracker):
        return []
    if not isinstance(tracker, dict):
        raise MalformedAnswer("the tracker Event has no Tracker in its result")
    number = tracker.get("tracking_code")
    if not isinstance(number, str) or not number.strip():
        raise MalformedAnswer("the Tracker names no tracking_code")
    return [Update(number.strip(), _our_carrier(tracker.get("carrier")), _tracking(tracker))]


def _is_tracker_event(description: object, result: object) -> bool:
    if not isinstance(description, str) or not description.startswith("tracker."):
        return False
    return not isinstance(result, dict) or result.get("object", "Tracker") == "Tracker"


def _our_carrier(carrier: object) -> str | None:
    """Our code for an EasyPost carrier name, however it is spelled ("DHL Express", "fedex")."""
    wanted = _squashed(carrier)
    return next((ours for ours, theirs in CARRIERS.items() if _squashed(theirs) == wanted), None)


def _squashed(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    return "".join(character for character in name.casefold() if character.isalnum()) or None
