"""Shippo's Tracking API (`GET /tracks/<carrier>/<number>`) and its `track_updated` webhooks.

A Track names the parcel's status as a coarse `status` plus a finer `substatus.code`; the finer
code decides ours where it says more (out for delivery, a failed attempt, why there is a problem).
Scan times (`status_date`) are UTC, and an ETA is read as the date it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

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
    get_json,
    hmac_sha256,
    read_scans,
    same,
    scan_time,
    text,
    timeouts,
)

STATUS_MAP = {
    "UNKNOWN": Status.PENDING,
    "PRE_TRANSIT": Status.INFO_RECEIVED,
    "TRANSIT": Status.IN_TRANSIT,
    "DELIVERED": Status.DELIVERED,
    "RETURNED": Status.RETURNED_TO_SENDER,
    "FAILURE": Status.EXCEPTION,
}

# Substatus codes that say more than their status; the others (package_accepted, package_arrived,
# delivery_scheduled, other, ...) leave the status's meaning as it is.
SUBSTATUS_MAP = {
    "information_received": Status.INFO_RECEIVED,
    "out_for_delivery": Status.OUT_FOR_DELIVERY,
    "pickup_available": Status.AVAILABLE_FOR_PICKUP,
    "delivery_attempted": Status.FAILED_ATTEMPT,
    "notice_left": Status.FAILED_ATTEMPT,
    "location_inaccessible": Status.FAILED_ATTEMPT,
    "address_issue": Status.EXCEPTION,
    "contact_carrier": Status.EXCEPTION,
    "delayed": Status.EXCEPTION,
    "package_held": Status.EXCEPTION,
    "package_damaged": Status.EXCEPTION,
    "package_lost": Status.EXCEPTION,
    "package_undeliverable": Status.EXCEPTION,
    "package_disposed": Status.EXCEPTION,
    "return_to_sender": Status.RETURNED_TO_SENDER,
    "package_unclaimed": Status.RETURNED_TO_SENDER,
    "delivered": Status.DELIVERED,
}

REASONS = {
    "address_issue": ExceptionReason.ADDRESS,
    "contact_carrier": ExceptionReason.OTHER,
    "delayed": ExceptionReason.DELAYED,
    "package_held": ExceptionReason.HELD,
    "package_damaged": ExceptionReason.DAMAGED,
    "package_lost": ExceptionReason.LOST,
    "package_undeliverable": ExceptionReason.OTHER,
    "package_disposed": ExceptionReason.OTHER,
}

NAME = "shippo"
# Shippo's carrier tokens; it tracks no PostNL parcels.
CARRIERS = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl_express",
    "dpd": "dpd_de",
    "royalmail": "royal_mail",
}
CREDENTIALS = ("SHIPPO_API_TOKEN",)
WEBHOOK_SECRET = "SHIPPO_WEBHOOK_SECRET"
SIGNATURE_HEADER = "Shippo-Auth-Signature"
TOLERANCE_SECONDS = 300

OUR_CARRIERS = {token: ours for ours, token in CARRIERS.items()}


def map_status(code: str, detail: str | None = None) -> Status:
    """Our status for a Shippo status and, when it says more, its substatus code."""
    if not isinstance(code, str) or code not in STATUS_MAP:
        return Status.UNKNOWN
    finer = SUBSTATUS_MAP.get(detail) if isinstance(detail, str) else None
    return finer or STATUS_MAP[code]


def fetch(http: requests.Session, parcel: Parcel, config: Mapping) -> Tracking:
    """Ask Shippo for a parcel's Track."""
    token = CARRIERS.get(parcel.carrier)
    if token is None:
        raise Rejected(f"Shippo does not track {parcel.carrier!r} parcels")
    number = quote(parcel.tracking_number, safe="")
    url = f"{config['SHIPPO_URL'].rstrip('/')}/tracks/{token}/{number}"
    headers = {"Authorization": f"ShippoToken {config['SHIPPO_API_TOKEN']}"}
    document = get_json(http, url, timeouts(config), headers=headers)
    if _is_not_found(document):
        raise UnknownNumber(f"Shippo says: {document['detail']}"[:200])
    return parse(document)


def _is_not_found(document: object) -> bool:
    """An error object where a Track belongs (Shippo's API answers errors with `detail`)."""
    return (
        isinstance(document, dict)
        and "detail" in document
        and "tracking_history" not in document
        and "tracking_status" not in document
    )


def parse(document: object) -> Tracking:
    """Read a Track; events that cannot be read are counted, the rest kept.

    A Track with no status and no history is a number Shippo has no news of yet: no scans.
    """
    if not isinstance(document, dict) or not (
        "tracking_history" in document or "tracking_status" in document
    ):
        raise MalformedAnswer("the answer is not a Shippo Track")
    events = _events(document)
    scans, rejected = read_scans(events, _scan, NAME)
    return Tracking(scans, date_part(document.get("eta")), rejected)


