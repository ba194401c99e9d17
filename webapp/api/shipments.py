"""Parcels the shop registers on an order: the carrier given, or read from the number."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.api.schemas import ShipmentIn
from webapp.extensions import db
from webapp.models import Order, Shipment, utcnow
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.detection import HIGH, Candidate, detect, normalize


class Unclear(Exception):
    """No carrier was given and the number does not say which one it is."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates


class Conflict(Exception):
    """The order has this tracking number already, with another carrier."""


@dataclass(frozen=True)
class Registered:
    shipment: Shipment
    candidates: list[Candidate]
    created: bool


def register(order: Order, payload: ShipmentIn) -> Registered:
    """Add the parcel, due for its first check at once; the same parcel again is a repeat."""
    number = normalize(payload.tracking_number)  # the schema allows only what this keeps
    candidates = detect(number)
    carrier = payload.carrier or _detected(candidates)
    for shipment in order.shipments:
        if shipment.tracking_number == number:
            if shipment.carrier != carrier:
                raise Conflict
            return Registered(shipment, candidates, created=False)
    shipment = Shipment(
        carrier=carrier, tracking_number=number, service=payload.service, next_check_at=utcnow()
    )
    order.shipments.append(shipment)
    db.session.commit()
    return Registered(shipment, candidates, created=True)


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
