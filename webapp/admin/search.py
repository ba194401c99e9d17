"""Finding orders: one box matching fragments of five fields, filters on parcels, keyset pages.

The text part uses the search structures of migration 0006: pg_trgm GIN indexes on PostgreSQL, an
FTS5 trigram table on SQLite. Both take the typed text literally: `%`, `_`, quotes and backslashes
are characters to find, never syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, column, exists, func, literal_column, or_, select, table, union
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status

PAGE_SIZE = 50
COUNT_CAP = 10_000
MAX_TEXT = 100
TRIGRAM = 3  # the shortest text the trigram indexes can look up; shorter texts scan
SORTS = ("newest", "oldest")
FILTER_ARGS = ("stage", "status", "carrier", "exceptions", "stalled", "placed_from", "placed_to")
EXCEPTION_STATUSES = (Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNED_TO_SENDER)

_order_search = table("order_search", column("rowid"))
#: The fields one box searches, as PostgreSQL's trigram index over them spells it (migration 0006).
ORDER_TEXT = literal_column("(number || ' ' || email || ' ' || name || ' ' || postcode)")


class SearchError(ValueError):
    """A query the search cannot run; the message says which part and why."""


@dataclass(frozen=True)
class OrderSearch:
    """A search as the URL holds it: the text, the filters, the sort and where the page starts."""

    text: str = ""
    stage: Stage | None = None
    status: Status | None = None
    carrier: str | None = None
    exceptions: bool = False
    stalled: bool = False
    placed_from: date | None = None
    placed_to: date | None = None
    sort: str = "newest"
    after: int | None = None
    before: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OrderSearch:
        """Read a search from query-string arguments; SearchError names what is wrong."""
        sort = args.get("sort") or "newest"
        if sort not in SORTS:
            raise SearchError(f"Sort by {' or '.join(SORTS)}.")
        return cls(
            text=" ".join(args.get("q", "").split())[:MAX_TEXT],
            stage=_choice(args, "stage", {stage.slug: stage for stage in Stage}),
            status=_choice(args, "status", {status.value: status for status in Status}),
            carrier=_choice(args, "carrier", {code: code for code in CARRIERS}),
            exceptions=args.get("exceptions") == "1",
            stalled=args.get("stalled") == "1",
            placed_from=_date(args, "placed_from"),
            placed_to=_date(args, "placed_to"),
            sort=sort,
            after=_order_id(args, "after"),
            before=_order_id(args, "before"),
        )

    def args(self, **changes) -> dict[str, str]:
        """The query-string arguments that bring this search back, with changes; no defaults."""
        search = replace(self, **changes)
        values = {
            "q": search.text,
            "stage": search.stage.slug if search.stage is not None else "",
            "status": search.status.value if search.status else "",
            "carrier": search.carrier or "",
            "exceptions": "1" if search.exceptions else "",
            "stalled": "1" if search.stalled else "",
            "placed_from": search.placed_from.isoformat() if search.placed_from else "",
            "placed_to": search.placed_to.isoformat() if search.placed_to else "",
            "sort": search.sort if search.sort != "newest" else "",
            "after": str(search.after or ""),
            "before": str(search.before or ""),
        }
        return {name: value for name, value in values.items() if value}

    @property
    def first_page(self) -> OrderSearch:
        return replace(self, after=None, before=None)

    @property
    def filtered(self) -> bool:
        return any(self.args().get(name) for name in FILTER_ARGS)


@dataclass(frozen=True)
class Results:
    """One page of orders (with their parcels), how many match in all, and the pages beside it."""

    orders: list[Order]
    count: int
    count_capped: bool
    newer: OrderSearch | None = None
    older: OrderSearch | None = None
    search: OrderSearch = field(default_factory=OrderSearch)


def search_orders(
    search: OrderSearch, page_size: int = PAGE_SIZE, count_cap: int = COUNT_CAP
) -> Results:
    """One page of the orders matching the search, in its order, with the total (capped)."""
    matching = _matching(search)
    count = db.session.scalar(
        select(func.count()).select_from(matching.limit(count_cap + 1).subquery())
    )
    backwards = search.before is not None
    cursor = search.before if backwards else search.after
    newest_first = (search.sort == "newest") != backwards
    page = matching.where(_beyond(cursor, newest_first)) if cursor else matching
    rows = db.session.scalars(
        page.order_by(*_ordering(newest_first))
        .limit(page_size + 1)
        .options(selectinload(Order.shipments))
    ).all()
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    return Results(
        orders=rows,
        count=min(count, count_cap),
        count_capped=count > count_cap,
        newer=_neighbour(search, rows, forward=False, exists_=more if backwards else bool(cursor)),
        older=_neighbour(search, rows, forward=True, exists_=bool(cursor) if backwards else more),
        search=search,
    )


def every_match(search: OrderSearch, batch: int = 1000) -> Iterator[Order]:
    """Every order matching the search, in its order, read a batch at a time (for export)."""
    search = search.first_page
    while True:
        results = search_orders(search, page_size=batch)
        yield from results.orders
        if results.older is None:
            return
        search = results.older
        db.session.expunge_all()  # keep memory flat however many orders match


def _matching(search: OrderSearch):
    """SELECT of the matching orders, unordered."""
    query = select(Order)
    if search.text:
        query = query.where(_text_condition(search.text))
    if (parcel := _parcel_conditions(search)) is not None:
        query = query.where(parcel)
    if search.placed_from:
        query = query.where(Order.placed_at >= _midnight(search.placed_from))
    if search.placed_to:
        query = query.where(Order.placed_at < _midnight(search.placed_to + timedelta(days=1)))
    return query


def _text_condition(text: str):
    """Orders with the text in a number, e-mail, name, postcode or tracking number, any case."""
    number = text.lstrip("#").strip() or text
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite" and len(number) >= TRIGRAM:
        phrase = '"' + number.replace('"', '""') + '"'
        fts_match = literal_column("order_search").op("MATCH")(phrase)
        return Order.id.in_(select(_order_search.c.rowid).where(fts_match))
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", number) + "%"
    ids = union(
        select(Order.id).where(ORDER_TEXT.ilike(pattern, escape="\\")),
        select(Shipment.order_id).where(Shipment.tracking_number.ilike(pattern, escape="\\")),
    )
    if dialect == "postgresql":
        # An array, not IN: trigram estimates for short text are wild, and a guess of thousands
        # of matches turns the plan into a scan of every order.
        return Order.id == func.any(func.array(ids.scalar_subquery()))
    return Order.id.in_(ids)


def _parcel_conditions(search: OrderSearch):
    """The filters on an order's parcels, all met by one of them; None when there are none."""
    conditions = []
    if search.stage is not None:
        conditions.append(Shipment.stage == search.stage.value)
    if search.status is not None:
        conditions.append(Shipment.status == search.status.value)
    if search.carrier:
        conditions.append(Shipment.carrier == search.carrier)
    if search.exceptions:
        conditions.append(Shipment.status.in_([status.value for status in EXCEPTION_STATUSES]))
    if search.stalled:
        conditions.append(Shipment.stalled.is_(True))
    if not conditions:
        return None
    one_parcel = exists().where(Shipment.order_id == Order.id, *conditions)
    if search.stage == Stage.ORDERED and len(conditions) == 1:
        # An order with no parcel registered yet is at the first stage too.
        return or_(one_parcel, ~exists().where(Shipment.order_id == Order.id))
    return one_parcel


