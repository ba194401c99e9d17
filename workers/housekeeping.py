"""Tidying the worker does between polls."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import delete

from webapp.extensions import db
from webapp.models import AdminSession, LiveEvent, WebhookDelivery, utcnow
from webapp.webhooks.inbox import PROCESSED


def prune_live_events(app: Flask) -> int:
    """Delete live events older than the retention; pages reconnect with a snapshot anyway."""
    cutoff = utcnow() - timedelta(seconds=app.config["LIVE_EVENT_RETENTION_SECONDS"])
    with app.app_context():
        pruned = db.session.execute(delete(LiveEvent).where(LiveEvent.created_at < cutoff))
        db.session.commit()
    return pruned.rowcount


def prune_admin_sessions(app: Flask) -> int:
    """Delete staff sessions past their expiry, which no cookie can open any more."""
    with app.app_context():
        pruned = db.session.execute(delete(AdminSession).where(AdminSession.expires_at < utcnow()))
        db.session.commit()
    return pruned.rowcount


def prune_webhook_deliveries(app: Flask) -> int:
    """Delete recorded deliveries past the retention; unmatched and failed ones wait for staff."""
    cutoff = utcnow() - timedelta(seconds=app.config["WEBHOOK_RETENTION_SECONDS"])
    old = (WebhookDelivery.state == PROCESSED) & (WebhookDelivery.received_at < cutoff)
    with app.app_context():
        pruned = db.session.execute(delete(WebhookDelivery).where(old))
        db.session.commit()
    return pruned.rowcount
