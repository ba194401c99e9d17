"""Stage derivation: examples of real journeys, and the properties DESIGN.md promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.tracking.scans import CarrierScan
from webapp.tracking.stages import ShipmentState, Stage, derive
from webapp.tracking.statuses import ExceptionReason, Status

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# Fixed seed and no example database, so every run checks the same cases.
PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None)


@dataclass(frozen=True)
class Event:
    occurred_at: datetime
    status: Status
    exception_reason: str | None
    dedupe_key: str


def at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


def event(status: Status, hours: float, reason: str | None = None) -> Event:
    """An event whose key is its content, as a carrier digest would be."""
    return make_event(at(hours), status, reason)


def make_event(occurred_at: datetime, status: Status, reason: str | None) -> Event:
    key = f"{occurred_at.isoformat()}|{status.value}|{reason}"
    return Event(occurred_at, status, reason, key)


# Whole hours over two days, so same-instant events are common.
instants = st.integers(min_value=0, max_value=48).map(at)
reasons = st.sampled_from([None, *ExceptionReason, "volcano"])
events = st.builds(make_event, instants, st.sampled_from(Status), reasons)
event_lists = st.lists(events, max_size=8)
forward_statuses = [s for s in Status if s is not Status.RETURNED_TO_SENDER]
forward_events = st.builds(make_event, instants, st.sampled_from(forward_statuses), reasons)


def by_time(evs: list[Event]) -> list[Event]:
    return sorted(evs, key=lambda e: e.occurred_at)


@PROPERTY
@given(evs=event_lists, data=st.data())
def test_shuffling_changes_nothing(evs, data):
    """The order events arrive in never matters, ties at the same instant included."""
    shuffled = data.draw(st.permutations(evs))
    assert derive(shuffled) == derive(evs)


@PROPERTY
@given(
    evs=st.lists(events, min_size=1, max_size=8),
    picks=st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=4),
)
def test_duplicates_change_nothing(evs, picks):
    """The same scan delivered again, any number of times, is ignored."""
    repeats = [evs[pick % len(evs)] for pick in picks]
    assert derive([*evs, *repeats]) == derive(evs)
    assert derive([*repeats, *evs]) == derive(evs)


@PROPERTY
@given(evs=event_lists)
def test_stage_never_goes_back_except_by_return(evs):
    """Adding events in time order, only a returned_to_sender event may lower the stage."""
    ordered = by_time(evs)
    previous = Stage.ORDERED
    for count, added in enumerate(ordered, start=1):
        stage = derive(ordered[:count]).stage
        if added.status is not Status.RETURNED_TO_SENDER:
            assert stage >= previous, (added, ordered[:count])
        previous = stage


@PROPERTY
@given(
    evs=st.lists(forward_events, min_size=1, max_size=8),
    late=forward_events,
    hours_earlier=st.integers(min_value=1, max_value=48),
)
def test_late_scan_never_lowers_stage(evs, late, hours_earlier):
    """A scan from before the latest one, arriving last, cannot undo progress."""
    latest = max(e.occurred_at for e in evs)
    late = make_event(latest - timedelta(hours=hours_earlier), late.status, late.exception_reason)
    assert derive([*evs, late]).stage >= derive(evs).stage


@PROPERTY
@given(evs=event_lists, returned_hours=st.integers(min_value=0, max_value=48))
def test_return_holds_in_transit_whatever_follows(evs, returned_hours):
    """Once returned_to_sender is seen, the parcel is in transit back and never delivered."""
    state = derive([*evs, event(Status.RETURNED_TO_SENDER, returned_hours)])
    assert state.stage is Stage.IN_TRANSIT
    assert state.returning
    assert state.delivered_at is None


JOURNEY = [
    event(Status.INFO_RECEIVED, 0),
    event(Status.IN_TRANSIT, 5),
    event(Status.IN_TRANSIT, 20),
    event(Status.OUT_FOR_DELIVERY, 48),
    event(Status.DELIVERED, 52),
]


def test_no_events_is_ordered():
    """An order without scans sits on the first card, awaiting carrier data."""
    assert derive([]) == ShipmentState(stage=Stage.ORDERED, status=Status.PENDING)


def test_normal_journey_ends_delivered():
    """Shipped at the first carrier scan, delivered and last scanned at the delivery."""
    assert derive(JOURNEY) == ShipmentState(
        stage=Stage.DELIVERED,
        status=Status.DELIVERED,
        shipped_at=at(0),
        delivered_at=at(52),
        last_scan_at=at(52),
    )


def test_pending_moves_no_card():
    """A pending scan is recorded as the latest but proves no shipping yet."""
    state = derive([event(Status.PENDING, 0)])
    assert (state.stage, state.status, state.shipped_at) == (Stage.ORDERED, Status.PENDING, None)
    assert state.last_scan_at == at(0)


def test_out_of_order_arrival_matches_in_order():
    """Scans fed newest-first and scrambled derive exactly what the real order does."""
    scrambled = [JOURNEY[4], JOURNEY[0], JOURNEY[3], JOURNEY[2], JOURNEY[1]]
    assert derive(scrambled) == derive(JOURNEY)


def test_late_scan_does_not_clear_a_newer_exception():
    """An in_transit scan from before the exception, arriving after it, leaves it current."""
    seen = [event(Status.IN_TRANSIT, 5), event(Status.EXCEPTION, 30, "customs")]
    state = derive([*seen, event(Status.IN_TRANSIT, 20)])
    assert (state.status, state.exception_reason) == (Status.EXCEPTION, ExceptionReason.CUSTOMS)
    assert state.last_scan_at == at(30)


@pytest.mark.parametrize(
    "status", [Status.OUT_FOR_DELIVERY, Status.AVAILABLE_FOR_PICKUP, Status.FAILED_ATTEMPT]
)
def test_van_pickup_and_failed_attempt_are_out_for_delivery(status):
    """All three show the fourth card; the status keeps which one it was."""
    state = derive([event(Status.IN_TRANSIT, 5), event(status, 30)])
    assert (state.stage, state.status) == (Stage.OUT_FOR_DELIVERY, status)
    assert state.delivered_at is None


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("customs", ExceptionReason.CUSTOMS),
        ("weather", ExceptionReason.WEATHER),
        ("volcano", ExceptionReason.OTHER),
        (None, ExceptionReason.OTHER),
    ],
)
def test_exception_keeps_stage_and_carries_reason(reason, expected):
    """An unknown or missing reason becomes OTHER."""
    state = derive([event(Status.IN_TRANSIT, 5), event(Status.EXCEPTION, 10, reason)])
    assert state.stage is Stage.IN_TRANSIT
    assert (state.status, state.exception_reason) == (Status.EXCEPTION, expected)


def test_reason_only_on_exceptions():
    """A reason a feed attaches to any other status is dropped."""
    assert derive([event(Status.IN_TRANSIT, 5, "customs")]).exception_reason is None


def test_later_in_transit_clears_exception():
    """Moving again after a hold means the problem is over."""
    state = derive(
        [
            event(Status.IN_TRANSIT, 5),
            event(Status.EXCEPTION, 10, "weather"),
            event(Status.IN_TRANSIT, 12),
        ]
    )
    assert (state.stage, state.status, state.exception_reason) == (
        Stage.IN_TRANSIT,
        Status.IN_TRANSIT,
        None,
    )


def test_return_moves_back_to_in_transit():
    """From the van, a return puts the parcel back on the in-transit card, heading home."""
    state = derive([*JOURNEY[:4], event(Status.RETURNED_TO_SENDER, 50)])
    assert (state.stage, state.status) == (Stage.IN_TRANSIT, Status.RETURNED_TO_SENDER)
    assert state.returning
    assert state.delivered_at is None
    assert state.shipped_at == at(0)


def test_delivery_after_return_is_not_a_delivery():
    """The sender receiving the parcel back is not the customer receiving it."""
    state = derive(
        [*JOURNEY[:4], event(Status.RETURNED_TO_SENDER, 50), event(Status.DELIVERED, 70)]
    )
    assert state.stage is Stage.IN_TRANSIT
    assert state.returning
    assert state.delivered_at is None
    assert state.last_scan_at == at(70)


def test_return_after_delivery_undoes_it():
    """A refused or bounced parcel loses its delivered card and time."""
    state = derive([*JOURNEY, event(Status.RETURNED_TO_SENDER, 60)])
    assert (state.stage, state.returning, state.delivered_at) == (Stage.IN_TRANSIT, True, None)


def test_unknown_status_only_updates_last_scan():
    """A scan we cannot classify is proof of life, nothing more."""
    state = derive([event(Status.IN_TRANSIT, 5), event(Status.UNKNOWN, 8)])
    assert state == ShipmentState(
        stage=Stage.IN_TRANSIT,
        status=Status.IN_TRANSIT,
        shipped_at=at(5),
        last_scan_at=at(8),
    )


def test_unknown_status_keeps_exception():
    """The current problem and its reason survive an unclassified scan."""
    state = derive([event(Status.EXCEPTION, 5, "lost"), event(Status.UNKNOWN, 8)])
    assert (state.status, state.exception_reason) == (Status.EXCEPTION, ExceptionReason.LOST)
    assert state.last_scan_at == at(8)


@pytest.mark.parametrize(
    "order",
    [(Status.OUT_FOR_DELIVERY, Status.DELIVERED), (Status.DELIVERED, Status.OUT_FOR_DELIVERY)],
)
def test_same_instant_orders_by_progress(order):
    """A van scan and a delivery stamped the same second: the delivery is the latest either way."""
    state = derive([event(status, 48) for status in order])
    assert (state.stage, state.status, state.delivered_at) == (
        Stage.DELIVERED,
        Status.DELIVERED,
        at(48),
    )


def test_carrier_scans_derive_and_dedupe():
    """Adapter results fit derivation directly; a re-polled scan is the same event."""

    def scan(status: Status, hours: float) -> CarrierScan:
        return CarrierScan(occurred_at=at(hours), status=status, carrier_text=f"{status} scan")

    first_poll = [scan(Status.INFO_RECEIVED, 0), scan(Status.IN_TRANSIT, 5)]
    second_poll = [*first_poll, scan(Status.OUT_FOR_DELIVERY, 30)]
    state = derive([*first_poll, *second_poll])
    assert state == derive(second_poll)
    assert (state.stage, state.shipped_at, state.last_scan_at) == (
        Stage.OUT_FOR_DELIVERY,
        at(0),
        at(30),
    )


def test_stage_slug_is_kebab_case():
    """Used in DOM ids and CSS classes."""
    assert [stage.slug for stage in Stage] == [
        "ordered",
        "shipped",
        "in-transit",
        "out-for-delivery",
        "delivered",
    ]
