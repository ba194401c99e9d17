"""The staff overview: parcels by stage, the ones needing attention, each carrier's record.

Built to stay quick on a million orders. Parcels still travelling are a small slice of the table,
read through the (stage, delivered_at) index as the range stage < Delivered; delivered parcels and
new orders are only ever counted over recent days (that index again, and orders' placed_at), and
the daily volumes read the (shipped_at, carrier) index. Durations and days are compared as epoch
seconds (EXTRACT(epoch ...), which SQLAlchemy writes for SQLite too), so no query depends on the
database's time zone: a day here is a UTC day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Float, and_, case, cast, exists, extract, func, not_, or_, select
from sqlalchemy.orm import contains_eager

from webapp.admin import charts
from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status

QUEUE_LIMIT = 50
VOLUME_DAYS = 14
DELIVERY_DAYS = 30
NEW_ORDER_DAYS = 30
ATTENTION_DAYS = 60
DAY_SECONDS = 86400


class Reason(StrEnum):
    """Why a parcel needs someone to look at it."""

    EXCEPTION = "exception"
    FAILED_ATTEMPT = "failed-attempt"
    RETURNING = "returning"
    STALLED = "stalled"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    shipments: int
    orders_without_parcel: int = 0
    window_days: int | None = None  # counted over recent days only, not all time

    @property
    def total(self) -> int:
        return self.shipments + self.orders_without_parcel


@dataclass(frozen=True)
class Attention:
    """A parcel in the queue: each reason with the words of its tag, and when trouble began."""

    shipment: Shipment
    reasons: tuple[tuple[Reason, str], ...]
    since: datetime


@dataclass(frozen=True)
class Queue:
    items: list[Attention]
    total: int
    window_days: int = ATTENTION_DAYS

    @property
    def more(self) -> int:
        """How many the page leaves out."""
        return self.total - len(self.items)


@dataclass(frozen=True)
class CarrierRecord:
    """One carrier: parcels shipped per day, and how its recent deliveries went."""

    carrier: str
    volume: list[tuple[date, int]]
    deliveries: int = 0
    median_seconds: float | None = None
    with_eta: int = 0
    on_time: int = 0

    @property
    def shipped(self) -> int:
        return sum(count for _, count in self.volume)

    @property
    def median_days(self) -> float | None:
        return None if self.median_seconds is None else self.median_seconds / DAY_SECONDS

    @property
    def on_time_share(self) -> float | None:
        """Delivered by the ETA, among deliveries that had one."""
        return self.on_time / self.with_eta if self.with_eta else None

    @property
    def volume_chart(self) -> charts.BarChart:
        return charts.daily_chart(self.volume, "Parcels shipped per day")

    @property
    def on_time_meter(self) -> charts.Meter | None:
        return charts.meter(self.on_time, self.with_eta, "delivered by the ETA")


@dataclass(frozen=True)
class Overview:
    stages: list[StageCount]
    queue: Queue
    carriers: list[CarrierRecord]
    volume_days: int = VOLUME_DAYS
    delivery_days: int = DELIVERY_DAYS


def overview(now: datetime, queue_limit: int = QUEUE_LIMIT) -> Overview:
    """Everything the overview page shows, as of `now`."""
    return Overview(
        stages=stage_counts(now),
        queue=attention_queue(now, queue_limit),
        carriers=carrier_records(now),
    )


def stage_counts(now: datetime) -> list[StageCount]:
    """Parcels at each stage now; Delivered counts the last 30 days' deliveries.

    Ordered also counts orders placed in the last 30 days with no parcel registered yet: to the
    customer they are at that stage too. Older ones are left out so the count stays a range read.
    """
    counted = db.session.execute(
        select(Shipment.stage, func.count())
        .where(Shipment.stage < Stage.DELIVERED)
        .group_by(Shipment.stage)
    )
    by_stage = dict(counted.all())
    waiting = StageCount(Stage.ORDERED, by_stage.get(Stage.ORDERED, 0), _orders_without_parcel(now))
    travelling = [StageCount(stage, by_stage.get(stage, 0)) for stage in list(Stage)[1:-1]]
    delivered = StageCount(Stage.DELIVERED, _recently_delivered(now), 0, DELIVERY_DAYS)
    return [waiting, *travelling, delivered]


def _recently_delivered(now: datetime) -> int:
    # A query of its own: OR-ed with the stages above, SQLite would read the whole index.
    return db.session.scalar(
        select(func.count())
        .select_from(Shipment)
        .where(
            Shipment.stage == Stage.DELIVERED,
            Shipment.delivered_at >= now - timedelta(days=DELIVERY_DAYS),
            Shipment.delivered_at <= now,
        )
    )


def _orders_without_parcel(now: datetime) -> int:
    has_parcel = exists().where(Shipment.order_id == Order.id)
    return db.session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.placed_at >= now - timedelta(days=NEW_ORDER_DAYS),
            Order.placed_at <= now,
            not_(has_parcel),
        )
    )


def attention_queue(now: datetime, limit: int = QUEUE_LIMIT) -> Queue:
    """Undelivered parcels with an exception, a failed attempt, on the way back, stalled or late.

    Oldest first by when the trouble began, as far as the columns tell: the last scan (or the
    registration, before any scan) for a carrier's bad news and for silence, since the latest
    scan is the one that brought the news or after which nothing came; the end of the ETA day for
    a late parcel; the earliest of these when there are several. Trouble that began more than 60
    days ago is left to the search: a lost parcel should not head the queue for ever.
    """
    today = now.astimezone(UTC).date()
    since = _trouble_began(today)
    troubled = and_(
        Shipment.stage < Stage.DELIVERED,
        or_(_bad_news(), Shipment.stalled.is_(True), _overdue(today)),
        since >= (now - timedelta(days=ATTENTION_DAYS)).timestamp(),
    )
    rows = db.session.execute(
        select(Shipment, since, func.count().over())  # the total, counted in the same scan
        .join(Shipment.order)
        .options(contains_eager(Shipment.order))
        .where(troubled)
        .order_by(since, Shipment.id)
        .limit(limit)
    ).all()
    items = [
        Attention(shipment, reasons(shipment, today), datetime.fromtimestamp(float(began), UTC))
        for shipment, began, _ in rows
    ]
    return Queue(items, rows[0][2] if rows else 0)


def _bad_news():
    """The carrier's latest word is trouble: an exception, a failed attempt, a return."""
    return or_(
        Shipment.status.in_((Status.EXCEPTION, Status.FAILED_ATTEMPT)),
        and_(Shipment.returning_to_sender.is_(True), Shipment.status != Status.DELIVERED),
    )


