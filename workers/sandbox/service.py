"""The sandbox carrier's HTTP API: scripted journeys, plus events and failures that tests inject."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    NotFound,
    TooManyRequests,
)

from workers.sandbox import journeys
from workers.sandbox.journeys import Clock, Event, Location

NUMBER = re.compile(r"[A-Z0-9]{6,40}")
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 500
MAX_COUNT = 1_000_000
FAILURE_MODES = ("error", "rate_limit", "timeout", "malformed")
LOCATION_FIELDS = ("city", "region", "postcode", "country")
ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
}

bp = Blueprint("sandbox", __name__)


@dataclass(frozen=True)
class Failure:
    """How the next `remaining` lookups of a number fail."""

    mode: str
    remaining: int
    retry_after: int = 30


class Sandbox:
    """The carrier's memory: injected events and pending failures per number, shared by threads."""

    def __init__(self, clock: Clock, hold_seconds: float) -> None:
        if not hold_seconds >= 0:
            raise ValueError("hold_seconds must be zero or more")
        self.clock = clock
        self.hold_seconds = hold_seconds
        self._lock = threading.Lock()
        self._events: dict[str, list[Event]] = {}
        self._failures: dict[str, Failure] = {}

    def inject(self, number: str, event: Event) -> Event:
        """Store the event under the number's next injected id."""
        with self._lock:
            added = self._events.setdefault(number, [])
            added.append(replace(event, id=f"{number}-x{len(added):03d}"))
            return added[-1]

    def injected(self, number: str) -> list[Event]:
        with self._lock:
            return list(self._events.get(number, ()))

    def fail(self, number: str, failure: Failure) -> None:
        """Make the next lookups fail, replacing any failure still pending."""
        with self._lock:
            self._failures[number] = failure

    def pending(self, number: str) -> Failure | None:
        with self._lock:
            return self._failures.get(number)

    def take_failure(self, number: str) -> Failure | None:
        """Use up one pending failure of the number, if it has any."""
        with self._lock:
            failure = self._failures.pop(number, None)
            if failure and failure.remaining > 1:
                self._failures[number] = replace(failure, remaining=failure.remaining - 1)
            return failure

    def forget(self, number: str) -> None:
        with self._lock:
            self._events.pop(number, None)
            self._failures.pop(number, None)


def create_sandbox(speed: float, epoch: datetime, hold_seconds: float = 30.0) -> Flask:
    """The sandbox carrier; journeys start at `epoch` and run `speed` journey seconds a second."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    app.extensions["sandbox"] = Sandbox(Clock(epoch, speed), hold_seconds)
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, json_error)
    app.register_error_handler(Exception, crashed)
    return app


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


@bp.get("/healthz")
def healthz():
    return {"ok": True}


@bp.get("/v1/tracking/<number>")
def track(number: str):
    """The journey so far, unless a failure is pending for the number."""
    number = known(number)
    failure = sandbox().take_failure(number)
    if failure is None:
        return report(number)
    return FAILURES[failure.mode](number, failure)


@bp.post("/v1/tracking/<number>/events")
def add_event(number: str):
    number = known(number)
    event = sandbox().inject(number, parse_event(json_body()))
    return event_json(event), 201


@bp.post("/v1/tracking/<number>/failures")
def add_failure(number: str):
    number = known(number)
    failure = parse_failure(json_body())
    sandbox().fail(number, failure)
    return {"mode": failure.mode, "remaining": failure.remaining}, 201


@bp.delete("/v1/tracking/<number>")
def reset(number: str):
    """Forget the number's injected events and pending failures."""
    sandbox().forget(known(number))
    return Response(status=204, mimetype="application/json")


def known(number: str) -> str:
    """The upper-cased number, or 404 when it cannot be a sandbox tracking number."""
    if not number.isascii() or NUMBER.fullmatch(number.upper()) is None:
        raise NotFound(f"No shipment with tracking number {number}.")
    return number.upper()


