"""What every carrier feed returns and raises, and the one way feeds speak HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import requests
from babel.core import get_global
from urllib3.exceptions import ReadTimeoutError

from webapp.tracking.scans import CarrierScan

USER_AGENT = "MLNshops-Order-Tracking/1.0"
RETRY_AFTER_MAX = 7 * 86400.0  # a longer wait is a feed bug; the check must stay schedulable


@dataclass(frozen=True)
class Tracking:
    """A feed's answer for one tracking number: its scans so far and its delivery estimate."""

    scans: tuple[CarrierScan, ...]
    estimated_delivery: date | None = None
    rejected: int = 0  # events the feed sent that could not be read


@dataclass(frozen=True)
class Parcel:
    """What a feed is asked about: our carrier code and the tracking number."""

    carrier: str
    tracking_number: str


@dataclass(frozen=True)
class Update:
    """What one webhook delivery says about one parcel."""

    tracking_number: str
    carrier: str | None  # our carrier code, or None when the provider's is not one we know
    tracking: Tracking


class SignatureError(Exception):
    """A webhook delivery whose signature is missing, wrong or too old: nothing in it is used."""


class FeedError(Exception):
    """The feed gave no usable answer this time; the shipment is tried again later."""

    outcome = "error"

    def __init__(
        self, message: str, retry_after: float | None = None, document: object = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.document = document  # the provider's error answer, when it was JSON


class FeedUnavailable(FeedError):
    outcome = "unavailable"


class FeedTimeout(FeedError):
    outcome = "timeout"


class RateLimited(FeedError):
    outcome = "rate_limited"


class MalformedAnswer(FeedError):
    outcome = "malformed"


class UnknownNumber(FeedError):
    outcome = "not_found"


class Rejected(FeedError):
    outcome = "rejected"


def session() -> requests.Session:
    """A pooled HTTP session for one feed."""
    http = requests.Session()
    http.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return http


def timeouts(config) -> tuple[float, float]:
    """The (connect, read) timeouts every feed request uses."""
    return (config["FEED_CONNECT_TIMEOUT"], config["FEED_READ_TIMEOUT"])


def get_json(http: requests.Session, url: str, timeout: tuple[float, float], **kwargs) -> object:
    """GET a JSON document, turning every way it can fail into a FeedError."""
    return request_json(http, "GET", url, timeout, **kwargs)


def request_json(
    http: requests.Session, method: str, url: str, timeout: tuple[float, float], **kwargs
) -> object:
    """Send a request (kwargs as for requests: headers, json, params, auth) and read its JSON
    answer, turning every way it can fail into a FeedError."""
    try:
        response = http.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout as error:
        raise FeedTimeout(f"no answer within {timeout[1]:g} s") from error
    except requests.RequestException as error:
        if error.args and isinstance(error.args[0], ReadTimeoutError):
            # requests reports a body that stops arriving as a ConnectionError
            raise FeedTimeout(f"no answer within {timeout[1]:g} s") from error
        raise FeedUnavailable(f"cannot reach the feed: {type(error).__name__}") from error
    _raise_for_status(response)
    try:
        return loads(response.content)
    except (ValueError, RecursionError) as error:
        raise MalformedAnswer(
            f"HTTP {response.status_code} with a body that is not JSON"
        ) from error


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        raise RateLimited("HTTP 429 Too Many Requests", retry_after)
    if status == 404:
        raise UnknownNumber("the carrier does not know this tracking number")
    if status >= 500:
        raise FeedUnavailable(f"HTTP {status}", retry_after)
    if status >= 400:
        raise Rejected(f"HTTP {status}", document=_json_or_none(response))


def _json_or_none(response: requests.Response) -> object:
    """The error answer as JSON, so a feed can read the provider's own reason from it."""
    try:
        return loads(response.content)
    except (ValueError, RecursionError):
        return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Read a Retry-After header, given in seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, seconds), RETRY_AFTER_MAX)


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def same(expected: str | bytes, given: str | bytes | None) -> bool:
    """Compare a signature in constant time; a missing one never matches."""
    if given is None:
        return False
    as_bytes = [value.encode() if isinstance(value, str) else value for value in (expected, given)]
    return hmac.compare_digest(*as_bytes)


def loads(data: str | bytes) -> object:
    """JSON as the standard has it: NaN, Infinity and numbers too large for a float are refused
    (ValueError), since no database would store the payload that holds them."""
    return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]} is too large a number")
    return number


# --- Reading what providers write -------------------------------------------------------------

log = logging.getLogger("workers.carriers")


def read_scans(
    events: Iterable, read: Callable[[object], CarrierScan], feed: str
) -> tuple[tuple[CarrierScan, ...], int]:
    """Each event read into a scan; one that cannot be read is logged and counted, never
    raised, so the others are kept. The scans, and how many events were left out."""
    scans, rejected = [], 0
    for event in events:
        try:
            scans.append(read(event))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            rejected += 1
            log.warning("%s event not readable (%s): %.200r", feed, error, event)
    return tuple(scans), rejected


_DATE_PART = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]|$)")


def scan_time(value: object) -> tuple[datetime, int | None]:
    """An ISO time and the offset of the scan's local time in minutes. `Z` is a UTC time, which
    says nothing of the local one (None); a time without an offset is read as UTC too."""
    if not isinstance(value, str):
        raise TypeError("the time is not a string")
    moment = datetime.fromisoformat(value.strip())
    offset = moment.utcoffset()
    if offset is None:
        return moment.replace(tzinfo=UTC), None
    if value.strip().endswith(("Z", "z")):
        return moment, None
    return moment, int(offset.total_seconds() // 60)


def date_part(value: object) -> date | None:
    """The date a provider's ETA names, as written: `2026-01-05T00:00:00Z` is 5 January wherever
    we are. Moving it to another zone first is the classic off-by-one-day bug."""
    match = _DATE_PART.match(value.strip()) if isinstance(value, str) else None
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def text(value: object) -> str:
    """A provider's text field: its string (or number), else nothing."""
    if isinstance(value, bool):
        return ""
    return str(value) if isinstance(value, str | int) else ""


def country(value: object) -> str:
    """A country as its two-letter code: ISO alpha-3 ("DEU") becomes alpha-2 through CLDR's
    territory aliases (shipped with Babel); names and anything else are left out."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not (code.isascii() and code.isalpha()):
        return ""
    if len(code) == 2:
        return code
    replacements = get_global("territory_aliases").get(code) if len(code) == 3 else None
    return replacements[0] if replacements and len(replacements) == 1 else ""
