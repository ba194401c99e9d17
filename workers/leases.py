"""Claiming due shipments, so that any number of workers never poll one shipment at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from webapp.extensions import db
from webapp.models import Shipment


def claim(owner: str, now: datetime, lease_seconds: float, limit: int) -> list[int]:
    """Lease up to `limit` due shipments to `owner`, oldest due first, and commit."""
    due = (
        select(Shipment.id)
        .where(Shipment.next_check_at <= now, _free(owner, now))
        .order_by(Shipment.next_check_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = db.session.scalars(
        update(Shipment)
        .where(Shipment.id.in_(due.scalar_subquery()), _free(owner, now))
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds))
        .returning(Shipment.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(taken)


def release(owner: str, shipment_ids: list[int]) -> None:
    """Give back leases not worked on, so another worker may take them at once; commit."""
    if not shipment_ids:
        return
    db.session.execute(
        update(Shipment)
        .where(Shipment.id.in_(shipment_ids), Shipment.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _free(owner: str, now: datetime):
    """Not leased, lease run out, or leased to this owner before it restarted."""
    return or_(
        Shipment.lease_expires_at.is_(None),
        Shipment.lease_expires_at < now,
        Shipment.lease_owner == owner,
    )