def _ordering(newest_first: bool):
    if newest_first:
        return Order.placed_at.desc(), Order.id.desc()
    return Order.placed_at.asc(), Order.id.asc()


def _beyond(cursor: int, newest_first: bool):
    """Orders after the cursor's order in this direction (keyset: placed_at, then id)."""
    placed_at = select(Order.placed_at).where(Order.id == cursor).scalar_subquery()
    if newest_first:
        return or_(
            Order.placed_at < placed_at, and_(Order.placed_at == placed_at, Order.id < cursor)
        )
    return or_(Order.placed_at > placed_at, and_(Order.placed_at == placed_at, Order.id > cursor))


def _neighbour(
    search: OrderSearch, rows: list[Order], forward: bool, exists_: bool
) -> OrderSearch | None:
    """The search for the page after (forward) or before this one, if there is one."""
    if not (exists_ and rows):
        return None
    if forward:
        return replace(search, after=rows[-1].id, before=None)
    return replace(search, before=rows[0].id, after=None)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _choice(args: Mapping[str, str], name: str, choices: dict):
    value = args.get(name) or ""
    if value and value not in choices:
        raise SearchError(f"There is no {name.replace('_', ' ')} “{value[:40]}”.")
    return choices.get(value)


def _date(args: Mapping[str, str], name: str) -> date | None:
    value = args.get(name) or ""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise SearchError(f"Give the {name.replace('_', ' ')} date as YYYY-MM-DD.") from None


def _order_id(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name) or ""
    if value and not value.isdigit():
        raise SearchError("That page link is broken: start the search again.")
    return int(value) if value else None
