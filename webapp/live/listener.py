"""The one thread per web process that learns of changes and renders them for the hub."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable

import psycopg
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.ingest import LIVE_CHANNEL
from webapp.live import frames, metrics
from webapp.live.hub import Hub
from webapp.live.outbox import Change, OutboxReader
from webapp.models import Order, Shipment, utcnow

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0
# What a live update shows: the parcels and their events (not the items, which do not change).
_ORDER = select(Order).options(selectinload(Order.shipments).selectinload(Shipment.events))


class Listener:
    """Waits for live events, renders each changed order once and publishes it to the hub."""

    def __init__(self, app: Flask, hub: Hub) -> None:
        self.app = app
        self.hub = hub
        self._started = False
        self._start_lock = threading.Lock()

    def ensure_started(self) -> None:
        """Start the thread on the first socket, so processes that serve none never run it.

        Where it starts reading is fixed here, before the caller checks its snapshot is current,
        so no change falls between the two.
        """
        with self._start_lock:
            if not self._started:
                reader = OutboxReader.from_now()
                threading.Thread(
                    target=self._run, args=(reader,), name="live-listener", daemon=True
                ).start()
                self._started = True

    def _run(self, reader: OutboxReader) -> None:
        """Follow the outbox for good; a database that goes away is waited for, not fatal."""
        waiter = None
        while True:
            try:
                with self.app.app_context():
                    waiter = waiter or _waiter(self.app)
                waiter.wait()
                with self.app.app_context():
                    self.dispatch(reader.read())
            except Exception:
                log.exception("live listener failed; retrying")
                time.sleep(RETRY_SECONDS)

    def dispatch(self, changes: Iterable[Change]) -> None:
        """Render and publish the orders that changed and that someone here watches."""
        by_order: dict[int, list[Change]] = defaultdict(list)
        for change in changes:
            by_order[change.order_id].append(change)
        for order_id in self.hub.watched(by_order):
            self._publish(order_id, by_order[order_id])

    def _publish(self, order_id: int, changes: list[Change]) -> None:
        order = db.session.scalar(_ORDER.where(Order.id == order_id))
        self.hub.revoke(order_id, order and order.token)
        if order is not None:
            kinds: dict[int, set[str]] = defaultdict(set)
            for change in changes:
                kinds[change.shipment_id].add(change.kind)
            frame = frames.text_frame(frames.change(order, kinds))
            queued, dropped = self.hub.publish(order_id, frame)
            metrics.frames_published.inc(queued)
            metrics.slow_sockets.inc(dropped)
            oldest = min(change.created_at for change in changes)
            metrics.push_latency.observe((utcnow() - oldest).total_seconds())
        db.session.rollback()


class _Sleeper:
    """SQLite has no notifications: look at the outbox every interval."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def wait(self) -> None:
        time.sleep(self.seconds)


class _Notifications:
    """PostgreSQL LISTEN/NOTIFY: wake as soon as a change commits, and at least once a second."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.connection: psycopg.Connection | None = None

    def wait(self) -> None:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(self.conninfo, autocommit=True)
            self.connection.execute(f"LISTEN {LIVE_CHANNEL}")
        for _ in self.connection.notifies(timeout=1.0, stop_after=1):
            pass


def _waiter(app: Flask):
    url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return _Sleeper(app.config["LIVE_POLL_SECONDS"])
    return _Notifications(url.set(drivername="postgresql").render_as_string(hide_password=False))
