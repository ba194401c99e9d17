"""Queueing customer e-mails in the transaction that records the news calling for them.

Rows go in with INSERT ... ON CONFLICT DO NOTHING against the partial unique indexes of migration
0011, so a kind is queued once per parcel (or order), ever: duplicate scans, a replayed webhook or
two workers recording the same news at once all end in one row. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.models import Notification, Order, Shipment, utcnow
from webapp.tracking.notices import Delay, Kind, Notices, delay_of

QUEUED, SENT, SKIPPED, FAILED = "queued", "sent", "skipped", "failed"
#: Why a notification was not sent.
CATCH_UP, STALE, STOPPED = "catch_up", "stale", "stopped"

_COLUMNS = (
    "order_id",
    "shipment_id",
    "kind",
    "channel",
    "recipient",
    "status",
    "detail",
    "skip_reason",
    "manual",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def order_placed(order: Order) -> None:
    """Queue the order confirmation; call it in the transaction that records the order."""
    if order.id is None:
        db.session.flush()
    _queue([_row(order.id, None, Kind.ORDER_CONFIRMATION, order.placed_at)])


def scans_recorded(batch: list[tuple[Shipment, Notices]]) -> None:
    """Queue what parcels' new scans announce: for each, the latest kind they reached, and the
    others as skipped, since the later message covers them. One statement for the batch."""
    _queue([row for shipment, notices in batch for row in _rows_of(shipment, notices)])


def _rows_of(shipment: Shipment, notices: Notices) -> list[dict]:
    rows = [
        _row(shipment.order_id, shipment.id, kind, None, skip_reason=CATCH_UP)
        for kind in notices.skipped
    ]
    if notices.send is not None:
        detail = delay_of(notices.scan) if notices.send is Kind.DELAYED else None
        rows.append(
            _row(shipment.order_id, shipment.id, notices.send, notices.scan.occurred_at, detail)
        )
    return rows


def parcel_delayed(shipment: Shipment, delay: Delay) -> None:
    """Queue the delay notice for a parcel that stalled or whose estimate moved later."""
    _queue([_row(shipment.order_id, shipment.id, Kind.DELAYED, utcnow(), delay.value)])


def resend(notification: Notification) -> Notification:
    """A new row for the same message, marked manual, queued at once; the original stays."""
    again = Notification(
        order_id=notification.order_id,
        shipment_id=notification.shipment_id,
        kind=notification.kind,
        recipient=notification.order.email,
        detail=notification.detail,
        manual=True,
        next_attempt_at=utcnow(),
    )
    db.session.add(again)
    db.session.flush()
    return again


def _row(
    order_id: int,
    shipment_id: int | None,
    kind: Kind,
    news_at: datetime | None,
    detail: str | None = None,
    skip_reason: str | None = None,
) -> dict:
    now = utcnow()
    if skip_reason is None and news_at is not None and _stale(news_at, now):
        skip_reason = STALE
    return {
        "order_id": order_id,
        "shipment_id": shipment_id,
        "kind": kind.value,
        "channel": "email",
        "status": SKIPPED if skip_reason else QUEUED,
        "detail": detail,
        "skip_reason": skip_reason,
        "manual": False,
        "attempts": 0,
        "next_attempt_at": None if skip_reason else now,
        "created_at": now,
    }


def _stale(news_at: datetime, now: datetime) -> bool:
    """News older than this is not worth an e-mail: an old order imported, a parcel registered
    after it arrived."""
    return now - news_at > timedelta(seconds=current_app.config["NOTIFY_STALE_AFTER_SECONDS"])


def _queue(rows: list[dict]) -> None:
    if rows:
        db.session.execute(_insert_once(), rows)


def _insert_once():
    """INSERT ... SELECT the order's address ... ON CONFLICT DO NOTHING, for this dialect."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        Order.email if name == "recipient" else bindparam(name, type_=_type(name))
        for name in _COLUMNS
    ]
    source = select(*values).where(Order.id == bindparam("order_id"))
    table = Notification.__table__  # Core: an executemany of one INSERT ... SELECT, not ORM bulk
    return insert(table).from_select(list(_COLUMNS), source).on_conflict_do_nothing()


def _type(name: str):
    return Notification.__table__.c[name].type
