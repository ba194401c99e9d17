"""Claiming due work, so that any number of workers never poll one shipment, or send one
e-mail, at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from webapp.extensions import db
from webapp.models import Shipment


def claim(owner: str, now: datetime, lease_seconds: float, limit: int) -> list[int]:
    """Lease up to `limit` due shipments to `owner`, oldest due first, and commit."""
    due = Shipment.next_check_at <= now
    return claim_due(Shipment, due, Shipment.next_check_at, owner, now, lease_seconds, limit)


def claim_due(
    model, due, oldest_first, owner: str, now: datetime, lease_seconds: float, limit: int
) -> list[int]:
    """Lease up to `limit` rows of a model with lease columns (shipments to poll, e-mails to
    send) that are due and free, in the given order; commit, and return their ids."""
    free = _free(model, owner, now)
    rows = (
        select(model.id)
        .where(due, free)
        .order_by(oldest_first, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = db.session.scalars(
        update(model)
        .where(model.id.in_(rows.scalar_subquery()), free)
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds))
        .returning(model.id)
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


def _free(model, owner: str, now: datetime):
    """Not leased, lease run out, or leased to this owner before it restarted."""
    return or_(
        model.lease_expires_at.is_(None),
        model.lease_expires_at < now,
        model.lease_owner == owner,
    )
