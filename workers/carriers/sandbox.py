"""The sandbox carrier's tracking API (our own service, `python -m workers.sandbox`)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import requests

from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status
from workers.carriers.feed import (
    MalformedAnswer,
    Parcel,
    SignatureError,
    Tracking,
    Update,
    date_part,
    get_json,
    read_scans,
    timeouts,
)

STATUS_MAP = {
    "LC": Status.INFO_RECEIVED,
    "PU": Status.IN_TRANSIT,
    "AR": Status.IN_TRANSIT,
    "DP": Status.IN_TRANSIT,
    "CR": Status.IN_TRANSIT,
    "OD": Status.OUT_FOR_DELIVERY,
    "AP": Status.AVAILABLE_FOR_PICKUP,
    "DA": Status.FAILED_ATTEMPT,
    "EX": Status.EXCEPTION,
    "RS": Status.RETURNED_TO_SENDER,
    "RD": Status.RETURNED_TO_SENDER,
    "DL": Status.DELIVERED,
}

NAME = "sandbox"
CARRIERS = {"sandbox": "sandbox"}
CREDENTIALS = ("SANDBOX_URL",)
WEBHOOK_SECRET = None


def map_status(code: str, detail: str | None = None) -> Status:
    """Our status for one of the sandbox's event codes."""
    return STATUS_MAP.get(code, Status.UNKNOWN)


def fetch(http: requests.Session, parcel: Parcel, config: dict) -> Tracking:
    """Ask the sandbox for a tracking number's scans so far."""
    number = quote(parcel.tracking_number, safe="")
    url = f"{config['SANDBOX_URL'].rstrip('/')}/v1/tracking/{number}"
    return parse(get_json(http, url, timeouts(config)))


def parse(document: object) -> Tracking:
    """Read a tracking answer; events that cannot be read are counted, the rest kept."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise MalformedAnswer("the answer has no list of events")
    scans, rejected = read_scans(document["events"], _scan, NAME)
    return Tracking(scans, date_part(document.get("estimated_delivery")), rejected)


def _scan(event: dict) -> CarrierScan:
    if event["id"] is None:
        raise ValueError("the event has no id")
    occurred_at = datetime.fromisoformat(event["occurred_at"])
    offset = occurred_at.utcoffset()
    location = event.get("location") or {}
    if not isinstance(location, dict):
        raise TypeError("the location is not an object")
    return CarrierScan(
        occurred_at=occurred_at,
        utc_offset_minutes=None if offset is None else int(offset.total_seconds() // 60),
        status=map_status(event["code"]),
        carrier_code=str(event["code"]),
        carrier_text=str(event.get("description") or ""),
        exception_reason=event.get("exception"),
        city=str(location.get("city") or ""),
        region=str(location.get("region") or ""),
        postcode=str(location.get("postcode") or ""),
        country=str(location.get("country") or ""),
        raw_payload=event,
        key=str(event["id"]),
    )


def verify(headers, body: bytes, secret: str, now: datetime) -> None:
    raise SignatureError("the sandbox sends no webhooks; it is polled")


def event_id(document: object) -> str | None:
    return None


def parse_webhook(document: object) -> list[Update]:
    raise MalformedAnswer("the sandbox sends no webhooks")
