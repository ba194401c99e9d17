"""Recording stored webhook deliveries: claim due ones, read each with its feed, and record what
it says through the same ingest path as polling, one transaction per delivery.

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


@dataclass
class Inbox:
    app: Flask
    owner: str

    def tick(self, stop: Event) -> int:
        """Record the deliveries that are due, a batch at a time; how many were claimed."""
        config = self.app.config
        with self.app.app_context():
            now = utcnow()
            due = and_(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now)
            claimed = leases.claim_due(
                WebhookDelivery,
                due,
                WebhookDelivery.next_attempt_at,
                self.owner,
                now,
                config["WEBHOOK_LEASE_SECONDS"],
                config["WEBHOOK_BATCH"],
            )
            # On SQLite, a gap between deliveries in which the web's INSERTs take the write
            # lock that the worker's transactions back to back would otherwise hold.
            sqlite = db.engine.dialect.name == "sqlite"
            pause = config["SQLITE_WRITER_PAUSE_SECONDS"] if sqlite else 0.0
        for delivery_id in claimed:
            if stop.is_set():
                break  # the rest keep their lease until it runs out; nothing is lost
            with self.app.app_context():
                self.process(delivery_id)
            stop.wait(pause)
        return len(claimed)

    def process(self, delivery_id: int) -> None:
        """Record one leased delivery and commit, whatever it holds; logs one line."""
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.lease_owner != self.owner:
            db.session.rollback()
            return
        try:
            record(delivery)
        except (IntegrityError, DBAPIError) as error:  # a poll recorded the same scan meanwhile
            db.session.rollback()
            self._retry_later(delivery_id, f"{type(error).__name__}: {error.orig}")
            return
        except Exception as error:  # a feed's bug fails this delivery, not the worker
            log.exception("webhook %s could not be recorded", delivery_id)
            db.session.rollback()
            delivery = db.session.get(WebhookDelivery, delivery_id)
            _fail(delivery, f"{type(error).__name__} in the {delivery.provider} adapter")
        delivery.lease_owner = delivery.lease_expires_at = None
        db.session.commit()
        metrics.webhooks.labels(delivery.provider, delivery.state).inc()
        log.info(
            "webhook delivery=%s provider=%s state=%s new=%s parcels=%s",
            delivery.id,
            delivery.provider,
            delivery.state,
            delivery.events_added,
            delivery.parcels or "-",
        )

    def _retry_later(self, delivery_id: int, error: str) -> None:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        config = self.app.config
        delay = schedule.backoff(
            delivery.attempts, config["BACKOFF_BASE_SECONDS"], config["BACKOFF_MAX_SECONDS"]
        )
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
        delivery.error = error
        if delivery.attempts >= MAX_ATTEMPTS:
            _fail(delivery, error)
        delivery.lease_owner = delivery.lease_expires_at = None
        db.session.commit()
        log.warning("webhook delivery=%s retried later: %s", delivery_id, error)


def record(delivery: WebhookDelivery) -> None:
    """Read a delivery and record its scans on the parcels it names; no commit."""
    delivery.attempts += 1
    delivery.processed_at = utcnow()
    try:
        updates = FEEDS[delivery.provider].parse_webhook(loads(delivery.body))
    except (MalformedAnswer, ValueError, RecursionError) as error:
        _fail(delivery, f"not readable: {error}")
        return
    unmatched = []
    for update in updates:
        shipment = match(update)
        if shipment is None:
            unmatched.append(update.tracking_number)
        else:
            delivery.events_added += _record_update(shipment, update)
    delivery.parcels = " ".join(_label(update) for update in updates)[:500]
    unreadable = sum(update.tracking.rejected for update in updates)
    problems = []
    if unmatched:
        problems.append("no parcel has the tracking number " + ", ".join(unmatched))
    if unreadable:  # the rest is recorded; staff see what could not be read
        problems.append(f"{unreadable} event(s) in it could not be read; the others are recorded")
    delivery.state = UNMATCHED if unmatched else FAILED if unreadable else PROCESSED
    delivery.error = "; ".join(problems)[:1000] or None


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


def _fail(delivery: WebhookDelivery, error: str) -> None:
    delivery.state, delivery.error = FAILED, error[:1000]


def _label(update: Update) -> str:
    """carrier:number, the number as parcels store it, so a parcel added later finds it."""
    number = normalize(update.tracking_number) or "".join(update.tracking_number.split())
    return f"{update.carrier or '?'}:{number}"
