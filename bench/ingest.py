"""Scans per second one process ingests through webapp.ingest, as tracking_events grows to 1M rows.

Target: at least 2,000 scans/s at every table size, and flat: the rate at 1M events no lower
than 0.8 of the rate at 10k (0.8 is this script's reading of "flat"; the ratio is printed).

Each measured transaction is a batch as a webhook or a bulk poll delivers it: --scans scans
(default 100) over --shipments shipments (10 each), of which --duplicates were seen before (a feed
repeats its last scans) and --noticing end out for delivery (news that queues a customer e-mail
in the same transaction), the shipments loaded with their orders in one query, passed to
`record_batch`, then one commit. On SQLite the app runs with SQLITE_IMMEDIATE_TRANSACTIONS as the
worker does; on PostgreSQL `record_batch` also sends its NOTIFY.

Baseline, interleaved batch by batch at the same table size: a bare Core executemany INSERT of as
many tracking_events rows, same columns and contents, committed per batch: what the database
charges for the rows alone, without the ORM, the dedupe read, the recompute or the live event.

The table is filled between sizes with bulk inserts (Core executemany on SQLite, COPY on
PostgreSQL, then ANALYZE) over orders of one parcel with --history events each and the two
e-mails they were sent (confirmation, shipment notice), the shape the measured shipments have
too. The scans that rows are measured on go to shipments not touched before, so every
transaction sees a history of --history events, as a real poll would; the baseline's rows go to
the same shipments right after.

    .venv/bin/python -m bench.ingest [--sizes 10000 100000 1000000] [--batches 30] [--scans 100]
        [--shipments 10] [--duplicates 5] [--history 20] [--noticing 5] [--warmup 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import false, func, insert, literal, null, select, text
from sqlalchemy.orm import joinedload

from bench.common import (
    Summary,
    bench_app,
    databases,
    load_average,
    table,
    verdict,
)
from webapp import ingest
from webapp.extensions import db
from webapp.ingest import record_batch
from webapp.models import Notification, Order, Shipment, TrackingEvent
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status

TARGET_SCANS_PER_SECOND = 2000
TARGET_FLATNESS = 0.8
CHUNK = 20_000
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PLACES = [("London", "GB"), ("Birmingham", "GB"), ("Leeds", "GB"), ("Köln", "DE")]
EVENT_COLUMNS = [
    "shipment_id",
    "occurred_at",
    "utc_offset_minutes",
    "status",
    "exception_reason",
    "carrier_code",
    "carrier_text",
    "city",
    "region",
    "postcode",
    "country",
    "source",
    "dedupe_key",
    "raw_payload",
    "recorded_at",
]


def scan(shipment: int, index: int, tag: str = "", status: Status | None = None) -> CarrierScan:
    """The index-th scan of a shipment, the same every time it is asked for (so it dedupes)."""
    city, country = PLACES[index % len(PLACES)]
    return CarrierScan(
        occurred_at=START + timedelta(hours=index, minutes=shipment % 60),
        status=status or (Status.INFO_RECEIVED if index == 0 else Status.IN_TRANSIT),
        carrier_code="PU" if index else "LBL",
        carrier_text=f"Processed at {city} hub" if index else "Shipping label created",
        city=city,
        country=country,
        utc_offset_minutes=60 if country == "DE" else 0,
        raw_payload={"shipment": shipment, "event": index, "code": "PU"},
        key=f"{tag}{shipment}-{index}",
    )


def event_row(shipment_id: int, scan_: CarrierScan, recorded: datetime) -> dict:
    """A tracking_events row as record_batch would store this scan, with its recorded time."""
    return {**ingest.event_row(scan_, shipment_id, "poll"), "recorded_at": recorded}


# --- Filling the table --------------------------------------------------------------------------


def add_shipments(count: int) -> list[int]:
    """`count` orders of one shipment each, by Core executemany; the new shipments' ids."""
    first = db.session.scalar(select(func.coalesce(func.max(Order.id), 0))) + 1
    placed = START - timedelta(days=1)
    for start in range(first, first + count, CHUNK):
        ids = range(start, min(start + CHUNK, first + count))
        db.session.execute(
            insert(Order),
            [
                {
                    "id": n,
                    "number": f"LL-F{n:08d}",
                    "email": f"fill{n}@example.com",
                    "name": "Fill",
                    "postcode": "LS6 2QT",
                    "country": "GB",
                    "placed_at": placed,
                }
                for n in ids
            ],
        )
        db.session.execute(
            insert(Shipment),
            [
                {
                    "id": n,
                    "order_id": n,
                    "carrier": "dhl",
                    "tracking_number": f"F{n:010d}",
                    "status": Status.IN_TRANSIT.value,
                    "stage": 2,
                }
                for n in ids
            ],
        )
    add_sent_notifications(first, first + count)
    db.session.commit()
    _fix_sequences()
    return list(range(first, first + count))


