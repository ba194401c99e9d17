"""Latency from a scan's commit to its frame on open tracking pages, on SQLite and on PostgreSQL.

Targets, commit to frame received: PostgreSQL p50 <= 20 ms and p99 <= 100 ms; SQLite p50 <= 100 ms
and p99 <= 250 ms.

The app runs under `gunicorn -c gunicorn.conf.py wsgi:app` (gevent, one worker by default). A
client process (bench/ws_clients.py) opens sockets on a few orders' pages. This process then
ingests one scan at a time into a random one of those orders, as the worker does
(`webapp.ingest.record_scans`, then commit), at random gaps, and takes time.time() right after
each commit. Every scan's text carries its serial, so the client knows which change a frame
shows; a change's latency is the time until the first frame showing it (or a later change of the
same order) reached every socket watching that order. Clients and this process share the clock.

Floors, measured in the same run on the same database and at the same pace:
- PostgreSQL: a bare LISTEN/NOTIFY round trip with psycopg: NOTIFY in a committing transaction,
  a thread blocked in `notifies()` on another connection wakes up.
- SQLite: there is no notification, the listener polls the outbox every MLN_LIVE_POLL_SECONDS,
  which alone costs half the interval on average. A bare poll loop (sqlite3, same interval, same
  kind of query) on a scratch outbox table measures that, and the outbox query is timed alone.

    .venv/bin/python -m bench.push_latency [--changes 400] [--orders 8] [--watchers 1]
        [--gap-ms 20 50] [--workers 1] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from importlib.metadata import version

import psycopg
from sqlalchemy import make_url, select

from bench.common import (
    Summary,
    Watched,
    add_orders,
    bench_app,
    bench_scan,
    databases,
    live_server,
    load_average,
    metric,
    table,
    verdict,
)
from bench.ws_clients import Clients
from webapp.config import DEFAULTS
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import LiveEvent, Shipment

TARGETS_MS = {"PostgreSQL": (20.0, 100.0), "SQLite": (100.0, 250.0)}  # p50, p99
POLL_SECONDS = DEFAULTS["LIVE_POLL_SECONDS"]


@dataclass(frozen=True)
class Change:
    serial: int
    order: int  # index into the watched orders
    committed: float  # time.time() right after the commit
    commit_ms: float  # how long the commit itself took


def ingest_one(app, orders: list[Watched], index: int, serial: int) -> Change:
    """One scan into one order's shipment in its own transaction, as the worker records a poll."""
    with app.app_context():
        shipment = db.session.get(Shipment, orders[index].shipment_id)
        record_scans(shipment, [bench_scan(serial)])
        before = time.time()
        db.session.commit()
        committed = time.time()
    return Change(serial, index, committed, (committed - before) * 1000)


def ingest_paced(app, orders: list[Watched], args, rng: random.Random) -> list[Change]:
    """One scan per transaction into a random order, at random gaps; when each one committed."""
    changes = []
    for serial in range(1, args.changes + 1):
        time.sleep(rng.uniform(*args.gap_ms) / 1000)
        changes.append(ingest_one(app, orders, rng.randrange(len(orders)), serial))
    return changes


def delivery_ms(
    changes: list[Change], frames: list, socket_order: list[int]
) -> tuple[list[float], list[float], int]:
    """Per change, ms until every watcher had it; per (change, socket) the same; changes lost."""
    by_socket: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for socket, mark, arrived, _size in frames:
        if mark is not None:
            by_socket[socket].append((arrived, mark))
    watchers: dict[int, list[int]] = defaultdict(list)
    for socket, order in enumerate(socket_order):
        watchers[order].append(socket)
    everyone, each, lost = [], [], 0
    for change in changes:
        arrivals = []
        for socket in watchers[change.order]:
            arrived = next((t for t, mark in by_socket[socket] if mark >= change.serial), None)
            if arrived is None:
                lost += 1
                continue
            arrivals.append((arrived - change.committed) * 1000)
        each += arrivals
        if len(arrivals) == len(watchers[change.order]):
            everyone.append(max(arrivals))
    return everyone, each, lost


