"""One gevent web process serving 5,000 open tracking-page sockets: memory, delivery, broadcast.

Targets:
(a) memory per open socket <= 48 KiB: (VmRSS of the gunicorn worker with the sockets open - VmRSS
    after a few warm-up requests and before any socket) / sockets;
(b) with 50 scans a second arriving for random orders, p99 delivery latency <= 250 ms, from the
    commit to the frame having reached every socket watching that order;
(c) one order's update to 5,000 sockets all watching it: time from the commit to the last
    socket receiving the frame no longer than a bare asyncio `websockets` server's (compression
    off, `websockets.broadcast`) from the trigger to the last socket receiving the same bytes,
    measured in the same run with the same clients.

The app runs as `gunicorn -c gunicorn.conf.py wsgi:app` with MLN_WEB_WORKERS=1 and
MLN_WORKER_CONNECTIONS sized for the sockets plus requests, on a scratch database holding
--orders orders of one parcel each. The sockets live in a separate asyncio client process
(bench/ws_clients.py) and offer permessage-deflate as browsers do; the script checks the server
answered without it. This process ingests the scans as the worker does (`record_scans`, commit).

For (c) the server's own mln_push_latency_seconds histogram (live event created -> frame queued
for every socket) splits our figure: the part up to the listener's publish (wake-up, reading the
outbox, loading and rendering the order) and the part after it (gevent writing 5,000 sockets and
the clients reading them), which is what the baseline's figure compares with.

    .venv/bin/python -m bench.fanout [--sockets 5000] [--orders 1000] [--rate 50] [--duration 25]
        [--rounds 5] [--sqlite]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import requests
from sqlalchemy import select

from bench.common import (
    HOST,
    Summary,
    add_orders,
    bench_app,
    child_pids,
    cpu_seconds,
    free_port,
    live_server,
    load_average,
    metric,
    postgres_available,
    postgres_database,
    raise_open_files,
    rss_kib,
    table,
    verdict,
)
from bench.push_latency import delivery_ms, ingest_one
from bench.raw_broadcast import RawServer
from bench.ws_clients import Clients
from webapp.extensions import db
from webapp.models import LiveEvent

TARGET_KIB_PER_SOCKET = 48
TARGET_P99_MS = 250


def wait_for_sockets(base_url: str, count: int, timeout: float = 60) -> float:
    """Wait until the server counts this many open sockets; how many it counts."""
    deadline = time.monotonic() + timeout
    while True:
        open_now = metric(base_url, "mln_open_sockets")
        if open_now == count or time.monotonic() > deadline:
            return open_now
        time.sleep(0.2)


def warm_up(base_url: str, tokens: list[str]) -> None:
    """A few ordinary requests, so imports, templates and connections are in place."""
    for path in ["/readyz", "/metrics", *(f"/t/{token}" for token in tokens)]:
        requests.get(base_url + path, timeout=10).raise_for_status()


def check_handshakes(opened: dict, expected: int) -> None:
    """Every socket opened, offered permessage-deflate, and was answered without it."""
    if opened["opened"] != expected:
        raise RuntimeError(f"{opened['opened']} of {expected} sockets opened: {opened}")
    if not all("permessage-deflate" in offer for offer in opened["offered"]):
        raise RuntimeError(f"clients did not offer compression: {opened['offered']}")
    if set(opened["answered"]) != {"none"}:
        raise RuntimeError(f"the server accepted an extension: {opened['answered']}")


def memory_and_delivery(app, server, orders, args, rng) -> dict:
    """(a) and (b) on sockets spread over every order."""
    worker = child_pids(server.process.pid)[0]
    warm_up(server.url, [order.token for order in orders[:3]])
    time.sleep(1)
    before = rss_kib(worker)
    base = server.url.replace("http://", "ws://")
    socket_order = [n % len(orders) for n in range(args.sockets)]
    clients = Clients(args.clients)
    try:
        cpu = cpu_seconds(worker)
        opened = clients.open([f"{base}/t/{orders[n].token}/live" for n in socket_order])
        open_cpu = cpu_seconds(worker) - cpu
        check_handshakes(opened, args.sockets)
        counted = wait_for_sockets(server.url, args.sockets)
        time.sleep(2)
        after = rss_kib(worker)
        changes = []
        cpu = cpu_seconds(worker)
        started = time.monotonic()
        for serial in range(1, int(args.rate * args.duration) + 1):
            time.sleep(max(0.0, started + serial / args.rate - time.monotonic()))
            changes.append(ingest_one(app, orders, rng.randrange(len(orders)), serial))
        achieved = len(changes) / (time.monotonic() - started)
        time.sleep(2)
        delivery_cpu = cpu_seconds(worker) - cpu
        frames = clients.collect()
    finally:
        clients.stop()
    everyone, _each, lost = delivery_ms(changes, frames, socket_order)
    return {
        "worker": worker,
        "rss before": before,
        "rss after": after,
        "counted": counted,
        "open seconds": opened["seconds"],
        "open cpu": open_cpu,
        "delivery cpu": delivery_cpu,
        "offered": opened["offered"],
        "answered": opened["answered"],
        "mean snapshot bytes": opened["snapshot_bytes"] / args.sockets,
        "changes": len(changes),
        "rate": achieved,
        "everyone": everyone,
        "lost": lost,
        "frames": len(frames),
    }


def broadcast(app, server, worker: int, order, args, serial: int) -> dict:
    """(c): every socket on one order; per round, ms from the commit to the first and the last
    socket receiving the frame, and to the listener's publish."""
    base = server.url.replace("http://", "ws://")
    clients = Clients(args.clients)
    rounds, messages = [], []
    try:
        opened = clients.open([f"{base}/t/{order.token}/live"] * args.sockets)
        check_handshakes(opened, args.sockets)
        wait_for_sockets(server.url, args.sockets)
        time.sleep(2)
        for round_ in range(args.rounds):
            observed = _histogram(server.url)
            cpu = cpu_seconds(worker)
            change = ingest_one(app, [order], 0, serial + round_)
            frames = clients.expect(1, timeout=60)
            cpu = cpu_seconds(worker) - cpu
            messages.append(clients.sample())
            created = _newest_live_event(app)
            queued = _histogram(server.url)[0] - observed[0]  # seconds, created -> published
            published = created.timestamp() + queued
            arrivals = sorted(arrived for _socket, _mark, arrived, _size in frames)
            rounds.append(
                {
                    "received": len(frames),
                    "first": (arrivals[0] - change.committed) * 1000,
                    "last": (arrivals[-1] - change.committed) * 1000,
                    "published": (published - change.committed) * 1000,
                    "after publish": (arrivals[-1] - published) * 1000,
                    "server cpu": cpu * 1000,
                    "size": frames[0][3],
                }
            )
            time.sleep(1)
    finally:
        clients.stop()
    return {"rounds": rounds, "messages": messages}


