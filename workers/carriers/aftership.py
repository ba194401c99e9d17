"""AfterShip's Tracking API: polled by finding (or else creating) a tracking, pushed as webhooks.

A tracking carries its `checkpoints`, one per carrier scan, each with a `tag` (nine delivery
statuses) and a `subtag` (`<Tag>_<NNN>`) that says more: which exception, a return to sender.
Checkpoints have no id of their own, so scans are told apart by their digest; a webhook's
`event_id` dedupes deliveries. Checkpoint times are the carrier's local time, with or without
its offset; countries come as ISO alpha-3 codes.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime

import requests

from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import ExceptionReason, Status
from workers.carriers.feed import (
    FeedError,
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
    "Pending": Status.PENDING,
    "InfoReceived": Status.INFO_RECEIVED,
    "InTransit": Status.IN_TRANSIT,
    "OutForDelivery": Status.OUT_FOR_DELIVERY,
    "AvailableForPickup": Status.AVAILABLE_FOR_PICKUP,
    "AttemptFail": Status.FAILED_ATTEMPT,
    "Exception": Status.EXCEPTION,
    "Delivered": Status.DELIVERED,
    "Expired": Status.EXPIRED,
}

# Exception subtags that are no exception in our vocabulary.
SUBTAG_STATUSES = {
    "Exception_010": Status.RETURNED_TO_SENDER,  # returning to sender
    "Exception_011": Status.RETURNED_TO_SENDER,  # returned to sender
    "Exception_020": Status.CANCELLED,  # shipment cancelled
}

# Exception subtags that say why; any other Exception (Exception_001, new ones) is "other".
REASONS = {
    "Exception_002": ExceptionReason.ADDRESS,  # customer moved
    "Exception_003": ExceptionReason.REFUSED,  # customer refused delivery
    "Exception_004": ExceptionReason.CUSTOMS,  # delayed (customs clearance)
    "Exception_005": ExceptionReason.DELAYED,  # delayed (external factors)
    "Exception_006": ExceptionReason.HELD,  # held for payment
    "Exception_007": ExceptionReason.ADDRESS,  # incorrect address
    "Exception_008": ExceptionReason.HELD,  # pick up missed
    "Exception_012": ExceptionReason.DAMAGED,  # shipment damaged
    "Exception_013": ExceptionReason.LOST,  # shipment lost
    "Exception_016": ExceptionReason.DELAYED,  # delayed (processing issue)
    "Exception_017": ExceptionReason.WEATHER,  # delayed (extreme weather)
    "Exception_018": ExceptionReason.CUSTOMS,  # incorrect / missing documents
    "Exception_019": ExceptionReason.DELAYED,  # delayed (late flight)
}

NAME = "aftership"
CARRIERS = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl",
    "dpd": "dpd",
    "royalmail": "royal-mail",
    "postnl": "postnl",
}
CREDENTIALS = ("AFTERSHIP_API_KEY",)
WEBHOOK_SECRET = "AFTERSHIP_WEBHOOK_SECRET"

SIGNATURE_HEADER = "aftership-hmac-sha256"

# meta.code values of AfterShip's error answers that request_json would only see as HTTP 4xx.
UNKNOWN_NUMBER_CODES = {
    4004: "AfterShip has no such tracking",
    4005: "AfterShip finds the tracking number invalid",
    4017: "AfterShip finds the tracking number's format invalid",
}
ALREADY_TRACKED = 4003

# Where a tracking's delivery estimate is, best first, with the field that holds a single date
# and the one that holds the end of a range.
ESTIMATES = (
    ("latest_estimated_delivery", "datetime", "datetime_max"),
    ("courier_estimated_delivery_date", "estimated_delivery_date", "estimated_delivery_date_max"),
    ("aftership_estimated_delivery_date", "estimated_delivery_date", "estimated_delivery_date_max"),
    ("custom_estimated_delivery_date", "datetime", "datetime_max"),
)


class _AlreadyTracked(FeedError):
    """AfterShip refused to create a tracking it already has (another poll got there first)."""


def map_status(code: str, detail: str | None = None) -> Status:
    """Our status for an AfterShip tag, or for its subtag where that says more."""
    return SUBTAG_STATUSES.get(detail) or STATUS_MAP.get(code, Status.UNKNOWN)


def fetch(http: requests.Session, parcel: Parcel, config: Mapping) -> Tracking:
    """Find AfterShip's tracking of a parcel, creating it the first time it is asked about."""
    slug = CARRIERS.get(parcel.carrier)
    if slug is None:
        raise Rejected(f"AfterShip is not set up for the carrier {parcel.carrier!r}")
    tracking = _find(http, parcel.tracking_number, slug, config)
    if tracking is None:
        tracking = _create(http, parcel.tracking_number, slug, config)
    return _read_tracking(tracking)


