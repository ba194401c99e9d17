"""The webhook inbox: deliveries kept once each, and handed back to the worker when replayed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webapp.database import INBOX, yielding_to_writers
from webapp.extensions import db
from webapp.models import WebhookDelivery, utcnow

PENDING, PROCESSED, UNMATCHED, FAILED = "pending", "processed", "unmatched", "failed"
REPLAYABLE = (UNMATCHED, FAILED)
SECRET_HEADERS = frozenset({"authorization", "cookie"})


def store(
    provider: str, headers: Mapping[str, str], body: bytes, event_id: str | None
) -> tuple[int, bool]:
    """Keep a delivery, committed before this returns; its id, and whether it had arrived
    before. One statement in its own transaction: the answer waits for nothing else."""
    digest = hashlib.sha256(body).hexdigest()
    event_id = event_id[:128] if event_id else None
    now = utcnow()
    row = {
        "provider": provider,
        "received_at": now,
        "headers": {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS},
        "body": body,
        "body_sha256": digest,
        "event_id": event_id,
        "state": PENDING,
        "parcels": "",
        "events_added": 0,
        "attempts": 0,
        "next_attempt_at": now,
    }
    timeout_ms = current_app.config["SQLITE_BUSY_TIMEOUT_MS"]
    with db.engines[INBOX].connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        insert = _INSERTS[connection.dialect.name]
        stored = yielding_to_writers(
            connection, lambda: connection.execute(insert, row).scalar(), timeout_ms
        )
        if stored is not None:
            return stored, False
        return connection.execute(_twin(provider, digest, event_id)).scalar(), True


def _insert(dialect) -> object:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once: a retry stores nothing new."""
    table = WebhookDelivery.__table__
    return dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)


_INSERTS = {"postgresql": _insert(postgresql), "sqlite": _insert(sqlite)}


def _twin(provider: str, digest: str, event_id: str | None):
    same = WebhookDelivery.body_sha256 == digest
    if event_id:
        same = or_(same, WebhookDelivery.event_id == event_id)
    return select(WebhookDelivery.id).where(WebhookDelivery.provider == provider, same).limit(1)


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
