"""Finding orders: one box matching fragments of five fields, filters on parcels, keyset pages.

The text part uses the search structures of migration 0006: pg_trgm GIN indexes on PostgreSQL, an
FTS5 trigram table on SQLite. Both take the typed text literally: `%`, `_`, quotes and backslashes
are characters to find, never syntax.

A text search first asks the index for at most COUNT_CAP + 1 matches (filters applied). When that
is all of them, they are counted and sorted here and only the page's orders are read. When there
are more, the text is common: the count says "more than", and the page comes from walking the
orders newest (or oldest) first, testing each, which reaches fifty matches soon. Either way the
work is bounded by the cap, not by the number of orders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    String,
    and_,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    type_coerce,
)
from sqlalchemy.orm import aliased, selectinload

from webapp.extensions import db
from webapp.models import Order, Shipment
from webapp.tracking.carriers import CARRIERS
from webapp.tracking.stages import Stage
from webapp.tracking.statuses import Status

PAGE_SIZE = 50
COUNT_CAP = 1_000  # past this, staff narrow the search; counting on costs more
MAX_TEXT = 100
TRIGRAM = 3  # the shortest text the trigram indexes look up; shorter text scans the orders only
SORTS = ("newest", "oldest")
FILTER_ARGS = ("stage", "status", "carrier", "exceptions", "stalled", "placed_from", "placed_to")
EXCEPTION_STATUSES = (Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNED_TO_SENDER)

_order_search = table("order_search", column("rowid"))
#: The fields one box searches, joined and lower-cased (migration 0009; trigram-indexed on
#: PostgreSQL). Test it with LIKE and a lower-cased pattern: it costs ILIKE's quarter.
SEARCH_TEXT = literal_column("orders.search_text")
#: One bit (1 << stage) per stage that one of the order's parcels is at, the Ordered bit while it
#: has none (migration 0010; kept by triggers): the stage filter without visiting the parcels.
PARCEL_STAGES = literal_column("orders.parcel_stages")
#: placed_at as the driver gives it, to sort by without converting each row: a datetime from
#: PostgreSQL, the stored ISO text from SQLite (which sorts as the time does).
PLACED_AT_KEY = type_coerce(Order.placed_at, String())


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
    backwards = search.before is not None
    cursor = search.before if backwards else search.after
    newest_first = (search.sort == "newest") != backwards
    found = _text_matches(search, count_cap) if search.text else None
    if found is not None:
        count = len(found)
        rows = _page_of_found(found, cursor, newest_first, page_size + 1)
    else:
        matching = _matching(search, _text_filter(search.text) if search.text else None)
        count = count_cap + 1 if search.text else _count(matching, count_cap)
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


def _matching(search: OrderSearch, text_condition=None):
    """SELECT of the matching orders, unordered."""
    query = select(Order).where(*_filters(search))
    return query if text_condition is None else query.where(text_condition)


def _filters(search: OrderSearch) -> list:
    """The conditions other than the text: on the parcels, and on when the order was placed."""
    conditions = []
    if (parcel := _parcel_conditions(search)) is not None:
        conditions.append(parcel)
    if search.placed_from:
        conditions.append(Order.placed_at >= _midnight(search.placed_from))
    if search.placed_to:
        conditions.append(Order.placed_at < _midnight(search.placed_to + timedelta(days=1)))
    return conditions


def _count(matching, cap: int) -> int:
    return db.session.scalar(select(func.count()).select_from(matching.limit(cap + 1).subquery()))


def _text_matches(search: OrderSearch, cap: int) -> dict[int, object] | None:
    """When the search finds at most `cap` orders, each one's id and placed_at key; else None.

    Each query stops after cap + 1 rows, so a common name costs what a rare one does, whatever
    the number of orders.
    """
    found = {}
    for source in _text_sources(_needle(search.text)):
        rows = db.session.execute(source.where(*_filters(search)).limit(cap + 1)).all()
        found.update(rows)
        if len(rows) > cap or len(found) > cap:
            return None
    return found


def _page_of_found(
    found: dict[int, object], cursor: int | None, newest_first: bool, size: int
) -> list[Order]:
    """Up to `size` of the found orders beyond the cursor, in the page's order: sorted here, as
    the database would, so that it reads only the orders shown."""
    keys = sorted(((placed_at, id_) for id_, placed_at in found.items()), reverse=newest_first)
    if cursor is not None:
        keys = _beyond_key(keys, found, cursor, newest_first)
    ids = [id_ for _, id_ in keys[:size]]
    orders = db.session.scalars(
        select(Order).where(Order.id.in_(ids)).options(selectinload(Order.shipments))
    )
    by_id = {order.id: order for order in orders}
    return [by_id[id_] for id_ in ids if id_ in by_id]


def _beyond_key(keys: list, found: dict[int, object], cursor: int, newest_first: bool) -> list:
    """The sorted keys after the cursor's order in this direction; none if it is gone."""
    placed_at = found.get(cursor) or db.session.scalar(
        select(PLACED_AT_KEY).where(Order.id == cursor)
    )
    if placed_at is None:
        return []
    mark = (placed_at, cursor)
    if newest_first:
        return [key for key in keys if key < mark]
    return [key for key in keys if key > mark]