def _find(http: requests.Session, number: str, slug: str, config: Mapping) -> dict | None:
    answer = _trackings_api(http, "GET", config, params={"tracking_numbers": number, "slug": slug})
    return next((t for t in _trackings(answer) if _is_parcel(t, number, slug)), None)


def _create(http: requests.Session, number: str, slug: str, config: Mapping) -> dict:
    try:
        answer = _trackings_api(
            http, "POST", config, json={"tracking_number": number, "slug": slug}
        )
    except _AlreadyTracked:
        tracking = _find(http, number, slug, config)
        if tracking is None:
            raise FeedError("AfterShip has the tracking but does not list it yet") from None
        return tracking
    trackings = _trackings(answer)
    if not trackings:
        raise MalformedAnswer("AfterShip's answer to creating a tracking holds no tracking")
    return trackings[0]


def _url(config: Mapping, path: str) -> str:
    return f"{config['AFTERSHIP_URL'].rstrip('/')}/{path}"


def _auth(config: Mapping) -> dict:
    return {"as-api-key": config["AFTERSHIP_API_KEY"]}


def _trackings_api(http: requests.Session, method: str, config: Mapping, **kwargs) -> object:
    """Call /trackings; an error answer's meta.code says whether the number is unknown or the
    tracking exists already, which the HTTP status alone does not."""
    try:
        url, headers = _url(config, "trackings"), _auth(config)
        return request_json(http, method, url, timeouts(config), headers=headers, **kwargs)
    except Rejected as refusal:
        _raise_for_known_meta(refusal.document)
        raise


def _meta_code(document: object) -> int | None:
    meta = document.get("meta") if isinstance(document, dict) else None
    code = meta.get("code") if isinstance(meta, dict) else None
    return code if isinstance(code, int) else None


def _raise_for_known_meta(document: object) -> None:
    code = _meta_code(document)
    if code in UNKNOWN_NUMBER_CODES:
        raise UnknownNumber(f"{UNKNOWN_NUMBER_CODES[code]} (meta.code {code})")
    if code == ALREADY_TRACKED:
        raise _AlreadyTracked(f"AfterShip already has this tracking (meta.code {code})")


def _is_parcel(tracking: dict, number: str, slug: str) -> bool:
    """Whether a listed tracking is this parcel's: AfterShip's search may list others."""
    listed = tracking.get("tracking_number")
    return (
        isinstance(listed, str)
        and _plain_number(listed) == _plain_number(number)
        and tracking.get("slug") in (slug, None)
    )


def _plain_number(number: str) -> str:
    return "".join(number.split()).upper()


def parse(document: object) -> Tracking:
    """Read a polling answer (Get trackings, Create a tracking); the first tracking in it counts."""
    trackings = _trackings(document)
    if not trackings:
        raise MalformedAnswer("the answer holds no tracking")
    return _read_tracking(trackings[0])


