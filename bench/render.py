"""Server time to render a big tracking page, in-process, on SQLite and on PostgreSQL.

Target: p95 under 25 ms for /t/<token> of an order with 3 shipments and 60 scans (20 each).
Baseline, in the same run and interleaved request by request: a trivial view registered on the
benchmark's own app instance, so it pays the same request machinery (limiter, headers, compress)
but no database and no template.

Each request goes through app.test_client(): routing, the view, Jinja, SQLAlchemy and the
database, and every after_request hook, but no socket and no WSGI server. Two client flavours:
no Accept-Encoding (render only), and Chromium's Accept-Encoding (render + compression, what a
browser costs the server).

    .venv/bin/python -m bench.render [--requests 500] [--warmup 50]
"""

from __future__ import annotations

import argparse
import gc
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import Flask, render_template
from sqlalchemy import event, select

from bench.common import (
    Summary,
    databases,
    load_average,
    migrate_quietly,
    table,
    verdict,
)
from webapp import create_app
from webapp.database import close_connections
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import Order, OrderItem, Shipment
from webapp.track.cards import shipment_views
from webapp.track.lookup import find_by_token
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status

TARGET_P95_MS = 25.0
SHIPMENTS = 3
SCANS_PER_SHIPMENT = 20
BROWSER_ENCODING = {"Accept-Encoding": "gzip, deflate, br, zstd"}
PLACED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PLACES = [
    ("London", "", "GB", 0),
    ("Birmingham", "", "GB", 0),
    ("East Midlands Airport", "", "GB", 0),
    ("Köln", "NRW", "DE", 60),
    ("Leipzig", "SN", "DE", 60),
    ("Berlin", "", "DE", 60),
]
# The last scan of each parcel: one delivered, one held up, one with the driver after a miss.
ENDINGS = [
    [(Status.OUT_FOR_DELIVERY, "Out for delivery"), (Status.DELIVERED, "Delivered, signed for")],
    [(Status.IN_TRANSIT, "Arrived at hub"), (Status.EXCEPTION, "Held by customs: documents")],
    [(Status.FAILED_ATTEMPT, "Recipient not at home"), (Status.OUT_FOR_DELIVERY, "With driver")],
]


def journey(parcel: int) -> list[CarrierScan]:
    """SCANS_PER_SHIPMENT scans: label, transit hops, then this parcel's ending."""
    steps = [(Status.INFO_RECEIVED, "Shipping label created, awaiting item")]
    hops = SCANS_PER_SHIPMENT - 1 - len(ENDINGS[parcel])
    steps += [(Status.IN_TRANSIT, f"Processed at facility, hop {hop + 1}") for hop in range(hops)]
    steps += ENDINGS[parcel]
    scans = []
    for index, (status, text) in enumerate(steps):
        city, region, country, offset = PLACES[index % len(PLACES)]
        scans.append(
            CarrierScan(
                occurred_at=PLACED + timedelta(hours=2 + 5 * index, minutes=7 * parcel),
                status=status,
                carrier_code=status.value.upper(),
                carrier_text=text,
                exception_reason="customs" if status is Status.EXCEPTION else None,
                utc_offset_minutes=offset,
                city=city,
                region=region,
                country=country,
                raw_payload={"event": index, "parcel": parcel, "status": status.value},
            )
        )
    return scans


def build_order() -> str:
    """The order of the target: 3 shipments of 20 scans each, stored as ingest stores them."""
    existing = db.session.scalar(select(Order.token).where(Order.number == "LL-BENCH-1"))
    if existing:
        return existing
    order = Order(
        number="LL-BENCH-1",
        email="bench@example.com",
        name="Bench Mark",
        postcode="LS6 2QT",
        country="GB",
        placed_at=PLACED,
        items=[
            OrderItem(sku=f"LL-SKU-{n:02d}", title=f"Product {n}", quantity=1) for n in range(4)
        ],
    )
    db.session.add(order)
    for parcel in range(SHIPMENTS):
        shipment = Shipment(
            carrier="dhl",
            tracking_number=f"33188100{parcel:02d}",
            service="Express Worldwide",
            last_checked_at=PLACED + timedelta(days=4),
            next_check_at=PLACED + timedelta(days=4, minutes=30),
        )
        order.shipments.append(shipment)
        db.session.flush()
        record_scans(shipment, journey(parcel))
    db.session.commit()
    events = sum(len(s.events) for s in order.shipments)
    assert events == SHIPMENTS * SCANS_PER_SHIPMENT, events
    return order.token


def trivial() -> str:
    return "ok"