def _text_filter(text: str):
    """The text as a test the database makes on each order as it walks them in the page's order:
    for text so common that the newest matches come soon, and fetching them all would not."""
    needle = _needle(text)
    if _uses_fts(needle):
        # "+ 0": keep SQLite from fetching every match by id and sorting them; it walks
        # ix_orders_placed_at_id instead and looks each order up in the list of matches.
        return (Order.id + 0).in_(select(_order_search.c.rowid).where(_fts_match(needle)))
    pattern = _like_pattern(needle)
    if not _names_a_parcel(needle):
        return _in_order_text(pattern)
    return or_(
        _in_order_text(pattern),
        Order.id.in_(select(Shipment.order_id).where(_in_tracking_number(Shipment, pattern))),
    )


def _text_sources(needle: str) -> list:
    """SELECTs of (id, placed_at) of the orders with the text in a number, e-mail, name, postcode
    or tracking number, any case; an order may come twice. Filters join them as conditions."""
    if _uses_fts(needle):
        return [
            select(Order.id, PLACED_AT_KEY)
            .join(_order_search, _order_search.c.rowid == Order.id)
            .where(_fts_match(needle))
        ]
    pattern = _like_pattern(needle)
    in_order_text = select(Order.id, PLACED_AT_KEY).where(_in_order_text(pattern))
    if not _names_a_parcel(needle):
        return [in_order_text]
    parcel = aliased(Shipment)  # the filters' EXISTS on Shipment must not correlate with it
    return [
        in_order_text,
        select(Order.id, PLACED_AT_KEY)
        .join(parcel, parcel.order_id == Order.id)
        .where(_in_tracking_number(parcel, pattern)),
    ]


def _in_order_text(pattern: str):
    return SEARCH_TEXT.like(func.lower(pattern), escape="\\")


def _in_tracking_number(parcel, pattern: str):
    return parcel.tracking_number.ilike(pattern, escape="\\")


def _needle(text: str) -> str:
    """What to look for: an order number typed as '#LL-1234' is LL-1234."""
    return text.lstrip("#").strip() or text


def _names_a_parcel(needle: str) -> bool:
    """Whether the text may be part of a tracking number worth finding: one or two characters
    are in most of them, and looking costs a pass over every parcel."""
    return len(needle) >= TRIGRAM


def _uses_fts(needle: str) -> bool:
    return db.session.get_bind().dialect.name == "sqlite" and len(needle) >= TRIGRAM


def _fts_match(needle: str):
    phrase = '"' + needle.replace('"', '""') + '"'
    return literal_column("order_search").op("MATCH")(phrase)


def _like_pattern(needle: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", needle) + "%"


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
    at_stage = None if search.stage is None else PARCEL_STAGES.op("&")(1 << search.stage) != 0
    if at_stage is not None and len(conditions) == 1:
        return at_stage  # the order's own row says; an order with no parcel yet is at Ordered
    if not conditions:
        return None
    one_parcel = exists().where(Shipment.order_id == Order.id, *conditions)
    return one_parcel if at_stage is None else and_(at_stage, one_parcel)


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
