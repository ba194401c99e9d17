"""Stage derivation: the five customer-facing cards as a pure function of a shipment's events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum
from typing import Protocol

from webapp.tracking.statuses import ExceptionReason, Status


class Stage(IntEnum):
    ORDERED = 0
    SHIPPED = 1
    IN_TRANSIT = 2
    OUT_FOR_DELIVERY = 3
    DELIVERED = 4

    @property
    def slug(self) -> str:
        """The kebab-case name used in DOM ids and CSS classes."""
        return self.name.lower().replace("_", "-")


STAGE_TITLES = {
    Stage.ORDERED: "Ordered",
    Stage.SHIPPED: "Shipped",
    Stage.IN_TRANSIT: "In transit",
    Stage.OUT_FOR_DELIVERY: "Out for delivery",
    Stage.DELIVERED: "Delivered",
}

#: The stage each status proves was reached; statuses absent here move no card.
STAGE_OF = {
    Status.INFO_RECEIVED: Stage.SHIPPED,
    Status.IN_TRANSIT: Stage.IN_TRANSIT,
    Status.OUT_FOR_DELIVERY: Stage.OUT_FOR_DELIVERY,
    Status.AVAILABLE_FOR_PICKUP: Stage.OUT_FOR_DELIVERY,
    Status.FAILED_ATTEMPT: Stage.OUT_FOR_DELIVERY,
    Status.DELIVERED: Stage.DELIVERED,
}

STATUS_ORDER = {status.value: index for index, status in enumerate(Status)}

#: The stage a parcel is in once it starts back to the sender: moving again, towards the shop.
RETURN_STAGE = Stage.IN_TRANSIT


class Scan(Protocol):
    """What derivation needs of an event; models and adapter results both fit."""

    occurred_at: datetime
    status: str
    exception_reason: str | None
    dedupe_key: str


@dataclass(frozen=True)
class ShipmentState:
    stage: Stage = Stage.ORDERED
    status: Status = Status.PENDING
    exception_reason: ExceptionReason | None = None
    returning: bool = False
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    last_scan_at: datetime | None = None


def chronological(events: Iterable[Scan]) -> list[Scan]:
    """Distinct events (by dedupe key) in the order they happened, ties broken deterministically."""
    distinct = {event.dedupe_key: event for event in events}
    return sorted(distinct.values(), key=lambda e: (e.occurred_at, _rank(e.status), e.dedupe_key))


def _rank(status: str) -> int:
    """Order same-instant events by progress, so a delivery never sorts before its van scan."""
    return STATUS_ORDER.get(status, len(STATUS_ORDER))


def derive(events: Iterable[Scan]) -> ShipmentState:
    """Fold a shipment's events into its state; input order and duplicates make no difference."""
    state = ShipmentState()
    for event in chronological(events):
        state = _apply(state, event)
    return state


def _apply(state: ShipmentState, event: Scan) -> ShipmentState:
    status = Status(event.status)
    if status is Status.UNKNOWN:
        return replace(state, last_scan_at=event.occurred_at)
    returning = state.returning or status is Status.RETURNED_TO_SENDER
    stage = _next_stage(state, status, returning)
    reached = STAGE_OF.get(status)
    return ShipmentState(
        stage=stage,
        status=status,
        exception_reason=_reason(status, event.exception_reason),
        returning=returning,
        shipped_at=state.shipped_at or (event.occurred_at if reached else None),
        delivered_at=None if returning else state.delivered_at or _delivered_time(stage, event),
        last_scan_at=event.occurred_at,
    )


def _next_stage(state: ShipmentState, status: Status, returning: bool) -> Stage:
    if status is Status.RETURNED_TO_SENDER:
        return RETURN_STAGE
    if returning:
        return state.stage
    return max(state.stage, STAGE_OF.get(status, Stage.ORDERED))


def _delivered_time(stage: Stage, event: Scan) -> datetime | None:
    return event.occurred_at if stage is Stage.DELIVERED else None


def _reason(status: Status, reason: str | None) -> ExceptionReason | None:
    if status is not Status.EXCEPTION:
        return None
    return ExceptionReason.parse(reason)
