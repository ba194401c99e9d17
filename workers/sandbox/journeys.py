"""Scripted parcel journeys of the sandbox carrier, the same for a tracking number every time.

Steps are timed in journey seconds after an epoch. At speed s (journey seconds per real second) a
step at offset t happens at epoch + t / s, so speed 1000 plays a three-day journey in minutes.
The epoch stands for mid-morning at the origin; journeys are built in whole hours from it.

Event codes, the sandbox carrier's own vocabulary:

    ====  ==============================================
    LC    label created
    PU    picked up
    AR    arrived at a facility
    DP    departed a facility
    OD    out for delivery
    DL    delivered
    DA    delivery attempted, nobody took the parcel
    AP    available for pickup
    EX    exception; ``exception`` says which (EXCEPTIONS)
    CR    cleared or released, in transit again
    RS    returning to sender
    RD    returned and delivered to the sender
    ====  ==============================================

The last character of the number picks the scenario: 0-4 delivered, 5 weather_delay,
6 failed_attempt, 7 customs_hold, 8 returned, 9 lost; any other character goes by a hash.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

LABEL_CREATED = "LC"
PICKED_UP = "PU"
ARRIVED = "AR"
DEPARTED = "DP"
OUT_FOR_DELIVERY = "OD"
DELIVERED = "DL"
ATTEMPTED = "DA"
AVAILABLE_FOR_PICKUP = "AP"
EXCEPTION = "EX"
CLEARED = "CR"
RETURNING = "RS"
RETURNED = "RD"

DESCRIPTIONS = {
    LABEL_CREATED: "Shipping label created",
    PICKED_UP: "Picked up by courier",
    ARRIVED: "Arrived at facility",
    DEPARTED: "Departed facility",
    OUT_FOR_DELIVERY: "Out for delivery",
    DELIVERED: "Delivered",
    ATTEMPTED: "Delivery attempted",
    AVAILABLE_FOR_PICKUP: "Available for pickup",
    EXCEPTION: "Delivery exception",
    CLEARED: "Released, in transit again",
    RETURNING: "Returning to sender",
    RETURNED: "Returned to sender",
}
CODES = frozenset(DESCRIPTIONS)
EXCEPTIONS = ("weather", "customs", "address", "damaged", "lost", "held", "refused", "delayed")

SCENARIOS = (
    *("delivered",) * 5,
    "weather_delay",
    "failed_attempt",
    "customs_hold",
    "returned",
    "lost",
)

PICKUP_HOUR = 4
FIRST_HUB_HOUR = 8
DWELL_HOURS = 3
MORNING_HOUR = 22  # 08:00 the next day, counted from a mid-morning epoch
ROUND_HOURS = 5


@dataclass(frozen=True)
class Location:
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Place:
    """A location and its clock, as minutes east of UTC."""

    location: Location
    utc_offset: int


@dataclass(frozen=True)
class Route:
    name: str
    origin: Place
    hubs: tuple[Place, ...]
    destination: Place
    hub_hours: int = 12


@dataclass(frozen=True)
class Step:
    """One scripted scan, `offset` journey seconds after the epoch."""

    offset: int
    code: str
    description: str
    place: Place
    exception: str | None = None


@dataclass(frozen=True)
class Journey:
    """The scan script of one number; `promised` is the offset of an undisturbed delivery."""

    number: str
    scenario: str
    route: Route
    steps: tuple[Step, ...]
    promised: int


@dataclass(frozen=True)
class Event:
    """A scan as the carrier reports it, with the instant in the scan location's clock."""

    id: str
    code: str
    description: str
    occurred_at: datetime
    location: Location | None = None
    exception: str | None = None


@dataclass(frozen=True)
class Clock:
    """Maps journey seconds to real instants: epoch + offset / speed; speed 0 stands still."""

    epoch: datetime
    speed: float

    def __post_init__(self) -> None:
        if self.epoch.tzinfo is None:
            raise ValueError("the epoch needs a UTC offset")
        if not (math.isfinite(self.speed) and self.speed >= 0):
            raise ValueError("speed must be a finite number, zero or more")

    def at(self, offset: float) -> datetime:
        if self.speed == 0:
            return self.epoch + timedelta(seconds=offset)
        return self.epoch + timedelta(milliseconds=round(offset * 1000 / self.speed))

    def shows(self, offset: float, now: datetime) -> bool:
        """Whether a step at this offset has happened by `now`."""
        if self.speed == 0 and offset:
            return False
        return self.at(offset) <= now


