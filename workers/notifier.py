"""Sending queued customer e-mails: claim due ones, write each, hand it over, record the outcome.

A message is marked sent only after the server accepted it. A worker that dies between the two
leaves the notification leased; when the lease runs out another worker (or this one restarted)
sends it again: at most one duplicate per crash, never a loss. Every try of one notification
carries the same Message-ID, so the duplicate is recognisable as one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from threading import Event

from flask import Flask
from sqlalchemy import and_, exists
from sqlalchemy.orm import aliased

from webapp.emails.compose import compose
from webapp.emails.links import MailSetupError
from webapp.emails.transport import FileTransport, SendError, SmtpTransport, transport_for
from webapp.extensions import db
from webapp.models import Notification, utcnow
from webapp.notifications import FAILED, QUEUED, SENT, SKIPPED, STOPPED
from workers import leases, metrics, schedule

log = logging.getLogger("workers.notify")
GONE = "gone"


@dataclass
class Notifier:
    app: Flask
    owner: str
    transport: SmtpTransport | FileTransport

    @classmethod
    def for_app(cls, app: Flask, owner: str) -> Notifier:
        config = app.config
        transport = transport_for(
            config["MAIL_URL"],
            app.instance_path,
            config["MAIL_TIMEOUT_SECONDS"],
            config["MAIL_CA_FILE"],
        )
        return cls(app, owner, transport)

    def tick(self, stop: Event) -> int:
        """Send the notifications that are due, a batch at a time; how many were claimed."""
        config = self.app.config
        with self.app.app_context():
            claimed = claim(
                self.owner, utcnow(), config["NOTIFY_LEASE_SECONDS"], config["NOTIFY_BATCH"]
            )
        for notification_id in claimed:
            if stop.is_set():
                break  # the rest keep their lease until it runs out; nothing is lost
            self.deliver(notification_id)
        return len(claimed)

    def deliver(self, notification_id: int) -> None:
        """Write one leased notification, hand it to the transport and record what happened."""
        with self.app.app_context():
            message, outcome = self._prepare(notification_id)
        if message is not None:
            try:
                self.transport.send(message)
                outcome = None
            except SendError as error:
                outcome = error
        with self.app.app_context():
            line = self._record(notification_id, outcome)
        log.info("%s via=%s", line, self.transport)

    def _prepare(self, notification_id: int) -> tuple[EmailMessage | None, object]:
        """The message to send, or why there is none: the customer stopped e-mails, or the
        service is not set up to write it (a failure to retry once it is)."""
        notification = db.session.get(Notification, notification_id)
        if notification is None:  # its order was deleted meanwhile: nothing to send
            db.session.rollback()
            return None, GONE
        if notification.order.emails_stopped_at and not notification.manual:
            db.session.rollback()
            return None, STOPPED
        try:
            message = compose(notification)
        except MailSetupError as error:
            db.session.rollback()
            return None, SendError(str(error), temporary=True)
        db.session.commit()  # the order's stop key, made with its first e-mail
        return message, None

    def _record(self, notification_id: int, outcome: SendError | str | None) -> str:
        notification = db.session.get(Notification, notification_id)
        if notification is None or notification.lease_owner != self.owner:
            db.session.rollback()
            return f"notify id={notification_id} outcome=lease_lost"
        if outcome == STOPPED:
            notification.status, notification.skip_reason = SKIPPED, STOPPED
        else:
            notification.attempts += 1
            if outcome is None:
                notification.status, notification.sent_at = SENT, utcnow()
                notification.error = None
            else:
                self._retry_or_fail(notification, outcome)
        notification.lease_owner = notification.lease_expires_at = None
        db.session.commit()
        metrics.notifications.labels(notification.kind, notification.status).inc()
        return (
            f"notify id={notification.id} kind={notification.kind} status={notification.status}"
            f" attempts={notification.attempts}"
        )

    def _retry_or_fail(self, notification: Notification, error: SendError) -> None:
        """Try again later, exponentially later; give up after the last try or a refusal."""
        config = self.app.config
        notification.error = str(error)[:1000]
        if not error.temporary or notification.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
            notification.status, notification.next_attempt_at = FAILED, None
            return
        delay = schedule.backoff(
            notification.attempts,
            config["NOTIFY_BACKOFF_BASE_SECONDS"],
            config["NOTIFY_BACKOFF_MAX_SECONDS"],
        )
        notification.next_attempt_at = utcnow() + timedelta(seconds=delay)


def claim(owner: str, now: datetime, lease_seconds: float, limit: int) -> list[int]:
    """Lease up to `limit` due notifications to `owner`, oldest due first, and commit.

    One waits while an earlier one to its order waits for a retry, so that after an outage the
    customer reads "confirmed" before "delivered"; ids come back in the order they were queued.
    """
    earlier = aliased(Notification)
    behind_a_retry = exists().where(
        earlier.order_id == Notification.order_id,
        earlier.id < Notification.id,
        earlier.status == QUEUED,
        earlier.next_attempt_at > now,
    )
    due = and_(Notification.status == QUEUED, Notification.next_attempt_at <= now, ~behind_a_retry)
    return leases.claim_due(
        Notification, due, Notification.next_attempt_at, owner, now, lease_seconds, limit
    )
