"""What the tracking page shows of a shipment, decided here so templates only display it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webapp.models import Order, Shipment, TrackingEvent
from webapp.tracking.carriers import carrier
from webapp.tracking.stages import STAGE_TITLES, Stage
from webapp.tracking.statuses import (
    ATTENTION_STATUSES,
    REASON_MESSAGES,
    STATUS_LABELS,
    ExceptionReason,
    Status,
)
from webapp.tracking.times import Eta

TIMELINE_VISIBLE = 5

STAGE_BLURBS = {
    Stage.ORDERED: "We have your order.",
    Stage.SHIPPED: "Your parcel is packed and labelled.",
    Stage.IN_TRANSIT: "Your parcel is on its way.",
    Stage.OUT_FOR_DELIVERY: "Your parcel is with the driver.",
    Stage.DELIVERED: "Your parcel has arrived.",
}

OUT_FOR_DELIVERY_TITLES = {
    Status.AVAILABLE_FOR_PICKUP: "Ready for pickup",
    Status.FAILED_ATTEMPT: "Delivery attempted",
}

ALERT_MESSAGES = {
    Status.FAILED_ATTEMPT: "The carrier tried to deliver your parcel but could not. "
    "They will usually try again on the next working day.",
    Status.RETURNED_TO_SENDER: "Your parcel is on its way back to us. We will be in touch.",
    Status.EXPIRED: "The carrier has stopped reporting on this parcel. Please contact us.",
    Status.CANCELLED: "This shipment was cancelled. Please contact us if that is unexpected.",
}


@dataclass(frozen=True)
class Card:
    dom_id: str
    stage: Stage
    title: str
    state: str
    blurb: str
    at: datetime | None = None
    latest: TrackingEvent | None = None
    eta: Eta | None = None

    @property
    def is_current(self) -> bool:
        return self.state == "current"


@dataclass(frozen=True)
class Alert:
    status: Status
    title: str
    message: str


@dataclass(frozen=True)
class ShipmentView:
    shipment: Shipment
    position: int
    count: int
    cards: list[Card]
    alert: Alert | None

    @property
    def dom_id(self) -> str:
        return f"shipment-{self.shipment.id}"

    @property
    def carrier_name(self) -> str:
        return carrier(self.shipment.carrier).name

    @property
    def carrier_link(self) -> str | None:
        return carrier(self.shipment.carrier).link(self.shipment.tracking_number)

    @property
    def events(self) -> list[TrackingEvent]:
        return self.shipment.events

    @property
    def visible_events(self) -> list[TrackingEvent]:
        return self.shipment.events[:TIMELINE_VISIBLE]

    @property
    def older_events(self) -> list[TrackingEvent]:
        return self.shipment.events[TIMELINE_VISIBLE:]


def shipment_views(order: Order) -> list[ShipmentView]:
    """One view per shipment, numbered for orders that ship in several parcels."""
    count = len(order.shipments)
    return [
        ShipmentView(shipment, index, count, stage_cards(order, shipment), alert(shipment))
        for index, shipment in enumerate(order.shipments, start=1)
    ]


def stage_cards(order: Order, shipment: Shipment) -> list[Card]:
    """The five cards, each done, current or upcoming."""
    reached = Stage(shipment.stage)
    latest = shipment.events[0] if shipment.events else None
    return [_card(order, shipment, stage, reached, latest) for stage in Stage]


def _card(order, shipment, stage: Stage, reached: Stage, latest) -> Card:
    is_current = stage is reached
    state = "current" if is_current else "done" if stage < reached else "upcoming"
    return Card(
        dom_id=f"shipment-{shipment.id}-{stage.slug}",
        stage=stage,
        title=_title(shipment, stage),
        state=state,
        blurb=_blurb(shipment, stage),
        at=_reached_at(order, shipment, stage),
        latest=latest if is_current else None,
        eta=shipment.eta if is_current and reached < Stage.DELIVERED else None,
    )


def _title(shipment: Shipment, stage: Stage) -> str:
    status = Status(shipment.status)
    if shipment.returning_to_sender and stage is Stage.IN_TRANSIT:
        return "Returning to sender"
    if stage is Stage.OUT_FOR_DELIVERY and status in OUT_FOR_DELIVERY_TITLES:
        return OUT_FOR_DELIVERY_TITLES[status]
    return STAGE_TITLES[stage]


def _blurb(shipment: Shipment, stage: Stage) -> str:
    if shipment.returning_to_sender and stage is Stage.IN_TRANSIT:
        return "Your parcel is on its way back to us."
    return STAGE_BLURBS[stage]


def _reached_at(order: Order, shipment: Shipment, stage: Stage) -> datetime | None:
    return {
        Stage.ORDERED: order.placed_at,
        Stage.SHIPPED: shipment.shipped_at,
        Stage.DELIVERED: shipment.delivered_at,
    }.get(stage)


def alert(shipment: Shipment) -> Alert | None:
    """The banner for a shipment that needs the customer's attention, if it does."""
    status = Status(shipment.status)
    if status not in ATTENTION_STATUSES:
        return None
    if status is Status.EXCEPTION:
        reason = ExceptionReason(shipment.exception_reason or ExceptionReason.OTHER)
        message = REASON_MESSAGES[reason]
    else:
        message = ALERT_MESSAGES[status]
    return Alert(status, STATUS_LABELS[status], message)