def _overdue(today: date):
    return Shipment.eta_date < today


def _trouble_began(today: date):
    """Epoch seconds of when the trouble began (see attention_queue)."""
    heard = extract("epoch", func.coalesce(Shipment.last_scan_at, Shipment.created_at))
    due = extract("epoch", Shipment.eta_date) + DAY_SECONDS
    lateness_first = or_(due < heard, not_(or_(_bad_news(), Shipment.stalled.is_(True))))
    return case((and_(_overdue(today), lateness_first), due), else_=heard)


def reasons(shipment: Shipment, today: date) -> tuple[tuple[Reason, str], ...]:
    """Why this parcel is in the queue, each with the words of its tag; the same rules as SQL."""
    found = []
    if shipment.status == Status.EXCEPTION:
        found.append((Reason.EXCEPTION, f"Exception: {shipment.exception_reason or 'other'}"))
    if shipment.status == Status.FAILED_ATTEMPT:
        found.append((Reason.FAILED_ATTEMPT, "Failed attempt"))
    if shipment.returning_to_sender and shipment.status != Status.DELIVERED:
        found.append((Reason.RETURNING, "Returning to sender"))
    if shipment.stalled:
        found.append((Reason.STALLED, "Stalled"))
    if shipment.eta_date is not None and shipment.eta_date < today:
        eta = shipment.eta_date
        found.append((Reason.OVERDUE, f"Past ETA ({eta:%a} {eta.day} {eta:%b})"))
    return tuple(found)