def add_sent_notifications(first: int, end: int) -> None:
    """What each filled order has been mailed already: its confirmation and its shipment notice,
    so the queue's unique indexes are as big as the table's history makes them."""
    columns = ["order_id", "shipment_id", "kind", "channel", "recipient", "status", "manual"]
    columns += ["attempts", "created_at"]
    for kind, shipment_id in (("order_confirmation", null()), ("shipped", Shipment.id)):
        sent = select(
            Shipment.order_id,
            shipment_id,
            literal(kind),
            literal("email"),
            Order.email,
            literal("sent"),
            false(),
            literal(1),
            literal(START),
        ).join(Order, Order.id == Shipment.order_id)
        sent = sent.where(Shipment.id >= first, Shipment.id < end)
        db.session.execute(insert(Notification).from_select(columns, sent))


def _fix_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids given explicitly above."""
    if db.engine.dialect.name != "postgresql":
        return
    for table_name in ("orders", "shipments"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table_name}))"
            )
        )
    db.session.commit()


def fill_events(shipments: list[int], history: int) -> None:
    """`history` events for each of these shipments: COPY on PostgreSQL, executemany on SQLite."""
    recorded = datetime.now(UTC)
    rows = (
        event_row(shipment, scan(shipment, index), recorded)
        for shipment in shipments
        for index in range(history)
    )
    if db.engine.dialect.name == "postgresql":
        _copy_events(rows)
    else:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                db.session.execute(insert(TrackingEvent.__table__), chunk)
                chunk = []
        if chunk:
            db.session.execute(insert(TrackingEvent.__table__), chunk)
        db.session.commit()


def _copy_events(rows) -> None:
    columns = ", ".join(EVENT_COLUMNS)
    connection = db.session.connection().connection.driver_connection
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY tracking_events ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            row["raw_payload"] = json.dumps(row["raw_payload"])
            copy.write_row([row[column] for column in EVENT_COLUMNS])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def row_count(model=TrackingEvent) -> int:
    count = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return count


# --- Measuring ----------------------------------------------------------------------------------


def batch_plan(shipments: list[int], args, rng: random.Random, tag: str) -> list[list]:
    """Per shipment of a batch: its id and its scans, the first --duplicates of the batch
    already stored; the last scan of --noticing of them is out for delivery, news that queues
    an e-mail."""
    per_shipment = args.scans // args.shipments
    plan = []
    duplicates = args.duplicates
    for number, shipment in enumerate(shipments):
        seen = min(duplicates, per_shipment)
        duplicates -= seen
        old = [scan(shipment, args.history - 1 - n) for n in range(seen)]
        new = [scan(shipment, args.history + n, tag) for n in range(per_shipment - seen)]
        if number < args.noticing and new:
            last = args.history + len(new) - 1
            new[-1] = scan(shipment, last, tag, Status.OUT_FOR_DELIVERY)
        plan.append([shipment, old + new])
    rng.shuffle(plan)
    return plan


def ingest_batch(app, plan: list[list]) -> tuple[float, float, int]:
    """One transaction through record_batch, its shipments loaded with their orders in one query;
    seconds it took, seconds of this process's CPU it took, and events stored."""
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        wanted = [shipment_id for shipment_id, _ in plan]
        loaded = db.session.scalars(
            select(Shipment).where(Shipment.id.in_(wanted)).options(joinedload(Shipment.order))
        )
        shipments = {shipment.id: shipment for shipment in loaded}
        added = record_batch([(shipments[shipment_id], scans) for shipment_id, scans in plan])
        db.session.commit()
    stored = sum(map(len, added.values()))
    return time.perf_counter() - started, time.process_time() - cpu, stored


def insert_batch(app, plan: list[list]) -> float:
    """The baseline: as many rows, bare Core executemany, one commit; seconds it took."""
    recorded = datetime.now(UTC)
    rows = [event_row(shipment, scan_, recorded) for shipment, scans in plan for scan_ in scans]
    started = time.perf_counter()
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(TrackingEvent.__table__), rows)
    return time.perf_counter() - started


def measure(app, chosen: list[int], args, rng: random.Random) -> dict:
    """--batches ingest transactions, each followed by a baseline one on the same shipments,
    after --warmup of each."""
    ingest_seconds, ingest_cpu, insert_seconds, stored = [], [], [], 0
    all_new = argparse.Namespace(**{**vars(args), "duplicates": 0})
    for n in range(args.warmup):  # statement caches and connections, not measured
        shipments = chosen[(args.batches + n) * args.shipments :][: args.shipments]
        ingest_batch(app, batch_plan(shipments, args, rng, "new-"))
        insert_batch(app, batch_plan(shipments, all_new, rng, "bare-"))
    for n in range(args.batches):
        shipments = chosen[n * args.shipments : (n + 1) * args.shipments]
        seconds, cpu, added = ingest_batch(app, batch_plan(shipments, args, rng, "new-"))
        ingest_seconds.append(seconds)
        ingest_cpu.append(cpu)
        stored += added
        # The baseline stores as many rows as were offered, all of them new.
        insert_seconds.append(insert_batch(app, batch_plan(shipments, all_new, rng, "bare-")))
    return {
        "ingest": ingest_seconds,
        "cpu": ingest_cpu,
        "insert": insert_seconds,
        "stored": stored,
    }