@dataclass(frozen=True)
class Hold:
    """Extra scans at a hub, each (hours after arrival, code, description, exception)."""

    hours: int = 0
    scans: tuple[tuple[int, str, str, str | None], ...] = ()


NO_HOLD = Hold()
WEATHER_HOLD = Hold(24, ((2, EXCEPTION, "Delayed by severe weather", "weather"),))
CUSTOMS_HOLD = Hold(
    22,
    (
        (2, EXCEPTION, "Held by customs", "customs"),
        (20, CLEARED, "Released by customs", None),
    ),
)


def _place(city: str, region: str, postcode: str, country: str, utc_offset: int) -> Place:
    return Place(Location(city, region, postcode, country), utc_offset)


# Standard-time offsets all year: the sandbox does not model daylight saving.
ROUTES = (
    Route(
        "uk",
        _place("London", "LND", "E14 5AB", "GB", 0),
        (
            _place("Daventry", "NTH", "NN11 8RQ", "GB", 0),
            _place("Manchester", "MAN", "M17 1WA", "GB", 0),
        ),
        _place("Leeds", "WYK", "LS6 2QT", "GB", 0),
    ),
    Route(
        "nl-de",
        _place("Amsterdam", "NH", "1012", "NL", 60),
        (
            _place("Nieuwegein", "UT", "3439", "NL", 60),
            _place("Venlo", "LI", "5928", "NL", 60),
            _place("Duisburg", "NW", "47249", "DE", 60),
        ),
        _place("Cologne", "NW", "50667", "DE", 60),
    ),
    Route(
        "us",
        _place("Brooklyn", "NY", "11201", "US", -300),
        (
            _place("Louisville", "KY", "40209", "US", -300),
            _place("Memphis", "TN", "38118", "US", -360),
            _place("Denver", "CO", "80239", "US", -420),
        ),
        _place("Salt Lake City", "UT", "84101", "US", -420),
        hub_hours=18,
    ),
)


def zone(utc_offset: int) -> timezone:
    return UTC if utc_offset == 0 else timezone(timedelta(minutes=utc_offset))


def _digest(number: str) -> int:
    return int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big")


def scenario_for(number: str) -> str:
    """The scenario named by the number's last digit, or by its hash when it ends otherwise."""
    last = number[-1:]
    index = int(last) if last.isdigit() and last.isascii() else _digest(number) % 10
    return SCENARIOS[index]