def raw_broadcast(messages: list[str], args) -> list[dict]:
    """The baseline: round by round the same frames, from a bare asyncio websockets server to as
    many clients."""
    server = RawServer(free_port())
    clients = Clients(args.clients)
    rounds = []
    try:
        opened = clients.open([server.url] * args.sockets)
        check_handshakes(opened, args.sockets)
        time.sleep(2)
        for message in messages:
            cpu = cpu_seconds(server.process.pid)
            triggered = time.time()
            sent = server.send(message)
            frames = clients.expect(1, timeout=60)
            cpu = cpu_seconds(server.process.pid) - cpu
            arrivals = sorted(arrived for _socket, _mark, arrived, _size in frames)
            rounds.append(
                {
                    "received": len(frames),
                    "first": (arrivals[0] - triggered) * 1000,
                    "last": (arrivals[-1] - triggered) * 1000,
                    "returned": (sent["returned"] - triggered) * 1000,
                    "server cpu": cpu * 1000,
                    "size": frames[0][3],
                }
            )
            time.sleep(1)
    finally:
        clients.stop()
        server.stop()
    return rounds


def _histogram(base_url: str) -> tuple[float, float]:
    return (
        metric(base_url, "mln_push_latency_seconds_sum"),
        metric(base_url, "mln_push_latency_seconds_count"),
    )


def _newest_live_event(app) -> datetime:
    with app.app_context():
        created = db.session.scalar(
            select(LiveEvent.created_at).order_by(LiveEvent.seq.desc()).limit(1)
        )
        db.session.rollback()
    return created.astimezone(UTC)


def run(database: str, url: str, args, rng) -> dict:
    print(f"{database}: creating {args.orders} orders", flush=True)
    with bench_app(url, SQLITE_IMMEDIATE_TRANSACTIONS=True) as app:
        with app.app_context():
            orders = add_orders(args.orders)
        with live_server(url, workers=1, connections=args.sockets + 1000) as server:
            print(f"{database}: (a), (b) on {args.sockets} sockets", flush=True)
            spread = memory_and_delivery(app, server, orders, args, rng)
            if wait_for_sockets(server.url, 0) != 0:
                print(f"{database}: the server still counts open sockets", flush=True)
            print(f"{database}: (c) {args.sockets} sockets on one order", flush=True)
            worker = spread["worker"]
            spread["broadcast"] = broadcast(app, server, worker, orders[0], args, 10**6)
    return spread


