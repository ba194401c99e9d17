"""The database model: orders, their items, shipments and the carrier scans that move them."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
    types,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.database import INBOX
from webapp.extensions import db
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status
from webapp.tracking.times import Eta


class UTCDateTime(types.TypeDecorator):
    """Timezone-aware UTC datetimes on every database, SQLite included."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    """A 192-bit URL-safe capability that reveals nothing about the order."""
    return secrets.token_urlsafe(24)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_placed_at_id", "placed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(32), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The customer's IANA time zone for the times in their e-mails; the shop's when unknown.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    #: When the customer asked for no more e-mails about this order.
    emails_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The capability in the e-mails' stop link, made with the first e-mail; unlike the token,
    #: rotating the tracking link leaves it alone.
    mail_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    #: SHA-256 of the API request that made the order: the same again is the same answer.
    api_digest: Mapped[str | None] = mapped_column(String(64))

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )

    def rotate_token(self) -> None:
        """Invalidate every link sent so far; the old token becomes a plain 404."""
        self.token = new_token()


class OrderItem(db.Model):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    image_url: Mapped[str | None] = mapped_column(String(500))

    order: Mapped[Order] = relationship(back_populates="items")


class Shipment(db.Model):
    __tablename__ = "shipments"
    __table_args__ = (
        Index(None, "carrier", "tracking_number"),
        # An order has a parcel once, however often the shop registers it.
        Index("uq_shipments_order_id_tracking_number", "order_id", "tracking_number", unique=True),
        Index(None, "next_check_at"),
        Index(None, "stage", "delivered_at"),  # overview: parcels travelling, recent deliveries
        Index(None, "shipped_at", "carrier"),  # overview: parcels shipped per carrier per day
        Index(None, "order_id", "stage"),  # an order's parcels; search's stage filter, index-only
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(64))
    service: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32), default=Status.PENDING.value)
    exception_reason: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[int] = mapped_column(default=Stage.ORDERED.value)
    returning_to_sender: Mapped[bool] = mapped_column(default=False)
    eta_date: Mapped[date | None]
    eta_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    eta_source: Mapped[str | None] = mapped_column(String(32))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(default=0)
    stalled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment",
        cascade="all, delete-orphan",
        order_by="(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())",
    )

    @property
    def eta(self) -> Eta | None:
        return Eta.of(self.eta_date, self.eta_at, self.eta_source)


class TrackingEvent(db.Model):
    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("shipment_id", "dedupe_key"),
        Index(None, "shipment_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    utc_offset_minutes: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(32))
    exception_reason: Mapped[str | None] = mapped_column(String(32))
    carrier_code: Mapped[str] = mapped_column(String(64), default="")
    carrier_text: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(32), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    source: Mapped[str] = mapped_column(String(16), default="poll")
    dedupe_key: Mapped[str] = mapped_column(String(128))
    raw_payload: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")

    @property
    def place(self) -> str:
        """'Leeds, GB' from whatever parts the carrier gave."""
        return ", ".join(part for part in (self.city, self.region, self.country) if part)


class LiveEvent(db.Model):
    """Outbox of changes for the web processes to push to open pages; pruned after a day."""

    __tablename__ = "live_events"
    __table_args__ = ({"sqlite_autoincrement": True},)  # a seq is never reused after pruning

    seq: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AdminUser(db.Model):
    """A member of staff: viewer (reads), agent (acts on orders) or admin (manages staff)."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdminSession(db.Model):
    """One signed-in browser; its id is stored only as a hash, and logging out deletes it."""

    __tablename__ = "admin_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[AdminUser] = relationship(lazy="joined")


class ApiKey(db.Model):
    """A shop system's key to the API. Only the key's SHA-256 is kept (the key is random, 256
    bits, so a fast hash is enough); `lookup` is the public part that finds the row."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    #: space-separated: orders:read, orders:write
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def allows(self, scope: str) -> bool:
        return scope in self.scopes.split()


class IdempotencyKey(db.Model):
    """An Idempotency-Key a client sent with a request that made something, per API key."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("api_key_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_digest: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship()


class WebhookDelivery(db.Model):
    """A provider's webhook as it arrived, signature checked, kept before we answer it: the
    worker records what it says through the same path as polling. Deliveries are pending, then
    processed, unmatched (no parcel of ours has the number) or failed; staff replay the last
    two. Each arrives once per provider, by its event id or, without one, its body.

    It lives in the inbox (its own SQLite file; the same PostgreSQL database), so that storing
    one never waits for a transaction that records scans, and it has its own migrations."""

    __bind_key__ = INBOX
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("uq_webhook_deliveries_provider_event_id", "provider", "event_id", unique=True),
        Index("uq_webhook_deliveries_provider_body_sha256", "provider", "body_sha256", unique=True),
        Index(None, "state", "next_attempt_at"),  # the worker's queue; staff's unmatched list
        Index(None, "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(128))
    #: pending, processed, unmatched or failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    #: The parcels it names, as "carrier:number" separated by spaces, once read.
    parcels: Mapped[str] = mapped_column(String(500), default="")
    events_added: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class AuditEntry(db.Model):
    """Something a member of staff did, or tried: kept when the account or the order is gone."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    client: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class Note(db.Model):
    """A note staff left on an order, for other staff; customers never see it."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id", ondelete="SET NULL"))
    author_email: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(db.Model):
    """One message to a customer: queued with the news that calls for it, then sent (or skipped,
    or failed after its last try). A kind goes once per order and parcel, ever; a resend by
    staff is a row of its own, marked manual."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One of each kind per parcel, and per order for the order's own (the confirmation);
        # a resend by staff is manual and free of both.
        Index(
            "uq_notifications_parcel_kind",
            "shipment_id",
            "kind",
            unique=True,
            sqlite_where=text("NOT manual"),
            postgresql_where=text("NOT manual"),
        ),
        Index(
            "uq_notifications_order_kind",
            "order_id",
            "kind",
            unique=True,
            sqlite_where=text("shipment_id IS NULL AND NOT manual"),
            postgresql_where=text("shipment_id IS NULL AND NOT manual"),
        ),
        Index(None, "status", "next_attempt_at"),  # the notifier's queue
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    recipient: Mapped[str] = mapped_column(String(320))
    #: queued, sent, skipped or failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: What the message says beyond its kind: for a delay notice, why (exception, stalled, ...).
    detail: Mapped[str | None] = mapped_column(String(32))
    #: Why it was not sent: catch_up (a later message covers it), stale, stopped (opted out).
    skip_reason: Mapped[str | None] = mapped_column(String(16))
    manual: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship()
    shipment: Mapped[Shipment | None] = relationship()


def _order_of(instance) -> Order | None:
    """The order whose tracking page shows this object."""
    if isinstance(instance, Order):
        return instance
    if isinstance(instance, OrderItem | Shipment):
        return instance.order
    if isinstance(instance, TrackingEvent) and instance.shipment is not None:
        return instance.shipment.order
    return None


@event.listens_for(db.session, "before_flush")
def _bump_revisions(session, _flush_context, _instances) -> None:
    """Count every change to what an order's page shows, so a cached page is never stale."""
    modified = (instance for instance in session.dirty if session.is_modified(instance))
    changed = (*session.new, *modified, *session.deleted)
    orders = {order for order in map(_order_of, changed) if order is not None}
    for order in orders - set(session.new) - set(session.deleted):
        order.revision = Order.revision + 1