def _trackings(document: object) -> list[dict]:
    """The trackings in an answer's data: a list from Get trackings, one from Create a tracking
    (or, before the 2024 versions, one wrapped in `tracking`)."""
    if not isinstance(document, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    _raise_for_known_meta(document)
    code = _meta_code(document)
    if code is not None and code >= 400:
        raise Rejected(f"AfterShip answered with meta.code {code}")
    data = document.get("data")
    if not isinstance(data, dict):
        raise MalformedAnswer("the answer has no data object")
    if isinstance(data.get("trackings"), list):
        return [tracking for tracking in data["trackings"] if isinstance(tracking, dict)]
    if isinstance(data.get("tracking"), dict):
        return [data["tracking"]]
    if "tracking_number" in data:
        return [data]
    raise MalformedAnswer("the answer holds no tracking")


def _read_tracking(tracking: dict) -> Tracking:
    """A tracking's checkpoints as scans; checkpoints that cannot be read are counted, not kept."""
    checkpoints = tracking.get("checkpoints") or []
    if not isinstance(checkpoints, list):
        raise MalformedAnswer("the tracking's checkpoints are not a list")
    scans, rejected = read_scans(checkpoints, _scan, NAME)
    return Tracking(scans, _estimated_delivery(tracking), rejected)


def _scan(checkpoint: dict) -> CarrierScan:
    occurred_at, offset = scan_time(checkpoint["checkpoint_time"])
    tag, subtag = _code(checkpoint.get("tag")), _code(checkpoint.get("subtag"))
    tag = tag or subtag.partition("_")[0]
    status = map_status(tag, subtag)
    return CarrierScan(
        occurred_at=occurred_at,
        utc_offset_minutes=offset,
        status=status,
        carrier_code=subtag or tag,
        carrier_text=text(checkpoint.get("message")) or text(checkpoint.get("subtag_message")),
        exception_reason=_reason(status, subtag),
        city=text(checkpoint.get("city")),
        region=text(checkpoint.get("state")),
        postcode=text(checkpoint.get("zip")),
        country=country(checkpoint.get("country_region")),
        raw_payload=checkpoint,
        key=None,
    )


def _code(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"a tag or subtag is a {type(value).__name__}, not a string")
    return value.strip()


def _reason(status: Status, subtag: str) -> str | None:
    if status is not Status.EXCEPTION:
        return None
    return REASONS.get(subtag, ExceptionReason.OTHER).value


def _estimated_delivery(tracking: dict) -> date | None:
    """The first estimate AfterShip gives, as the date written in it (a range: its last day)."""
    for field, single, latest in ESTIMATES:
        estimate = tracking.get(field)
        if isinstance(estimate, dict):
            found = date_part(estimate.get(single)) or date_part(estimate.get(latest))
            if found:
                return found
    return date_part(tracking.get("expected_delivery"))  # versions before 2024


def verify(headers, body: bytes, secret: str, now: datetime) -> None:
    """Check the base64 HMAC-SHA256 of the raw body, keyed with the webhook secret."""
    given = headers.get(SIGNATURE_HEADER)
    if not given:
        raise SignatureError(f"missing {SIGNATURE_HEADER}")
    if not isinstance(given, str):
        raise SignatureError(f"{SIGNATURE_HEADER} is not text")
    if not isinstance(secret, str) or not secret:
        raise SignatureError("no webhook secret to check against")
    if not isinstance(body, bytes | bytearray | memoryview):
        raise SignatureError("the body is not bytes")
    expected = base64.b64encode(hmac_sha256(secret.encode(), bytes(body))).decode()
    if not same(expected, given.strip()):
        raise SignatureError("signature does not match")


def event_id(document: object) -> str | None:
    """The webhook's event_id (a UUID), which stays the same when AfterShip sends it again."""
    value = document.get("event_id") if isinstance(document, dict) else None
    return value if isinstance(value, str) and value else None


def parse_webhook(document: object) -> list[Update]:
    """Read a webhook: every event (tracking_update, edd_revise, tracking_pending_time) carries
    the whole tracking in `msg`, its checkpoints and its estimate."""
    if not isinstance(document, dict):
        raise MalformedAnswer("the webhook is not a JSON object")
    tracking = document.get("msg")
    if not isinstance(tracking, dict):
        raise MalformedAnswer("the webhook has no tracking in msg")
    number = tracking.get("tracking_number")
    if not isinstance(number, str) or not number.strip():
        raise MalformedAnswer("the webhook's tracking has no tracking_number")
    return [Update(number.strip(), _our_carrier(tracking.get("slug")), _read_tracking(tracking))]


def _our_carrier(slug: object) -> str | None:
    return next((ours for ours, theirs in CARRIERS.items() if theirs == slug), None)