def report(results: dict[str, dict], raw: list[dict], args) -> None:
    raw_last = statistics.median(r["last"] for r in raw)
    rows, detail = [], []
    for database, result in results.items():
        per_socket = (result["rss after"] - result["rss before"]) / args.sockets
        snapshots = result["mean snapshot bytes"] * min(args.orders, args.sockets)  # one per order
        rows.append(
            [
                f"{database}: (a) memory per open socket",
                f"{per_socket:.1f} KiB",
                f"<= {TARGET_KIB_PER_SOCKET} KiB",
                verdict(per_socket <= TARGET_KIB_PER_SOCKET),
                f"worker VmRSS {result['rss before'] / 1024:.1f} -> "
                f"{result['rss after'] / 1024:.1f} MiB with {result['counted']:.0f} sockets "
                f"(opened in {result['open seconds']:.0f} s, "
                f"{result['open cpu'] / args.sockets * 1000:.1f} ms of worker CPU each); "
                "the snapshot cache holds "
                f"~{snapshots / 1024 / args.sockets:.1f} KiB/socket of it",
            ]
        )
        s = Summary.of(result["everyone"])
        rows.append(
            [
                f"{database}: (b) commit -> every watcher, p99",
                f"{s.p99:.1f} ms",
                f"<= {TARGET_P99_MS} ms",
                verdict(s.p99 <= TARGET_P99_MS and not result["lost"]),
                f"{result['changes']} scans at {result['rate']:.1f}/s; p50 {s.p50:.1f}, "
                f"p95 {s.p95:.1f}, max {s.max:.1f} ms; {result['frames']} frames, "
                f"{result['lost']} deliveries missing; worker CPU "
                f"{result['delivery cpu'] / result['changes'] * 1000:.1f} ms per scan",
            ]
        )
        ours = result["broadcast"]["rounds"]
        last = statistics.median(r["last"] for r in ours)
        after = statistics.median(r["after publish"] for r in ours)
        rows.append(
            [
                f"{database}: (c) commit -> last of {args.sockets} sockets, median",
                f"{last:.1f} ms",
                f"<= {raw_last:.1f} ms (baseline)",
                verdict(last <= raw_last),
                f"rounds {_each(ours, 'last')} ms",
            ]
        )
        rows.append(
            [
                f"{database}: (c) listener's publish -> last socket, median",
                f"{after:.1f} ms",
                f"<= {raw_last:.1f} ms (baseline)",
                verdict(after <= raw_last),
                f"rounds {_each(ours, 'after publish')} ms",
            ]
        )
        detail.append(_detail(f"ours on {database}: commit", ours, "published"))
    rows.append(
        [
            "baseline: asyncio websockets.broadcast -> last socket, median",
            f"{raw_last:.1f} ms",
            "",
            "baseline",
            f"rounds {_each(raw, 'last')} ms",
        ]
    )
    detail.append(_detail("baseline: trigger", raw, "returned"))
    print()
    print(table(["measure", "figure", "target", "", "notes"], rows, right=False))
    print(f"\n(c) medians over {args.rounds} rounds, ms from the start named\n")
    print(
        table(
            [
                "server: from",
                "-> first socket",
                "-> publish / broadcast() returns",
                "-> last socket",
                "server CPU",
                "frames received",
                "frame bytes",
            ],
            detail,
        )
    )


def _detail(label: str, rounds: list[dict], middle: str) -> list:
    def median(key: str) -> str:
        return f"{statistics.median(r[key] for r in rounds):.1f}"

    return [
        label,
        median("first"),
        median(middle),
        median("last"),
        median("server cpu"),
        f"{min(r['received'] for r in rounds):,}",
        f"{min(r['size'] for r in rounds):,}-{max(r['size'] for r in rounds):,}",
    ]


def _each(rounds: list[dict], key: str) -> str:
    return ", ".join(f"{r[key]:.0f}" for r in rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50, help="scans per second for (b)")
    parser.add_argument("--duration", type=float, default=25, help="seconds of (b)")
    parser.add_argument("--rounds", type=int, default=5, help="broadcasts for (c), each side")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--sqlite", action="store_true", help="also run on SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    limit = raise_open_files()
    print(
        f"gunicorn -c gunicorn.conf.py: gevent, 1 worker, {args.sockets + 1000} worker "
        f"connections; open files limit {limit}; websockets {version('websockets')}, "
        f"flask-sock {version('flask-sock')}, simple-websocket {version('simple-websocket')}, "
        f"gevent {version('gevent')}; clients on {HOST}; {load_average()}",
        flush=True,
    )
    rng = random.Random(args.seed)
    results = {}
    problem = postgres_available()
    if problem:
        print(f"PostgreSQL skipped: {problem}")
    else:
        with postgres_database() as url:
            results["PostgreSQL"] = run("PostgreSQL", url, args, rng)
    if args.sqlite or problem:
        with tempfile.TemporaryDirectory(prefix="mln-bench-") as scratch:
            url = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
            results["SQLite"] = run("SQLite", url, args, rng)
    messages = next(iter(results.values()))["broadcast"]["messages"]
    print(f"baseline: {args.sockets} sockets on a bare asyncio websockets server", flush=True)
    raw = raw_broadcast(messages, args)
    report(results, raw, args)
    print(f"\nfinished; {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
