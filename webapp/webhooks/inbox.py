"""The webhook inbox: deliveries kept once each, and handed back to the worker when replayed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.models import WebhookDelivery, utcnow

PENDING, PROCESSED, UNMATCHED, FAILED = "pending", "processed", "unmatched", "failed"
REPLAYABLE = (UNMATCHED, FAILED)
SECRET_HEADERS = frozenset({"authorization", "cookie"})
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def store(
    provider: str, headers: Mapping[str, str], body: bytes, event_id: str | None
) -> tuple[int, bool]:
    """Keep a delivery and commit; its id, and whether it had arrived before."""
    digest = hashlib.sha256(body).hexdigest()
    event_id = event_id[:128] if event_id else None
    row = {
        "provider": provider,
        "received_at": utcnow(),
        "headers": {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS},
        "body": body,
        "body_sha256": digest,
        "event_id": event_id,
        "state": PENDING,
        "parcels": "",
        "events_added": 0,
        "attempts": 0,
        "next_attempt_at": utcnow(),
    }
    insert = INSERTS[db.session.get_bind().dialect.name](WebhookDelivery)
    stored = db.session.execute(
        insert.values(row).on_conflict_do_nothing().returning(WebhookDelivery.id)
    ).scalar()
    duplicate = stored is None
    if duplicate:
        stored = _twin(provider, digest, event_id)
    db.session.commit()
    return stored, duplicate


def _twin(provider: str, digest: str, event_id: str | None) -> int:
    same = WebhookDelivery.body_sha256 == digest
    if event_id:
        same = or_(same, WebhookDelivery.event_id == event_id)
    return db.session.scalar(
        select(WebhookDelivery.id).where(WebhookDelivery.provider == provider, same).limit(1)
    )


def replay(delivery: WebhookDelivery) -> None:
    """Queue an unmatched or failed delivery to be read again at once; the caller commits."""
    delivery.state, delivery.error = PENDING, None
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.lease_owner = delivery.lease_expires_at = None


def waiting_for_staff() -> int:
    """How many deliveries are unmatched or failed."""
    return db.session.scalar(select(func.count()).where(WebhookDelivery.state.in_(REPLAYABLE)))


def replay_unmatched(tracking_number: str) -> None:
    """A parcel now has this number: queue the deliveries that were waiting for it (a carrier
    service often knows a parcel before the shop tells us of it); the caller commits."""
    parcels = literal(" ") + WebhookDelivery.parcels + literal(" ")
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.state == UNMATCHED,
            parcels.contains(f":{tracking_number} ", autoescape=True),
        )
        .values(state=PENDING, error=None, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