def app_latency(database: str, url: str, args, rng: random.Random) -> tuple[list[list], dict]:
    """Latency through the app; table rows and a few facts about the run."""
    with bench_app(url, SQLITE_IMMEDIATE_TRANSACTIONS=True) as app:
        with app.app_context():
            orders = add_orders(args.orders)
        with live_server(url, workers=args.workers) as server:
            base = server.url.replace("http://", "ws://")
            socket_order = [n for n in range(len(orders)) for _ in range(args.watchers)]
            clients = Clients()
            try:
                opened = clients.open([f"{base}/t/{orders[n].token}/live" for n in socket_order])
                assert opened["opened"] == len(socket_order), opened
                observed = _push_histogram(server.url)
                changes = ingest_paced(app, orders, args, rng)
                time.sleep(1.0)
                frames = clients.collect()
                observed = [
                    b - a for a, b in zip(observed, _push_histogram(server.url), strict=True)
                ]
            finally:
                clients.stop()
    everyone, each, lost = delivery_ms(changes, frames, socket_order)
    commit = Summary.of([change.commit_ms for change in changes])
    facts = {
        "sockets": len(socket_order),
        "answered": opened["answered"],
        "frames": len(frames),
        "lost": lost,
        "commit p50": commit.p50,
        "listener mean": observed[0] / observed[1] * 1000 if observed[1] else float("nan"),
        "frame bytes": Summary.of([size for *_rest, size in frames]) if frames else None,
    }
    p50_target, p99_target = TARGETS_MS[database]
    s = Summary.of(everyone)
    met = s.p50 <= p50_target and s.p99 <= p99_target and not lost
    rows = [
        _row(database, "commit -> frame at every watcher (the app)", everyone, verdict(met)),
    ]
    if args.watchers > 1:
        rows.append(_row(database, "commit -> frame, each socket", each, ""))
    return rows, facts


def _push_histogram(base_url: str) -> list[float]:
    """The server's mln_push_latency_seconds: (sum, count)."""
    return [
        metric(base_url, "mln_push_latency_seconds_sum"),
        metric(base_url, "mln_push_latency_seconds_count"),
    ]


def _row(database: str, path: str, samples: list[float], outcome: str) -> list:
    s = Summary.of(samples)
    return [
        database,
        path,
        s.n,
        f"{s.p50:.1f}",
        f"{s.p95:.1f}",
        f"{s.p99:.1f}",
        f"{s.mean:.1f}",
        f"{s.max:.1f}",
        outcome,
    ]


# --- Floors -------------------------------------------------------------------------------------


def notify_floor(url: str, args, rng: random.Random) -> list[float]:
    """ms from a committed NOTIFY (time.time() after COMMIT) to a LISTENing thread waking."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    woke: dict[str, float] = {}
    ready = threading.Event()

    def listen() -> None:
        with psycopg.connect(conninfo, autocommit=True) as listener:
            listener.execute("LISTEN bench_floor")
            ready.set()
            for note in listener.notifies():
                woke[note.payload] = time.time()
                if note.payload == "stop":
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    ready.wait(10)
    committed = {}
    with psycopg.connect(conninfo) as notifier:
        for serial in range(args.changes):
            time.sleep(rng.uniform(*args.gap_ms) / 1000)
            with notifier.transaction():
                notifier.execute("SELECT pg_notify('bench_floor', %s)", [str(serial)])
            committed[str(serial)] = time.time()
        notifier.execute("SELECT pg_notify('bench_floor', 'stop')")
        notifier.commit()
    thread.join(10)
    return [(woke[key] - at) * 1000 for key, at in committed.items() if key in woke]


def poll_floor(url: str, args, rng: random.Random) -> tuple[list[float], list[float]]:
    """A bare poll loop on SQLite: ms from an outbox row's commit to a poller seeing it; and ms
    per bare outbox query on the app's live_events."""
    path = make_url(url).database
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE bench_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL)")
    seen: dict[int, float] = {}
    stop = threading.Event()

    def poll() -> None:
        reader = sqlite3.connect(path, check_same_thread=False)
        after = 0
        while not stop.is_set():
            time.sleep(POLL_SECONDS)
            rows = reader.execute(
                "SELECT seq FROM bench_outbox WHERE seq > ? ORDER BY seq LIMIT 1000", [after]
            ).fetchall()
            now = time.time()
            for (seq,) in rows:
                seen[seq] = now
                after = seq
        reader.close()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    committed = {}
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    for _ in range(args.changes):
        time.sleep(rng.uniform(*args.gap_ms) / 1000)
        writer.execute("BEGIN IMMEDIATE")
        seq = writer.execute("INSERT INTO bench_outbox (at) VALUES (0)").lastrowid
        writer.execute("COMMIT")
        committed[seq] = time.time()
    time.sleep(POLL_SECONDS * 3)
    stop.set()
    thread.join(5)
    writer.close()
    return [(seen[seq] - at) * 1000 for seq, at in committed.items() if seq in seen], outbox_query(
        url
    )