def _events(track: dict) -> list:
    """The Track's history, or its latest status alone when the history is empty."""
    history = track.get("tracking_history")
    latest = track.get("tracking_status")
    if history is not None and not isinstance(history, list):
        raise MalformedAnswer("the Track's tracking_history is not a list")
    if latest is not None and not isinstance(latest, dict):
        raise MalformedAnswer("the Track's tracking_status is not an object")
    if history:
        return history
    if latest is None or latest.get("status") in (None, "UNKNOWN"):
        return []
    return [latest]


def _scan(event: dict) -> CarrierScan:
    occurred_at, offset = scan_time(event["status_date"])
    code = event.get("status")
    if code is not None and not isinstance(code, str):
        raise TypeError("the status is not a string")
    substatus = _substatus(event.get("substatus"))
    status = map_status(code or "", substatus.get("code"))
    location = event.get("location")
    location = location if isinstance(location, dict) else {}
    return CarrierScan(
        occurred_at=occurred_at,
        utc_offset_minutes=offset,
        status=status,
        carrier_code="/".join(part for part in (code, substatus.get("code")) if part),
        carrier_text=text(event.get("status_details")) or substatus.get("text", ""),
        exception_reason=_reason(status, substatus.get("code")),
        city=text(location.get("city")),
        region=text(location.get("state")),
        postcode=text(location.get("zip")),
        country=country(location.get("country")),
        raw_payload=event,
        key=text(event.get("object_id")) or None,
    )


def _substatus(value: object) -> dict[str, str]:
    """The substatus's code and text, whichever of them are strings."""
    if not isinstance(value, dict):
        return {}
    return {key: value[key] for key in ("code", "text") if isinstance(value.get(key), str)}


def _reason(status: Status, substatus: str | None) -> str | None:
    if status is not Status.EXCEPTION or substatus not in REASONS:
        return None
    return REASONS[substatus].value


def verify(
    headers: Mapping,
    body: bytes,
    secret: str,
    now: datetime,
    tolerance: float = TOLERANCE_SECONDS,
) -> None:
    """Check `Shippo-Auth-Signature: t=<unix seconds>,v1=<hex>` over `<t>.` + the raw body,
    and refuse a delivery signed further than `tolerance` seconds from now (a replay)."""
    if not isinstance(secret, str) or not secret:
        raise SignatureError("no webhook secret is set")
    if not isinstance(body, bytes | bytearray | memoryview):
        raise SignatureError("the body is not bytes")
    timestamp, signatures = _signature_parts(_header(headers, SIGNATURE_HEADER))
    signed = timestamp.encode() + b"." + bytes(body)
    expected = hmac_sha256(secret.encode(), signed).hex()
    if not any(same(expected, given) for given in signatures):
        raise SignatureError("signature does not match")
    age = int(now.timestamp()) - int(timestamp)
    if age > tolerance:
        raise SignatureError("timestamp too old")
    if -age > tolerance:
        raise SignatureError("timestamp is in the future")


def _header(headers: Mapping, name: str) -> str:
    try:
        value = headers.get(name)
    except (AttributeError, TypeError):
        value = None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not value:
        raise SignatureError(f"missing {name}")
    if not isinstance(value, str):
        raise SignatureError(f"{name} is not text")
    return value


def _signature_parts(header: str) -> tuple[str, list[str]]:
    """The timestamp and the v1 signatures of a signature header (more than one while Shippo
    rotates the secret)."""
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value.strip()
        elif name == "v1" and value.strip().isascii():
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise SignatureError(f"missing timestamp in {SIGNATURE_HEADER}")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise SignatureError(f"malformed timestamp in {SIGNATURE_HEADER}")
    if not signatures:
        raise SignatureError(f"missing v1 signature in {SIGNATURE_HEADER}")
    return timestamp, signatures


def event_id(document: object) -> str | None:
    """Shippo gives its deliveries no id: a hash of the body finds the duplicates instead."""
    return None


def parse_webhook(document: object) -> list[Update]:
    """Read a webhook delivery: a `track_updated` names one parcel; other events none."""
    if not isinstance(document, dict) or not isinstance(document.get("event"), str):
        raise MalformedAnswer("the delivery is not a Shippo event")
    if document["event"] != "track_updated":
        return []
    track = document.get("data")
    if not isinstance(track, dict):
        raise MalformedAnswer("the track_updated event has no Track in data")
    number = track.get("tracking_number")
    if not isinstance(number, str) or not number.strip():
        raise MalformedAnswer("the Track names no tracking number")
    carrier = track.get("carrier")
    ours = OUR_CARRIERS.get(carrier.lower()) if isinstance(carrier, str) else None
    return [Update(number.strip(), ours, parse(track))]