def route_for(number: str) -> Route:
    return ROUTES[_digest(number) // 10 % len(ROUTES)]


def _step(
    hour: float, code: str, description: str, place: Place, exception: str | None = None
) -> Step:
    return Step(round(hour * 3600), code, description, place, exception)


def _hour(step: Step) -> float:
    return step.offset / 3600


def _next_morning(hour: float) -> int:
    """The first delivery-round start at least an hour after `hour`."""
    start = math.ceil(hour + 1)
    return start + (MORNING_HOUR - start) % 24


def _first_mile(route: Route) -> list[Step]:
    return [
        _step(0, LABEL_CREATED, DESCRIPTIONS[LABEL_CREATED], route.origin),
        _step(PICKUP_HOUR, PICKED_UP, DESCRIPTIONS[PICKED_UP], route.origin),
    ]


def _hub_visit(place: Place, hour: int, hold: Hold) -> list[Step]:
    city = place.location.city
    held = [
        _step(hour + after, code, description, place, exception)
        for after, code, description, exception in hold.scans
    ]
    return [
        _step(hour, ARRIVED, f"Arrived at {city} facility", place),
        *held,
        _step(hour + DWELL_HOURS + hold.hours, DEPARTED, f"Departed {city} facility", place),
    ]


def _transit(route: Route, holds: dict[int, Hold] | None = None) -> list[Step]:
    """Hub scans, then arrival at the delivery depot; a hold keeps the parcel longer at its hub."""
    steps, hour = [], FIRST_HUB_HOUR
    for index, place in enumerate(route.hubs):
        hold = (holds or {}).get(index, NO_HOLD)
        steps += _hub_visit(place, hour, hold)
        hour += route.hub_hours + hold.hours
    return [*steps, _step(hour, ARRIVED, "Arrived at delivery depot", route.destination)]


def _round(route: Route, after: Step, code: str, description: str) -> list[Step]:
    """A delivery round the next morning, ending in `code`."""
    start = _next_morning(_hour(after))
    return [
        _step(start, OUT_FOR_DELIVERY, DESCRIPTIONS[OUT_FOR_DELIVERY], route.destination),
        _step(start + ROUND_HOURS, code, description, route.destination),
    ]


def _delivered_after(route: Route, steps: list[Step]) -> list[Step]:
    return [*steps, *_round(route, steps[-1], DELIVERED, "Delivered to the recipient")]


def _attempted_after(route: Route, steps: list[Step]) -> list[Step]:
    nobody = "Delivery attempted: nobody available to receive the parcel"
    return [*steps, *_round(route, steps[-1], ATTEMPTED, nobody)]


def _delivered(route: Route) -> list[Step]:
    return _delivered_after(route, [*_first_mile(route), *_transit(route)])


def _weather_delay(route: Route) -> list[Step]:
    return _delivered_after(route, [*_first_mile(route), *_transit(route, {0: WEATHER_HOLD})])


def _customs_hold(route: Route) -> list[Step]:
    holds = {len(route.hubs) - 1: CUSTOMS_HOLD}
    return _delivered_after(route, [*_first_mile(route), *_transit(route, holds)])


def _failed_attempt(route: Route) -> list[Step]:
    return _delivered_after(route, _attempted_after(route, [*_first_mile(route), *_transit(route)]))


def _returned(route: Route) -> list[Step]:
    """Two failed attempts, three days at the depot counter, then back to the sender."""
    steps = [*_first_mile(route), *_transit(route)]
    steps = _attempted_after(route, _attempted_after(route, steps))
    hour = _hour(steps[-1])
    counter = "Available for pickup at the delivery depot"
    return [
        *steps,
        _step(hour + 3, AVAILABLE_FOR_PICKUP, counter, route.destination),
        _step(hour + 75, RETURNING, "Not collected: returning to sender", route.destination),
        _step(hour + 117, RETURNED, "Returned and delivered to the sender", route.origin),
    ]


def _lost(route: Route) -> list[Step]:
    """Scans stop after the first hub; four days later the carrier declares the parcel lost."""
    steps = [*_first_mile(route), *_transit(route)[:2]]
    lost = "Parcel cannot be located"
    return [*steps, _step(_hour(steps[-1]) + 96, EXCEPTION, lost, route.hubs[0], "lost")]


BUILDERS: dict[str, Callable[[Route], list[Step]]] = {
    "delivered": _delivered,
    "weather_delay": _weather_delay,
    "failed_attempt": _failed_attempt,
    "customs_hold": _customs_hold,
    "returned": _returned,
    "lost": _lost,
}


def plan(number: str) -> Journey:
    """The journey of an upper-case tracking number."""
    scenario, route = scenario_for(number), route_for(number)
    steps = tuple(BUILDERS[scenario](route))
    return Journey(number, scenario, route, steps, promised=_delivered(route)[-1].offset)


def visible_steps(journey: Journey, clock: Clock, now: datetime) -> tuple[Step, ...]:
    return tuple(step for step in journey.steps if clock.shows(step.offset, now))


def events(journey: Journey, clock: Clock, now: datetime) -> list[Event]:
    """The scans that have happened by `now`, oldest first."""
    return [
        _event(journey.number, index, step, clock)
        for index, step in enumerate(journey.steps)
        if clock.shows(step.offset, now)
    ]


def _event(number: str, index: int, step: Step, clock: Clock) -> Event:
    occurred_at = clock.at(step.offset).astimezone(zone(step.place.utc_offset))
    location = step.place.location
    return Event(
        f"{number}-{index:03d}", step.code, step.description, occurred_at, location, step.exception
    )


def is_final(step: Step | Event) -> bool:
    """Whether no delivery can follow: delivered, going or gone back to the sender, or lost."""
    return step.code in (DELIVERED, RETURNING, RETURNED) or step.exception == "lost"


def estimated_delivery(journey: Journey, clock: Clock, now: datetime) -> date | None:
    """The destination's day of the expected delivery, as known by `now`; None once final."""
    offset = _expected_offset(journey, visible_steps(journey, clock, now))
    if offset is None:
        return None
    return clock.at(offset).astimezone(zone(journey.route.destination.utc_offset)).date()


def _expected_offset(journey: Journey, shown: tuple[Step, ...]) -> int | None:
    """The promise, revised after each exception or failed attempt to the next round's end."""
    if any(is_final(step) for step in shown):
        return None
    setbacks = [index for index, step in enumerate(shown) if step.code in (EXCEPTION, ATTEMPTED)]
    if not setbacks:
        return journey.promised
    ahead = journey.steps[setbacks[-1] + 1 :]
    return next((step.offset for step in ahead if step.code in (DELIVERED, ATTEMPTED)), None)