def outbox_query(url: str) -> list[float]:
    """ms per outbox read as the listener's OutboxReader.read() does it (SQLAlchemy, one SELECT
    and a rollback), 200 times."""
    with bench_app(url) as app, app.app_context():
        after = db.session.scalar(select(LiveEvent.seq).order_by(LiveEvent.seq.desc()).limit(1))
        query = select(LiveEvent.seq, LiveEvent.order_id).where(LiveEvent.seq > (after or 0) - 5)
        samples = []
        for _ in range(200):
            start = time.perf_counter()
            db.session.execute(query.order_by(LiveEvent.seq).limit(1000)).all()
            db.session.rollback()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def floors(database: str, url: str, args, rng: random.Random) -> list[list]:
    if database == "PostgreSQL":
        return [
            _row(
                database,
                "bare LISTEN/NOTIFY, commit -> wake (floor)",
                notify_floor(url, args, rng),
                "floor",
            )
        ]
    polled, query = poll_floor(url, args, rng)
    implied = POLL_SECONDS * 1000
    return [
        [
            database,
            f"poll every {implied:.0f} ms: wait implied (floor)",
            "",
            f"{implied / 2:.1f}",
            f"{implied * 0.95:.1f}",
            f"{implied * 0.99:.1f}",
            f"{implied / 2:.1f}",
            f"{implied:.1f}",
            "floor",
        ],
        _row(database, "bare poll loop, commit -> seen (floor)", polled, "floor"),
        _row(database, "bare outbox query + rollback", query, "floor"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=400, help="scans ingested per database")
    parser.add_argument("--orders", type=int, default=8, help="orders changed and watched")
    parser.add_argument("--watchers", type=int, default=1, help="sockets per order")
    parser.add_argument("--gap-ms", type=float, nargs=2, default=(20.0, 50.0))
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    print(
        f"gunicorn -c gunicorn.conf.py: gevent, {args.workers} worker(s); {args.changes} scans "
        f"over {args.orders} orders x {args.watchers} socket(s), {args.gap_ms[0]:.0f}-"
        f"{args.gap_ms[1]:.0f} ms apart; websockets {version('websockets')}, flask-sock "
        f"{version('flask-sock')}; {load_average()}",
        flush=True,
    )
    rng = random.Random(args.seed)
    rows, notes = [], []
    for database, url in databases():
        more, facts = app_latency(database, url, args, rng)
        print(f"  {database}: {more[0][1]} p50 {more[0][3]} ms, p99 {more[0][5]} ms", flush=True)
        rows += floors(database, url, args, rng) + more
        notes.append((database, facts))
        if args.no_postgres:
            break

    print(
        "\nms from commit (time.time() after COMMIT returns) to arrival; targets: "
        + "; ".join(
            f"{db_} p50 <= {p50:.0f}, p99 <= {p99:.0f}" for db_, (p50, p99) in TARGETS_MS.items()
        )
        + "\n"
    )
    print(table(["database", "path", "n", "p50", "p95", "p99", "mean", "max", ""], rows))
    print()
    for database, facts in notes:
        frame = facts["frame bytes"]
        print(
            f"{database}: {facts['sockets']} sockets, "
            f"extensions answered {dict(facts['answered'])}; "
            f"{facts['frames']} frames received, {facts['lost']} changes never seen; "
            f"commit p50 {facts['commit p50']:.1f} ms; server's mln_push_latency_seconds mean "
            f"(live event created -> frame queued) {facts['listener mean']:.1f} ms"
            + (f"; frame {frame.p50:,.0f} B median, {frame.max:,.0f} B max" if frame else "")
        )
    print(f"\nfinished; {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
