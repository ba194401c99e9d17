"""Parcels the shop registers on an order: the carrier given, or read from the number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.api.schemas import ShipmentIn
from webapp.extensions import db
from webapp.models import Order, Shipment, utcnow
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.detection import HIGH, Candidate, detect, normalize
from webapp.webhooks import inbox


class Unclear(Exception):
    """No carrier was given and the number does not say which one it is."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates


class Conflict(Exception):
    """The order has this tracking number already, with another carrier."""


class UnknownCarrier(Exception):
    """The carrier given is none of ours."""


@dataclass(frozen=True)
class Registered:
    shipment: Shipment
    candidates: list[Candidate]
    created: bool


def register(order: Order, payload: ShipmentIn) -> Registered:
    """Add the parcel, due for its first check at once; the same parcel again is a repeat."""
    number = normalize(payload.tracking_number)  # the schema allows only what this keeps
    if payload.carrier is not None and payload.carrier not in CARRIERS:
        raise UnknownCarrier
    candidates = detect(number)
    carrier = payload.carrier or _detected(candidates)
    if (earlier := _registered(order, number, carrier)) is not None:
        return Registered(earlier, candidates, created=False)
    shipment = Shipment(
        order_id=order.id,
        carrier=carrier,
        tracking_number=number,
        service=payload.service,
        next_check_at=utcnow(),
    )
    db.session.add(shipment)
    inbox.replay_unmatched(number)
    try:
        db.session.commit()
    except IntegrityError:  # a twin request registered it a moment ago
        db.session.rollback()
        earlier = _registered(order, number, carrier)
        if earlier is None:
            raise
        return Registered(earlier, candidates, created=False)
    return Registered(shipment, candidates, created=True)


def _registered(order: Order, number: str, carrier: str) -> Shipment | None:
    """The order's parcel with this number, read afresh; Conflict if under another carrier."""
    shipment = db.session.scalar(
        select(Shipment).where(Shipment.order_id == order.id, Shipment.tracking_number == number)
    )
    if shipment is not None and shipment.carrier != carrier:
        raise Conflict
    return shipment


def _detected(candidates: list[Candidate]) -> str:
    """The carrier when the number vouches for it: a passed check digit, one best reading, and
    a carrier we know; anything less is a guess the shop should confirm."""
    known = [c for c in candidates if c.carrier in CARRIERS]
    if not known or known[0].confidence < HIGH:
        raise Unclear(candidates)
    best = [c for c in known if c.confidence == known[0].confidence]
    if len({c.carrier for c in best}) > 1:
        raise Unclear(candidates)
    return known[0].carrier
