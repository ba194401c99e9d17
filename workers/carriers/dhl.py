"""DHL's unified Shipment Tracking API: polled, since it sends no webhooks.

One GET per tracking number answers every DHL service (express, parcel-de, ecommerce, ...). Each
shipment carries its latest `status` and its `events`, both in the same shape; DHL gives no id per
event, so scans are told apart by their digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import requests

from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import ExceptionReason, Status
from workers.carriers.feed import (
    MalformedAnswer,
    Parcel,
    SignatureError,
    Tracking,
    UnknownNumber,
    Update,
    country,
    date_part,
    get_json,
    read_scans,
    scan_time,
    text,
    timeouts,
)

STATUS_MAP = {
    "pre-transit": Status.INFO_RECEIVED,
    "transit": Status.IN_TRANSIT,
    "delivered": Status.DELIVERED,
    "failure": Status.EXCEPTION,
    "unknown": Status.UNKNOWN,
}

# DHL names no cause for a failure, only free text that varies by service and language.
REASONS = {"failure": ExceptionReason.OTHER}

NAME = "dhl"
CARRIERS = {"dhl": "dhl"}
CREDENTIALS = ("DHL_API_KEY",)
WEBHOOK_SECRET = None


def map_status(code: str, detail: str | None = None) -> Status:
    """Our status for a DHL statusCode; the free-text status says nothing reliable beyond it."""
    if not isinstance(code, str):
        return Status.UNKNOWN
    return STATUS_MAP.get(code, Status.UNKNOWN)


def fetch(http: requests.Session, parcel: Parcel, config: Mapping) -> Tracking:
    """Ask DHL for a tracking number's shipment; DHL finds the service itself."""
    number = "".join(parcel.tracking_number.split())
    url = f"{config['DHL_URL'].rstrip('/')}/track/shipments"
    document = get_json(
        http,
        url,
        timeouts(config),
        params={"trackingNumber": number},
        headers={"DHL-API-Key": config["DHL_API_KEY"]},
    )
    return parse(document, number)


def parse(document: object, tracking_number: str | None = None) -> Tracking:
    """Read a tracking answer: the shipment matching the number (else the first) and its events."""
    shipment = _pick(_shipments(document), tracking_number)
    scans, rejected = read_scans(_events(shipment), _scan, NAME)
    return Tracking(scans, _estimated_delivery(shipment), rejected)


def _shipments(document: object) -> list[dict]:
    if not isinstance(document, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    shipments = document.get("shipments")
    if shipments is None and document.get("status") == 404:
        # a problem document (RFC 7807) that came with a success status
        raise UnknownNumber(str(document.get("detail") or "DHL has no shipment with this number"))
    if not isinstance(shipments, list):
        raise MalformedAnswer("the answer has no list of shipments")
    if not shipments:
        raise UnknownNumber("DHL has no shipment with this number")
    readable = [shipment for shipment in shipments if isinstance(shipment, dict)]
    if not readable:
        raise MalformedAnswer("no shipment in the answer is an object")
    return readable


def _pick(shipments: list[dict], tracking_number: str | None) -> dict:
    """DHL may answer several shipments (one per service that knows the number)."""
    wanted = _normalised(tracking_number)
    matching = [shipment for shipment in shipments if _normalised(shipment.get("id")) == wanted]
    return matching[0] if wanted and matching else shipments[0]


def _normalised(number: object) -> str:
    return "".join(number.split()).upper() if isinstance(number, str) else ""


def _events(shipment: dict) -> list:
    """The shipment's events; an answer with only a latest status counts that as the one event."""
    events = shipment.get("events")
    if isinstance(events, list) and events:
        return events
    status = shipment.get("status")
    return [status] if isinstance(status, dict) else []


def _scan(event: dict) -> CarrierScan:
    occurred_at, offset_minutes = scan_time(event["timestamp"])
    code = event.get("statusCode") or ""
    if not isinstance(code, str):
        raise TypeError("the statusCode is not a string")
    address = _address(event)
    return CarrierScan(
        occurred_at=occurred_at,
        utc_offset_minutes=offset_minutes,
        status=map_status(code),
        carrier_code=_carrier_code(code, event.get("statusDetailed")),
        carrier_text=_text(event),
        exception_reason=REASONS.get(code),
        city=text(address.get("addressLocality")),
        region=text(address.get("addressRegion")),
        postcode=text(address.get("postalCode")),
        country=country(address.get("countryCode")),
        raw_payload=event,
        key=None,
    )


def _carrier_code(code: str, detailed: object) -> str:
    """The statusCode, and the finer statusDetailed that some DHL services add."""
    if isinstance(detailed, str) and detailed.strip():
        return f"{code}/{detailed.strip()}"
    return code


def _text(event: dict) -> str:
    """Status, description and remark, each once: services fill them differently, often alike."""
    parts: list[str] = []
    for name in ("status", "description", "remark"):
        words = text(event.get(name)).strip()
        if words and words not in parts:
            parts.append(words)
    return " - ".join(parts)


def _address(event: dict) -> dict:
    location = event.get("location") or {}
    if not isinstance(location, dict):
        raise TypeError("the location is not an object")
    address = location.get("address") or {}
    if not isinstance(address, dict):
        raise TypeError("the address is not an object")
    return address


def _estimated_delivery(shipment: dict) -> date | None:
    """The date DHL names, as written: its midnight-UTC ETAs are dates, not instants."""
    estimate = date_part(shipment.get("estimatedTimeOfDelivery"))
    if estimate is None:
        frame = shipment.get("estimatedDeliveryTimeFrame")
        if isinstance(frame, dict):
            estimate = date_part(frame.get("estimatedThrough"))
    return estimate


def verify(headers, body: bytes, secret: str, now: datetime) -> None:
    """Refuse every delivery: DHL's tracking API sends no webhooks, so none can be genuine."""
    raise SignatureError("dhl sends no webhooks")


def event_id(document: object) -> str | None:
    """DHL sends no webhooks, so no delivery has an id."""
    return None


def parse_webhook(document: object) -> list[Update]:
    """DHL sends no webhooks: no document has a documented shape to read."""
    raise MalformedAnswer("dhl sends no webhooks; its tracking is polled")