def run(database: str, url: str, args, rng: random.Random) -> list[dict]:
    results = []
    filled: list[int] = []
    used: set[int] = set()
    with bench_app(url, SQLITE_IMMEDIATE_TRANSACTIONS=True) as app, app.app_context():
        for size in args.sizes:
            started = time.perf_counter()
            shipments = add_shipments(max(size - row_count(), 0) // args.history)
            fill_events(shipments, args.history)
            filled += shipments
            before = row_count()
            print(
                f"  {database}: {before:,} events "
                f"(filled in {time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            fresh = [shipment for shipment in filled if shipment not in used]
            chosen = rng.sample(fresh, (args.batches + args.warmup) * args.shipments)
            used.update(chosen)
            db.session.remove()
            mailed = row_count(Notification)
            result = measure(app, chosen, args, rng)
            result["size"] = f"{before:,} -> {row_count():,}"
            mailed = row_count(Notification) - mailed
            print(f"  {database}: {mailed:,} e-mails queued by the transactions, {before:,} events")
            results.append(result)
    return results


def rows_for(database: str, results: list[dict], args) -> tuple[list[list], float]:
    rows = []
    first_rate = None
    rate = 0.0
    for result in results:
        offered = args.batches * args.scans
        rate = offered / sum(result["ingest"])
        bare = offered / sum(result["insert"])
        first_rate = first_rate or rate
        ms = Summary.of([seconds * 1000 for seconds in result["ingest"]])
        bare_ms = Summary.of([seconds * 1000 for seconds in result["insert"]])
        rows.append(
            [
                database,
                result["size"],
                f"{rate:,.0f}",
                f"{result['stored'] / sum(result['ingest']):,.0f}",
                f"{ms.p50:.1f}",
                f"{ms.p95:.1f}",
                f"{sum(result['cpu']) / args.batches * 1000:.1f}",
                f"{offered / sum(result['cpu']):,.0f}",
                f"{bare:,.0f}",
                f"{bare_ms.p50:.1f}",
                f"{rate / bare:.2f}",
                f"{rate / first_rate:.2f}",
                verdict(rate >= TARGET_SCANS_PER_SECOND),
            ]
        )
    return rows, rate / first_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--batches", type=int, default=30, help="measured transactions per size")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured transactions first")
    parser.add_argument("--scans", type=int, default=100, help="scans per transaction")
    parser.add_argument("--shipments", type=int, default=10, help="shipments per transaction")
    parser.add_argument("--duplicates", type=int, default=5, help="already-seen scans per batch")
    parser.add_argument("--history", type=int, default=20, help="events per shipment")
    parser.add_argument(
        "--noticing", type=int, default=5, help="shipments per batch whose news queues an e-mail"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    print(
        f"one process, {args.batches} transactions per size of {args.scans} scans over "
        f"{args.shipments} shipments ({args.duplicates} seen before), {args.history} events per "
        f"shipment; {load_average()}",
        flush=True,
    )
    rng = random.Random(args.seed)
    rows, verdicts = [], []
    for database, url in databases():
        results = run(database, url, args, rng)
        more, flatness = rows_for(database, results, args)
        rows += more
        verdicts.append(
            f"{database}: {results[-1]['size']} / {results[0]['size']} = {flatness:.2f} "
            f"({verdict(flatness >= TARGET_FLATNESS)}, target >= {TARGET_FLATNESS})"
        )
        if args.no_postgres:
            break
    print(
        f"\nscans/s = scans offered (duplicates included) / time in the transactions; "
        f"target >= {TARGET_SCANS_PER_SECOND:,} at every size; ms per transaction of "
        f"{args.scans} scans; CPU ms = this process's CPU time per transaction (the database "
        "server's is extra on PostgreSQL), scans/CPU s = what a core of its own would do\n"
    )
    print(
        table(
            [
                "database",
                "events in table",
                "scans/s",
                "new events/s",
                "ms p50",
                "ms p95",
                "CPU ms",
                "scans/CPU s",
                "bare INSERT rows/s",
                "bare ms p50",
                "ours / bare",
                "vs smallest",
                "",
            ],
            rows,
        )
    )
    print("\nflat (rate at the largest size / at the smallest):")
    for line in verdicts:
        print(f"  {line}")
    print(f"\nfinished; {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
