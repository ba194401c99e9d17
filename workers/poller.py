"""Polling carrier feeds: claim due shipments, fetch each outside a transaction, record in one."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Event
from types import ModuleType

import requests
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from webapp import ingest, notifications
from webapp.extensions import db
from webapp.models import Shipment, utcnow
from webapp.tracking.notices import Delay
from webapp.tracking.stages import Stage
from workers import carriers, leases, metrics, schedule
from workers.carriers import feed
from workers.carriers.feed import FeedError, Parcel, Tracking

log = logging.getLogger("workers.poll")


class NoFeed(FeedError):
    """No enabled feed carries this carrier: checked again at the longest back-off."""

    outcome = "no_feed"


@dataclass
class Poller:
    app: Flask
    owner: str
    http: requests.Session

    @classmethod
    def for_app(cls, app: Flask, owner: str) -> Poller:
        return cls(app, owner, feed.session())

    def feed_for(self, carrier: str) -> ModuleType | None:
        return carriers.feed_for(carrier, self.app.config)

    @property
    def feed_names(self) -> list[str]:
        """The feeds this configuration polls with."""
        config = self.app.config
        feeds = (carriers.FEEDS.get(name) for name in config["FEEDS"])
        names = [feed.NAME for feed in feeds if feed and carriers.enabled(feed, config)]
        return [*names, config["CARRIER_FEED"]] if config["CARRIER_FEED"] else names

    def tick(self, stop: Event) -> int:
        """Claim a batch of due shipments and poll them until done or told to stop; how many."""
        config = self.app.config
        with self.app.app_context():
            claimed = leases.claim(
                self.owner, utcnow(), config["POLL_LEASE_SECONDS"], config["POLL_BATCH"]
            )
        for index, shipment_id in enumerate(claimed):
            if stop.is_set():
                with self.app.app_context():
                    leases.release(self.owner, claimed[index:])
                break
            self.poll(shipment_id)
        return len(claimed)

    def poll(self, shipment_id: int) -> None:
        """Fetch one leased shipment from its feed and record the answer, logging one line."""
        with self.app.app_context():
            carrier, number, due = self._target(shipment_id)
        started = time.monotonic()
        metrics.poll_lag.observe(max(0.0, (utcnow() - due).total_seconds()))
        source = self.feed_for(carrier)
        name = getattr(source, "NAME", "none")
        answer, error = self._fetch(source, Parcel(carrier, number), shipment_id)
        with self.app.app_context():
            line = self._record_or_back_off(shipment_id, answer, error)
        metrics.polls.labels(name, carrier, error.outcome if error else "ok").inc()
        log.info("%s feed=%s ms=%.0f", line, name, (time.monotonic() - started) * 1000)

    def _fetch(
        self, source: ModuleType | None, parcel: Parcel, shipment_id: int
    ) -> tuple[Tracking | None, FeedError | None]:
        if source is None:
            message = f"no feed is set up for the carrier {parcel.carrier!r}"
            return None, NoFeed(message, self.app.config["BACKOFF_MAX_SECONDS"])
        try:
            return source.fetch(self.http, parcel, self.app.config), None
        except FeedError as failure:
            return None, failure
        except Exception as failure:  # a feed's bug must not stop polling for everyone else
            log.exception("feed %s failed on shipment %s", source.NAME, shipment_id)
            return None, FeedError(f"{type(failure).__name__} in the feed adapter")

    def _target(self, shipment_id: int) -> tuple[str, str, datetime]:
        shipment = db.session.get(Shipment, shipment_id)
        target = shipment.carrier, shipment.tracking_number, shipment.next_check_at or utcnow()
        db.session.rollback()
        return target

    def _record_or_back_off(
        self, shipment_id: int, answer: Tracking | None, error: FeedError | None
    ) -> str:
        """Record the outcome; an answer the database will not take is a failed poll of this
        shipment, tried again later, and polling goes on for the others."""
        try:
            return self._record(shipment_id, answer, error)
        except (SQLAlchemyError, TypeError, ValueError, OverflowError) as failure:
            log.exception("the answer for shipment %s could not be stored", shipment_id)
            db.session.rollback()
            reason = f"the answer could not be stored: {type(failure).__name__}"
            return self._record(shipment_id, None, FeedError(reason))

    def _record(self, shipment_id: int, answer: Tracking | None, error: FeedError | None) -> str:
        """Write the outcome of one poll and release the lease, in one transaction."""
        shipment = db.session.get(Shipment, shipment_id)
        if shipment is None or shipment.lease_owner != self.owner:
            db.session.rollback()
            return f"poll shipment={shipment_id} outcome=lease_lost"
        now = utcnow()
        if error is None:
            summary = _apply(shipment, answer, now, self.app.config)
        else:
            summary = _back_off(shipment, error, now, self.app.config)
        shipment.lease_owner = shipment.lease_expires_at = None
        db.session.commit()
        return f"poll shipment={shipment_id} number={shipment.tracking_number} {summary}"


def _apply(shipment: Shipment, answer: Tracking, now: datetime, config) -> str:
    """Record a feed's answer: new scans, the estimate, the stalled flag and the next check."""
    added = ingest.record_scans(shipment, answer.scans)
    metrics.scans_ingested.inc(len(added))
    changed = ingest.update_estimate(shipment, answer.estimated_delivery)
    changed |= _flag_stalled(shipment, now, config["STALLED_AFTER_SECONDS"])
    if changed and not added:
        ingest.announce(shipment, "update")
    shipment.failures = 0
    shipment.last_checked_at = now
    shipment.next_check_at = schedule.next_check(shipment.stage, now, config["POLL_SECONDS"])
    stage = Stage(shipment.stage).slug
    return (
        f"outcome=ok new={len(added)} rejected={answer.rejected} stage={stage} next={_at(shipment)}"
    )


def _flag_stalled(shipment: Shipment, now: datetime, stalled_after: float) -> bool:
    last_news = shipment.last_scan_at or shipment.created_at
    stalled = shipment.stage < Stage.DELIVERED and schedule.is_stalled(
        last_news, now, stalled_after
    )
    if stalled == shipment.stalled:
        return False
    shipment.stalled = stalled
    if stalled:
        notifications.parcel_delayed(shipment, Delay.STALLED)
    return True


def _back_off(shipment: Shipment, error: FeedError, now: datetime, config) -> str:
    """Try a failed shipment again later: exponentially later, never sooner than Retry-After."""
    shipment.failures += 1
    delay = schedule.backoff(
        shipment.failures,
        config["BACKOFF_BASE_SECONDS"],
        config["BACKOFF_MAX_SECONDS"],
        error.retry_after,
    )
    shipment.next_check_at = now + timedelta(seconds=delay)
    return (
        f'outcome={error.outcome} failures={shipment.failures} next={_at(shipment)} error="{error}"'
    )


def _at(shipment: Shipment) -> str:
    when = shipment.next_check_at
    return when.isoformat(timespec="seconds") if when else "never"
