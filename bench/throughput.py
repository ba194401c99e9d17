"""Requests per second of /t/<token> under the production server, against a trivial Flask route.

Target: /t/<token> sustains at least half the throughput of a trivial Flask route served the same
way, measured in the same run. Both run under `gunicorn -c gunicorn.conf.py` (gevent workers, one
per core, as configured), and wrk drives them on 127.0.0.1 with the same connections and
duration. The trivial app (bench/trivial_app.py) is measured first and last; the ratio uses the
mean of those two runs.

Requests carry Chromium's Accept-Encoding, so the server does the compression a browser makes it
do (the trivial page is below COMPRESS_MIN_SIZE and never compressed).

    .venv/bin/python -m bench.throughput [--duration 10] [--connections 32] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    HOST,
    demo_server,
    free_port,
    gunicorn,
    load_average,
    migrate_quietly,
    postgres_available,
    postgres_database,
    server_env,
    table,
    verdict,
)
from bench.render import build_order
from webapp import create_app
from webapp.database import close_connections
from webapp.extensions import db

TARGET_RATIO = 0.5
BROWSER_ENCODING = "Accept-Encoding: gzip, deflate, br, zstd"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class Load:
    label: str
    rps: float
    requests: int
    p50: float
    p75: float
    p90: float
    p99: float
    errors: int  # non-2xx/3xx answers, connect, read and write errors
    timeouts: int  # requests wrk gave up on after --timeout
    bytes_per_request: float


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def _bytes(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]?B)", text).groups()
    return float(number) * 1024 ** ("B", "KB", "MB", "GB", "TB").index(unit)


def wrk(label: str, url: str, args: argparse.Namespace, duration: int | None = None) -> Load:
    """One bounded wrk run on 127.0.0.1; its requests/s, latency percentiles and errors."""
    assert url.startswith(f"http://{HOST}:"), url
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration or args.duration}s",
        "--timeout",
        f"{args.timeout}s",
        "--latency",
        "-H",
        BROWSER_ENCODING,
        url,
    ]
    out = subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
        timeout=(duration or args.duration) + 60,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    done = re.search(r"^\s+(\d+) requests in [\d.]+\w+, ([\d.]+\w+) read$", out, re.M)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    timeouts = 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        *failures, timeouts = (int(n) for n in socket.groups())
        errors += sum(failures)
    requests = int(done.group(1))
    return Load(
        label=label,
        rps=float(re.search(r"^Requests/sec:\s+([\d.]+)$", out, re.M).group(1)),
        requests=requests,
        p50=_ms(latency["50"]),
        p75=_ms(latency["75"]),
        p90=_ms(latency["90"]),
        p99=_ms(latency["99"]),
        errors=errors,
        timeouts=timeouts,
        bytes_per_request=_bytes(done.group(2)) / max(requests, 1),
    )


def measure(label: str, url: str, args: argparse.Namespace) -> Load:
    wrk(label, url, args, duration=args.warmup)  # workers import, compile and connect first
    load = wrk(label, url, args)
    print(
        f"  {label}: {load.rps:,.0f} req/s, p50 {load.p50:.1f} ms, p99 {load.p99:.1f} ms"
        + (f", {load.errors} errors" if load.errors else "")
        + (f", {load.timeouts} timed out (> {args.timeout} s)" if load.timeouts else ""),
        flush=True,
    )
    return load


def trivial(args: argparse.Namespace, label: str) -> Load:
    port = free_port()
    env = server_env(None, port)
    with gunicorn("bench.trivial_app:app", env, "/") as server:
        return measure(label, server.url + "/", args)


def add_big_order(database: str) -> str:
    """The render benchmark's order (3 shipments, 60 scans) in the served database."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        migrate_quietly()
        token = build_order()
        db.session.remove()
        close_connections()
    return token


def tracking(database_name: str, database: str, args: argparse.Namespace) -> list[Load]:
    loads = []
    with demo_server(database) as server:
        token = add_big_order(database)
        pages = {
            "LL-10238 (demo, split order)": server.order_url("LL-10238"),
            "3 shipments x 20 scans": f"{server.url}/t/{token}",
        }
        for name, url in pages.items():
            loads.append(measure(f"{database_name}: /t/<token> {name}", url, args))
    return loads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--timeout", type=int, default=5, help="seconds before wrk gives up")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: `make bench` installs Debian's wrk package", file=sys.stderr)
        return 2

    workers = os.environ.get("MLN_WEB_WORKERS", str(os.cpu_count()))
    print(
        f"gunicorn -c gunicorn.conf.py: gevent, {workers} workers; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"(after {args.warmup} s warm-up); {load_average()}",
        flush=True,
    )
    loads = [trivial(args, "trivial Flask route (first)")]
    with tempfile.TemporaryDirectory(prefix="mln-bench-") as scratch:
        loads += tracking("SQLite", f"sqlite:///{Path(scratch) / 'bench.sqlite3'}", args)
    problem = None if not args.no_postgres else "--no-postgres"
    problem = problem or postgres_available()
    if problem:
        print(f"PostgreSQL skipped: {problem}")
    else:
        with postgres_database() as url:
            loads += tracking("PostgreSQL", url, args)
    loads.append(trivial(args, "trivial Flask route (last)"))

    baseline = (loads[0].rps + loads[-1].rps) / 2
    rows = []
    for load in loads:
        is_trivial = load.label.startswith("trivial")
        ratio = load.rps / baseline
        rows.append(
            [
                load.label,
                f"{load.rps:,.0f}",
                load.requests,
                f"{load.p50:.1f}",
                f"{load.p75:.1f}",
                f"{load.p90:.1f}",
                f"{load.p99:.1f}",
                f"{args.connections / load.rps * 1000:.1f}",
                load.errors,
                load.timeouts,
                f"{load.bytes_per_request:,.0f}",
                f"{ratio:.2f}",
                "baseline" if is_trivial else verdict(ratio >= TARGET_RATIO),
            ]
        )
    print(
        f"\nthroughput, ratio to the trivial route's mean {baseline:,.0f} req/s "
        f"(target >= {TARGET_RATIO:.2f}); latency in ms: "
        "percentiles as wrk reports them (requests it timed out are left out), "
        "mean by Little's law (connections / req/s)\n"
    )
    print(
        table(
            [
                "server / route",
                "req/s",
                "requests",
                "p50",
                "p75",
                "p90",
                "p99",
                "mean",
                "errors",
                "timeouts",
                "B/response",
                "ratio",
                "",
            ],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