@contextmanager
def bench_app(database_url: str, cache_bytes: int = 0):
    """The app on this database, with the page cache off (every request renders) or on."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PAGE_CACHE_BYTES": cache_bytes,
        }
    )
    app.add_url_rule("/bench-trivial", "bench_trivial", trivial)
    with app.app_context():
        migrate_quietly()
        token = build_order()
        db.session.remove()
    try:
        yield app, token
    finally:
        with app.app_context():
            db.session.remove()
            close_connections()


def time_requests(
    app: Flask, paths: dict[str, str], headers: dict, requests: int, warmup: int
) -> dict[str, list[float]]:
    """Milliseconds per request for each path, interleaved so both see the same conditions."""
    client = app.test_client()
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for name, path in paths.items():
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
    for round_ in range(warmup + requests):
        for name, path in paths.items():
            start = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            if round_ >= warmup:
                samples[name].append(elapsed)
    return samples


def phases(app: Flask, token: str, rounds: int, warmup: int) -> dict[str, list[float]]:
    """Where a render's time goes: the view's three steps, timed one by one (ms)."""
    with app.app_context():
        engine = db.engine
    in_sql: list[float] = []

    def before(conn, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, *_args) -> None:
        in_sql.append(time.perf_counter() - conn.info.pop("bench_started"))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    steps: dict[str, list[float]] = {
        "find_by_token: SQL in the driver": [],
        "find_by_token: ORM and the rest": [],
        "shipment_views": [],
        "render_template": [],
    }
    try:
        for round_ in range(warmup + rounds):
            with app.test_request_context(f"/t/{token}"):
                in_sql.clear()
                start = time.perf_counter()
                order = find_by_token(token)
                found = time.perf_counter()
                views = shipment_views(order)
                viewed = time.perf_counter()
                render_template("track/order.html", order=order, shipments=views)
                rendered = time.perf_counter()
                db.session.remove()
            if round_ >= warmup:
                sql = sum(in_sql)
                steps["find_by_token: SQL in the driver"].append(sql * 1000)
                steps["find_by_token: ORM and the rest"].append((found - start - sql) * 1000)
                steps["shipment_views"].append((viewed - found) * 1000)
                steps["render_template"].append((rendered - viewed) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return steps


CACHE_SETTINGS = {"off (render)": 0, "on (1 s window)": 32 * 1024 * 1024}


def run(database: str, url: str, requests: int, warmup: int) -> tuple[list[list], list[list]]:
    rows, breakdown = [], []
    for cache, cache_bytes in CACHE_SETTINGS.items():
        with bench_app(url, cache_bytes) as (app, token):
            paths = {"/t/<token>": f"/t/{token}", "/bench-trivial": "/bench-trivial"}
            if not cache_bytes:
                page = app.test_client().get(paths["/t/<token>"])
                print(
                    f"{database}: /t/<token> is {len(page.data):,} B of HTML "
                    f"({SHIPMENTS} shipments, {SHIPMENTS * SCANS_PER_SHIPMENT} scans)",
                    flush=True,
                )
            rows += _timed_rows(app, paths, database, cache, requests, warmup)
            if not cache_bytes:
                for step, values in phases(app, token, requests // 2, warmup).items():
                    s = Summary.of(values)
                    breakdown.append(
                        [database, step, f"{s.p50:.2f}", f"{s.p95:.2f}", f"{s.mean:.2f}"]
                    )
    return rows, breakdown


def _timed_rows(app, paths, database, cache, requests, warmup) -> list[list]:
    rows = []
    for flavour, headers in (("identity", {}), ("browser", BROWSER_ENCODING)):
        gc.collect()
        samples = time_requests(app, paths, headers, requests, warmup)
        for name, values in samples.items():
            s = Summary.of(values)
            is_page = name == "/t/<token>"
            rows.append(
                [
                    database,
                    name if is_page else f"{name} (baseline)",
                    cache if is_page else "",
                    flavour,
                    s.n,
                    f"{s.p50:.2f}",
                    f"{s.p95:.2f}",
                    f"{s.p99:.2f}",
                    f"{s.mean:.2f}",
                    f"{s.max:.2f}",
                    verdict(s.p95 < TARGET_P95_MS) if is_page else "baseline",
                ]
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    print(f"in-process through app.test_client(); {load_average()}", flush=True)
    rows, breakdown = [], []
    for database, url in databases():
        more, steps = run(database, url, args.requests, args.warmup)
        rows += more
        breakdown += steps
    print(
        f"\nms per request, {args.requests} requests after {args.warmup} warm-up, "
        f"target p95 < {TARGET_P95_MS:.0f} ms for /t/<token>\n"
    )
    print(
        table(
            [
                "database",
                "route",
                "page cache",
                "Accept-Encoding",
                "n",
                "p50",
                "p95",
                "p99",
                "mean",
                "max",
                "",
            ],
            rows,
        )
    )
    print(f"\nwhere /t/<token>'s time goes, ms per step ({args.requests // 2} renders)\n")
    print(table(["database", "step", "p50", "p95", "mean"], breakdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