def report(number: str) -> dict:
    """The carrier's answer: scripted scans so far and injected ones, oldest first."""
    state, now = sandbox(), datetime.now(UTC)
    journey, added = journeys.plan(number), state.injected(number)
    scanned = journeys.events(journey, state.clock, now) + added
    eta = journeys.estimated_delivery(journey, state.clock, now)
    if any(journeys.is_final(event) for event in added):
        eta = None
    return {
        "tracking_number": number,
        "estimated_delivery": eta.isoformat() if eta else None,
        "events": [event_json(event) for event in sorted(scanned, key=lambda e: e.occurred_at)],
    }


def event_json(event: Event) -> dict:
    return {
        "id": event.id,
        "code": event.code,
        "description": event.description,
        "occurred_at": iso(event.occurred_at),
        "location": asdict(event.location) if event.location else None,
        "exception": event.exception,
    }


def iso(moment: datetime) -> str:
    """ISO 8601 with the offset, to the millisecond only when there is a fraction."""
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def server_error(number: str, failure: Failure):
    raise InternalServerError("The carrier's tracking service failed (simulated).")


def rate_limited(number: str, failure: Failure):
    raise TooManyRequests("Too many requests (simulated).", retry_after=failure.retry_after)


def held(number: str, failure: Failure):
    """Answer only after the hold, by when a client with a short timeout has given up."""
    time.sleep(sandbox().hold_seconds)
    return report(number)


def malformed(number: str, failure: Failure) -> Response:
    """The answer cut in half: announced as JSON, never parseable."""
    body = compact(report(number))
    return Response(body[: len(body) // 2], mimetype="application/json")


FAILURES = {
    "error": server_error,
    "rate_limit": rate_limited,
    "timeout": held,
    "malformed": malformed,
}


def compact(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"))


def json_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def parse_event(body: dict) -> Event:
    """The event a test asks to inject; 400 for anything the carrier would not send."""
    code = body.get("code")
    if code is None:
        raise BadRequest("code is required.")
    if not isinstance(code, str) or code not in journeys.CODES:
        raise BadRequest(f"code must be one of {', '.join(sorted(journeys.CODES))}.")
    return Event(
        id="",
        code=code,
        description=text(body.get("description"), "description") or journeys.DESCRIPTIONS[code],
        occurred_at=instant(body.get("occurred_at")),
        location=location(body.get("location")),
        exception=reason(body.get("exception")),
    )


def text(value: object, name: str) -> str | None:
    if value is not None and not (isinstance(value, str) and len(value) <= MAX_TEXT):
        raise BadRequest(f"{name} must be a string of at most {MAX_TEXT} characters.")
    return value


def instant(value: object) -> datetime:
    """The ISO 8601 instant given, with its offset kept; now in UTC when none is given."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
        moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise BadRequest("occurred_at must be an ISO 8601 date and time.") from None
    if moment.tzinfo is None:
        raise BadRequest("occurred_at needs a UTC offset.")
    return moment


def location(value: object) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest("location must be an object.")
    return Location(**{name: text(value.get(name), name) for name in LOCATION_FIELDS})


def reason(value: object) -> str | None:
    if value is not None and value not in journeys.EXCEPTIONS:
        raise BadRequest(f"exception must be null or one of {', '.join(journeys.EXCEPTIONS)}.")
    return value


def parse_failure(body: dict) -> Failure:
    mode = body.get("mode")
    if mode not in FAILURE_MODES:
        raise BadRequest(f"mode must be one of {', '.join(FAILURE_MODES)}.")
    count = whole(body.get("count", 1), "count", lowest=1)
    return Failure(mode, count, whole(body.get("retry_after", 30), "retry_after", lowest=0))


def whole(value: object, name: str, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= MAX_COUNT:
        raise BadRequest(f"{name} must be a whole number from {lowest} to {MAX_COUNT}.")
    return value


def json_error(error: HTTPException) -> Response:
    """The error as JSON, keeping headers such as Allow and Retry-After."""
    response = error.get_response()
    code = ERROR_CODES.get(error.code, error.name.lower().replace(" ", "_"))
    response.set_data(compact({"error": {"code": code, "message": error.description}}))
    response.content_type = "application/json"
    return response


def crashed(error: Exception) -> Response:
    """A bug answers with a JSON 500 too, after logging its traceback."""
    current_app.logger.exception("sandbox request failed", exc_info=error)
    return json_error(InternalServerError())
