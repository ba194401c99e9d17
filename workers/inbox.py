"""Recording stored webhook deliveries: claim due ones, read each with its feed, and record what
it says through the same ingest path as polling, one transaction per delivery, kept apart from
the inbox's own.

Deliveries are state updates that may come late, twice or out of order: their scans merge into
the history (the same scan twice is one event, so the same e-mail never goes twice), and a
delivery about a number no parcel of ours has is kept as unmatched for staff to replay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from threading import Event

from flask import Flask
from sqlalchemy import and_, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from webapp import ingest
from webapp.extensions import db
from webapp.models import Shipment, WebhookDelivery, utcnow
from webapp.tracking.detection import normalize
from webapp.webhooks.inbox import FAILED, PENDING, PROCESSED, UNMATCHED
from workers import leases, metrics, schedule
from workers.carriers import FEEDS
from workers.carriers.feed import MalformedAnswer, Update, loads

log = logging.getLogger("workers.inbox")
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Claimed:
    """A leased delivery, read from the inbox before any of it is recorded."""

    id: int
    provider: str
    body: bytes
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What recording a delivery came to, to be written back to the inbox."""

    state: str
    error: str | None = None
    parcels: str = ""
    events_added: int = 0


@dataclass
class Inbox:
    app: Flask
    owner: str

    def tick(self, stop: Event) -> int:
        """Record the deliveries that are due, a batch at a time; how many were claimed."""
        with self.app.app_context():
            claimed = self.claim()
        for delivery in claimed:
            if stop.is_set():
                break  # the rest keep their lease until it runs out; nothing is lost
            with self.app.app_context():
                self.process(delivery)
        return len(claimed)

    def claim(self) -> list[Claimed]:
        """Lease a batch of due deliveries and read them: two short inbox transactions."""
        config = self.app.config
        now = utcnow()
        ids = leases.claim_due(
            WebhookDelivery,
            and_(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now),
            WebhookDelivery.next_attempt_at,
            self.owner,
            now,
            config["WEBHOOK_LEASE_SECONDS"],
            config["WEBHOOK_BATCH"],
        )
        rows = db.session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.provider,
                WebhookDelivery.body,
                WebhookDelivery.attempts,
            )
            .where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.id)
        ).all()
        db.session.commit()
        return [Claimed(*row) for row in rows]

    def process(self, delivery: Claimed) -> None:
        """Record one leased delivery and commit, then write how it went to the inbox.

        Two transactions, so the inbox is never locked while scans are recorded: the web's
        INSERTs wait for nothing but each other. Should the worker stop between the two, the
        delivery is recorded again once its lease runs out, which adds nothing twice.
        """
        try:
            outcome = record(delivery.provider, delivery.body)
            db.session.commit()
        except (IntegrityError, DBAPIError) as error:  # a poll recorded the same scan meanwhile
            db.session.rollback()
            self._retry_later(delivery, f"{type(error).__name__}: {error.orig}")
            return
        except Exception as error:  # a feed's bug fails this delivery, not the worker
            log.exception("webhook %s could not be recorded", delivery.id)
            db.session.rollback()
            outcome = Outcome(FAILED, f"{type(error).__name__} in the {delivery.provider} adapter")
        if not self._settle(delivery, outcome):
            return
        metrics.webhooks.labels(delivery.provider, outcome.state).inc()
        log.info(
            "webhook delivery=%s provider=%s state=%s new=%s parcels=%s",
            delivery.id,
            delivery.provider,
            outcome.state,
            outcome.events_added,
            outcome.parcels or "-",
        )

    def _settle(self, delivery: Claimed, outcome: Outcome) -> bool:
        """Write the outcome and end the lease, unless another worker has the delivery now."""
        return self._update(
            delivery,
            state=outcome.state,
            error=outcome.error,
            parcels=outcome.parcels,
            events_added=WebhookDelivery.events_added + outcome.events_added,
            attempts=delivery.attempts + 1,
            processed_at=utcnow(),
        )

    def _retry_later(self, delivery: Claimed, error: str) -> None:
        config = self.app.config
        attempts = delivery.attempts + 1
        delay = schedule.backoff(
            attempts, config["BACKOFF_BASE_SECONDS"], config["BACKOFF_MAX_SECONDS"]
        )
        state = FAILED if attempts >= MAX_ATTEMPTS else PENDING
        when = utcnow() + timedelta(seconds=delay)
        self._update(delivery, state=state, error=error, attempts=attempts, next_attempt_at=when)
        log.warning("webhook delivery=%s retried later: %s", delivery.id, error)

    def _update(self, delivery: Claimed, **values) -> bool:
        held = (WebhookDelivery.id == delivery.id) & (WebhookDelivery.lease_owner == self.owner)
        updated = db.session.execute(
            WebhookDelivery.__table__.update()
            .where(held)
            .values(lease_owner=None, lease_expires_at=None, **values)
        )
        db.session.commit()
        return updated.rowcount == 1


def record(provider: str, body: bytes) -> Outcome:
    """Read a delivery and record its scans on the parcels it names; no commit."""
    try:
        updates = FEEDS[provider].parse_webhook(loads(body))
    except (MalformedAnswer, ValueError, RecursionError) as error:
        return Outcome(FAILED, f"not readable: {error}"[:1000])
    unmatched, added = [], 0
    for update in updates:
        shipment = match(update)
        if shipment is None:
            unmatched.append(update.tracking_number)
        else:
            added += _record_update(shipment, update)
    unreadable = sum(update.tracking.rejected for update in updates)
    problems = []
    if unmatched:
        problems.append("no parcel has the tracking number " + ", ".join(unmatched))
    if unreadable:  # the rest is recorded; staff see what could not be read
        problems.append(f"{unreadable} event(s) in it could not be read; the others are recorded")
    return Outcome(
        state=UNMATCHED if unmatched else FAILED if unreadable else PROCESSED,
        error="; ".join(problems)[:1000] or None,
        parcels=" ".join(_label(update) for update in updates)[:500],
        events_added=added,
    )


def _record_update(shipment: Shipment, update: Update) -> int:
    added = ingest.record_scans(shipment, update.tracking.scans, source="webhook")
    metrics.scans_ingested.inc(len(added))
    if ingest.update_estimate(shipment, update.tracking.estimated_delivery) and not added:
        ingest.announce(shipment, "update")
    return len(added)


def match(update: Update) -> Shipment | None:
    """The parcel a delivery is about: the newest with its number (carriers recycle numbers),
    of the same carrier when the provider says which."""
    numbers = {update.tracking_number, normalize(update.tracking_number) or ""} - {""}
    query = select(Shipment).where(Shipment.tracking_number.in_(numbers))
    if update.carrier:
        query = query.where(Shipment.carrier == update.carrier)
    newest_first = query.order_by(Shipment.created_at.desc(), Shipment.id.desc()).limit(1)
    return db.session.scalars(newest_first).first()


def _label(update: Update) -> str:
    """carrier:number, the number as parcels store it, so a parcel added later finds it."""
    number = normalize(update.tracking_number) or "".join(update.tracking_number.split())
    return f"{update.carrier or '?'}:{number}"