def carrier_records(now: datetime) -> list[CarrierRecord]:
    """Each carrier with parcels shipped in the last 14 days or delivered in the last 30.

    Busiest first.
    """
    volumes = daily_volumes(now)
    deliveries = delivery_records(now)
    quiet = _zeros(_days(now.astimezone(UTC).date()))
    records = [
        replace(
            deliveries.get(carrier, CarrierRecord(carrier, [])),
            volume=volumes.get(carrier, quiet),
        )
        for carrier in volumes.keys() | deliveries.keys()
    ]
    return sorted(records, key=lambda record: (-record.shipped, -record.deliveries, record.carrier))


def _days(today: date) -> list[date]:
    return [today - timedelta(days=back) for back in reversed(range(VOLUME_DAYS))]


def _zeros(days: list[date]) -> list[tuple[date, int]]:
    return [(day, 0) for day in days]


def daily_volumes(now: datetime) -> dict[str, list[tuple[date, int]]]:
    """Parcels shipped per UTC day over the last 14 days (today included), by carrier."""
    days = _days(now.astimezone(UTC).date())
    starts = [datetime.combine(day, time(), UTC) for day in days]
    end = starts[-1] + timedelta(days=1)
    day_index = case(
        *(
            (Shipment.shipped_at < start + timedelta(days=1), index)
            for index, start in enumerate(starts)
        )
    )
    shipped = (
        select(Shipment.carrier, day_index.label("day"))
        .where(Shipment.shipped_at >= starts[0], Shipment.shipped_at < end)
        .subquery()
    )
    counted = db.session.execute(
        select(shipped.c.carrier, shipped.c.day, func.count()).group_by(
            shipped.c.carrier, shipped.c.day
        )
    )
    volumes: dict[str, list[tuple[date, int]]] = {}
    for carrier, index, count in counted:
        series = volumes.setdefault(carrier, _zeros(days))
        series[index] = (days[index], count)
    return volumes


def delivery_records(now: datetime) -> dict[str, CarrierRecord]:
    """Per carrier, over the last 30 days' deliveries: median transit and delivered by the ETA.

    Transit runs from the first scan that proves the parcel shipped to its delivery. The median
    is the middle row (or the mean of the middle two) when each carrier's rows are ranked by
    transit: window functions both databases have, so no row comes back to Python. A parcel is
    on time when it was delivered on or before its ETA day, both UTC.
    """
    delivered = extract("epoch", Shipment.delivered_at)
    transit = cast(delivered - extract("epoch", Shipment.shipped_at), Float)  # numeric sorts slowly
    on_time = case(
        (Shipment.eta_date.is_(None), None),
        (delivered < extract("epoch", Shipment.eta_date) + DAY_SECONDS, 1),
        else_=0,
    )
    ranked = (
        select(
            Shipment.carrier,
            transit.label("transit"),
            on_time.label("on_time"),
            func.row_number()
            .over(partition_by=Shipment.carrier, order_by=transit)
            .label("position"),
            func.count().over(partition_by=Shipment.carrier).label("peers"),
        )
        .where(
            Shipment.stage == Stage.DELIVERED,
            Shipment.delivered_at >= now - timedelta(days=DELIVERY_DAYS),
            Shipment.delivered_at <= now,
            Shipment.shipped_at.is_not(None),
        )
        .subquery()
    )
    middle = ranked.c.position.in_(((ranked.c.peers + 1) // 2, (ranked.c.peers + 2) // 2))
    summary = select(
        ranked.c.carrier,
        func.count(),
        func.avg(case((middle, ranked.c.transit))),
        func.count(ranked.c.on_time),
        func.coalesce(func.sum(ranked.c.on_time), 0),
    ).group_by(ranked.c.carrier)
    return {
        carrier: CarrierRecord(carrier, [], count, float(median), with_eta, int(on_time))
        for carrier, count, median, with_eta, on_time in db.session.execute(summary)
    }
