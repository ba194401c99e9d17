"""Orders as staff see them: everything about one order, and what staff did to it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import AuditEntry, Order, Shipment
from webapp.track.lookup import normalise_number


def find_order(number: str) -> Order | None:
    """The order with this number ('#ll-1001' finds LL-1001), its items, parcels and scans."""
    return db.session.scalar(
        select(Order)
        .where(Order.number == normalise_number(number))
        .options(
            selectinload(Order.items),
            selectinload(Order.shipments).selectinload(Shipment.events),
        )
    )


def audit_trail(order: Order) -> list[AuditEntry]:
    """What staff did to the order, newest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.order_id == order.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
